"""Celery tasks of the aftercare outbox: thin, ids only (no names, addresses or clinical text
in the broker), the work done by aftercare.services."""

from __future__ import annotations

from celery import shared_task
from celery.signals import task_prerun
from django.db import connections

from aftercare import services
from aftercare.errors import TransientSendError


@task_prerun.connect
def _reuse_healthy_connections(task=None, **kwargs) -> None:
    """Connections are kept between tasks (settings.CELERY_DB_REUSE_MAX): drop one that broke
    or outlived CONN_MAX_AGE before the next task, as Django does at each request. Not for a
    task run eagerly: it runs inside its caller's connection and transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()


@shared_task(ignore_result=True)
def dispatch_due_reminders() -> int:
    """Celery beat, every minute: claim the due (and stuck) messages and queue their ids.
    Called directly, it dispatches every due row now."""
    return services.dispatch_due()


@shared_task(
    ignore_result=True,
    acks_late=True,  # a worker that dies mid-task leaves the message to be delivered again
    autoretry_for=(TransientSendError,),
    retry_backoff=30,  # 30 s, 60 s, 120 s, 240 s (with jitter), then the row is failed
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS - 1,
    time_limit=300,  # a hung provider connection is killed; the lease hands the row over again
)
def send_reminder(reminder_id: int) -> str:
    """Hand one claimed message to its provider; a second run of the same id sends nothing."""
    return services.send_reminder(reminder_id=reminder_id)
