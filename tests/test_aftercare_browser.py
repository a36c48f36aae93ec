"""The outbox in a real browser (Chromium, headless): the front desk finds a failed message in
the clinic's messages, opens the client's messages and sends it again. Screenshots go to
var/screenshots/ for people to look at."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.models import Reminder, ReminderStatus, ScheduleStep
from sessions_app.models import SessionStatus
from tests.browser import shot, sign_in
from tests.factories import make_client, make_plan, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(clinic, practitioner):
    """Carl's session 2, completed five days ago: instructions and reminder sent, the SMS of
    the window closing failed (provider down), the third-session prompt still to come."""
    # Transactional tests empty the tables, the seeded schedule too: seed it again.
    importlib.import_module("aftercare.migrations.0002_default_schedule").seed(apps, None)
    carl = make_client(clinic, first_name="Carl", last_name="Client", sms_consent=True)
    plan = make_plan(carl, quoted_sessions=3)
    now = timezone.now()
    make_session(plan, number=1, starts_at=now - dt.timedelta(days=26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    session = make_session(plan, number=2, starts_at=now - dt.timedelta(days=5, hours=3),
                           practitioner=practitioner, status=SessionStatus.COMPLETED)
    end = session.ends_at

    def add(kind, channel, due, status, **fields):
        step = ScheduleStep.objects.get(kind=kind)
        return Reminder.objects.create(client=carl, session=session, step=step, kind=kind, channel=channel,
                                       due_at=due, status=status, **fields)

    for channel in ("email", "sms"):
        add("aftercare_instructions", channel, end, ReminderStatus.SENT, sent_at=end, attempts=1,
            provider_id=f"<{channel}-1@pigment.local>")
        add("aftercare_reminder", channel, end + dt.timedelta(days=2), ReminderStatus.SENT,
            sent_at=end + dt.timedelta(days=2), attempts=1, provider_id=f"{channel}-2")
    add("aftercare_window_closed", "email", end + dt.timedelta(days=4), ReminderStatus.SENT,
        sent_at=end + dt.timedelta(days=4), attempts=1, provider_id="<email-3@pigment.local>")
    failed = add("aftercare_window_closed", "sms", end + dt.timedelta(days=4), ReminderStatus.FAILED,
                 attempts=5, claimed_at=end + dt.timedelta(days=4),
                 last_error="Twilio answered 503: Service unavailable")
    add("third_session_prompt", "email", now + dt.timedelta(hours=20), ReminderStatus.SCHEDULED)
    return carl, failed


def test_the_front_desk_sends_a_failed_message_again(page, live_server, front_desk, history, sms_log, eager):
    carl, failed = history
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = []  # the strict CSP must not have to block anything on these pages
    page.on("console", lambda msg: "Content Security Policy" in msg.text and blocked.append(msg.text))
    sign_in(page, live_server, front_desk)

    page.get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", name=re.compile("Messages"))).to_be_visible()
    expect(page.get_by_text("Twilio answered 503")).to_be_visible()
    shot(page, "aftercare_outbox")

    page.get_by_role("link", name="Carl Client").click()
    expect(page.get_by_role("heading", name="Messages to Carl Client")).to_be_visible()
    expect(page.get_by_text("Book your third session")).to_be_visible()
    shot(page, "aftercare_client_messages")

    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("The message is being sent again")).to_be_visible()
    expect(page.get_by_text(re.compile("Sent again by Fran Desk"))).to_be_visible()
    shot(page, "aftercare_client_messages_resent")

    failed.refresh_from_db()
    assert failed.status == ReminderStatus.SENT
    assert [line["reference"] for line in sms_log.read()] == [str(failed.pk)]
    assert blocked == []

