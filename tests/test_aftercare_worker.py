"""Exactly once with a real Celery worker on real Redis (R12), started by each test:

- 1,000 due messages are each handed to the provider once;
- two dispatchers running at the same moment hand each message over once;
- a worker SIGKILLed in the middle of a batch and started again: every message is sent, and
  only the ones in flight at the kill (handed over, not yet marked sent) leave twice;
- flushing Redis loses nothing: the dispatcher hands the claimed messages over again.

"Handed over" is counted in the SMS file log: one line per hand-over, written by whichever
process sends, so a subprocess worker's sends are counted too. The Redis database is the one
in REDIS_URL (FLUSHDB on it only)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aftercare import services, sms
from aftercare.models import Reminder, ReminderStatus
from aftercare.tasks import dispatch_due_reminders
from tests.aftercare_helpers import (
    WORKER_APP_NAME,
    all_sent,
    handovers,
    make_due_reminders,
    needs_postgres,
    needs_redis,
    redis_flushdb,
    statuses,
    thread_worker,
    wait_until,
    worker_env,
)

pytestmark = [needs_postgres, needs_redis, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 2


@pytest.fixture(autouse=True)
def empty_redis():
    redis_flushdb()  # no leftovers of an earlier run reach this test's worker
    yield
    redis_flushdb()


@pytest.fixture
def worker(sms_log):
    with thread_worker() as w:
        yield w


def after_the_lease():
    return timezone.now() + services.SENDING_LEASE + dt.timedelta(seconds=1)


def test_a_thousand_due_messages_are_each_sent_exactly_once(worker, sms_log):
    ids = make_due_reminders(1000)

    handed = dispatch_due_reminders()  # the beat task, called directly

    wait_until(lambda: all_sent(ids), timeout=90, what="1,000 messages to be sent")
    assert handed == 1000
    assert handovers(sms_log) == Counter({pk: 1 for pk in ids})
    assert statuses(ids) == Counter({ReminderStatus.SENT: 1000})
    assert Reminder.objects.filter(pk__in=ids, attempts=1, queued=1).count() == 1000


def test_two_dispatchers_at_the_same_moment_send_each_message_once(worker, sms_log):
    ids = make_due_reminders(400)
    barrier = threading.Barrier(2)
    handed: list[int] = []

    def dispatcher():
        try:
            barrier.wait()
            handed.append(services.dispatch_due(batch_size=20))  # small batches interleave
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    wait_until(lambda: all_sent(ids), timeout=90, what="400 messages to be sent")
    assert sum(handed) == 400
    assert min(handed) > 0  # both really claimed some
    assert handovers(sms_log) == Counter({pk: 1 for pk in ids})
    assert Reminder.objects.filter(pk__in=ids, queued=1).count() == 400


def test_flushing_redis_loses_nothing(sms_log):
    claimed = make_due_reminders(100)
    assert services.dispatch_due() == 100  # 100 ids queued in Redis (no worker running)...
    redis_flushdb()  # ...and gone
    later = make_due_reminders(100)  # due, not claimed yet: only in the database

    with thread_worker():
        assert services.dispatch_due() == 100  # the next tick: the unclaimed ones
        wait_until(lambda: all_sent(later), timeout=30, what="the unclaimed messages")
        assert statuses(claimed) == Counter({ReminderStatus.SENDING: 100})  # lost with Redis

        assert services.dispatch_due(now=after_the_lease()) == 100  # handed over again
        wait_until(lambda: all_sent(claimed), timeout=30, what="the messages lost with Redis")
    assert handovers(sms_log) == Counter({pk: 1 for pk in claimed + later})


def test_a_worker_killed_mid_batch_sends_every_message_once_except_those_in_flight(tmp_path):
    ids = make_due_reminders(120)
    log = sms.FileBackend(tmp_path / "sms.jsonl")
    env = worker_env(str(log.path), SMS_BACKEND="tests.aftercare_helpers.SlowFileBackend",
                     AFTERCARE_TEST_SMS_LATENCY="0.1")
    services.dispatch_due()

    first = start_subprocess_worker(env, tmp_path / "worker1.log")
    try:
        # Kill while a message has been handed over and is not marked sent yet.
        wait_until(lambda: len(log.read()) >= 20 and in_flight(log), timeout=60,
                   what="the worker to be in the middle of the batch", every=0.005)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    wait_until(worker_connections_gone, timeout=30, what="PostgreSQL to roll back the killed worker")

    flying = in_flight(log)  # handed over, and their `sent` mark died with the worker
    sent_before = handovers(log)
    assert 1 <= len(flying) <= CONCURRENCY
    assert len(sent_before) < len(ids)

    second = start_subprocess_worker(env, tmp_path / "worker2.log")
    try:
        # The killed worker's in-flight and prefetched ids are still `sending`: a lease later
        # the dispatcher hands them over again (Redis would only return them after an hour).
        def everything_sent():
            services.dispatch_due(now=after_the_lease())
            return all_sent(ids)

        wait_until(everything_sent, timeout=90, what="every message to be sent", every=0.5)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
        wait_until(worker_connections_gone, timeout=30, what="the worker's connections to close")

    counts = handovers(log)
    assert set(counts) == set(ids)  # none lost
    assert {pk for pk, n in counts.items() if n > 1} == flying  # only the ones in flight twice
    assert max(counts.values()) == 2
    assert sum(counts.values()) == len(ids) + len(flying)
    assert statuses(ids) == Counter({ReminderStatus.SENT: len(ids)})


def in_flight(log: sms.FileBackend) -> set[int]:
    """Messages in the provider's log whose row is not marked sent."""
    logged = set(handovers(log))
    return set(Reminder.objects.filter(pk__in=logged).exclude(status=ReminderStatus.SENT)
               .values_list("pk", flat=True))


def worker_connections_gone() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                       [WORKER_APP_NAME])
        return cursor.fetchone()[0] == 0


def start_subprocess_worker(env: dict, logfile) -> subprocess.Popen:
    """`celery -A clinic worker --pool prefork` in its own process group (so one SIGKILL
    reaches the pool's children too), on the test database and the test Redis."""
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    return subprocess.Popen(
        [celery, "-A", "clinic", "worker", "--pool", "prefork", "--concurrency", str(CONCURRENCY),
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, stdout=open(logfile, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        cwd=settings.BASE_DIR,
    )
