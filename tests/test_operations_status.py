"""Heartbeats and `manage.py status` / the System page: the last beat tick, the workers seen,
the outbox backlog; non-zero when beat is silent for 3 minutes or a due message waited over
10. The heartbeats are written by the real scheduler class and a real worker."""

import datetime as dt
import io
import json

import pytest
import time_machine
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Heartbeat, Reminder, ReminderStatus
from clinic import heartbeat
from clinic.celery import app as celery_app
from tests.aftercare_helpers import make_due_reminders, needs_redis
from tests.factories import make_portal_user, sign_in

db = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


def status(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("status", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def beat_seen(at: dt.datetime) -> None:
    Heartbeat.objects.update_or_create(name=heartbeat.BEAT, defaults={
        "hostname": "web-1", "pid": 42, "started_at": at - dt.timedelta(hours=1), "seen_at": at})


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@db
def test_status_fails_when_beat_was_never_seen(clock):
    code, out, err = status()
    assert code == 1
    assert "beat: never seen" in out and "Celery beat has never been seen" in err


@db
def test_status_is_ok_with_a_ticking_beat_and_an_empty_outbox(clock):
    beat_seen(NOW - dt.timedelta(seconds=40))
    heartbeat.record("worker:celery@web-1", NOW - dt.timedelta(hours=2))
    code, out, _ = status()
    assert code == 0, out
    assert "beat: last tick 40 s ago (web-1, pid 42)" in out
    assert "worker worker:celery@web-1: up, last seen 0 s ago" in out
    assert "outbox: 0 due, oldest waiting -; 0 failed" in out and "status: OK" in out


@db
def test_status_fails_when_beat_is_silent_for_three_minutes(clock):
    beat_seen(NOW - dt.timedelta(minutes=2, seconds=59))
    assert status()[0] == 0
    beat_seen(NOW - dt.timedelta(minutes=3, seconds=1))
    code, _, err = status()
    assert code == 1 and "Celery beat has been silent for 3 min 1 s." in err


@db
def test_status_fails_when_a_due_message_waited_over_ten_minutes(clock):
    beat_seen(NOW)
    ids = make_due_reminders(2, kinds=2)
    Reminder.objects.filter(pk=ids[0]).update(due_at=NOW - dt.timedelta(minutes=9, seconds=59))
    Reminder.objects.filter(pk=ids[1]).update(status=ReminderStatus.FAILED, attempts=5)
    code, out, _ = status()
    assert code == 0 and "outbox: 1 due, oldest waiting 9 min 59 s; 1 failed" in out
    Reminder.objects.filter(pk=ids[0]).update(due_at=NOW - dt.timedelta(minutes=10, seconds=1))
    code, out, err = status("--json")
    assert code == 1
    report = json.loads(out)
    assert report["outbox"] == {"due": 1, "oldest_due_age_seconds": 601, "failed": 1}
    assert report["ok"] is False
    assert report["problems"] == ["A due message has waited 10 min 1 s (limit 10 min)."]


@db(transaction=True)
def test_beats_scheduler_writes_the_heartbeat_as_it_ticks(tmp_path, settings):
    app = Celery("heartbeat-test", broker=settings.CELERY_BROKER_URL)  # no schedule: ticks only
    scheduler = heartbeat.HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        assert scheduler.tick() <= heartbeat.INTERVAL
    finally:
        scheduler.close()
    beat = Heartbeat.objects.get(name=heartbeat.BEAT)
    assert timezone.now() - beat.seen_at < dt.timedelta(seconds=30)
    assert status()[0] == 0


@needs_redis
@db(transaction=True)
def test_a_real_worker_writes_its_heartbeat():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        seen = Heartbeat.objects.get(name=f"worker:{worker.hostname}")
    assert timezone.now() - seen.seen_at < dt.timedelta(seconds=30)


# --------------------------------------------------------------------------- the System page

URL = "/reports/system/"


def test_the_system_page_url_is_named():
    assert reverse("reports:system") == URL


@db
def test_the_system_page_shows_managers_their_clinics_outbox(client, manager, clock):
    beat_seen(NOW - dt.timedelta(minutes=5))
    elsewhere = make_due_reminders(3, kinds=3)  # another clinic's messages
    Reminder.objects.filter(pk__in=elsewhere).update(status=ReminderStatus.FAILED)
    sign_in(client, manager)
    page = client.get(URL).content.decode()
    assert "Celery beat has been silent for 5 min." in page
    assert 'Failed</dt><dd class="col-5">0</dd>' in page  # not another clinic's failures


@db
def test_superusers_see_every_clinics_outbox(client, superuser, clock):
    beat_seen(NOW)
    Reminder.objects.filter(pk__in=make_due_reminders(3, kinds=3)).update(status=ReminderStatus.FAILED)
    sign_in(client, superuser)
    page = client.get(URL).content.decode()
    assert "Everything is running." in page
    assert f'<a href="{reverse("aftercare:outbox")}">3</a>' in page


@db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "outsider"])
def test_other_staff_get_403(client, role, request):
    sign_in(client, request.getfixturevalue(role))
    assert client.get(URL).status_code == 403


@db
def test_clients_get_403(client, client_):
    sign_in(client, make_portal_user(client_))
    assert client.get(URL).status_code == 403


@db
def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
