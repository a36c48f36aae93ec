"""R21 in the booking service: a session is booked or moved only inside its practitioner's
working hours at that clinic, outside their time off and the clinic's closures. The clock is
fixed at Monday 2 March 2026, 08:00 in Chicago (clocks go forward on Sunday 8 March)."""

import datetime as dt

import pytest
import time_machine

from clinic.models import TimeOff
from sessions_app import booking
from sessions_app.booking import BookingRefused
from sessions_app.models import SessionStatus
from tests.clock import CHICAGO, LONDON
from tests.factories import (
    add_closure,
    add_time_off,
    make_client,
    make_plan,
    make_session,
    make_staff,
    set_working_hours,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
T = dt.time


def chicago(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


def refused(code: str):
    return pytest.raises(BookingRefused, check=lambda e: e.code == code)


def book(plan, start, practitioner, by, minutes=120, **kwargs):
    return booking.book_session(
        plan=plan, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
        practitioner=practitioner, by=by, **kwargs,
    )


def test_without_working_hours_a_practitioner_works_the_opening_hours(plan, practitioner, front_desk):
    session = book(plan, chicago(3, 6, 15), practitioner, front_desk, minutes=180)  # Friday 15-18
    assert session.status == SessionStatus.BOOKED


def test_a_split_day_books_either_half_but_not_the_lunch_break(plan, practitioner, front_desk):
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13)), (T(14), T(18))]})
    with refused("practitioner_unavailable") as error:
        book(plan, chicago(3, 9, 12), practitioner, front_desk)  # 12-14 crosses the break
    assert "09:00-13:00, 14:00-18:00 on Mondays" in error.value.message
    assert "next works there Monday 9 March 09:00-13:00 and 14:00-18:00;" in error.value.message
    assert book(plan, chicago(3, 9, 14), practitioner, front_desk).starts_at == chicago(3, 9, 14)


def test_a_day_not_worked_is_refused_with_the_next_times_worked(plan, practitioner, front_desk):
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13))], 3: [(T(10), T(18))]})
    with refused("practitioner_unavailable") as error:
        book(plan, chicago(3, 6, 10), practitioner, front_desk)  # a Friday
    message = error.value.message
    assert "Pat Needle does not work at Chicago on Fridays" in message
    assert "Monday 9 March 09:00-13:00; Thursday 12 March 10:00-18:00; Monday 16 March" in message
    assert not plan.sessions.exists()


def test_a_practitioner_at_two_clinics_works_each_on_its_own_days(plan, practitioner, front_desk,
                                                                   other_clinic):
    practitioner.staff_profile.clinics.add(other_clinic)
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(18))]})  # Chicago on Mondays
    set_working_hours(practitioner, other_clinic, {3: [(T(9), T(18))]})  # London on Thursdays
    london_desk = make_staff("front_desk", other_clinic)
    london_plan = make_plan(make_client(other_clinic), quoted_sessions=2)
    with refused("practitioner_unavailable"):
        book(plan, chicago(3, 12, 10), practitioner, front_desk)  # Thursday in Chicago
    with refused("practitioner_unavailable") as error:
        book(london_plan, dt.datetime(2026, 3, 9, 10, tzinfo=LONDON), practitioner, london_desk)
    assert "next works there Thursday 12 March 09:00-18:00" in error.value.message
    book(plan, chicago(3, 9, 10), practitioner, front_desk)
    book(london_plan, dt.datetime(2026, 3, 12, 10, tzinfo=LONDON), practitioner, london_desk)


def test_a_few_hours_off_block_only_those_hours(plan, practitioner, front_desk):
    add_time_off(practitioner, chicago(3, 4, 9), chicago(3, 4, 12), reason="Dentist")
    with refused("practitioner_unavailable") as error:
        book(plan, chicago(3, 4, 11), practitioner, front_desk)
    assert "Pat Needle is off from 4 March 09:00 to 4 March 12:00 (Dentist)" in error.value.message
    assert "next works there Wednesday 4 March 12:00-18:00" in error.value.message
    book(plan, chicago(3, 4, 12), practitioner, front_desk)


def test_time_off_waiting_for_approval_does_not_block(plan, practitioner, front_desk):
    TimeOff.objects.create(user=practitioner, starts_at=chicago(3, 4, 9), ends_at=chicago(3, 4, 18))
    book(plan, chicago(3, 4, 10), practitioner, front_desk)


def test_a_closure_day_is_refused_for_everyone(plan, practitioner, second_practitioner, front_desk):
    add_closure(plan.clinic, dt.date(2026, 3, 5), reason="Refit")
    for who in (practitioner, second_practitioner):
        with refused("clinic_closed") as error:
            book(plan, chicago(3, 5, 10), who, front_desk)
    assert "Chicago is closed on 5 March (Refit)" in error.value.message
    assert "next works there Friday 6 March 09:00-18:00" in error.value.message


