"""The paperwork reminder of R17: 3 days before session 1, while the paperwork is missing."""

import datetime as dt

from django.db import migrations

STEP = dict(kind="paperwork_reminder", name="Please complete your paperwork (3 days before session 1)",
            anchor="session_start", day_offset=-3, send_time=dt.time(10), by_email=True, by_sms=False,
            template="paperwork", after_session=1)


def seed(apps, schema_editor):
    apps.get_model("aftercare", "ScheduleStep").objects.get_or_create(kind=STEP["kind"], defaults=STEP)


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0005_paperwork_template")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
