"""What a message says: its context (exact local dates and times of the client's clinic) and
its rendering from the templates under templates/aftercare/messages/<template>/.

Rendered when the message is sent, not when it is planned, so a moved appointment or a
corrected clinic phone number shows up in the message that leaves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from aftercare import placeholders
from aftercare.models import Channel, MessageTemplate, Reminder
from aftercare.window import aftercare_window
from clinic.clinic_time import client_day, client_moment, client_time, local_date
from clinic.clinic_time import recall_day as clinic_recall_day
from clinic.locale_format import format_moment, format_money, in_language
from clinic.portal import paperwork_link
from sessions_app.rules import allowed_window

TEMPLATE_DIR = "aftercare/messages"


@dataclass(frozen=True)
class RenderedMessage:
    """An e-mail (subject, text, HTML) or a text message (sms); the other parts are empty."""

    subject: str = ""
    text: str = ""
    html: str = ""
    sms: str = ""


# --------------------------------------------------------------------------- labels

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
                8: "eight", 9: "nine", 10: "ten", 14: "fourteen"}
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


# --------------------------------------------------------------------------- instants


def session_end(session) -> dt.datetime:
    """When the session ended, for the messages sent at its end ("instructions at
    completion"): its scheduled end, or the moment it was marked completed if earlier."""
    if session.completed_at and session.completed_at < session.ends_at:
        return session.completed_at
    return session.ends_at


def window_close(session) -> dt.datetime:
    """The end of the aftercare window: the same local wall time, `aftercare_days` calendar
    days after the session's (scheduled) end, so a DST change in between keeps "4 days later
    at 5 pm" at 5 pm (R12, Time). One home for it: aftercare.window, also shown in the portal."""
    return aftercare_window(session).closes_at


def recall_day(plan) -> dt.date:
    """The touch-up recall date: the plan's completion date + the clinic's recall years (R15),
    counted by clinic.clinic_time.recall_day (also the front desk's recall list)."""
    return clinic_recall_day(plan.completed_at, plan.clinic.tz, plan.clinic.touch_up_recall_years)


# --------------------------------------------------------------------------- context


def message_context(reminder: Reminder) -> dict:
    """Everything a template may show; plain strings and dates only (also safe for a
    manager's custom text)."""

    session, client = reminder.session, reminder.client
    clinic, plan = session.clinic, session.plan
    tz = clinic.tz
    reference = local_date(max(reminder.due_at, timezone.now()), tz)
    end = session_end(session)
    context = {
        "first_name": client.first_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_address": clinic.address,
        "session_number": session.number,
        "quoted_sessions": plan.quoted_sessions,
        "aftercare_days": clinic.aftercare_days,
        "session_end_date": local_date(end, tz),
        "session_ended": client_moment(end, tz, reference=reference),
        "window_until": client_moment(window_close(session), tz, reference=reference),
        "appointment": client_moment(session.starts_at, tz, reference=reference),
        "appointment_day": client_day(local_date(session.starts_at, tz), reference=reference),
        "appointment_time": client_time(session.starts_at.astimezone(tz).time()),
        "aftercare_days_words": NUMBER_WORDS.get(clinic.aftercare_days, str(clinic.aftercare_days)),
        "next_number": session.number + 1,
        "next_ordinal": ORDINALS.get(session.number + 1, f"{session.number + 1}th"),
        "notice_hours": clinic.cancellation_notice_hours,
        "deposit": format_money(clinic.deposit_amount, clinic.currency, clinic.locale),
        "reference": reference,
    }
    if client.message_language != "en":
        # The English "Thursday 5 March at 5 pm" labels, in the client's language (Babel).
        locale = in_language(client.message_language, clinic.locale)
        context["window_until"] = format_moment(window_close(session), tz, locale)
        context["session_ended"] = format_moment(end, tz, locale)
        context["appointment"] = format_moment(session.starts_at, tz, locale)
        context["aftercare_days_words"] = str(clinic.aftercare_days)
    if session.number + 1 <= plan.quoted_sessions:
        earliest, latest = allowed_window(plan, session.number + 1, session.starts_at)
        opens = client_day(earliest, reference=reference)
        context["next_window"] = (
            f"between {opens} and {client_day(latest, reference=reference)}" if latest else f"from {opens}"
        )
    if reminder.step.template == MessageTemplate.PAPERWORK:
        context["paperwork_link"] = paperwork_link(client)
    if plan.completed_at:
        context["recall_day"] = client_day(recall_day(plan), reference=reference)
        context["recall_years"] = clinic.touch_up_recall_years
    return context


def render_reminder(reminder: Reminder) -> RenderedMessage:
    """The message in its channel's form (e-mail: subject, text and HTML; SMS: one line of
    text), in the clinic's language."""
    step = reminder.step
    context = message_context(reminder)
    folder = f"{TEMPLATE_DIR}/{step.template}"
    with translation.override(reminder.client.message_language):
        if step.template == MessageTemplate.CUSTOM:
            values = placeholder_values(context)
            context["custom_subject"] = placeholders.fill(step.subject, values).strip()
            context["custom_text"] = placeholders.fill(step.body, values).strip()
            # linebreaks() escapes the text itself (autoescape=True): safe to insert as HTML.
            context["custom_html"] = mark_safe(linebreaks(context["custom_text"], autoescape=True))  # noqa: S308
        if reminder.channel == Channel.SMS:
            return RenderedMessage(sms=" ".join(render_to_string(f"{folder}/sms.txt", context).split()))
        return RenderedMessage(
            subject=" ".join(render_to_string(f"{folder}/subject.txt", context).split()),
            text=render_to_string(f"{folder}/body.txt", context).strip() + "\n",
            html=render_to_string(f"{folder}/body.html", context),
        )


def placeholder_values(context: dict) -> dict[str, str]:
    """The values of a custom step's placeholders (aftercare.placeholders), as text: a
    manager's text is filled from these and never compiled as a template."""
    values = {name: str(context[name]) for name in placeholders.PLACEHOLDERS if name in context}
    end_date, reference = context["session_end_date"], context["reference"]
    values["session_day"] = client_day(end_date, reference=reference)
    for days in placeholders.DAY_OFFSETS:
        values[f"day_{days}"] = client_day(end_date + dt.timedelta(days=days), reference=reference)
    return values
