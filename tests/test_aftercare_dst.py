"""Each aftercare step lands at its local hour on its local day, also across a daylight-saving
change (R12, DOMAIN.md Time). A session completed at 16:00 on the Friday before the change:
counting 24-hour periods in UTC would put every later message an hour off.

2026 changes: Chicago 8 March (spring) and 1 November (autumn); London 29 March and 25 October.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from aftercare import services
from aftercare.models import Reminder
from sessions_app import booking
from sessions_app.models import SessionStatus
from tests.aftercare_helpers import rows
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff, write_full_log

pytestmark = pytest.mark.django_db


FRIDAYS = [
    # zone, the Friday before the change, hours gained (+1) or lost (-1) by Tuesday
    pytest.param("America/Chicago", dt.date(2026, 3, 6), -1, id="chicago-spring"),
    pytest.param("Europe/London", dt.date(2026, 3, 27), -1, id="london-spring"),
    pytest.param("America/Chicago", dt.date(2026, 10, 30), +1, id="chicago-autumn"),
    pytest.param("Europe/London", dt.date(2026, 10, 23), +1, id="london-autumn"),
]


def wall(instant: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, dt.time]:
    local = instant.astimezone(tz)
    return local.date(), local.time()


@pytest.fixture
def completed_friday(request):
    """Session 2 of a three-session plan, 13:00-16:00 on the Friday, completed at 16:00."""

    def make(zone: str, friday: dt.date, quoted: int = 3):
        tz = ZoneInfo(zone)
        clinic = make_clinic(time_zone=zone)
        pat = make_staff("practitioner", clinic)
        plan = make_plan(make_client(clinic, sms_consent=True), quoted_sessions=quoted)
        make_session(plan, number=1, starts_at=dt.datetime.combine(friday - dt.timedelta(days=14),
                     dt.time(10), tzinfo=tz), practitioner=pat, status=SessionStatus.COMPLETED)
        session = make_session(plan, number=2, starts_at=dt.datetime.combine(friday, dt.time(13), tzinfo=tz),
                               practitioner=pat)
        with time_machine.travel(dt.datetime.combine(friday, dt.time(16), tzinfo=tz), tick=False):
            write_full_log(session, pat)
            booking.complete_session(session=session, by=pat)
        return session, tz

    return make


@pytest.mark.parametrize("zone,friday,shift", FRIDAYS)
def test_every_step_is_at_its_local_hour_on_its_local_day(completed_friday, zone, friday, shift):
    session, tz = completed_friday(zone, friday)
    planned = rows(session, channel="sms")
    day = dt.timedelta(days=1)
    expected = {
        "aftercare_instructions": (friday, dt.time(16)),          # at completion
        "aftercare_reminder": (friday + 2 * day, dt.time(10)),     # Sunday, the day of the change
        "aftercare_window_closed": (friday + 4 * day, dt.time(16)),  # Tuesday, same wall time
        "third_session_prompt": (friday + 5 * day, dt.time(10)),  # Wednesday
    }
    assert {kind: wall(r.due_at, tz) for (kind, _), r in planned.items()} == expected
    # The window is 4 calendar days, which is not 96 hours in UTC across the change.
    opened = planned[("aftercare_instructions", "sms")].due_at
    window = planned[("aftercare_window_closed", "sms")].due_at - opened
    assert window == dt.timedelta(hours=96 + shift)
    assert {r.channel for r in Reminder.objects.filter(session=session)} == {"email", "sms"}


@pytest.mark.parametrize("zone,friday,shift", FRIDAYS)
def test_the_messages_show_the_exact_local_dates_and_times(completed_friday, zone, friday, shift, eager,
                                                          django_capture_on_commit_callbacks):
    session, tz = completed_friday(zone, friday)
    with time_machine.travel(dt.datetime.combine(friday, dt.time(16, 1), tzinfo=tz), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch_due()
    tuesday = friday + dt.timedelta(days=4)
    until = f"{tuesday:%A} {tuesday.day} {tuesday:%B}, 4 pm"
    [instructions] = mail.outbox
    assert f"Don't wash your scalp or cut your hair until {until}." in instructions.body
    assert f"until {until}" in instructions.subject


@pytest.mark.parametrize("zone,friday,shift", FRIDAYS)
def test_an_appointment_after_the_change_is_reminded_at_10_two_days_before(
    completed_friday, zone, friday, shift
):
    tz = ZoneInfo(zone)
    clinic = make_clinic(time_zone=zone)
    desk, pat = make_staff("front_desk", clinic), make_staff("practitioner", clinic)
    plan = make_plan(make_client(clinic))
    monday = friday + dt.timedelta(days=3)
    with time_machine.travel(dt.datetime.combine(friday - dt.timedelta(days=7), dt.time(9), tzinfo=tz)):
        starts = dt.datetime.combine(monday, dt.time(10), tzinfo=tz)
        session = booking.book_session(plan=plan, starts_at=starts, practitioner=pat, by=desk)
    reminder = rows(session)[("appointment_reminder", "email")]
    assert wall(reminder.due_at, tz) == (monday - dt.timedelta(days=2), dt.time(10))
    assert session.starts_at - reminder.due_at == dt.timedelta(hours=48 + shift)


@pytest.mark.parametrize("zone,friday,shift", FRIDAYS)
def test_the_touch_up_recall_is_three_years_on_at_10_local(completed_friday, zone, friday, shift):
    session, tz = completed_friday(zone, friday, quoted=2)
    recall = rows(session)[("touch_up_recall", "email")]
    assert wall(recall.due_at, tz) == (friday.replace(year=friday.year + 3), dt.time(10))
