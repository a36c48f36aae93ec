"""R17's default questionnaire and consent text as version 1 at every existing clinic."""

from django.db import migrations


def seed(apps, schema_editor):
    from clinic.paperwork import seed_defaults

    for clinic in apps.get_model("clinic", "Clinic").objects.all():
        seed_defaults(
            clinic,
            question_model=apps.get_model("clinic", "Question"),
            version_model=apps.get_model("clinic", "QuestionnaireVersion"),
            consent_model=apps.get_model("clinic", "ConsentVersion"),
        )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0010_paperwork")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
