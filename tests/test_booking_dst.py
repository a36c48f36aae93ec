"""R4 and R5 count calendar days on the clinic's calendar, so a daylight-saving change
never moves a window. Each case is chosen so that counting 24-hour periods in UTC would
give the wrong answer.

2026 changes: Chicago 8 March (spring) and 1 November (autumn); London 29 March and
25 October."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sessions_app import booking
from sessions_app.booking import BookingRefused
from sessions_app.models import SessionStatus
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff

pytestmark = pytest.mark.django_db


def local(zone: str, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=ZoneInfo(zone))


CASES = [
    # zone, number being booked, previous session's start, candidate start, expected refusal
    # R5 (third session, 21-28 days): spring forward makes day 21 only 20 d 23 h in UTC.
    ("America/Chicago", 3, (2, 28, 10), (3, 21, 10), None),
    ("America/Chicago", 3, (2, 28, 10), (3, 20, 10), "too_soon"),
    ("Europe/London", 3, (3, 14, 10), (4, 4, 9), None),
    ("Europe/London", 3, (3, 14, 10), (4, 3, 10), "too_soon"),
    # Autumn: day 29 at 09:00 after a 15:00 session is only 28 d 19 h in UTC - still too late.
    ("America/Chicago", 3, (10, 9, 15), (11, 7, 9), "too_late"),
    ("America/Chicago", 3, (10, 9, 15), (11, 6, 9), None),
    ("Europe/London", 3, (10, 2, 15), (10, 31, 9), "too_late"),
    ("Europe/London", 3, (10, 2, 15), (10, 30, 9), None),
    # R4 (second session, at least 7 days): day 7 at an earlier hour is < 7 x 24 h in UTC.
    ("America/Chicago", 2, (3, 7, 10), (3, 14, 9), None),
    ("America/Chicago", 2, (3, 7, 10), (3, 13, 10), "too_soon"),
    ("Europe/London", 2, (3, 28, 15), (4, 4, 9), None),
    ("America/Chicago", 2, (10, 31, 15), (11, 7, 9), None),
    ("Europe/London", 2, (10, 24, 14), (10, 31, 9), None),
    ("Europe/London", 2, (10, 24, 14), (10, 30, 14), "too_soon"),
]


@pytest.mark.parametrize("zone,number,previous,candidate,expected", CASES)
def test_day_rules_count_local_calendar_days_across_dst(zone, number, previous, candidate, expected):
    clinic = make_clinic(time_zone=zone)
    desk = make_staff("front_desk", clinic)
    pat = make_staff("practitioner", clinic)
    plan = make_plan(make_client(clinic), quoted_sessions=3)
    previous_start = local(zone, *previous)
    if number == 3:
        make_session(plan, number=1, starts_at=previous_start - dt.timedelta(days=14),
                     practitioner=pat, status=SessionStatus.COMPLETED)
        booking_deposit = True
    else:
        booking_deposit = False
    make_session(plan, number=number - 1, starts_at=previous_start, practitioner=pat,
                 status=SessionStatus.COMPLETED)
    with time_machine.travel(previous_start + dt.timedelta(hours=4), tick=False):
        if booking_deposit:
            booking.record_deposit(plan=plan, amount="100.00", by=desk)
        starts = local(zone, *candidate)
        if expected is None:
            session = booking.book_session(plan=plan, starts_at=starts, practitioner=pat, by=desk)
            assert session.number == number
            assert session.starts_at == starts
        else:
            with pytest.raises(BookingRefused) as refusal:
                booking.book_session(plan=plan, starts_at=starts, practitioner=pat, by=desk)
            assert refusal.value.code == expected


def test_the_refusal_names_local_dates_across_the_spring_change():
    clinic = make_clinic(time_zone="America/Chicago")
    desk, pat = make_staff("front_desk", clinic), make_staff("practitioner", clinic)
    plan = make_plan(make_client(clinic), quoted_sessions=3)
    make_session(plan, number=1, starts_at=local("America/Chicago", 2, 7, 10), practitioner=pat,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=local("America/Chicago", 2, 28, 10), practitioner=pat,
                 status=SessionStatus.COMPLETED)
    with time_machine.travel(local("America/Chicago", 3, 2, 8), tick=False):
        booking.record_deposit(plan=plan, amount="100.00", by=desk)
        with pytest.raises(BookingRefused) as refusal:
            booking.book_session(plan=plan, starts_at=local("America/Chicago", 3, 20, 10),
                                 practitioner=pat, by=desk)
    assert refusal.value.message == (
        "A third session can start from 21 March (21 days after session 2) to 28 March."
    )
