"""The default aftercare schedule of DOMAIN.md R12, R13 and R15. Managers change it in the
admin; this only seeds what is missing (by kind), and removes nothing on the way back."""

import datetime as dt

from django.db import migrations

AVOID_SUN_BODY = (
    "Hello {{ first_name }},\n\n"
    "While the pigment from your session on {{ session_end_date|long_day }} settles, please keep "
    "your scalp out of direct sun: wear a hat or use a high-factor sunscreen until "
    "{{ session_end_date|plus_days:30|long_day }}.\n\n"
    "{{ clinic_name }} - {{ clinic_phone }}"
)

DEFAULT_STEPS = [
    dict(kind="aftercare_instructions", name="Aftercare instructions", anchor="session_end",
         day_offset=0, send_time=None, by_email=True, by_sms=True, template="instructions"),
    dict(kind="aftercare_reminder", name="Aftercare reminder (day 2)", anchor="session_end",
         day_offset=2, send_time=dt.time(10), by_email=True, by_sms=True, template="window_reminder"),
    dict(kind="aftercare_window_closed", name="Aftercare window is over", anchor="window_close",
         day_offset=0, send_time=None, by_email=True, by_sms=True, template="window_closed"),
    dict(kind="third_session_prompt", name="Book your third session", anchor="session_end",
         day_offset=5, send_time=dt.time(10), by_email=True, by_sms=True, template="third_session",
         after_session=2, only_if_next_unbooked=True),
    dict(kind="appointment_reminder", name="Appointment reminder (2 days before)",
         anchor="session_start", day_offset=-2, send_time=dt.time(10), by_email=True, by_sms=True,
         template="appointment"),
    dict(kind="touch_up_recall", name="Touch-up recall", anchor="plan_completed", day_offset=0,
         send_time=dt.time(10), by_email=True, by_sms=False, template="touch_up"),
    # An example of a step a manager adds; switched off until a manager turns it on.
    dict(kind="avoid_direct_sun", name="Avoid direct sun (until day 30)", anchor="session_end",
         day_offset=7, send_time=dt.time(10), by_email=True, by_sms=False, template="custom",
         subject="Keep your scalp out of the sun until {{ session_end_date|plus_days:30|long_day }}",
         body=AVOID_SUN_BODY, active=False),
]


def seed(apps, schema_editor):
    ScheduleStep = apps.get_model("aftercare", "ScheduleStep")
    for step in DEFAULT_STEPS:
        ScheduleStep.objects.get_or_create(kind=step["kind"], defaults=step)


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
