"""What `manage.py status` and the System page report: the last beat tick, the workers
seen, the outbox backlog. `problems` is non-empty - and the command exits non-zero - when
beat has been silent for BEAT_SILENT_AFTER or a due message has waited over DUE_WAIT_LIMIT:
either way reminders are not going out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.utils import timezone

from aftercare.models import Heartbeat, Reminder, ReminderStatus
from clinic.heartbeat import BEAT

BEAT_SILENT_AFTER = dt.timedelta(minutes=3)
DUE_WAIT_LIMIT = dt.timedelta(minutes=10)
WORKER_SILENT_AFTER = dt.timedelta(minutes=2)  # four missed heartbeats
WORKERS_LISTED_FOR = dt.timedelta(days=1)


@dataclass(frozen=True)
class Process:
    name: str
    hostname: str
    pid: int
    started_at: dt.datetime
    seen_at: dt.datetime
    age: dt.timedelta
    alive: bool

    @property
    def age_text(self) -> str:
        return human(self.age)


@dataclass
class SystemStatus:
    now: dt.datetime
    beat: Process | None
    workers: list[Process]
    due_count: int
    oldest_due_at: dt.datetime | None
    failed_count: int
    problems: list[str] = field(default_factory=list)

    @property
    def oldest_due_age(self) -> dt.timedelta | None:
        return self.now - self.oldest_due_at if self.oldest_due_at else None

    @property
    def oldest_due_text(self) -> str:
        return human(self.oldest_due_age) if self.oldest_due_age is not None else ""

    @property
    def healthy(self) -> bool:
        return not self.problems


def _process(row: Heartbeat, now: dt.datetime, silent_after: dt.timedelta) -> Process:
    age = now - row.seen_at
    return Process(name=row.name, hostname=row.hostname, pid=row.pid, started_at=row.started_at,
                   seen_at=row.seen_at, age=age, alive=age <= silent_after)


def collect(clinics=None, now: dt.datetime | None = None) -> SystemStatus:
    """The status now; the outbox counts only `clinics` when given (a manager's page)."""
    now = now or timezone.now()
    rows = list(Heartbeat.objects.filter(seen_at__gte=now - WORKERS_LISTED_FOR))
    beat = next((_process(r, now, BEAT_SILENT_AFTER) for r in rows if r.name == BEAT), None)
    workers = [_process(r, now, WORKER_SILENT_AFTER) for r in rows if r.name != BEAT]
    reminders = Reminder.objects.all()
    if clinics is not None:
        reminders = reminders.filter(session__clinic__in=clinics)
    # Due and not sent: waiting for the dispatcher (scheduled) or for a worker (sending).
    waiting = reminders.filter(
        status__in=(ReminderStatus.SCHEDULED, ReminderStatus.SENDING), due_at__lte=now
    ).aggregate(n=Count("id"), oldest=Min("due_at"))
    status = SystemStatus(
        now=now, beat=beat, workers=workers, due_count=waiting["n"], oldest_due_at=waiting["oldest"],
        failed_count=reminders.filter(status=ReminderStatus.FAILED).count(),
    )
    if beat is None:
        status.problems.append("Celery beat has never been seen: no reminder is dispatched.")
    elif not beat.alive:
        status.problems.append(f"Celery beat has been silent for {human(beat.age)}.")
    if status.oldest_due_age is not None and status.oldest_due_age > DUE_WAIT_LIMIT:
        status.problems.append(
            f"A due message has waited {human(status.oldest_due_age)} (limit {human(DUE_WAIT_LIMIT)})."
        )
    return status


def human(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"
