"""R7 in the database: on PostgreSQL no practitioner and no client can hold two live sessions
that overlap, whoever writes the rows (two clinics booking the same person at once).

Not in the model's Meta because SQLite has no GiST: there the IMMEDIATE transaction of the
booking service serialises all writers, so the service's own check is race-free.
"""

from django.db import migrations

LIVE = "status IN ('booked', 'checked_in', 'completed')"
CONSTRAINTS = {
    "no_practitioner_overlap": "practitioner_id",
    "no_client_overlap": "client_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE sessions_app_treatmentsession ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE ({LIVE})"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE sessions_app_treatmentsession DROP CONSTRAINT IF EXISTS {name}"
        )


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0001_initial")]
    operations = [migrations.RunPython(add_constraints, drop_constraints)]
