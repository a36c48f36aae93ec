"""Helpers of the aftercare tests (their fixtures `eager`, `sms_log` and `flaky_sms` are in
conftest.py): an SMS provider that fails or answers slowly, many due messages at once and
a Celery worker on the real Redis for the real-worker tests."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections import Counter
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from aftercare import sms
from aftercare.models import Anchor, Channel, Reminder, ReminderStatus, ScheduleStep
from clinic.celery import app as celery_app
from clinic.models import TreatmentPlan
from sessions_app.models import SessionStatus, TreatmentSession
from tests.factories import make_client, make_clinic, make_staff

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks with SKIP LOCKED: PostgreSQL"
)
needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="a real worker on real Redis: set REDIS_URL (make test does)"
)


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


@contextmanager
def queued_for_a_worker(app):
    """Within this block Celery is not eager: a claim's hand-over waits for its commit, as it
    does for a real worker. Tests use it to hold (or lose) the hand-over between the claim
    and the send."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = saved






def step(kind: str) -> ScheduleStep:
    return ScheduleStep.objects.get(kind=kind)


def rows(session, **filters) -> dict[tuple[str, str], Reminder]:
    return {(r.kind, r.channel): r for r in Reminder.objects.filter(session=session, **filters)}


def handovers(log: sms.FileBackend) -> Counter:
    """How many times each message (by outbox id) was handed to the SMS provider."""
    return Counter(int(line["reference"]) for line in log.read())


# --------------------------------------------------------------------------- many messages


def make_due_reminders(n: int, *, channel: str = Channel.SMS, kinds: int = 10) -> list[int]:
    """`n` messages due now, written in bulk: n / kinds completed sessions (one practitioner,
    back to back in the past), each with `kinds` custom steps. Clients consent to both channels."""
    clinic = make_clinic()
    pat = make_staff("practitioner", clinic)
    client = make_client(clinic, email_consent=True, sms_consent=True)
    steps = ScheduleStep.objects.bulk_create(
        ScheduleStep(kind=f"bulk-{clinic.pk}-{i}", name=f"Bulk {i}", anchor=Anchor.SESSION_END,
                     day_offset=1, by_email=True, by_sms=True, template="custom",
                     subject="Hello {first_name}", body="Message {session_number}")
        for i in range(kinds)
    )
    sessions_needed = -(-n // kinds)
    plans = TreatmentPlan.objects.bulk_create(
        TreatmentPlan(client=client, clinic=clinic, quoted_sessions=2, price=1000, currency="USD",
                      status="active")
        for _ in range(sessions_needed)
    )
    start = timezone.now() - dt.timedelta(days=400)
    sessions = TreatmentSession.objects.bulk_create(
        TreatmentSession(
            plan=plan, client=client, clinic=clinic, number=1, practitioner=pat, booked_by=pat,
            starts_at=start + dt.timedelta(hours=2 * i), ends_at=start + dt.timedelta(hours=2 * i + 1),
            completed_at=start + dt.timedelta(hours=2 * i + 1), status=SessionStatus.COMPLETED,
        )
        for i, plan in enumerate(plans)
    )
    now = timezone.now()
    made = Reminder.objects.bulk_create([
        Reminder(client=client, session=session, step=s, kind=s.kind, channel=channel, due_at=now)
        for session in sessions for s in steps
    ][:n])
    return [r.pk for r in made]


def statuses(ids) -> Counter:
    return Counter(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True))


def all_sent(ids) -> bool:
    return Reminder.objects.filter(pk__in=ids).exclude(status=ReminderStatus.SENT).count() == 0


def redis_flushdb() -> None:
    """Empty the configured Redis database only (never FLUSHALL: other databases belong to
    other people)."""
    with celery_app.connection() as conn:
        conn.default_channel.client.flushdb()


WORKER_APP_NAME = "aftercare-test-worker"  # how the subprocess worker's connections are named


def worker_env(sms_path: str, **extra) -> dict[str, str]:
    """The environment of a subprocess worker: the test database (pytest-django's test_<name>),
    the same Redis, and the SMS file log."""
    db = settings.DATABASES["default"]
    auth = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    url = (f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
           f"?application_name={WORKER_APP_NAME}")
    return {
        **os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL,
        "SMS_BACKEND": "aftercare.sms.FileBackend", "SMS_FILE_PATH": sms_path,
        "DJANGO_SETTINGS_MODULE": "clinic.settings", **extra,
    }


class FlakyBackend(sms.BaseBackend):
    """An SMS provider that is down for the first `FAILURES` calls (class-wide), then takes
    messages into the file log. Only the outside world is faked."""

    FAILURES = 0
    PERMANENT = False
    calls = 0

    def send(self, message: sms.TextMessage) -> str:
        type(self).calls += 1
        if type(self).calls <= type(self).FAILURES:
            error = sms.PermanentSendError if self.PERMANENT else sms.TransientSendError
            raise error(f"provider down (call {type(self).calls})")
        return sms.FileBackend().send(message)




class SlowFileBackend(sms.FileBackend):
    """The file log, with a provider that takes `AFTERCARE_TEST_SMS_LATENCY` seconds to answer
    after it has the message: the window in which a killed worker leaves a message handed over
    but not yet marked sent (what R12 calls "in flight")."""

    def send(self, message: sms.TextMessage) -> str:
        provider_id = super().send(message)
        time.sleep(float(os.environ.get("AFTERCARE_TEST_SMS_LATENCY", "0")))
        return provider_id


@contextmanager
def thread_worker():
    """A Celery worker in a thread of this process (solo pool) on the real Redis. The
    database connections its thread opened are closed when it stops, so that the test
    database can be dropped."""
    opened = []

    def remember_connection(**kwargs):
        opened.extend(connections.all(initialized_only=True))

    task_postrun.connect(remember_connection, weak=False)
    quiet = logging.getLogger("celery")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # not two INFO lines per task
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
            yield worker
    finally:
        task_postrun.disconnect(remember_connection)
        quiet.setLevel(level)
        for conn in {id(c): c for c in opened}.values():
            if conn.connection is not None:
                conn.connection.close()  # the raw connection: its thread is gone


def wait_until(condition, *, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")
        time.sleep(every)
