"""The front desk's touch-up recall list (R15): completed plans whose recall day - the
completion date on the clinic's calendar plus the clinic's `touch_up_recall_years` - has
passed or falls within the next RECALL_DAYS_AHEAD days, and that no live touch-up plan
follows yet.

The recall day is counted on each clinic's own calendar (`clinic_time.recall_day`, the same
date the recall message uses). The query turns "recall day on or before today + 60" into
"completed before a UTC instant" per clinic, so the database filters on the indexed
(clinic, status, completed_at) columns of `plan_recall_idx`; the last session and the last
shade are subqueries, so a page of 25 rows costs the same few queries as a page of 2.

Imports only models and calendar maths: the booking service uses it for the touch-up plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from clinic.clinic_time import at_local, last_completion_day_due, local_date, recall_day
from clinic.models import Client, Clinic, PlanStatus, Shade, TreatmentPlan
from sessions_app.models import SessionRecord, SessionStatus, TreatmentSession

RECALL_DAYS_AHEAD = 60


def _completed_sessions() -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.filter(
        plan=OuterRef("pk"), status=SessionStatus.COMPLETED
    ).order_by("-number", "-starts_at")


def _recorded_shades(plan=None) -> QuerySet[SessionRecord]:
    """The shade used at the plan's completed sessions, the last session first (the outer
    query's plan unless one is given)."""
    return SessionRecord.objects.filter(
        session__plan=OuterRef("pk") if plan is None else plan,
        session__status=SessionStatus.COMPLETED, shade_used__isnull=False,
    ).order_by("-session__number", "-session__starts_at")


def live_touch_ups() -> QuerySet[TreatmentPlan]:
    """Touch-up plans of the outer plan that are not cancelled (a cancelled one frees it)."""
    return TreatmentPlan.objects.filter(touch_up_of=OuterRef("pk")).exclude(
        status=PlanStatus.CANCELLED
    )


def due_before(clinic: Clinic, now: dt.datetime) -> dt.datetime:
    """The instant before which a plan of `clinic` must have been completed for its recall
    day to be overdue or within RECALL_DAYS_AHEAD days of the clinic's today."""
    horizon = local_date(now, clinic.tz) + dt.timedelta(days=RECALL_DAYS_AHEAD)
    last_day = last_completion_day_due(horizon, clinic.touch_up_recall_years)
    # Local midnight after that day, then UTC: a DST change in between moves nothing.
    return at_local(last_day + dt.timedelta(days=1), dt.time.min, clinic.tz)


def recalls_due(clinics: Iterable[Clinic], *, now: dt.datetime | None = None) -> QuerySet[TreatmentPlan]:
    """Completed plans of `clinics` whose touch-up recall is overdue or due within 60 days
    and that have no live touch-up plan yet; clients erased on request are left out. The
    longest-completed first. Annotated with `last_session_at` (the start of the last
    completed session) and `recorded_shade` (the shade used at the last session that
    recorded one; None when none did)."""
    now = now or timezone.now()
    window = Q(pk__in=[])
    for clinic in clinics:
        window |= Q(clinic=clinic, completed_at__lt=due_before(clinic, now))
    return (
        TreatmentPlan.objects.filter(status=PlanStatus.COMPLETED, completed_at__isnull=False)
        .filter(window)
        .exclude(Exists(live_touch_ups()))
        .filter(client__erasure__isnull=True)
        .select_related("client", "clinic", "touch_up_of")
        .annotate(
            last_session_at=Subquery(_completed_sessions().values("starts_at")[:1]),
            recorded_shade=Subquery(_recorded_shades().values("shade_used")[:1]),
        )
        .order_by("completed_at", "pk")
    )


def last_shade_used(plan: TreatmentPlan) -> int:
    """The shade to start a touch-up from: the last shade recorded at a completed session
    of the plan, else the plan's starting shade."""
    shade = _recorded_shades(plan).values_list("shade_used", flat=True).first()
    return shade or plan.starting_shade


@dataclass(frozen=True)
class RecallRow:
    """One line of the recall list, in the clinic's calendar."""

    plan: TreatmentPlan
    client: Client
    clinic: Clinic
    recall_day: dt.date
    completed_day: dt.date
    last_session_day: dt.date | None
    last_shade: int
    shade_recorded: bool  # False: the plan's starting shade (no session recorded one)
    overdue: bool
    days_left: int  # negative when overdue

    @property
    def call(self) -> bool:
        """No e-mail consent (or no address): the recall message cannot reach the client,
        so the desk calls."""
        return not (self.client.email_consent and self.client.email.strip())

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def shade_label(self) -> str:
        return Shade(self.last_shade).label


def recall_rows(plans: Iterable[TreatmentPlan], *, now: dt.datetime | None = None) -> list[RecallRow]:
    """The rows of a page of `recalls_due`; no query."""
    now = now or timezone.now()
    rows = []
    for plan in plans:
        clinic, tz = plan.clinic, plan.clinic.tz
        today = local_date(now, tz)
        due = recall_day(plan.completed_at, tz, clinic.touch_up_recall_years)
        last_at = getattr(plan, "last_session_at", None)
        shade = getattr(plan, "recorded_shade", None)
        rows.append(RecallRow(
            plan=plan, client=plan.client, clinic=clinic, recall_day=due,
            completed_day=local_date(plan.completed_at, tz),
            last_session_day=local_date(last_at, tz) if last_at else None,
            last_shade=shade or plan.starting_shade, shade_recorded=shade is not None,
            overdue=due < today, days_left=(due - today).days,
        ))
    return rows
