"""Deposit receipts: the printable page and the e-mail share one context and one set of
templates (subject, text, HTML) under templates/money/email/. No request or HTTP here."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from sessions_app.billing import format_money, method_label
from sessions_app.models import Deposit, DepositState


class ReceiptNotSent(Exception):
    """The receipt cannot be e-mailed; the message says why and what to do."""


@dataclass(frozen=True)
class Receipt:
    """What a deposit's receipt says, already formatted for people (clinic local time)."""

    number: str
    title: str
    deposit: Deposit
    amount: str
    method: str
    paid_on: str
    closed_on: str
    status_line: str


def _local(instant, deposit: Deposit) -> str:
    if instant is None:
        return ""
    local = instant.astimezone(deposit.plan.clinic.tz)
    return f"{local.day} {local:%B %Y, %H:%M} ({deposit.plan.clinic.time_zone})"


def _status_line(deposit: Deposit) -> str:
    amount = format_money(deposit.amount, deposit.currency, deposit.plan.clinic.locale)
    session = f"session {deposit.session.number}" if deposit.session_id else ""
    return {
        DepositState.REQUESTED: f"A booking deposit of {amount} is requested and not paid yet.",
        DepositState.PAID: (
            f"Paid. It holds {session} and is deducted from the plan's bill when that session "
            "is completed." if session else
            "Paid. It is held on the treatment plan for the next session to be booked."
        ),
        DepositState.APPLIED: f"Paid and deducted from the plan's bill ({session} completed).",
        DepositState.REFUNDED: f"Refunded: {amount} was returned.",
        DepositState.FORFEITED: "Forfeited under the clinic's cancellation policy.",
    }[deposit.state]


def deposit_receipt(deposit: Deposit) -> Receipt:
    """The receipt of a deposit (expects plan__client and plan__clinic selected)."""
    title = {
        DepositState.REQUESTED: "Deposit request",
        DepositState.REFUNDED: "Deposit refund receipt",
    }.get(deposit.state, "Deposit receipt")
    return Receipt(
        number=f"D-{deposit.pk:06d}",
        title=title,
        deposit=deposit,
        amount=format_money(deposit.amount, deposit.currency, deposit.plan.clinic.locale),
        method=method_label(deposit.method),
        paid_on=_local(deposit.paid_at, deposit),
        closed_on=_local(deposit.closed_at, deposit),
        status_line=_status_line(deposit),
    )


def send_deposit_receipt(deposit: Deposit) -> str:
    """E-mail the receipt to the client; returns the address used. Raises ReceiptNotSent
    when the client has no address or has not agreed to e-mail (DOMAIN.md: messages go by
    the channel the client consented to)."""
    client = deposit.plan.client
    if not client.email:
        raise ReceiptNotSent(f"{client.full_name} has no e-mail address: print the receipt instead.")
    if not client.email_consent:
        raise ReceiptNotSent(
            f"{client.full_name} has not agreed to receive e-mail: print the receipt instead."
        )
    context = {"receipt": deposit_receipt(deposit), "clinic": deposit.plan.clinic, "client": client}
    subject = " ".join(render_to_string("money/email/deposit_receipt_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("money/email/deposit_receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[client.email],
    )
    message.attach_alternative(render_to_string("money/email/deposit_receipt.html", context), "text/html")
    message.send()
    return client.email
