"""The front desk's worklists (R2, R6, R13) and the day sheet: the right rows, the clinic
filter, pagination, constant query counts and indexed filters. Clock: Monday 2 March 2026,
08:00 in Chicago."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from clinic.models import PlanStatus
from sessions_app import booking, worklists
from sessions_app.models import SessionStatus
from tests.clock import LONDON, chicago
from tests.factories import make_client, make_plan, make_session, make_staff, sign_in
from tests.money_helpers import plan_after_session_2

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def rows_of(response) -> list[str]:
    """The text of each table row of a worklist page (header excluded)."""
    text = response.content.decode()
    body = text.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in text else ""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
            for row in body.split("</tr>") if row.strip()]


# --------------------------------------------------------------------------- third session


def test_a_plan_waiting_for_session_3_shows_its_window_days_left_and_deposit(desk, waiting_plan):
    [row] = rows_of(desk.get(reverse("money:worklist_third_session")))
    assert "Carla Waiting" in row
    assert "Mon 9 Feb done" in row
    assert "2 Mar – 9 Mar 2026" in row
    assert "7 days left" in row
    assert "None" in row and "Take deposit" in row


def test_the_third_session_list_follows_the_deposit_state(desk, waiting_plan, front_desk):
    booking.request_deposit(plan=waiting_plan, by=front_desk)
    assert "Requested" in rows_of(desk.get(reverse("money:worklist_third_session")))[0]
    booking.record_deposit(plan=waiting_plan, amount=Decimal("100.00"), by=front_desk)
    assert "Paid" in rows_of(desk.get(reverse("money:worklist_third_session")))[0]


def test_the_window_not_yet_open_and_the_window_closed_are_told_apart(desk, clinic, practitioner):
    plan_after_session_2(clinic, session_2=chicago(2, 24), status=SessionStatus.COMPLETED,
                         last_name="Early")
    plan_after_session_2(clinic, session_2=chicago(1, 26), last_name="Late")
    rows = rows_of(desk.get(reverse("money:worklist_third_session")))
    assert "Late" in rows[0] and "closed 7 days ago" in rows[0] and "manager override" in rows[0]
    assert "Early" in rows[1] and "opens in 15 days" in rows[1] and "17 Mar – 24 Mar 2026" in rows[1]


def test_a_booked_session_2_counts_and_a_booked_session_3_leaves_the_list(
    desk, clinic, practitioner, front_desk
):
    booked = plan_after_session_2(clinic, session_2=chicago(3, 3), status=SessionStatus.BOOKED,
                                  last_name="BookedTwo")
    done = plan_after_session_2(clinic, last_name="DoneThree")
    booking.record_deposit(plan=done, amount=Decimal("100.00"), by=front_desk)
    booking.book_session(plan=done, starts_at=chicago(3, 5), practitioner=practitioner, by=front_desk)
    rows = rows_of(desk.get(reverse("money:worklist_third_session")))
    assert len(rows) == 1 and "BookedTwo" in rows[0] and "booked" in rows[0]
    assert worklists.third_session_due([clinic]).get() == booked


def test_two_session_plans_cancelled_plans_and_plans_before_session_2_are_not_listed(
    desk, clinic, practitioner, front_desk
):
    plan_after_session_2(clinic, quoted_sessions=2, last_name="TwoOnly")
    cancelled = plan_after_session_2(clinic, last_name="Cancelled")
    booking.cancel_plan(plan=cancelled, by=front_desk, reason="Moved away")
    only_one = make_plan(make_client(clinic, last_name="OnlyOne"), quoted_sessions=3)
    make_session(only_one, number=1, starts_at=chicago(2, 20), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    cancelled_two = plan_after_session_2(clinic, session_2=chicago(3, 3),
                                         status=SessionStatus.BOOKED, last_name="SecondCancelled")
    booking.cancel_session(session=cancelled_two.sessions.get(number=2), by=front_desk)
    assert rows_of(desk.get(reverse("money:worklist_third_session"))) == []
    assert "All clear" in desk.get(reverse("money:worklist_third_session")).content.decode()


def test_the_window_is_counted_on_the_clinics_calendar_across_daylight_saving(
    desk, practitioner, front_desk, other_clinic
):
    # London moves its clocks on 29 March; a session 2 late on 1 March local time still
    # opens its window 21 calendar days later, on 22 March.
    london_desk = make_staff("front_desk", other_clinic)
    pract = make_staff("practitioner", other_clinic)
    plan_after_session_2(other_clinic, pract, session_2=dt.datetime(2026, 3, 1, 23, 30, tzinfo=LONDON))
    [row] = worklists.third_session_rows(worklists.third_session_due([other_clinic]))
    assert (row.opens, row.closes) == (dt.date(2026, 3, 22), dt.date(2026, 3, 29))
    sign_in(desk, london_desk)
    assert "22 Mar – 29 Mar 2026" in rows_of(desk.get(reverse("money:worklist_third_session")))[0]


# --------------------------------------------------------------------------- other lists


def test_unpaid_deposits_are_listed_longest_waiting_first_until_paid(desk, clinic, practitioner, front_desk,
                                                                     frozen_now):
    first = plan_after_session_2(clinic, last_name="First")
    second = plan_after_session_2(clinic, last_name="Second")
    booking.request_deposit(plan=first, by=front_desk)
    frozen_now.shift(dt.timedelta(hours=1))
    booking.request_deposit(plan=second, by=front_desk, amount=Decimal("120.00"))
    sign_in(desk, front_desk)  # an hour later: the idle logoff signed the desk out
    rows = rows_of(desk.get(reverse("money:worklist_unpaid_deposits")))
    assert "First" in rows[0] and "$100.00" in rows[0]
    assert "Second" in rows[1] and "$120.00" in rows[1] and "Fran Desk" in rows[1]
    booking.record_deposit(plan=first, amount=Decimal("100.00"), by=front_desk)
    assert len(rows_of(desk.get(reverse("money:worklist_unpaid_deposits")))) == 1


def test_first_sessions_in_the_next_two_days_without_paperwork_are_listed(desk, clinic):
    def first_session(last_name, starts_at, paperwork=None, number=1):
        practitioner = make_staff("practitioner", clinic)
        plan = make_plan(make_client(clinic, last_name=last_name, paperwork_completed_at=paperwork))
        if number == 2:
            make_session(plan, number=1, starts_at=starts_at - dt.timedelta(days=14),
                         practitioner=practitioner, status=SessionStatus.COMPLETED)
        make_session(plan, number=number, starts_at=starts_at, practitioner=practitioner)

    first_session("Today", chicago(3, 2, 14))
    first_session("DayAfterTomorrow", chicago(3, 4, 17))
    first_session("ThreeDaysOut", chicago(3, 5, 9))
    first_session("Done", chicago(3, 3, 9), paperwork=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    first_session("SecondSession", chicago(3, 3, 9), number=2)
    rows = rows_of(desk.get(reverse("money:worklist_paperwork")))
    assert [r.split()[0] + " " + r.split()[1] for r in rows] == ["Client Today", "Client DayAfterTomorrow"]
    assert "Mon 2 Mar, 14:00" in rows[0]


def test_no_shows_and_late_cancellations_wait_for_a_follow_up_until_rebooked(
    desk, clinic, practitioner, front_desk, frozen_now
):
    no_show = plan_after_session_2(clinic, last_name="Missed")
    booking.record_deposit(plan=no_show, amount=Decimal("100.00"), by=front_desk)
    missed = booking.book_session(plan=no_show, starts_at=chicago(3, 2, 10), practitioner=practitioner,
                                  by=front_desk)
    late = plan_after_session_2(clinic, session_2=chicago(3, 3), status=SessionStatus.BOOKED,
                                last_name="Late")
    booking.cancel_session(session=late.sessions.get(number=2), by=front_desk)  # 26 h notice
    timely = plan_after_session_2(clinic, session_2=chicago(3, 6), status=SessionStatus.BOOKED,
                                  last_name="Timely")
    booking.cancel_session(session=timely.sessions.get(number=2), by=front_desk)
    frozen_now.shift(dt.timedelta(hours=4))
    booking.mark_no_show(session=missed, by=front_desk)
    sign_in(desk, front_desk)  # four hours later: the idle logoff signed the desk out

    rows = rows_of(desk.get(reverse("money:worklist_no_shows")))
    assert len(rows) == 2
    assert "Late" in rows[0] and "Late cancellation" in rows[0] and "No deposit held" in rows[0]
    assert "Missed" in rows[1] and "No-show" in rows[1] and "$100.00 forfeited" in rows[1]

    booking.book_session(plan=late, starts_at=chicago(3, 10), practitioner=practitioner, by=front_desk)
    assert len(rows_of(desk.get(reverse("money:worklist_no_shows")))) == 1


def test_finished_plans_with_a_balance_are_listed_until_settled(desk, clinic, practitioner, front_desk):
    unpaid = plan_after_session_2(clinic, quoted_sessions=2, last_name="Owes")
    unpaid.status = PlanStatus.COMPLETED
    unpaid.save()
    settled = plan_after_session_2(clinic, quoted_sessions=2, last_name="Paid")
    booking.record_payment(plan=settled, amount=Decimal("2400.00"), by=front_desk)
    booking.complete_plan(plan=settled, by=front_desk)
    plan_after_session_2(clinic, last_name="StillActive")
    booking.record_payment(plan=unpaid, amount=Decimal("400.00"), by=front_desk)
    [row] = rows_of(desk.get(reverse("money:worklist_unsettled")))
    assert "Owes" in row and "$2,000.00" in row and "$400.00" in row
    booking.record_payment(plan=unpaid, amount=Decimal("2000.00"), by=front_desk)
    assert rows_of(desk.get(reverse("money:worklist_unsettled"))) == []


# --------------------------------------------------------------------------- filter, pages, counts


def test_a_user_at_two_clinics_sees_both_and_can_filter_by_one(client, clinic, other_clinic, practitioner):
    both = make_staff("front_desk", clinic, clinics=[other_clinic])
    plan_after_session_2(clinic, last_name="InChicago")
    plan_after_session_2(other_clinic, make_staff("practitioner", other_clinic), last_name="InLondon")
    sign_in(client, both)
    url = reverse("money:worklist_third_session")
    everything = " ".join(rows_of(client.get(url)))
    assert "InChicago" in everything and "InLondon" in everything
    london = client.get(url, {"clinic": other_clinic.pk})
    assert "InChicago" not in " ".join(rows_of(london)) and "InLondon" in " ".join(rows_of(london))
    tab = f'href="{reverse("money:worklist_unpaid_deposits")}?clinic={other_clinic.pk}"'
    assert tab in london.content.decode()


def test_worklists_are_paginated(desk, clinic, practitioner):
    for n in range(27):
        plan_after_session_2(clinic, last_name=f"Paged{n:02d}")
    url = reverse("money:worklist_third_session")
    first = desk.get(url)
    assert len(rows_of(first)) == 25 and "1–25 of 27" in html.unescape(first.content.decode())
    assert len(rows_of(desk.get(url, {"page": 2}))) == 2


def _fill(clinic, front_desk, n: int) -> None:
    """n rows on every worklist."""
    for i in range(n):
        practitioner = make_staff("practitioner", clinic)
        waiting = plan_after_session_2(clinic, last_name=f"Row{i}")
        booking.request_deposit(plan=waiting, by=front_desk)
        first = make_plan(make_client(clinic, paperwork_completed_at=None))
        make_session(first, number=1, starts_at=chicago(3, 3, 9) + dt.timedelta(minutes=i),
                     practitioner=practitioner, minutes=1)
        make_session(waiting, number=3, starts_at=chicago(3, 2, 7) - dt.timedelta(minutes=i),
                     practitioner=practitioner, status=SessionStatus.NO_SHOW, minutes=1)
        done = make_plan(make_client(clinic), status=PlanStatus.COMPLETED)
        make_session(done, number=1, starts_at=chicago(3, 3, 12) + dt.timedelta(minutes=i),
                     practitioner=practitioner, minutes=1)


@pytest.mark.parametrize("name", [
    "money:worklist_third_session", "money:worklist_unpaid_deposits", "money:worklist_paperwork",
    "money:worklist_no_shows", "money:worklist_unsettled", "money:day_sheet", "money:worklists",
])
def test_each_worklist_costs_the_same_queries_with_2_or_25_rows(
    desk, clinic, practitioner, front_desk, name, django_assert_max_num_queries
):
    url = reverse(name)
    _fill(clinic, front_desk, 2)
    desk.get(url)  # warm the session
    with django_assert_max_num_queries(16) as few:
        response = desk.get(url)
    assert response.status_code == 200
    _fill(clinic, front_desk, 23)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(url)
    if name.startswith("money:worklist_"):
        assert len(rows_of(response)) == 25


def test_the_home_counts_show_every_list_with_a_link(rf_request, clinic, practitioner, front_desk,
                                                     django_assert_max_num_queries):
    _fill(clinic, front_desk, 3)
    template = engines["django"].from_string('{% include "money/_home_counts.html" %}')
    with django_assert_max_num_queries(6):
        rendered = template.render({"request": rf_request(front_desk)})
    card = r'href="(/money/worklists/[a-z-]+/)".*?fs-3 fw-semibold[^"]*">(\d+)<'
    counts = dict(re.findall(card, rendered, re.S))
    assert counts == {
        reverse("money:worklist_third_session"): "3",
        reverse("money:worklist_unpaid_deposits"): "3",
        reverse("money:worklist_paperwork"): "3",
        reverse("money:worklist_no_shows"): "3",
        reverse("money:worklist_unsettled"): "3",
    }
    assert worklists.worklist_counts([clinic]) == {
        "third_session": 3, "unpaid_deposits": 3, "paperwork": 3, "no_shows": 3, "unsettled": 3,
    }


@pytest.fixture
def rf_request():
    def build(user):
        request = RequestFactory().get("/desk/")
        request.user = user
        return request
    return build


@pytest.mark.parametrize("query", [
    lambda c: worklists.third_session_due(c),
    lambda c: worklists.unpaid_deposits(c),
    lambda c: worklists.paperwork_missing(c),
    lambda c: worklists.no_shows_to_follow_up(c),
    lambda c: worklists.unsettled_plans(c),
])
def test_every_worklist_can_be_answered_from_indexes(clinic, practitioner, front_desk, query):
    """With sequential scans priced out, PostgreSQL still finds an index for each filter."""
    _fill(clinic, front_desk, 2)
    sql, params = query([clinic]).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = re.findall(r"Seq Scan on (\w+)", plan)
    # The tiny per-clinic tables (clinic rows, opening hours) may be scanned; rows that grow may not.
    assert not [t for t in scanned if t in {
        "clinic_treatmentplan", "sessions_app_treatmentsession", "sessions_app_deposit",
        "sessions_app_payment", "clinic_client",
    }], plan


# --------------------------------------------------------------------------- day sheet


def test_the_day_sheet_lists_tomorrows_sessions_per_clinic_in_local_time_with_flags(
    desk, clinic, practitioner, front_desk
):
    new = make_plan(make_client(clinic, first_name="Nora", last_name="New", paperwork_completed_at=None))
    make_session(new, number=1, starts_at=chicago(3, 3, 9), practitioner=practitioner)
    third = plan_after_session_2(clinic, first_name="Theo", last_name="Third")
    booking.record_deposit(plan=third, amount=Decimal("100.00"), by=front_desk)
    booking.book_session(plan=third, starts_at=chicago(3, 3, 13), practitioner=practitioner, by=front_desk)
    make_session(make_plan(make_client(clinic, last_name="DayAfter")), number=1, starts_at=chicago(3, 4, 9),
                 practitioner=practitioner)
    page = desk.get(reverse("money:day_sheet"))
    text = page.content.decode()
    assert "Chicago <span" in text and "Tuesday 3 March 2026" in text
    rows = rows_of(page)
    assert len(rows) == 2
    assert rows[0].startswith("09:00–12:00 Nora New") and "Missing" in rows[0] and "Not needed" in rows[0]
    assert rows[1].startswith("13:00–16:00 Theo Third") and "3 of 3" in rows[1] and "Paid" in rows[1]
    assert "css/money.css" in text and "data-print" in text


def test_the_day_sheet_can_show_another_day_and_flags_a_missing_deposit(desk, clinic, practitioner):
    plan = plan_after_session_2(clinic, last_name="NoDeposit")
    make_session(plan, number=3, starts_at=chicago(3, 5, 10), practitioner=practitioner)
    rows = rows_of(desk.get(reverse("money:day_sheet"), {"day": "2026-03-05"}))
    assert len(rows) == 1 and "None held" in rows[0]
    assert "not a date" in desk.get(reverse("money:day_sheet"), {"day": "soon"}, follow=True).content.decode()


def test_the_day_sheet_uses_each_clinics_own_tomorrow(client, clinic, other_clinic, practitioner):
    both = make_staff("manager", clinic, clinics=[other_clinic])
    london_pract = make_staff("practitioner", other_clinic)
    # 08:00 in Chicago is 14:00 in London: both clinics' tomorrow is 3 March.
    make_session(make_plan(make_client(other_clinic, last_name="Londoner")), number=1,
                 starts_at=dt.datetime(2026, 3, 3, 9, tzinfo=LONDON), practitioner=london_pract)
    make_session(make_plan(make_client(clinic, last_name="Chicagoan")), number=1,
                 starts_at=chicago(3, 3, 9), practitioner=practitioner)
    sign_in(client, both)
    text = html.unescape(client.get(reverse("money:day_sheet")).content.decode())
    assert text.index("Chicagoan") < text.index("London <span") < text.index("Londoner")
    assert "09:00–12:00" in text.split("London <span")[1]
    only_london = client.get(reverse("money:day_sheet"), {"clinic": other_clinic.pk}).content.decode()
    assert "Chicagoan" not in only_london and "Londoner" in only_london
