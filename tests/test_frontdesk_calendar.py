"""The clinic calendar: day view with a column per practitioner and the chairs in use, week
view with a lane per practitioner, all in the clinic's local time; an empty slot books."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import Role
from sessions_app import booking
from sessions_app.calendar import sessions_between
from sessions_app.models import SessionStatus, TreatmentSession
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session, make_staff, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CALENDAR = reverse("frontdesk:calendar")


def page(desk, **params) -> str:
    response = desk.get(CALENDAR, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_session_shows_in_the_clinics_local_time_with_number_client_and_status(
    desk, plan, practitioner, front_desk
):
    booking.book_session(plan=plan, starts_at=chicago(3, 3, 10), practitioner=practitioner, by=front_desk)
    html = page(desk, date="2026-03-03")
    assert "10:00–13:00" in html  # stored as 16:00 UTC
    assert "16:00–19:00" not in html
    assert "Carl Client" in html
    assert "Session 1 of 3 · Booked" in html


def test_the_day_view_has_a_column_per_practitioner(desk, practitioner, second_practitioner):
    html = page(desk, date="2026-03-03")
    assert practitioner.get_full_name() in html
    assert second_practitioner.get_full_name() in html


def test_chairs_in_use_are_shown_and_a_full_clinic_stands_out(
    desk, clinic, plan, practitioner, second_practitioner, front_desk
):
    other = make_plan(make_client(clinic))
    booking.book_session(plan=plan, starts_at=chicago(3, 3, 10), practitioner=practitioner, by=front_desk)
    booking.book_session(plan=other, starts_at=chicago(3, 3, 11), practitioner=second_practitioner,
                         by=front_desk)
    response = desk.get(CALENDAR, {"date": "2026-03-03"})
    grid = response.context["grid"]
    used = {row.at.strftime("%H:%M"): row.chairs_used for row in grid.rows}
    assert (used["09:45"], used["10:00"], used["11:00"], used["13:00"], used["14:00"]) == (0, 1, 2, 1, 0)
    assert grid.peak == 2
    html = response.content.decode()
    assert "Chairs at peak: 2 of 2" in html
    assert 'cal-chairs cal-chairs-full">2/2' in html


def test_paperwork_and_deposit_flags_show_on_the_calendar(desk, clinic, practitioner, second_practitioner):
    newcomer = make_plan(make_client(clinic, first_name="Nora", last_name="New", paperwork_completed_at=None))
    make_session(newcomer, number=1, starts_at=chicago(3, 3, 9), practitioner=practitioner)
    third = make_plan(make_client(clinic, first_name="Theo", last_name="Third"), quoted_sessions=3)
    make_session(third, number=1, starts_at=chicago(1, 5), practitioner=second_practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(third, number=2, starts_at=chicago(2, 9), practitioner=second_practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(third, number=3, starts_at=chicago(3, 3, 13), practitioner=second_practitioner)
    response = desk.get(CALENDAR, {"date": "2026-03-03"})
    sessions = {s.client.first_name: s for row in response.context["grid"].rows for c in row.cells
                if (s := c.session)}
    assert sessions["Nora"].flag_paperwork and not sessions["Nora"].flag_deposit
    assert sessions["Theo"].flag_deposit and not sessions["Theo"].flag_paperwork
    html = response.content.decode()
    assert "Paperwork</span>" in html and "Deposit due</span>" in html


def test_cancelled_sessions_leave_the_grid_but_stay_listed(desk, plan, practitioner, front_desk):
    session = booking.book_session(plan=plan, starts_at=chicago(3, 3, 10), practitioner=practitioner,
                                   by=front_desk)
    booking.cancel_session(session=session, by=front_desk, reason="Flu")
    response = desk.get(CALENDAR, {"date": "2026-03-03"})
    assert not any(c.session for row in response.context["grid"].rows for c in row.cells)
    assert "Also on 3 March" in response.content.decode()
    assert "Cancelled" in response.content.decode()


def test_an_empty_future_slot_links_to_booking_with_its_time_and_practitioner(desk, clinic, practitioner):
    html = page(desk, date="2026-03-03")
    link = (f"{reverse('frontdesk:calendar_slot')}?clinic={clinic.pk}&amp;starts_at=2026-03-03T09:00"
            f"&amp;practitioner={practitioner.pk}")
    assert link in html


def test_past_slots_are_not_offered(desk):
    html = page(desk, date="2026-02-27")
    assert reverse("frontdesk:calendar_slot") not in html


def test_a_closed_day_says_so(desk):
    html = page(desk, date="2026-03-08")  # a Sunday
    assert "Chicago is closed on Sundays" in html


def test_today_previous_next_and_a_bad_date(desk, clinic):
    response = desk.get(CALENDAR, {"date": "2026-03-03"})
    assert response.context["prev_url"].endswith("date=2026-03-02&view=day")
    assert response.context["next_url"].endswith("date=2026-03-04&view=day")
    assert response.context["today_url"].endswith("date=2026-03-02&view=day")
    assert desk.get(CALENDAR, {"date": "not-a-date"}).context["day"] == dt.date(2026, 3, 2)
    assert desk.get(CALENDAR, {"date": "99999-01-01"}).context["day"] == dt.date(2026, 3, 2)


def test_the_week_view_has_a_lane_per_practitioner_and_only_open_days(
    desk, plan, practitioner, second_practitioner, front_desk
):
    booking.book_session(plan=plan, starts_at=chicago(3, 5, 14), practitioner=second_practitioner,
                         by=front_desk)
    response = desk.get(CALENDAR, {"date": "2026-03-04", "view": "week"})
    week = response.context["week"]
    assert [d.day.day for d in week.days] == [2, 3, 4, 5, 6, 7]  # Sunday 8 is closed
    lanes = {lane.practitioner: lane for lane in week.lanes}
    assert lanes[second_practitioner].total == 1 and lanes[practitioner].total == 0
    html = response.content.decode()
    assert "Week of 2 Mar – 8 Mar 2026" in html
    assert "14:00" in html and "1 of 3" in html
    assert response.context["prev_url"].endswith("date=2026-02-25&view=week")


def test_daylight_saving_does_not_move_sessions_on_the_calendar(desk, clinic, practitioner, front_desk):
    before = make_plan(make_client(clinic))
    after = make_plan(make_client(clinic))
    booking.book_session(plan=before, starts_at=chicago(3, 7, 10), practitioner=practitioner, by=front_desk)
    booking.book_session(plan=after, starts_at=chicago(3, 9, 10), practitioner=practitioner, by=front_desk)
    assert "10:00–13:00" in page(desk, date="2026-03-07")  # CST, UTC-6
    assert "10:00–13:00" in page(desk, date="2026-03-09")  # CDT, UTC-5
    first_row = desk.get(CALENDAR, {"date": "2026-03-09"}).context["grid"].rows[0]
    assert first_row.at.strftime("%H:%M") == "09:00"


def test_a_manager_sees_the_calendar_of_each_of_their_clinics(client, clinic, other_clinic):
    both = make_staff(Role.MANAGER, clinic, clinics=[other_clinic])
    sign_in(client, both)
    response = client.get(CALENDAR, {"clinic": other_clinic.pk, "date": "2026-03-03"})
    assert response.context["clinic"] == other_clinic
    assert "Europe/London" in response.content.decode()


def test_an_empty_slot_leads_to_the_clients_plans_with_the_slot_kept(desk, clinic, plan, practitioner):
    response = desk.get(reverse("frontdesk:calendar_slot"), {
        "clinic": clinic.pk, "starts_at": "2026-03-04T11:30", "practitioner": practitioner.pk, "q": "carl",
    })
    html = response.content.decode()
    assert "Book Wednesday 4 March at 11:30 with Pat Needle" in html
    book = (f"{reverse('frontdesk:book_session', args=[plan.pk])}?starts_at=2026-03-04T11%3A30"
            f"&amp;practitioner={practitioner.pk}")
    assert book in html
    form = desk.get(reverse("frontdesk:book_session", args=[plan.pk]),
                    {"starts_at": "2026-03-04T11:30", "practitioner": practitioner.pk}).content.decode()
    assert 'value="2026-03-04"' in form and 'value="11:30"' in form
    assert re.search(rf'<option value="{practitioner.pk}" selected>', form)


def _fill_day(clinic, front_desk, practitioners, count: int, *, first_slot: int = 0) -> None:
    """`count` quarter-hour sessions on Tuesday 3 March from 09:00, over the practitioners;
    every third client still owes the paperwork."""
    for n in range(count):
        practitioner = practitioners[n % len(practitioners)]
        slot = first_slot + n // len(practitioners)
        plan = make_plan(make_client(clinic, **({"paperwork_completed_at": None} if n % 3 == 0 else {})))
        make_session(plan, number=1, starts_at=chicago(3, 3, 9) + dt.timedelta(minutes=15 * slot),
                     practitioner=practitioner, minutes=15, booked_by=front_desk)


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_calendar_costs_the_same_queries_for_5_or_200_sessions(client, clinic, front_desk, view):
    practitioners = [make_staff("practitioner", clinic) for _ in range(10)]
    sign_in(client, front_desk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CALENDAR, {"date": "2026-03-03", "view": view})
        assert response.status_code == 200
        return len(queries)

    _fill_day(clinic, front_desk, practitioners, 5)
    few = count()
    _fill_day(clinic, front_desk, practitioners, 195, first_slot=1)
    many = count()
    assert few == many
    assert many <= 13  # 12, and django-otp's check of the session's device


def test_the_start_page_lists_today_and_costs_the_same_queries_for_5_or_50_sessions(
    client, clinic, front_desk
):
    practitioners = [make_staff("practitioner", clinic) for _ in range(5)]
    sign_in(client, front_desk)

    def today() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("frontdesk:home"))
        assert response.status_code == 200
        return len(queries), response.content.decode()

    for n in range(5):
        plan = make_plan(make_client(clinic))
        make_session(plan, number=1, starts_at=chicago(3, 2, 9) + dt.timedelta(minutes=15 * n),
                     practitioner=practitioners[n], minutes=15, booked_by=front_desk)
    few, html = today()
    assert "Today, Monday 2 March" in html and "5 sessions" in html and "09:15" in html
    for n in range(45):
        plan = make_plan(make_client(clinic))
        make_session(plan, number=1, starts_at=chicago(3, 2, 11) + dt.timedelta(minutes=15 * (n // 5)),
                     practitioner=practitioners[n % 5], minutes=15, booked_by=front_desk)
    many, html = today()
    assert "50 sessions" in html
    assert many == few


def test_the_calendar_query_is_served_by_the_clinic_and_start_index(clinic, other_clinic):
    """sessions_between filters on (clinic, starts_at): session_clinic_start_idx serves it.
    Two clinics with 1,200 sessions each over 200 days, analysed, so the planner weighs the
    indexes on real statistics (on a near-empty table it may pick any index, whatever ran before)."""
    rows = []
    for place in (clinic, other_clinic):
        practitioner = make_staff("practitioner", place)
        plans = [make_plan(make_client(place), quoted_sessions=12) for _ in range(100)]
        start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
        for k in range(1200):  # one practitioner, one session every four hours
            plan, begins = plans[k % 100], start + dt.timedelta(hours=4 * k)
            rows.append(TreatmentSession(
                plan=plan, client=plan.client, clinic=place, number=k // 100 + 1,
                practitioner=practitioner, booked_by=practitioner, starts_at=begins,
                ends_at=begins + dt.timedelta(hours=3), status=SessionStatus.BOOKED))
    TreatmentSession.objects.bulk_create(rows)
    sql, params = sessions_between(clinic, dt.date(2026, 3, 2), dt.date(2026, 3, 8)).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sessions_app_treatmentsession")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "session_clinic_start_idx" in plan, plan
