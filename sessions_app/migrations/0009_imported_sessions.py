"""Past sessions imported from a clinic's spreadsheet (R20): flagged, and left out of the
PostgreSQL overlap constraints (their times are placeholders on the right day, and the
practitioner is the import's placeholder account)."""

from django.db import migrations, models

OLD_LIVE = "status IN ('booked', 'checked_in', 'completed')"
NEW_LIVE = "status IN ('booked', 'checked_in', 'completed') AND NOT imported"
CONSTRAINTS = {
    "no_practitioner_overlap": "practitioner_id",
    "no_client_overlap": "client_id",
}


def _recreate(where):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, column in CONSTRAINTS.items():
            schema_editor.execute(
                f"ALTER TABLE sessions_app_treatmentsession DROP CONSTRAINT IF EXISTS {name}"
            )
            schema_editor.execute(
                f"ALTER TABLE sessions_app_treatmentsession ADD CONSTRAINT {name} "
                f"EXCLUDE USING gist ({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                f"WHERE ({where})"
            )
    return run


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0008_session_hours_override")]
    operations = [
        migrations.AddField(
            model_name="historicaltreatmentsession", name="imported",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="treatmentsession", name="imported",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(_recreate(NEW_LIVE), _recreate(OLD_LIVE)),
    ]
