"""Handing one rendered message to its provider: e-mail through Django's mailers (any
provider behind MAILERS, e.g. SMTP or django-anymail), SMS through aftercare.sms."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid

from aftercare import sms
from aftercare.errors import PermanentSendError, TransientSendError
from aftercare.messages import RenderedMessage
from aftercare.models import Channel, Reminder


def address_problem(reminder: Reminder) -> str:
    """Why the client cannot be reached by this channel ('' when they can)."""
    client = reminder.client
    if reminder.channel == Channel.EMAIL and not client.email.strip():
        return "The client has no e-mail address."
    if reminder.channel == Channel.SMS and not client.phone.strip():
        return "The client has no mobile number."
    return ""


def deliver(reminder: Reminder, message: RenderedMessage) -> str:
    """Hand the message over once; returns the provider's id of it."""
    if reminder.channel == Channel.EMAIL:
        return _send_email(reminder, message)
    return _send_sms(reminder, message)


def _send_email(reminder: Reminder, message: RenderedMessage) -> str:
    # Our own Message-ID is the provider id for SMTP; an API provider's id wins if it has one.
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or None)
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text, to=[reminder.client.email],
        headers={"Message-ID": message_id, "X-Pigment-Message": str(reminder.pk)},
    )
    email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentSendError(f"The mail server refused the address: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransientSendError(f"The mail server did not take the message: {error}") from error
    status = getattr(email, "anymail_status", None)
    return getattr(status, "message_id", None) or message_id


def _send_sms(reminder: Reminder, message: RenderedMessage) -> str:
    text = sms.TextMessage(to=reminder.client.phone, body=message.sms, reference=str(reminder.pk))
    return sms.get_backend().send(text)
