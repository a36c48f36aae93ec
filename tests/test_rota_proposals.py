"""Proposals, the calendar and the portal offer only times the practitioner works (R21); the
calendar's queries stay constant with working hours and time off loaded."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sessions_app import availability, slots
from sessions_app.models import SessionStatus
from tests.clock import CHICAGO
from tests.factories import (
    add_closure,
    add_time_off,
    make_client,
    make_plan,
    make_portal_user,
    make_session,
    make_staff,
    set_working_hours,
    sign_in,
)

pytestmark = pytest.mark.django_db
T = dt.time
CALENDAR = reverse("frontdesk:calendar")


def chicago(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


def bookable(rota_clinic, practitioner, slot) -> bool:
    day = slot.starts_at.date()
    rota = availability.load_rota(rota_clinic, [practitioner.pk], day, day)
    return rota.is_bookable(practitioner.pk, slot.starts_at, slot.ends_at)


@pytest.mark.usefixtures("frozen_now")
def test_proposals_never_offer_a_time_the_practitioner_does_not_work(plan, practitioner, front_desk):
    set_working_hours(practitioner, plan.clinic, {
        1: [(T(9), T(12)), (T(14), T(18))], 3: [(T(13), T(18))],  # Tuesdays split, Thursday afternoons
    })
    add_time_off(practitioner, chicago(3, 10, 0), chicago(3, 11, 0), reason="Holiday")  # Tuesday 10th
    add_time_off(practitioner, chicago(3, 12, 13), chicago(3, 12, 15), reason="Dentist")
    add_closure(plan.clinic, dt.date(2026, 3, 17), reason="St Patrick's")  # a Tuesday
    proposal = slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk,
                                   length=dt.timedelta(hours=2), count=30, per_day=8)
    starts = [s.starts_at.astimezone(CHICAGO) for s in proposal.slots]
    assert starts, proposal.problem
    assert all(bookable(plan.clinic, practitioner, s) for s in proposal.slots)
    assert {s.weekday() for s in starts} <= {1, 3}
    days = {s.date() for s in starts}
    assert dt.date(2026, 3, 10) not in days and dt.date(2026, 3, 17) not in days
    assert chicago(3, 3, 9) in starts and chicago(3, 3, 14) in starts
    assert chicago(3, 3, 11) not in starts  # would run into the lunch break
    assert chicago(3, 12, 15) in starts and chicago(3, 12, 13) not in starts  # after the dentist


@pytest.mark.usefixtures("frozen_now")
def test_proposals_start_on_the_clock_after_the_dst_change(plan, practitioner, front_desk):
    set_working_hours(practitioner, plan.clinic, {0: [(T(9), T(13))]})
    proposal = slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk,
                                   length=dt.timedelta(hours=3), count=3)
    starts = [s.starts_at.astimezone(CHICAGO) for s in proposal.slots]
    assert starts[:2] == [chicago(3, 2, 9), chicago(3, 9, 9)]
    assert proposal.slots[0].starts_at.utcoffset() != proposal.slots[1].starts_at.utcoffset()


def test_the_portals_third_session_times_skip_the_practitioners_days_off(client, clinic, practitioner):
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, tzinfo=CHICAGO), tick=False):
        sam = make_client(clinic, first_name="Sam")
        plan = make_plan(sam, quoted_sessions=3, status="active")
        make_session(plan, number=1, starts_at=chicago(2, 17), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        make_session(plan, number=2, starts_at=chicago(3, 10, 14), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        make_portal_user(sam)
        set_working_hours(practitioner, clinic, {1: [(T(9), T(18))], 3: [(T(9), T(18))]})
        add_time_off(practitioner, chicago(4, 2, 0), chicago(4, 3, 0), reason="Holiday")  # Thursday
        sign_in(client, sam.user)
        html = client.get(reverse("portal:third_session", args=[plan.pk])).content.decode()
    choices = re.findall(r'name="slot" value="([^"]+)"', html)
    days = {c[:10] for c in choices}
    # The window is 31 March - 7 April: Tuesdays 31 March and 7 April; Thursday 2 April is off.
    assert days == {"2026-03-31", "2026-04-07"}


@pytest.fixture
def desk(client, front_desk):
    sign_in(client, front_desk)
    return client


@pytest.mark.usefixtures("frozen_now")
def test_the_day_view_greys_out_hours_not_worked_and_lists_time_off(desk, clinic, practitioner,
                                                                    second_practitioner):
    set_working_hours(practitioner, clinic, {1: [(T(9), T(13))]})
    add_time_off(second_practitioner, chicago(3, 3, 14), chicago(3, 3, 18), reason="Training")
    response = desk.get(CALENDAR, {"date": "2026-03-03"})
    grid = response.context["grid"]
    column = {p.pk: i for i, p in enumerate(grid.practitioners)}
    by_time = {row.at.strftime("%H:%M"): row.cells for row in grid.rows}
    assert by_time["10:00"][column[practitioner.pk]].bookable
    assert not by_time["14:00"][column[practitioner.pk]].bookable
    assert by_time["14:00"][column[practitioner.pk]].off == "Not working"
    assert not by_time["15:00"][column[second_practitioner.pk]].bookable
    assert by_time["10:00"][column[second_practitioner.pk]].bookable
    html = response.content.decode()
    assert "Quinn Shade is off" in html and "(Training)" in html
    assert 'title="Not working"' in html


@pytest.mark.usefixtures("frozen_now")
def test_a_closure_day_offers_nothing_on_the_calendar(desk, clinic, practitioner):
    add_closure(clinic, dt.date(2026, 3, 4), reason="Refit")
    html = desk.get(CALENDAR, {"date": "2026-03-04"}).content.decode()
    assert "Chicago is closed on Wednesday 4 March: Refit" in html
    assert reverse("frontdesk:calendar_slot") not in html


@pytest.mark.usefixtures("frozen_now")
def test_the_week_view_shows_who_works_which_day(desk, clinic, practitioner, second_practitioner):
    set_working_hours(practitioner, clinic, {0: [(T(9), T(13)), (T(14), T(18))], 3: [(T(10), T(16))]})
    add_time_off(second_practitioner, chicago(3, 5, 0), chicago(3, 6, 0), reason="Holiday")
    add_closure(clinic, dt.date(2026, 3, 7), reason="Refit")
    response = desk.get(CALENDAR, {"date": "2026-03-04", "view": "week"})
    week = response.context["week"]
    lanes = {lane.practitioner: dict(zip([d.day.day for d in week.days], lane.work, strict=True))
             for lane in week.lanes}
    assert lanes[practitioner][2] == "09:00-13:00, 14:00-18:00"
    assert lanes[practitioner][3] == "Off" and lanes[practitioner][5] == "10:00-16:00"
    assert lanes[second_practitioner][5] == "Time off" and lanes[second_practitioner][4] == "09:00-18:00"
    assert lanes[practitioner][7] == "Closed"
    html = response.content.decode()
    assert "Closed: Refit" in html
    assert "Open Monday 2 March to book with Pat Needle" in html
    assert "Open Tuesday 3 March to book with Pat Needle" not in html  # a day off: nothing to book


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize("view", ["day", "week"])
def test_the_calendar_queries_stay_constant_with_rotas_and_time_off(
    client, clinic, front_desk, view, django_assert_max_num_queries
):
    sign_in(client, front_desk)

    def load() -> int:
        response = client.get(CALENDAR, {"date": "2026-03-03", "view": view})
        assert response.status_code == 200

    def staff_with_rotas(count: int) -> None:
        for n in range(count):
            who = make_staff("practitioner", clinic)
            set_working_hours(who, clinic, {1: [(T(9), T(12)), (T(13), T(18))], 3: [(T(9), T(18))]})
            add_time_off(who, chicago(3, 3, 9 + n % 6), chicago(3, 3, 10 + n % 6), reason="Errand")
            plan = make_plan(make_client(clinic))
            make_session(plan, number=1, starts_at=chicago(3, 3, 13), practitioner=who, minutes=60)

    staff_with_rotas(2)
    add_closure(clinic, dt.date(2026, 3, 7))
    with django_assert_max_num_queries(40) as few:
        load()
    staff_with_rotas(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        load()
