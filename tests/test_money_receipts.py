"""Deposit receipts: a printable page and an e-mail (text and HTML), in the clinic's local
time, sent only to a client who agreed to e-mail."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from sessions_app import booking
from tests.factories import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_the_printable_receipt_names_the_clinic_client_amount_and_local_time(desk, paid_deposit):
    page = desk.get(reverse("money:deposit_receipt", args=[paid_deposit.pk])).content.decode()
    assert f"D-{paid_deposit.pk:06d}" in page
    assert "Deposit receipt" in page and "Chicago" in page and "Carla Waiting" in page
    assert "$100.00" in page
    assert "2 March 2026, 08:00 (America/Chicago)" in page
    assert "Card · ref. slip 42" in page
    assert "css/money.css" in page and "data-print" in page


def test_the_receipt_is_emailed_to_the_client_with_text_and_html(desk, paid_deposit):
    response = desk.post(reverse("money:deposit_receipt", args=[paid_deposit.pk]), follow=True)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [paid_deposit.plan.client.email]
    assert message.subject == f"Deposit receipt D-{paid_deposit.pk:06d} from Chicago"
    assert "Amount: $100.00" in message.body
    assert "2 March 2026, 08:00 (America/Chicago)" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "$100.00" in html
    assert f"Receipt e-mailed to {paid_deposit.plan.client.email}." in response.content.decode()


def test_no_receipt_is_emailed_to_a_client_who_did_not_agree_to_email(desk, paid_deposit):
    client = paid_deposit.plan.client
    client.email_consent = False
    client.save()
    response = desk.post(reverse("money:deposit_receipt", args=[paid_deposit.pk]), follow=True)
    assert mail.outbox == []
    assert "has not agreed to receive e-mail: print the receipt instead." in response.content.decode()


def test_a_refund_gets_a_refund_receipt(client, manager, paid_deposit):
    booking.refund_deposit(deposit=paid_deposit, by=manager, reason="moved")
    sign_in(client, manager)
    page = client.get(reverse("money:deposit_receipt", args=[paid_deposit.pk])).content.decode()
    assert "Deposit refund receipt" in page and "Refunded: $100.00 was returned." in page


def test_a_requested_deposit_prints_as_a_request(desk, waiting_plan, front_desk):
    requested = booking.request_deposit(plan=waiting_plan, by=front_desk, amount=Decimal("100.00"))
    page = desk.get(reverse("money:deposit_receipt", args=[requested.pk])).content.decode()
    assert "Deposit request" in page and "is requested and not paid yet" in page
