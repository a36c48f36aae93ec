"""Proposing the next allowed slots for a plan's next session (R4, R5 shown as choices).

No rule lives here. The days to look at come from `rules.allowed_window` (and the clinic's
usual 10-14-day target for session 2, which the booking screen proposes first); every
proposed slot passed `booking.check_booking(..., require_deposit=False)`, the same checks
`book_session` runs again under its lock. Only to keep the number of checks small, times on
the clinic's 30-minute grid that overlap the practitioner's or the client's own sessions are
not asked about (the check would refuse them anyway).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from clinic.clinic_time import at_local, day_span, local_date
from clinic.models import Clinic, TreatmentPlan
from sessions_app import availability, booking, rules
from sessions_app.booking import BookingRefused
from sessions_app.models import TreatmentSession

GRID = dt.timedelta(minutes=30)
MAX_CHECKS = 80  # each check is a handful of indexed queries; a full month stays well under
# Refusals that hold for every time of that day: try the next day.
DAY_WIDE = {"outside_hours", "too_soon", "too_late", "out_of_order"}
# Refusals that hold for every day: stop and say why.
FINAL = {"not_permitted", "invalid_state", "exceeds_quote", "naive_datetime", "invalid_time"}


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime  # aware, in the clinic's zone
    ends_at: dt.datetime
    in_target: bool  # session 2 only: inside the usual 10-14-day target

    @property
    def key(self) -> str:
        return f"{self.starts_at:%Y-%m-%dT%H:%M}"


@dataclass
class Proposal:
    """The next session's number, its window on the clinic calendar and proposed slots."""

    number: int
    previous: TreatmentSession | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None  # None: no upper bound (session 2, 4+); a later 3 needs an override
    target: tuple[dt.date, dt.date] | None = None
    slots: list[Slot] = field(default_factory=list)
    problem: BookingRefused | None = None  # why nothing can be proposed at all

    @property
    def target_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.in_target]

    @property
    def other_slots(self) -> list[Slot]:
        return [s for s in self.slots if not s.in_target]


def window(plan: TreatmentPlan, number: int) -> Proposal:
    """The allowed days for session `number` (R4, R5) from the previous live session."""
    clinic = plan.clinic
    proposal = Proposal(number=number)
    if number <= 1:
        return proposal
    previous = (
        plan.sessions.live().filter(number=number - 1)
        .select_related("practitioner").first()
    )
    if previous is None:
        return proposal
    previous.clinic = clinic
    proposal.previous = previous
    proposal.earliest, proposal.latest = rules.allowed_window(plan, number, previous.starts_at)
    if number == 2:
        proposal.target = rules.second_session_target(plan, previous.starts_at)
    return proposal


def _days_to_try(proposal: Proposal, today: dt.date) -> list[tuple[dt.date, bool]]:
    """Days in the order they are proposed, each with "inside the usual target"."""
    if proposal.earliest is None:  # session 1 (or no previous session): from today
        days = [(today + dt.timedelta(days=n), False) for n in range(0, 28)]
    elif proposal.target is not None:  # session 2: the usual target first, then the rest
        first, last = proposal.target
        target = _span(first, last)
        before = _span(proposal.earliest, first - dt.timedelta(days=1))
        after = _span(last + dt.timedelta(days=1), last + dt.timedelta(days=21))
        days = [(d, True) for d in target] + [(d, False) for d in before + after]
    elif proposal.latest is not None:  # session 3: inside its window only
        days = [(d, False) for d in _span(proposal.earliest, proposal.latest)]
    else:
        days = [(d, False) for d in _span(proposal.earliest, proposal.earliest + dt.timedelta(days=28))]
    return [(d, in_target) for d, in_target in days if d >= today]


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def propose_slots(
    *, plan: TreatmentPlan, practitioner, by, length: dt.timedelta | None = None,
    count: int = 6, per_day: int = 1, min_gap: dt.timedelta = dt.timedelta(0),
) -> Proposal:
    """Up to `count` bookable slots for the plan's next session with `practitioner`,
    `per_day` at most on one day and at least `min_gap` apart (e.g. a morning and an
    afternoon time), in the order a front desk would offer them."""
    clinic = Clinic.objects.prefetch_related("opening_hours").get(pk=plan.clinic_id)
    plan.clinic = clinic
    proposal = window(plan, booking.next_number(plan))
    length = length or dt.timedelta(minutes=clinic.default_session_minutes)
    now = timezone.now()
    days = _days_to_try(proposal, local_date(now, clinic.tz))
    if not days or practitioner is None:
        return proposal
    busy = _busy(plan, practitioner, clinic, days[0][0], max(d for d, _ in days))
    # Only times the practitioner works there, outside time off and closures (R21).
    rota = availability.load_rota(clinic, [practitioner.pk], days[0][0], max(d for d, _ in days))
    checks = 0
    for day, in_target in days:
        found = 0
        not_before = None  # min_gap after the last slot found on this day
        for wall in _grid(rota, practitioner.pk, day, length):
            if found >= per_day or checks >= MAX_CHECKS:
                break
            if not_before is not None and wall < not_before:
                continue
            start = at_local(day, wall.time(), clinic.tz)
            end = start + length
            if start <= now or any(b_start < end and start < b_end for b_start, b_end in busy):
                continue
            checks += 1
            try:
                booking.check_booking(
                    plan=plan, starts_at=start, ends_at=end, practitioner=practitioner,
                    by=by, require_deposit=False,
                )
            except BookingRefused as refusal:
                if refusal.code in FINAL:
                    proposal.problem = refusal
                    return proposal
                if refusal.code in DAY_WIDE:
                    break
                continue
            proposal.slots.append(Slot(start, end, in_target))
            found += 1
            not_before = max(wall + GRID, dt.datetime.combine(day, start.time()) + min_gap)
            if len(proposal.slots) >= count:
                return _ordered(proposal)
    return _ordered(proposal)


def _grid(rota, practitioner_id: int, day: dt.date, length: dt.timedelta):
    """Wall-clock starts on the 30-minute grid of each bookable span of the day (a span
    starting after time off starts the grid there); at_local settles a daylight-saving gap."""
    for span_start, span_end in rota.bookable(practitioner_id, day):
        wall = span_start.replace(tzinfo=None)
        last = span_end.replace(tzinfo=None) - length
        while wall <= last:
            yield wall
            wall += GRID


def _ordered(proposal: Proposal) -> Proposal:
    # The usual target first (session 2), then the other allowed days in date order.
    proposal.slots.sort(key=lambda s: (not s.in_target, s.starts_at))
    return proposal


def _busy(plan: TreatmentPlan, practitioner, clinic: Clinic, first: dt.date, last: dt.date):
    """(start, end) of the practitioner's and the client's live sessions in the days tried."""
    start, end = day_span(first, last, clinic.tz)
    return list(
        TreatmentSession.objects.live()
        .filter(Q(practitioner=practitioner) | Q(client_id=plan.client_id))
        .filter(starts_at__lt=end, ends_at__gt=start)
        .values_list("starts_at", "ends_at")
    )
