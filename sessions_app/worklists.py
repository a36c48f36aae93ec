"""The front desk's worklists (R2, R6, R13): named queries, one per list, plus their counts.

Each query takes the clinics to look at (the user's clinics, or one of them) and returns a
QuerySet with everything a row shows already joined or annotated, so a page of 25 rows
costs the same few queries as a page of 2. Every filter starts from an indexed column:
plans by (clinic, status) `plan_clinic_status_idx`, sessions by (clinic, starts_at)
`session_clinic_start_idx` and (plan, number) `session_plan_number_idx`, deposits by
(plan, state) `deposit_plan_state_idx` (see tests/test_money_worklists.py, which checks the
plans with sequential scans turned off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from clinic.clinic_time import at_local, local_date
from clinic.models import Clinic, PlanStatus, SlotRequest, SlotRequestStatus, TreatmentPlan
from sessions_app.billing import amount_sum, with_bill
from sessions_app.models import Deposit, DepositState, SessionStatus, TreatmentSession
from sessions_app.rules import OPEN_PLAN_STATUSES, allowed_window

PAPERWORK_DAYS_AHEAD = 2  # first sessions from now to the end of the day after tomorrow


@dataclass(frozen=True)
class Worklist:
    key: str
    title: str
    tab: str  # short title for the tab bar
    url_name: str
    icon: str
    empty: str


WORKLISTS = (
    Worklist("third_session", "Third session to book", "Third session", "money:worklist_third_session",
             "calendar-plus", "Every plan that quotes a third session has it booked."),
    Worklist("unpaid_deposits", "Deposits requested, unpaid", "Unpaid deposits",
             "money:worklist_unpaid_deposits", "hourglass-split", "No deposit is waiting to be paid."),
    Worklist("paperwork", "Paperwork missing before a first session", "Paperwork",
             "money:worklist_paperwork", "clipboard-x",
             "Every first session in the next two days has its paperwork done."),
    Worklist("no_shows", "No-shows and late cancellations", "Missed sessions", "money:worklist_no_shows",
             "person-x", "No missed session is waiting for a follow-up."),
    Worklist("unsettled", "Finished plans not settled", "Unsettled bills", "money:worklist_unsettled",
             "receipt", "Every finished plan is paid in full."),
)


def _live(number) -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.live().filter(plan=OuterRef("pk"), number=number)


# --------------------------------------------------------------------------- third session (R5, R13)


def third_session_due(clinics: Iterable[Clinic]) -> QuerySet[TreatmentPlan]:
    """Open plans quoting three or more sessions whose session 2 is booked or done and whose
    session 3 is not booked, the most urgent (earliest session 2) first. Annotated with
    `session_2_start`, `session_2_status`, `deposit_state` ("paid", "requested" or "") and the
    time the client asked for in the portal (`requested_start`, `requested_practitioner`)."""
    session_2 = _live(2)
    deposits = Deposit.objects.filter(plan=OuterRef("pk"))
    asked = SlotRequest.objects.filter(plan=OuterRef("pk"), status=SlotRequestStatus.OPEN)
    return (
        TreatmentPlan.objects.filter(
            clinic__in=clinics, status__in=OPEN_PLAN_STATUSES, quoted_sessions__gte=3
        )
        .filter(Exists(session_2))
        .exclude(Exists(_live(3)))
        .annotate(
            session_2_start=Subquery(session_2.values("starts_at")[:1]),
            session_2_status=Subquery(session_2.values("status")[:1]),
            requested_start=Subquery(asked.values("starts_at")[:1]),
            requested_practitioner=Subquery(asked.values("practitioner_id")[:1]),
            # A paid deposit not tied to a session is the one the booking will take (R6).
            deposit_state=Case(
                When(Exists(deposits.filter(state=DepositState.PAID, session__isnull=True)),
                     then=Value("paid")),
                When(Exists(deposits.filter(state=DepositState.REQUESTED)), then=Value("requested")),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .select_related("client", "clinic")
        .order_by("session_2_start", "pk")
    )


@dataclass(frozen=True)
class ThirdSessionRow:
    """One plan of the third-session worklist with its window on the clinic's calendar."""

    plan: TreatmentPlan
    session_2_day: dt.date
    opens: dt.date
    closes: dt.date
    today: dt.date

    @property
    def state(self) -> str:
        """"not_open", "open" or "closed" (past day 28: a manager's override is needed)."""
        if self.today < self.opens:
            return "not_open"
        return "open" if self.today <= self.closes else "closed"

    @property
    def days_left(self) -> int:
        """Days until the window closes (negative once it has closed)."""
        return (self.closes - self.today).days

    @property
    def days_since_close(self) -> int:
        return max((self.today - self.closes).days, 0)

    @property
    def days_to_open(self) -> int:
        return (self.opens - self.today).days


