"""Who reaches the figure reports (R14, R19): managers (their clinics) and superusers
(all); anonymous users sign in first; clients, front desk and practitioners get 403 on every
page and every CSV. Also: a constant number of queries whatever the data size."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_client, make_portal_user, make_staff, sign_in
from tests.reports_helpers import MARCH, NOW, build_march

REPORTS = ["overview", "retention", "attendance", "conversion", "deposits", "revenue", "aftercare"]
URLS = [name for report in REPORTS for name in (report, f"{report}_csv")]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", URLS)
def test_anonymous_users_are_sent_to_sign_in(client, name):
    response = client.get(reverse(f"reports:{name}"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["portal_client", "front_desk", "practitioner", "outsider"])
@pytest.mark.parametrize("name", URLS)
def test_clients_front_desk_and_practitioners_get_403(client, request, clinic, who, name):
    user = make_portal_user(make_client(clinic)) if who == "portal_client" else request.getfixturevalue(who)
    sign_in(client, user)
    assert client.get(reverse(f"reports:{name}")).status_code == 403


@pytest.mark.parametrize("who", ["manager", "superuser"])
@pytest.mark.parametrize("name", URLS)
def test_managers_and_superusers_get_every_page_and_csv(client, request, clinic, who, name):
    sign_in(client, request.getfixturevalue(who))
    response = client.get(reverse(f"reports:{name}"))
    assert response.status_code == 200
    if name.endswith("_csv"):
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("name", URLS)
def test_another_clinics_manager_cannot_pick_this_clinic(client, clinic, other_clinic, name):
    """The clinic choice lists only the manager's clinics: this clinic's id is refused
    (the page says so, the CSV is 400) and none of its names show."""
    sign_in(client, make_staff("manager", other_clinic))
    response = client.get(reverse(f"reports:{name}"), {"clinic": clinic.pk})
    if name.endswith("_csv"):
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()


def test_another_clinics_manager_sees_none_of_this_clinics_figures(
    client, clinic, other_clinic, practitioner, second_practitioner, front_desk
):
    with time_machine.travel(NOW, tick=False):
        build_march(clinic, other_clinic, practitioner, second_practitioner, front_desk)
        sign_in(client, make_staff("manager", other_clinic))
        for report in REPORTS:
            body = client.get(reverse(f"reports:{report}_csv"), MARCH).content.decode()
            assert "Chicago" not in body and "USD" not in body, report


def _queries(client, name) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(f"reports:{name}"), MARCH).status_code == 200
    return len(captured)


def test_every_report_runs_the_same_queries_with_ten_times_the_data(
    client, clinic, other_clinic, practitioner, second_practitioner, front_desk, superuser
):
    chain = make_staff("manager", clinic, clinics=[other_clinic])
    with time_machine.travel(NOW, tick=False):
        build_march(clinic, other_clinic, practitioner, second_practitioner, front_desk)
        sign_in(client, chain)
        once = {name: _queries(client, name) for name in URLS}
        for _ in range(9):  # new practitioners: the same hours again would overlap (R7)
            build_march(
                clinic,
                other_clinic,
                make_staff("practitioner", clinic),
                make_staff("practitioner", clinic),
                front_desk,
            )
        tenfold = {name: _queries(client, name) for name in URLS}
    assert tenfold == once
    assert max(once.values()) <= 30, once
