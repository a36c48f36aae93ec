"""Heartbeats of the Celery processes, read by `manage.py status` and the System page.

Beat writes from its own scheduler (settings.CELERY_BEAT_SCHEDULER), so a heartbeat means
the scheduler is really ticking, not merely that a task ran; each worker writes from a
bootstep timer (registered in clinic.celery). One row per process name, rewritten every
INTERVAL seconds. Writing must never stop the process it reports on: failures are logged."""

from __future__ import annotations

import logging
import os
import socket
import time

from celery import bootsteps
from celery.beat import PersistentScheduler

INTERVAL = 30  # seconds
BEAT = "beat"
logger = logging.getLogger("pigment.heartbeat")


def record(name: str, started_at) -> None:
    from django.db import close_old_connections, connection
    from django.utils import timezone

    from aftercare.models import Heartbeat

    own_connection = not connection.in_atomic_block  # never close a caller's transaction
    try:
        if own_connection:
            close_old_connections()
        Heartbeat.objects.update_or_create(
            name=name[:200],
            defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(),
                      "started_at": started_at, "seen_at": timezone.now()},
        )
    except Exception as error:  # noqa: BLE001 - a heartbeat must never stop beat or a worker
        logger.warning("heartbeat %s not written: %s", name, type(error).__name__)
    finally:
        if own_connection:
            connection.close()  # a new connection every 30 s costs nothing; a stale one would


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's default scheduler, plus a heartbeat at most every INTERVAL seconds."""

    def setup_schedule(self):
        from django.utils import timezone

        super().setup_schedule()
        self._hb_started_at = timezone.now()
        self._hb_last = 0.0

    def tick(self, *args, **kwargs):
        delay = super().tick(*args, **kwargs)
        if time.monotonic() - self._hb_last >= INTERVAL:
            self._hb_last = time.monotonic()
            record(BEAT, self._hb_started_at)
        # Wake up at least every INTERVAL seconds even when nothing is due sooner.
        return min(delay, INTERVAL) if delay is not None else INTERVAL


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.utils import timezone

        name = f"worker:{worker.hostname}"
        started_at = timezone.now()
        record(name, started_at)
        self.tref = worker.timer.call_repeatedly(INTERVAL, record, (name, started_at), priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
