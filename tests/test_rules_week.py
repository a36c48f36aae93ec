"""The practitioner's week: my day with previous / next day and a date picker, a week view
of their own sessions (colleagues' with who=clinic), in the clinic's time; "My clients"."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session, make_staff, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
MY_DAY = reverse("practice:my_day")


def test_a_chosen_day_shows_only_that_day_with_previous_and_next(client, practitioner, plan):
    make_session(plan, number=1, starts_at=chicago(3, 10, 9), practitioner=practitioner)
    sign_in(client, practitioner)
    page = client.get(MY_DAY, {"date": "2026-03-10"}).content.decode()
    assert "Carl Client" in page or plan.client.full_name in page
    assert "date=2026-03-09" in page and "date=2026-03-11" in page
    other = client.get(MY_DAY, {"date": "2026-03-11"}).content.decode()
    assert plan.client.full_name not in other and "No sessions on Wednesday 11 March for you" in other


def test_the_week_view_shows_monday_to_sunday_mine_or_the_clinics(
    client, clinic, practitioner, second_practitioner
):
    mine = make_plan(make_client(clinic, last_name="Mineclient"))
    theirs = make_plan(make_client(clinic, last_name="Theirclient"))
    make_session(mine, number=1, starts_at=chicago(3, 12, 9), practitioner=practitioner)
    make_session(theirs, number=1, starts_at=chicago(3, 14, 13), practitioner=second_practitioner)
    sign_in(client, practitioner)
    page = client.get(MY_DAY, {"view": "week", "date": "2026-03-11"}).content.decode()
    assert "Monday 9 March" in page and "Sunday 15 March" in page
    assert "Mineclient" in page and "Theirclient" not in page
    everyone = client.get(MY_DAY, {"view": "week", "date": "2026-03-11", "who": "clinic"}).content.decode()
    assert "Theirclient" in everyone and "13:00" in everyone  # the clinic's time


@pytest.mark.parametrize("bad", ["2026-13-40", "nonsense", "9999-01-01", "'; drop table"])
def test_a_hostile_date_falls_back_to_today(client, practitioner, bad):
    sign_in(client, practitioner)
    assert client.get(MY_DAY, {"date": bad, "view": "week"}).status_code == 200


def test_the_week_costs_the_same_queries_with_10x_sessions(client, clinic, practitioner):
    sign_in(client, practitioner)

    def fill(count, offset):
        for n in range(count):
            plan = make_plan(make_client(clinic))
            make_session(plan, number=1, practitioner=practitioner,
                         starts_at=chicago(3, 9 + (n % 6), 9) + dt.timedelta(minutes=20 * (offset + n // 6)),
                         minutes=15)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MY_DAY, {"view": "week", "date": "2026-03-09"}).status_code == 200
        return len(queries)

    fill(3, 0)
    few = count()
    fill(27, 3)
    assert count() == few


@pytest.mark.parametrize("who,expected", [
    ("anonymous", 302), ("front_desk", 403), ("practitioner", 200), ("manager", 200),
])
def test_who_opens_the_week(client, request, who, expected):
    if who != "anonymous":
        sign_in(client, request.getfixturevalue(who))
    assert client.get(MY_DAY, {"view": "week"}).status_code == expected


def test_a_client_gets_403_on_the_week(client, plan):
    from tests.factories import make_portal_user

    sign_in(client, make_portal_user(plan.client))
    assert client.get(MY_DAY, {"view": "week"}).status_code == 403


def test_another_clinics_practitioner_sees_none_of_this_clinics_sessions(
    client, other_clinic, plan, practitioner
):
    make_session(plan, number=1, starts_at=chicago(3, 10, 9), practitioner=practitioner)
    sign_in(client, make_staff("practitioner", other_clinic))
    page = client.get(MY_DAY, {"view": "week", "date": "2026-03-10", "who": "clinic"}).content.decode()
    assert plan.client.full_name not in page


# --------------------------------------------------------------------------- my clients

MY_CLIENTS = reverse("practice:my_clients")


def test_my_clients_lists_only_clients_i_hold_a_session_with_and_searches(
    client, clinic, practitioner, second_practitioner
):
    mine = make_plan(make_client(clinic, first_name="Mina", last_name="Mine"))
    make_session(mine, number=1, starts_at=chicago(2, 16, 9), practitioner=practitioner,
                 status="completed")
    other = make_plan(make_client(clinic, first_name="Otto", last_name="Other"))
    make_session(other, number=1, starts_at=chicago(3, 3, 9), practitioner=second_practitioner)
    sign_in(client, practitioner)
    page = client.get(MY_CLIENTS).content.decode()
    assert "Mine, Mina" in page and "Other" not in page
    assert reverse("practice:plan_progress", args=[mine.pk]) in page
    assert "Mine, Mina" in client.get(MY_CLIENTS, {"q": "mina"}).content.decode()
    assert "No client of yours matches" in client.get(MY_CLIENTS, {"q": "otto"}).content.decode()


def test_my_clients_costs_the_same_queries_with_10x_clients(client, clinic, practitioner):
    sign_in(client, practitioner)

    def fill(count, offset):
        for n in range(count):
            plan = make_plan(make_client(clinic))
            make_session(plan, number=1, practitioner=practitioner, minutes=15,
                         starts_at=chicago(3, 9, 9) + dt.timedelta(minutes=20 * (offset + n)))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MY_CLIENTS).status_code == 200
        return len(queries)

    fill(2, 0)
    few = count()
    fill(18, 2)
    assert count() == few


@pytest.mark.parametrize("who,expected", [
    ("anonymous", 302), ("front_desk", 403), ("practitioner", 200), ("manager", 403),
])
def test_who_opens_my_clients(client, request, who, expected):
    if who != "anonymous":
        sign_in(client, request.getfixturevalue(who))
    assert client.get(MY_CLIENTS).status_code == expected


def test_a_client_gets_403_on_my_clients(client, plan):
    from tests.factories import make_portal_user

    sign_in(client, make_portal_user(plan.client))
    assert client.get(MY_CLIENTS).status_code == 403


# --------------------------------------------------------------------------- at the chair


def test_the_log_shows_the_earlier_sessions_retention_shade_and_notes(
    client, practitioner, second_session, first_log
):
    sign_in(client, practitioner)
    page = client.get(reverse("practice:session_log", args=[second_session.pk])).content.decode()
    assert 'data-testid="earlier-sessions"' in page
    assert "Session 1 · 16 Feb 2026" in page
    assert "Foundation laid; skin took the pigment well." in page


def test_the_log_costs_the_same_queries_with_more_earlier_sessions(client, clinic, practitioner):
    from sessions_app import records

    def plan_with(n, hour):
        plan = make_plan(make_client(clinic), quoted_sessions=n + 1)
        first = chicago(10, 1, hour) - dt.timedelta(days=365)
        for number in range(1, n + 1):
            done = make_session(plan, number=number, practitioner=practitioner, status="completed",
                                starts_at=first + dt.timedelta(days=21 * (number - 1)), minutes=60)
            records.save_session_log(session=done, by=practitioner,
                                     log=records.LogInput(shade_used=4, notes=f"Session {number}"))
        return make_session(plan, number=n + 1, starts_at=chicago(3, 2, hour), practitioner=practitioner,
                            minutes=60)

    few, many = plan_with(1, 9), plan_with(5, 13)
    sign_in(client, practitioner)

    def count(session):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("practice:session_log", args=[session.pk])).status_code == 200
        return len(queries)

    assert count(few) == count(many)
