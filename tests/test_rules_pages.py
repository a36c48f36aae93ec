"""The pages of the rules: the cancel page shows the later sessions first and handles them
in one step (R8); who may open it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sessions_app import booking
from sessions_app.models import Deposit, DepositState, SessionStatus
from tests.clock import chicago
from tests.factories import make_session, on_the_day, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def two_and_three(plan, practitioner, front_desk):
    make_session(plan, number=1, starts_at=chicago(2, 23), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 5), practitioner=practitioner,
                                  by=front_desk)
    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 26), practitioner=practitioner,
                                 by=front_desk)
    return second, third


def test_the_cancel_page_shows_the_later_session_and_its_deposit_outcome_first(
    client, front_desk, two_and_three
):
    second, third = two_and_three
    sign_in(client, front_desk)
    page = client.get(reverse("frontdesk:session_cancel", args=[second.pk])).content.decode()
    assert page.index('data-testid="impact"') < page.index('id="cancel-outcome"')
    assert "Session 3 · Thursday 26 March 2026" in page
    assert "The deposit of $100.00 stays paid on the plan" in page


def test_cancel_session_2_and_3_in_one_post(client, front_desk, two_and_three):
    second, third = two_and_three
    sign_in(client, front_desk)
    response = client.post(reverse("frontdesk:session_cancel", args=[second.pk]),
                           {"reason": "Ill", f"later_{third.pk}": "cancel"})
    assert response.status_code == 302
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == third.status == SessionStatus.CANCELLED
    assert Deposit.objects.get().state == DepositState.PAID


def test_cancel_session_2_and_move_3_in_one_post(client, front_desk, two_and_three):
    second, third = two_and_three
    sign_in(client, front_desk)
    url = reverse("frontdesk:session_cancel", args=[second.pk])
    missing = client.post(url, {f"later_{third.pk}": "move"})
    assert "Give the new date and time of session 3" in missing.content.decode()
    client.post(url, {f"later_{third.pk}": "move", f"later_{third.pk}_date": "2026-03-27",
                      f"later_{third.pk}_time": "11:00"})
    third.refresh_from_db()
    second.refresh_from_db()
    assert second.status == SessionStatus.CANCELLED
    assert third.status == SessionStatus.BOOKED and third.starts_at == chicago(3, 27, 11)


def test_a_no_show_with_a_later_session_handles_it_in_the_same_step(client, front_desk, two_and_three):
    second, third = two_and_three
    url = reverse("frontdesk:session_no_show", args=[second.pk])
    with on_the_day(second, minutes=30):
        sign_in(client, front_desk)
        assert 'data-testid="later-3"' in client.get(url).content.decode()
        client.post(url, {f"later_{third.pk}": "cancel"})
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (SessionStatus.NO_SHOW, SessionStatus.CANCELLED)


@pytest.mark.parametrize("who,expected", [
    ("anonymous", 302), ("practitioner", 403), ("front_desk", 200), ("manager", 200), ("outsider", 404),
])
def test_who_opens_the_cancel_page(client, request, two_and_three, who, expected):
    second, _ = two_and_three
    if who != "anonymous":
        sign_in(client, request.getfixturevalue(who))
    assert client.get(reverse("frontdesk:session_cancel", args=[second.pk])).status_code == expected


def test_the_session_log_shows_what_is_missing_beside_complete_and_saves_not_assessed(
    client, practitioner, second_session, first_log
):
    from sessions_app import records

    sign_in(client, practitioner)
    url = reverse("practice:session_log", args=[second_session.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="log-missing"' in page and "Crown: retention rating" in page
    data = {"revision": "0", "notes": "", "shade_used": "4", "photo_kind": "before"}
    for zone, _ in records.treated_zones(second_session):
        data[f"retention_{zone}"] = "3"
    data["retention_crown"] = ""
    data["not_assessed_crown"] = "Scabs from a knock"
    client.post(url, data)
    assert records.log_missing(second_session) == []
    assert 'data-testid="log-missing"' not in client.get(url).content.decode()


@pytest.fixture
def completed_second(second_session, first_log, practitioner):
    from tests.factories import write_full_log

    write_full_log(second_session, practitioner)
    return booking.complete_session(session=second_session, by=practitioner)


@pytest.mark.parametrize("who,expected", [
    ("anonymous", 302), ("client", 403), ("front_desk", 403), ("practitioner", 403),
    ("manager", 200), ("outsider", 404),
])
def test_who_opens_the_uncomplete_page(client, request, completed_second, who, expected):
    from tests.factories import make_portal_user

    if who == "client":
        sign_in(client, make_portal_user(completed_second.client))
    elif who != "anonymous":
        sign_in(client, request.getfixturevalue(who))
    url = reverse("practice:uncomplete_session", args=[completed_second.pk])
    assert client.get(url).status_code == expected
    posted = client.post(url, {"reason": "Completed by mistake"}).status_code
    assert posted == (302 if who in ("anonymous", "manager") else expected)
    completed_second.refresh_from_db()
    undone = completed_second.status == SessionStatus.CHECKED_IN
    assert undone == (who == "manager")


def test_a_manager_undoes_a_completion_with_a_reason_on_the_page(client, manager, completed_second):
    sign_in(client, manager)
    url = reverse("practice:uncomplete_session", args=[completed_second.pk])
    assert "This field is required" in client.post(url, {"reason": ""}).content.decode()
    completed_second.refresh_from_db()
    assert completed_second.status == SessionStatus.COMPLETED
    client.post(url, {"reason": "Completed the wrong client"})
    completed_second.refresh_from_db()
    assert completed_second.status == SessionStatus.CHECKED_IN
    assert completed_second.history.first().history_change_reason.endswith("Completed the wrong client")
