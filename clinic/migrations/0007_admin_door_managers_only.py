"""The admin is for managers and superusers only: front-desk and practitioner logins lose
`is_staff` (they work in Pigment's own pages). Managers keep it."""

from django.db import migrations


def close_the_door(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.filter(
        is_superuser=False, staff_profile__role__in=["front_desk", "practitioner"]
    ).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0006_opening_hours_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(close_the_door, migrations.RunPython.noop)]
