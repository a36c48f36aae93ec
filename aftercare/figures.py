"""Aftercare delivery figures for the managers' reports (R19), computed by the database.

Counted: the messages that fell due in the period (clinic-local dates) and by now. Sent
late: handed to the provider more than SENT_LATE_AFTER after its due time (a worker or the
provider was down). Failed: given up or waiting for a manager's resend. Cancelled messages
(the session was cancelled or un-completed) are shown apart and count in no rate."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q

from aftercare.models import Reminder, ReminderStatus
from clinic.report_sql import LocalPart, Period, in_period
from sessions_app.figures import share as _rate

SENT_LATE_AFTER = dt.timedelta(hours=1)


_FIGURES = {
    "due": Count("id", filter=~Q(status=ReminderStatus.CANCELLED)),
    "sent": Count("id", filter=Q(status=ReminderStatus.SENT)),
    "sent_late": Count("id", filter=Q(status=ReminderStatus.SENT, sent_at__gt=F("due_at") + SENT_LATE_AFTER)),
    "failed": Count("id", filter=Q(status=ReminderStatus.FAILED)),
    "cancelled": Count("id", filter=Q(status=ReminderStatus.CANCELLED)),
}


def _with_rates(row: dict) -> dict:
    on_time = row["sent"] - row["sent_late"]
    return {
        **row,
        "on_time": on_time,
        "on_time_rate": _rate(on_time, row["due"]),
        "failed_rate": _rate(row["failed"], row["due"]),
    }


def _due(clinics, period: Period, now: dt.datetime):
    return Reminder.objects.filter(
        in_period("due_at", clinics, period, clinic_field="session__clinic"),
        due_at__lte=now,
    ).order_by()


def delivery_totals(clinics, period: Period, now: dt.datetime) -> dict:
    return _with_rates(_due(clinics, period, now).aggregate(**_FIGURES))


def delivery(clinics, period: Period, now: dt.datetime) -> dict:
    """Per clinic and channel, and per clinic and local month (2 queries)."""
    rows = _due(clinics, period, now)
    zone = F("session__clinic__time_zone")
    by_channel = rows.values("channel", clinic_id=F("session__clinic")).annotate(**_FIGURES)
    by_month = rows.values(
        clinic_id=F("session__clinic"),
        year=LocalPart(F("due_at"), zone, part="year"),
        month=LocalPart(F("due_at"), zone, part="month"),
    ).annotate(**_FIGURES)
    return {
        "by_channel": [_with_rates(r) for r in by_channel],
        "by_month": [_with_rates(r) for r in by_month],
    }
