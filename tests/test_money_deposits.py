"""Deposits at the front desk (R6): take one (paid now or requested), pay a requested one,
refund, forfeit, see what a cancellation would do, and never record the money twice."""

import re
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from sessions_app import booking
from sessions_app.models import Deposit, DepositState, SessionStatus
from tests.clock import chicago
from tests.factories import on_the_day, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def form_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html).group(1)


def deposit_form(client, plan, **extra):
    page = client.get(reverse("money:take_deposit", args=[plan.pk]), extra.pop("query", {}))
    return {"action": "record", "amount": "100.00", "method": "card", "reference": "slip 7",
            "idempotency_key": form_key(page.content.decode()), **extra}


def test_the_deposit_form_proposes_the_clinics_deposit_and_shows_the_third_session_window(desk, waiting_plan):
    page = desk.get(reverse("money:take_deposit", args=[waiting_plan.pk])).content.decode()
    assert 'value="100.00"' in page
    assert "Third-session window" in page
    assert "Mon 2 Mar" in page and "Mon 9 Mar 2026" in page
    assert "7 days left" in page


def test_recording_a_deposit_holds_it_on_the_plan_with_who_and_how(desk, waiting_plan, front_desk):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    response = desk.post(url, deposit_form(desk, waiting_plan))
    deposit = Deposit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("money:deposit_detail", args=[deposit.pk])
    assert (deposit.state, deposit.amount, deposit.method, deposit.reference) == (
        DepositState.PAID, Decimal("100.00"), "card", "slip 7")
    assert deposit.received_by == front_desk and deposit.session is None
    assert deposit.history.first().history_user == front_desk
    detail = desk.get(response["Location"]).content.decode()
    assert "Deposit of $100.00 recorded for Carla Waiting." in detail
    assert "held on the plan for the next third-or-later session" in detail


def test_the_worklists_one_click_path_goes_on_to_booking(desk, waiting_plan):
    url = reverse("money:take_deposit", args=[waiting_plan.pk]) + "?next=book"
    response = desk.post(url, deposit_form(desk, waiting_plan, query={"next": "book"}))
    assert Deposit.objects.get().plan == waiting_plan
    assert response["Location"] == reverse("frontdesk:book_session", args=[waiting_plan.pk])


def request_form(client, plan, amount="150.00"):
    page = client.get(reverse("money:take_deposit", args=[plan.pk])).content.decode()
    seen = re.search(r'name="request-seen" value="([0-9a-f-]{36})"', page).group(1)
    return {"action": "request", "request-amount": amount, "request-seen": seen}


def test_requesting_a_deposit_takes_no_money_and_recording_later_pays_that_request(desk, waiting_plan):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    response = desk.post(url, request_form(desk, waiting_plan))
    requested = Deposit.objects.get()
    assert response["Location"] == reverse("money:deposit_detail", args=[requested.pk])
    assert (requested.state, requested.amount, requested.paid_at) == (
        DepositState.REQUESTED, Decimal("150.00"), None)

    page = desk.get(url, {"deposit": requested.pk}).content.decode()
    assert 'value="150.00"' in page and "Pays the deposit of $150.00 requested on 2 Mar 2026" in page
    desk.post(f"{url}?deposit={requested.pk}", deposit_form(desk, waiting_plan, amount="150.00"))
    requested.refresh_from_db()
    assert requested.state == DepositState.PAID
    assert Deposit.objects.count() == 1


def test_a_second_click_on_request_asks_for_the_deposit_once(desk, waiting_plan):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    data = request_form(desk, waiting_plan)
    desk.post(url, data)
    again = desk.post(url, data, follow=True)
    assert Deposit.objects.count() == 1
    assert "nothing more was requested" in again.content.decode()


def test_a_bad_requested_amount_is_refused_on_the_request_form(desk, waiting_plan):
    response = desk.post(reverse("money:take_deposit", args=[waiting_plan.pk]),
                         request_form(desk, waiting_plan, amount="-5"))
    page = response.content.decode()
    assert "The amount must be more than zero." in page and 'value="-5"' in page
    assert 'id="request-form"' in page and "collapse show" in page
    assert not Deposit.objects.exists()


def test_a_double_submit_records_the_deposit_once_and_says_so(desk, waiting_plan):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    data = deposit_form(desk, waiting_plan)
    desk.post(url, data)
    second = desk.post(url, data, follow=True)
    assert Deposit.objects.count() == 1
    assert "was already recorded from this form by Fran Desk" in second.content.decode()


