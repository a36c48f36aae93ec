"""Who reaches the money pages (R14): front desk and managers of the clinic; practitioners
and clients get 403, anonymous users sign in first, another clinic's staff get 404."""

import pytest
from django.urls import reverse

from tests.factories import make_portal_user, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PLAN_PAGES = ["money:plan_bill", "money:take_deposit", "money:record_payment"]
DEPOSIT_PAGES = ["money:deposit_detail", "money:deposit_receipt"]
LISTS = [
    "money:worklists", "money:worklist_third_session", "money:worklist_unpaid_deposits",
    "money:worklist_paperwork", "money:worklist_no_shows", "money:worklist_unsettled",
    "money:day_sheet",
]


@pytest.fixture
def urls(waiting_plan, paid_deposit):
    return {
        **{name: reverse(name, args=[waiting_plan.pk]) for name in PLAN_PAGES},
        **{name: reverse(name, args=[paid_deposit.pk]) for name in DEPOSIT_PAGES},
        **{name: reverse(name) for name in LISTS},
    }


ALL = PLAN_PAGES + DEPOSIT_PAGES + LISTS


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_front_desk_and_managers_of_the_clinic_open_every_money_page(client, urls, name, role, request):
    sign_in(client, request.getfixturevalue(role))
    response = client.get(urls[name])
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("name", ALL)
def test_practitioners_are_refused_every_money_page(client, urls, name, practitioner):
    sign_in(client, practitioner)
    assert client.get(urls[name]).status_code == 403


@pytest.mark.parametrize("name", ALL)
def test_clients_are_refused_every_money_page(client, urls, name, client_):
    sign_in(client, make_portal_user(client_))
    assert client.get(urls[name]).status_code == 403


@pytest.mark.parametrize("name", ALL)
def test_anonymous_visitors_are_sent_to_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PLAN_PAGES + DEPOSIT_PAGES)
def test_another_clinics_staff_get_404_for_this_clinics_plans_and_deposits(client, urls, name, outsider):
    sign_in(client, outsider)
    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize("name", LISTS)
def test_another_clinics_staff_see_their_own_lists_without_this_clinics_clients(
    client, urls, name, outsider, waiting_plan
):
    sign_in(client, outsider)
    response = client.get(urls[name])
    assert response.status_code == 200
    assert waiting_plan.client.last_name not in response.content.decode()


@pytest.mark.parametrize("name", LISTS[1:])
def test_filtering_by_a_clinic_the_user_does_not_work_at_is_a_404(
    client, urls, name, front_desk, other_clinic
):
    sign_in(client, front_desk)
    assert client.get(urls[name], {"clinic": other_clinic.pk}).status_code == 404


@pytest.mark.parametrize("action", ["money:refund_deposit", "money:forfeit_deposit"])
def test_deposit_actions_are_post_only_and_scoped(
    client, paid_deposit, action, manager, outsider, practitioner
):
    url = reverse(action, args=[paid_deposit.pk])
    sign_in(client, manager)
    assert client.get(url).status_code == 405
    sign_in(client, outsider)
    assert client.post(url, {"refund-reason": "x", "forfeit-reason": "x"}).status_code == 404
    sign_in(client, practitioner)
    assert client.post(url, {"refund-reason": "x", "forfeit-reason": "x"}).status_code == 403
    client.logout()
    assert client.post(url).status_code == 302
