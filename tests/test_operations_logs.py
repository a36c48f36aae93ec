"""Logs: one JSON line per event in production with the request id, user id, role, route,
status and duration - and never what a client is or wrote. A booking, a session log and a
sent reminder go through the application with every logger at DEBUG and rare words in the
client's name, contact details, answers and notes; none of them, nor the message's text,
reaches the logs."""

import datetime as dt
import io
import json
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Reminder, ReminderStatus
from aftercare.tasks import dispatch_due_reminders
from clinic.logs import JsonFormatter, RequestIdFilter
from sessions_app.models import TreatmentSession
from tests.factories import make_client, make_plan, sign_in
from tests.frontdesk_helpers import booking_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "eager")]
SECRETS = ["Zebulon", "Quixotic", "zeb.quixotic@example.org", "+13125550199",
           "SECRET-NOTE-4471", "SECRET-REQUEST-8812", "SECRET-HAIRLINE-3390"]
REQUEST_FIELDS = {"time", "level", "logger", "message", "request_id", "user_id", "role", "method",
                  "route", "status", "duration_ms"}


@pytest.fixture
def json_log():
    """Everything logged, by any logger at any level, as production writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet = {name: logging.getLogger(name).level for name in ("django.server", "django.request")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_booking_a_session_log_and_a_sent_reminder_leave_no_client_text_in_the_logs(
    client, clinic, front_desk, practitioner, json_log, django_capture_on_commit_callbacks, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    zeb = make_client(clinic, first_name="Zebulon", last_name="Quixotic", email="zeb.quixotic@example.org",
                      phone="+13125550199")
    plan = make_plan(zeb, quoted_sessions=2)

    sign_in(client, front_desk)  # a booking through the front desk's page
    booked = client.post(reverse("frontdesk:book_session", args=[plan.pk]),
                         booking_post(practitioner, "2026-03-04", "10:00", number=1))
    assert booked.status_code == 302
    session = TreatmentSession.objects.get(plan=plan)

    sign_in(client, practitioner)  # the session log with notes, a request and a hairline
    logged = client.post(reverse("practice:session_log", args=[session.pk]), {
        "revision": "0", "shade_used": "4", "notes": "SECRET-NOTE-4471 client asked about sport",
        "photo_kind": "before", "alt_kind": "lower_hairline", "alt_request": "SECRET-REQUEST-8812",
        "hairline_description": "SECRET-HAIRLINE-3390",
    })
    assert logged.status_code == 302
    assert session.record.notes.startswith("SECRET-NOTE-4471")

    reminder = Reminder.objects.get(session=session, kind="appointment_reminder", channel="email")
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due_reminders()  # the beat task, then the send task (eager)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Zebulon" in message.body  # the message does name the client...

    text = json_log.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret  # ...the logs do not
    sentences = [s.strip() for s in message.body.splitlines() if len(s.strip()) > 25]
    assert sentences and not [s for s in sentences if s in text]
    assert message.subject not in text

    events = lines(json_log)
    requests = [e for e in events if e["logger"] == "pigment.request"]
    assert [(e["method"], e["route"], e["status"]) for e in requests] == [
        ("POST", "/desk/plans/<int:plan_id>/book/", 302),
        ("POST", "/practice/sessions/<int:session_id>/", 302),
    ]
    assert REQUEST_FIELDS <= set(requests[0])
    assert (requests[0]["user_id"], requests[0]["role"]) == (front_desk.pk, "front_desk")
    assert (requests[1]["user_id"], requests[1]["role"]) == (practitioner.pk, "practitioner")
    assert len({e["request_id"] for e in requests}) == 2
    assert all(isinstance(e["duration_ms"], float) for e in requests)


def test_the_request_id_is_returned_and_marks_every_line_of_its_request(client, json_log):
    response = client.get("/accounts/login/?next=/desk/clients/?q=Zebulon", HTTP_X_REQUEST_ID="lb-abc123456")
    assert response["X-Request-ID"] == "lb-abc123456"
    events = [e for e in lines(json_log) if e.get("request_id") == "lb-abc123456"]
    assert events and events[-1]["route"] == "/accounts/login/" and events[-1]["role"] == "anonymous"
    assert "Zebulon" not in json_log.getvalue()  # never the query string
    forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID="<script>Zebulon</script>")
    assert forged["X-Request-ID"] != "<script>Zebulon</script>"


@pytest.mark.parametrize("debug", ["false", "true"])
def test_production_writes_json_lines_and_development_readable_ones(debug):
    import os
    import subprocess
    import sys

    from django.conf import settings

    script = ("import django, logging; django.setup(); "
              "logging.getLogger('pigment.check').warning('disk %s full', 'nearly')")
    env = {**os.environ, "DEBUG": debug, "SECRET_KEY": "log-format-check", "LOG_FORMAT": ""}
    del env["LOG_FORMAT"]
    result = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    last = result.stderr.strip().splitlines()[-1]
    if debug == "false":
        event = json.loads(last)
        assert (event["level"], event["logger"]) == ("WARNING", "pigment.check")
        assert event["message"] == "disk nearly full"
    else:
        assert last.endswith("WARNING pigment.check: disk nearly full")