def third_session_rows(
    plans: Iterable[TreatmentPlan], now: dt.datetime | None = None
) -> list[ThirdSessionRow]:
    """Window and days left for plans from `third_session_due` (no queries)."""
    now = now or timezone.now()
    rows = []
    for plan in plans:
        opens, closes = allowed_window(plan, 3, plan.session_2_start)
        rows.append(ThirdSessionRow(
            plan=plan, session_2_day=local_date(plan.session_2_start, plan.clinic.tz),
            opens=opens, closes=closes, today=local_date(now, plan.clinic.tz),
        ))
    return rows


# --------------------------------------------------------------------------- deposits (R6)


def unpaid_deposits(clinics: Iterable[Clinic]) -> QuerySet[Deposit]:
    """Deposits requested and not paid yet, the longest waiting first."""
    return (
        Deposit.objects.filter(state=DepositState.REQUESTED, plan__clinic__in=clinics)
        .select_related("plan__client", "plan__clinic", "requested_by")
        .order_by("requested_at", "pk")
    )


# --------------------------------------------------------------------------- paperwork (R2)


def paperwork_missing(
    clinics: Iterable[Clinic], now: dt.datetime | None = None
) -> QuerySet[TreatmentSession]:
    """Booked first sessions starting between now and the end of the day after tomorrow
    (each clinic's calendar) whose client has not completed the paperwork, soonest first."""
    now = now or timezone.now()
    horizon = Q(pk__in=[])
    for clinic in clinics:
        last_day = local_date(now, clinic.tz) + dt.timedelta(days=PAPERWORK_DAYS_AHEAD + 1)
        horizon |= Q(clinic=clinic, starts_at__lt=at_local(last_day, dt.time.min, clinic.tz))
    return (
        TreatmentSession.objects.filter(horizon)
        .filter(number=1, status=SessionStatus.BOOKED, starts_at__gte=now,
                client__paperwork_completed_at__isnull=True)
        .select_related("client", "clinic", "plan", "practitioner")
        .order_by("starts_at", "pk")
    )


# --------------------------------------------------------------------------- missed sessions (R6)


def no_shows_to_follow_up(clinics: Iterable[Clinic]) -> QuerySet[TreatmentSession]:
    """No-shows and late cancellations of open plans that have not been booked again (no
    live session with the same number), the most recent first. Annotated with `forfeited`,
    the deposit money the clinic kept for the session."""
    rebooked = TreatmentSession.objects.live().filter(plan=OuterRef("plan"), number=OuterRef("number"))
    forfeited = Deposit.objects.filter(session=OuterRef("pk"), state=DepositState.FORFEITED)
    return (
        TreatmentSession.objects.filter(clinic__in=clinics, plan__status__in=OPEN_PLAN_STATUSES)
        .filter(Q(status=SessionStatus.NO_SHOW)
                | Q(status=SessionStatus.CANCELLED, late_cancellation=True))
        .exclude(Exists(rebooked))
        .annotate(forfeited=amount_sum(forfeited, "session"))
        .select_related("client", "clinic", "plan", "practitioner")
        .order_by("-starts_at", "-pk")
    )


# --------------------------------------------------------------------------- bills (R6)


def unsettled_plans(clinics: Iterable[Clinic]) -> QuerySet[TreatmentPlan]:
    """Completed plans (every session done, or closed early) whose balance is still due,
    the oldest first. Annotated by `billing.with_bill`."""
    return (
        with_bill(TreatmentPlan.objects.filter(clinic__in=clinics, status=PlanStatus.COMPLETED))
        .filter(balance_due__gt=0)
        .select_related("client", "clinic")
        .order_by("completed_at", "pk")
    )


# --------------------------------------------------------------------------- counts


def worklist_counts(clinics: Iterable[Clinic], now: dt.datetime | None = None) -> dict[str, int]:
    """How many rows each worklist has, by key (one count query per list)."""
    clinics = list(clinics)
    return {
        "third_session": third_session_due(clinics).count(),
        "unpaid_deposits": unpaid_deposits(clinics).count(),
        "paperwork": paperwork_missing(clinics, now).count(),
        "no_shows": no_shows_to_follow_up(clinics).count(),
        "unsettled": unsettled_plans(clinics).count(),
    }