def test_two_tabs_opened_on_the_same_plan_record_one_deposit(desk, waiting_plan, manager):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    first_tab = deposit_form(desk, waiting_plan)
    other = Client()
    sign_in(other, manager)
    second_tab = deposit_form(other, waiting_plan, amount="120.00")  # another desk, same moment
    assert first_tab["idempotency_key"] == second_tab["idempotency_key"]
    desk.post(url, first_tab)
    other.post(url, second_tab)
    assert Deposit.objects.get().amount == Decimal("100.00")


def test_once_money_is_recorded_a_fresh_form_can_record_the_next_deposit(desk, waiting_plan):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    desk.post(url, deposit_form(desk, waiting_plan))
    desk.post(url, deposit_form(desk, waiting_plan, amount="50.00"))
    assert sorted(d.amount for d in Deposit.objects.all()) == [Decimal("50.00"), Decimal("100.00")]


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_record_one_deposit(waiting_plan, front_desk):
    url = reverse("money:take_deposit", args=[waiting_plan.pk])
    browser = Client()
    sign_in(browser, front_desk)
    data = deposit_form(browser, waiting_plan)
    start = threading.Barrier(2)
    statuses = []

    def submit():
        try:
            tab = Client()
            sign_in(tab, front_desk)
            start.wait()
            statuses.append(tab.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Deposit.objects.count() == 1


@pytest.mark.parametrize(("typed", "message"), [
    ("-50", "The amount must be more than zero."),
    ("0", "The amount must be more than zero."),
    ("0.00", "The amount must be more than zero."),
    ("ten dollars", "&#x27;ten dollars&#x27; is not an amount of money."),
    ("NaN", "&#x27;NaN&#x27; is not an amount of money."),
    ("12.345", "Give the amount with at most two decimals."),
    ("100,50", "&#x27;100,50&#x27; is not an amount of money."),
    ("250000", "is more than this can be"),
    ("1e9", "is more than this can be"),
])
def test_bad_amounts_are_refused_with_a_clear_message_and_the_input_kept(desk, waiting_plan, typed, message):
    response = desk.post(reverse("money:take_deposit", args=[waiting_plan.pk]),
                         deposit_form(desk, waiting_plan, amount=typed, reference="kept ref"))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'value="{typed}"' in page and 'value="kept ref"' in page
    assert "is-invalid" in page
    assert not Deposit.objects.exists()


def test_an_empty_amount_is_required(desk, waiting_plan):
    response = desk.post(reverse("money:take_deposit", args=[waiting_plan.pk]),
                         deposit_form(desk, waiting_plan, amount="  "))
    assert "This field is required." in response.content.decode()
    assert not Deposit.objects.exists()


def test_a_thousands_separator_is_understood(desk, waiting_plan):
    waiting_plan.clinic.deposit_amount = Decimal("2000.00")
    waiting_plan.clinic.save()
    desk.post(reverse("money:take_deposit", args=[waiting_plan.pk]),
              deposit_form(desk, waiting_plan, amount="1,200.00"))
    assert Deposit.objects.get().amount == Decimal("1200.00")


def test_a_form_without_its_key_records_nothing_and_asks_to_start_again(desk, waiting_plan):
    data = deposit_form(desk, waiting_plan)
    del data["idempotency_key"]
    response = desk.post(reverse("money:take_deposit", args=[waiting_plan.pk]), data)
    assert "This form is out of date: nothing was recorded." in response.content.decode()
    assert not Deposit.objects.exists()


# --------------------------------------------------------------------------- refund and forfeit


def test_a_manager_refunds_a_held_deposit_and_the_history_says_who(client, manager, paid_deposit):
    sign_in(client, manager)
    response = client.post(reverse("money:refund_deposit", args=[paid_deposit.pk]),
                           {"refund-reason": "Client moved away"}, follow=True)
    paid_deposit.refresh_from_db()
    assert (paid_deposit.state, paid_deposit.closed_by, paid_deposit.note) == (
        DepositState.REFUNDED, manager, "Client moved away")
    page = response.content.decode()
    assert "Deposit of $100.00 refunded." in page
    assert "Morgan Boss changed it" in page and "Fran Desk created it" in page


def test_the_front_desk_may_not_refund_unless_the_clinic_allows_it(desk, paid_deposit, clinic):
    url = reverse("money:refund_deposit", args=[paid_deposit.pk])
    detail = desk.get(reverse("money:deposit_detail", args=[paid_deposit.pk])).content.decode()
    assert "refunds are made by a manager" in detail and "Refund…" not in detail
    assert desk.post(url, {"refund-reason": "asked"}).status_code == 403
    paid_deposit.refresh_from_db()
    assert paid_deposit.state == DepositState.PAID

    clinic.front_desk_may_refund = True
    clinic.save()
    assert "Refund…" in desk.get(reverse("money:deposit_detail", args=[paid_deposit.pk])).content.decode()
    assert desk.post(url, {"refund-reason": "asked"}).status_code == 302
    paid_deposit.refresh_from_db()
    assert paid_deposit.state == DepositState.REFUNDED


def test_a_deposit_holding_a_booked_session_is_not_refunded_and_the_page_says_why(
    client, manager, paid_deposit, waiting_plan, practitioner, front_desk
):
    booking.book_session(plan=waiting_plan, starts_at=chicago(3, 4), practitioner=practitioner, by=front_desk)
    sign_in(client, manager)
    detail = client.get(reverse("money:deposit_detail", args=[paid_deposit.pk])).content.decode()
    assert "cancel that booking first to refund it" in detail
    response = client.post(reverse("money:refund_deposit", args=[paid_deposit.pk]), {"refund-reason": "x"})
    assert ("This deposit holds session 3: cancel that booking before refunding it."
            in response.content.decode())
    paid_deposit.refresh_from_db()
    assert paid_deposit.state == DepositState.PAID


def test_only_a_manager_forfeits_and_only_with_a_reason(client, desk, manager, paid_deposit):
    url = reverse("money:forfeit_deposit", args=[paid_deposit.pk])
    assert desk.post(url, {"forfeit-reason": "no-show"}).status_code == 403
    sign_in(client, manager)
    refused = client.post(url, {"forfeit-reason": "  "})
    assert "Say why the deposit is forfeited." in refused.content.decode()
    paid_deposit.refresh_from_db()
    assert paid_deposit.state == DepositState.PAID
    client.post(url, {"forfeit-reason": "Missed twice without notice"})
    paid_deposit.refresh_from_db()
    assert (paid_deposit.state, paid_deposit.note) == (DepositState.FORFEITED, "Missed twice without notice")


def test_refunding_twice_says_the_deposit_is_already_refunded(client, manager, paid_deposit):
    sign_in(client, manager)
    url = reverse("money:refund_deposit", args=[paid_deposit.pk])
    client.post(url, {"refund-reason": ""})
    again = client.post(url, {"refund-reason": ""})
    assert "This deposit is refunded: it cannot be refunded." in again.content.decode()


# --------------------------------------------------------------------------- cancellation outcome


def test_the_deposit_page_shows_a_timely_cancellation_keeps_the_deposit(
    desk, paid_deposit, waiting_plan, practitioner, front_desk
):
    booking.book_session(plan=waiting_plan, starts_at=chicago(3, 6), practitioner=practitioner, by=front_desk)
    page = desk.get(reverse("money:deposit_detail", args=[paid_deposit.pk])).content.decode()
    assert "If session 3 is cancelled now" in page
    assert "The deposit of $100.00 stays paid on the plan" in page
    assert "a cancellation before Wed 4 Mar, 10:00 keeps the deposit" in page


def test_the_deposit_page_warns_a_late_cancellation_forfeits_the_deposit(
    desk, paid_deposit, waiting_plan, practitioner, front_desk
):
    booking.book_session(plan=waiting_plan, starts_at=chicago(3, 3, 9), practitioner=practitioner,
                         by=front_desk)
    page = desk.get(reverse("money:deposit_detail", args=[paid_deposit.pk])).content.decode()
    assert "Less than 48 hours&#x27; notice: the deposit of $100.00 is forfeited." in page
    assert "the notice period began Sun 1 Mar, 09:00" in page


def test_a_no_show_forfeits_the_deposit_and_it_shows_on_the_bill(
    desk, paid_deposit, waiting_plan, practitioner, front_desk
):
    session = booking.book_session(plan=waiting_plan, starts_at=chicago(3, 4), practitioner=practitioner,
                                   by=front_desk)
    with on_the_day(session):
        booking.mark_no_show(session=session, by=front_desk)
    assert session.deposits.get().state == DepositState.FORFEITED
    page = desk.get(reverse("money:plan_bill", args=[waiting_plan.pk])).content.decode()
    assert "Forfeited" in page
    assert SessionStatus.NO_SHOW.label in page