def test_moving_a_session_checks_the_rota_too(plan, practitioner, second_practitioner, front_desk):
    session = book(plan, chicago(3, 3, 10), practitioner, front_desk)
    add_time_off(practitioner, chicago(3, 10, 0), chicago(3, 11, 0), reason="Training")
    with refused("practitioner_unavailable"):
        booking.reschedule_session(session=session, starts_at=chicago(3, 10, 10), by=front_desk)
    moved = booking.reschedule_session(
        session=session, starts_at=chicago(3, 10, 10), by=front_desk, practitioner=second_practitioner
    )
    assert moved.practitioner == second_practitioner
    add_closure(plan.clinic, dt.date(2026, 3, 13))
    with refused("clinic_closed"):
        booking.reschedule_session(session=moved, starts_at=chicago(3, 13, 10), by=front_desk)


def test_a_managers_override_books_outside_working_hours_and_is_recorded(plan, practitioner, manager,
                                                                        front_desk):
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13))]})
    with refused("practitioner_unavailable"):  # the front desk has no override
        book(plan, chicago(3, 3, 10), practitioner, front_desk, override_reason="Client asked")
    with refused("practitioner_unavailable"):  # a manager needs a reason
        book(plan, chicago(3, 3, 10), practitioner, manager)
    session = book(plan, chicago(3, 3, 10), practitioner, manager, override_reason="Covering Tuesday")
    assert session.hours_override_reason == "Covering Tuesday"
    assert session.override_reason == ""  # the late-third-session override is another thing
    assert session.history.first().hours_override_reason == "Covering Tuesday"
    assert session.history.first().history_user == manager
    moved = booking.reschedule_session(session=session, starts_at=chicago(3, 9, 9), by=front_desk)
    assert moved.hours_override_reason == ""  # back inside working hours: nothing overridden


def test_an_override_never_books_into_time_off_or_a_closure(plan, practitioner, manager):
    add_time_off(practitioner, chicago(3, 3, 0), chicago(3, 4, 0), reason="Holiday")
    add_closure(plan.clinic, dt.date(2026, 3, 5), reason="Public holiday")
    with refused("practitioner_unavailable"):
        book(plan, chicago(3, 3, 10), practitioner, manager, override_reason="Please")
    with refused("clinic_closed"):
        book(plan, chicago(3, 5, 10), practitioner, manager, override_reason="Please")
    assert not plan.sessions.exists()


def test_working_hours_keep_their_wall_clock_across_the_dst_change(plan, practitioner, front_desk):
    """Clocks go forward on Sunday 8 March: 09:00 is 15:00 UTC before and 14:00 UTC after."""
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13))]})
    book(plan, chicago(3, 2, 9), practitioner, front_desk)
    with refused("practitioner_unavailable") as error:
        # 17:00-19:00 UTC was inside 09:00-13:00 last week (15:00-19:00 UTC); now 12:00-14:00.
        book(plan, dt.datetime(2026, 3, 9, 17, 0, tzinfo=dt.UTC), practitioner, front_desk)
    assert "next works there Monday 9 March 09:00-13:00" in error.value.message
    session = book(plan, dt.datetime(2026, 3, 9, 14, 0, tzinfo=dt.UTC), practitioner, front_desk)
    assert session.starts_at.astimezone(CHICAGO).hour == 9


def test_a_dst_week_in_london_keeps_working_hours_on_the_clock(other_clinic):
    """London's clocks go forward on Sunday 29 March 2026."""
    practitioner = make_staff("practitioner", other_clinic)
    desk = make_staff("front_desk", other_clinic)
    set_working_hours(practitioner, other_clinic, {0: [(T(10), T(14))], 1: [(T(10), T(14))]})
    with time_machine.travel(dt.datetime(2026, 3, 27, 12, tzinfo=LONDON), tick=False):
        first = make_plan(make_client(other_clinic), quoted_sessions=2)
        session = book(first, dt.datetime(2026, 3, 30, 10, tzinfo=LONDON), practitioner, desk)
        assert session.starts_at == dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC)
        second = make_plan(make_client(other_clinic), quoted_sessions=2)
        with refused("practitioner_unavailable"):  # 10:00 UTC is 11:00 in London: ends at 15:00
            book(second, dt.datetime(2026, 3, 31, 10, tzinfo=dt.UTC), practitioner, desk, minutes=240)


def test_the_portal_check_without_a_user_never_overrides(plan, practitioner):
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13))]})
    with refused("practitioner_unavailable"):
        booking.check_booking(plan=plan, starts_at=chicago(3, 3, 10), practitioner=practitioner,
                              override_reason="anything")


def test_existing_sessions_are_not_touched_by_a_new_rota(plan, practitioner, front_desk):
    make_session(plan, number=1, starts_at=chicago(3, 6, 10), practitioner=practitioner)
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13))]})
    assert plan.sessions.get().status == SessionStatus.BOOKED
