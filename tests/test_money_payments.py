"""Payments towards a plan's price: proposed from the bill, recorded once, bad amounts
refused with the input kept (R6)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from sessions_app.models import Payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def payment_form(client, plan, **extra):
    page = client.get(reverse("money:record_payment", args=[plan.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    return {"amount": "500.00", "method": "bank_transfer", "reference": "TRX-1", "idempotency_key": key,
            **extra}


def test_the_payment_form_proposes_the_balance_with_held_deposits_deducted(desk, waiting_plan, paid_deposit):
    page = desk.get(reverse("money:record_payment", args=[waiting_plan.pk])).content.decode()
    assert 'value="2300.00"' in page
    assert "already deducted" in page


def test_recording_a_payment_updates_the_bill(desk, waiting_plan, front_desk):
    response = desk.post(reverse("money:record_payment", args=[waiting_plan.pk]),
                         payment_form(desk, waiting_plan), follow=True)
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.reference, payment.received_by) == (
        Decimal("500.00"), "bank_transfer", "TRX-1", front_desk)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("money:plan_bill", args=[waiting_plan.pk])
    assert "Payment of $500.00 recorded for Carla Waiting." in page
    assert '<dd data-testid="balance-due">$1,900.00</dd>' in page
    assert "Bank transfer" in page


def test_a_double_submit_records_the_payment_once(desk, waiting_plan):
    url = reverse("money:record_payment", args=[waiting_plan.pk])
    data = payment_form(desk, waiting_plan)
    desk.post(url, data)
    again = desk.post(url, data, follow=True)
    assert Payment.objects.count() == 1
    assert "A payment of $500.00 was already recorded from this form" in again.content.decode()


def test_two_tabs_record_one_payment_and_a_fresh_form_records_the_next(desk, waiting_plan):
    url = reverse("money:record_payment", args=[waiting_plan.pk])
    tab_one, tab_two = payment_form(desk, waiting_plan), payment_form(desk, waiting_plan, amount="300.00")
    desk.post(url, tab_one)
    desk.post(url, tab_two)
    assert Payment.objects.count() == 1
    desk.post(url, payment_form(desk, waiting_plan, amount="300.00"))
    assert sorted(p.amount for p in Payment.objects.all()) == [Decimal("300.00"), Decimal("500.00")]


@pytest.mark.parametrize(("typed", "message"), [
    ("-1", "The amount must be more than zero."),
    ("0", "The amount must be more than zero."),
    ("$500", "&#x27;$500&#x27; is not an amount of money."),
    ("Infinity", "&#x27;Infinity&#x27; is not an amount of money."),
    ("0.001", "Give the amount with at most two decimals."),
    ("2400.01", "2400.01 is more than this can be ($2,400.00). Check the amount."),
])
def test_bad_amounts_are_refused_and_the_input_kept(desk, waiting_plan, typed, message):
    response = desk.post(reverse("money:record_payment", args=[waiting_plan.pk]),
                         payment_form(desk, waiting_plan, amount=typed))
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page and 'value="TRX-1"' in page
    assert not Payment.objects.exists()
