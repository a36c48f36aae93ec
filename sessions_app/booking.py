"""The booking service: the one entry point for every change to sessions and deposits.

Views, the admin, the client portal, Celery tasks and tests all call these functions; no
rule of DOMAIN.md R1-R8 is checked anywhere else. Each write:
  1. runs in one transaction and locks the clinic row, so two bookings at one clinic are
     decided one after the other (on SQLite the IMMEDIATE transaction does the same);
  2. checks the rules and raises BookingRefused with a stable `.code` and a message that
     says what would be allowed;
  3. writes, with the acting user on the history rows (R16).
On PostgreSQL, exclusion constraints (migration 0002) back R7 across clinics as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

# The aftercare service is called directly inside the same transaction (no signals).
from aftercare import services as aftercare
from clinic import paperwork
from clinic.clinic_time import at_local, day_label, local_date, time_label
from clinic.history import person_name, save_by
from clinic.locale_format import format_money
from clinic.models import (
    Clinic,
    PlanKind,
    PlanStatus,
    QuoteAmendment,
    Role,
    SlotRequestStatus,
    TreatmentPlan,
    min_sessions,
    staff_role,
)
from sessions_app import availability, recalls, records
from sessions_app.models import (
    Deposit,
    DepositState,
    Payment,
    SessionStatus,
    TreatmentSession,
)
from sessions_app.rules import (
    OPEN_PLAN_STATUSES,
    OPEN_STATUSES,
    SequenceProblem,
    needs_override,
    peak_use,
    sequence_problems,
)

MAX_SESSION_LENGTH = dt.timedelta(hours=12)
MAX_AMOUNT = Decimal("100000.00")  # above this a typed amount is a typo, not a payment


class BookingRefused(ValidationError):
    """A rule refused the change. `.code` is stable (see docs/rules.md); the message is for
    people and says what would be allowed; `.affected` lists other sessions concerned."""

    def __init__(
        self, message: str, *, code: str, affected: list[TreatmentSession] | None = None,
        earliest: dt.date | None = None, latest: dt.date | None = None,
    ):
        super().__init__(message, code=code)
        self.affected = affected or []
        # For spacing refusals (too_soon, too_late): the allowed local dates of the session.
        self.earliest, self.latest = earliest, latest

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- helpers


def _require_staff(by, clinic: Clinic, action: str, roles: tuple[str, ...] | None = None) -> str:
    role = staff_role(by, clinic)
    if role is None or (roles is not None and role not in roles):
        who = "You" if by is None or not getattr(by, "is_authenticated", False) else person_name(by)
        needed = (
            " (" + " or ".join(Role(r).label.lower() for r in roles) + " only)" if roles else ""
        )
        raise BookingRefused(
            f"{who} may not {action} at {clinic.name}{needed}.", code="not_permitted"
        )
    return role


def _lock_clinic(clinic_id: int) -> Clinic:
    # The clinic row is the booking lock: every booking at a clinic serialises on it.
    return Clinic.objects.select_for_update().prefetch_related("opening_hours").get(pk=clinic_id)


def _when(instant: dt.datetime, clinic: Clinic) -> str:
    local = instant.astimezone(clinic.tz)
    return f"{day_label(local.date())} at {time_label(local)}"


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


# --------------------------------------------------------------------------- time checks


def _validate_times(clinic: Clinic, starts_at, ends_at) -> tuple[dt.datetime, dt.datetime]:
    if not isinstance(starts_at, dt.datetime) or (
        ends_at is not None and not isinstance(ends_at, dt.datetime)
    ):
        raise BookingRefused("Give the start (and end) as a date and time.", code="invalid_time")
    if timezone.is_naive(starts_at) or (ends_at is not None and timezone.is_naive(ends_at)):
        raise BookingRefused(
            f"The time has no time zone; give it in {clinic.name}'s time ({clinic.time_zone}).",
            code="naive_datetime",
        )
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=clinic.default_session_minutes)
    if ends_at <= starts_at:
        raise BookingRefused("A session must end after it starts.", code="ends_before_start")
    if ends_at - starts_at > MAX_SESSION_LENGTH:
        raise BookingRefused("A session can last at most 12 hours.", code="invalid_time")
    return starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)


def _check_not_past(clinic: Clinic, starts_at: dt.datetime) -> None:
    now = timezone.now()
    if starts_at <= now:
        raise BookingRefused(
            f"{_when(starts_at, clinic)} has already passed ({clinic.name} time is now "
            f"{time_label(now.astimezone(clinic.tz))} on {day_label(local_date(now, clinic.tz))}). "
            "Choose a later time.",
            code="in_past",
        )


def _check_opening_hours(clinic: Clinic, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    start, end = starts_at.astimezone(clinic.tz), ends_at.astimezone(clinic.tz)
    hours = clinic.hours_on(start.date())
    if hours is None:
        raise BookingRefused(
            f"{clinic.name} is closed on {start:%A}s. Open: {clinic.opening_summary()}.",
            code="outside_hours",
        )
    if end.date() != start.date() or start.time() < hours.opens or end.time() > hours.closes:
        length = ends_at - starts_at
        latest = at_local(start.date(), hours.closes, clinic.tz) - length
        raise BookingRefused(
            f"{clinic.name} is open {hours.opens:%H:%M}-{hours.closes:%H:%M} on {start:%A}s: a "
            f"session of {_duration(length)} can start between {hours.opens:%H:%M} and "
            f"{time_label(latest)}.",
            code="outside_hours",
        )


def _check_rota(clinic: Clinic, practitioner, starts_at, ends_at, *, by, override_reason: str) -> str:
    """R21: inside the practitioner's working hours there, outside their time off and the
    clinic's closures. A manager's reason lets a booking fall outside working hours (never
    into time off or a closure); the reason returned is recorded on the session."""
    problem = availability.unavailable(clinic, practitioner, starts_at, ends_at)
    if problem is None:
        return ""
    if problem.overridable and _may_book_late(by, clinic, override_reason):
        return override_reason.strip()
    raise BookingRefused(problem.message, code=problem.code)


def _duration(length: dt.timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours} h {rest:02d} min" if hours else f"{rest} minutes"


def _check_conflicts(
    clinic: Clinic, *, practitioner, client_id: int, starts_at, ends_at, exclude_pk=None
) -> None:
    """R7: no practitioner or client in two places, no more sessions than chairs."""
    overlapping = list(
        TreatmentSession.objects.overlapping(starts_at, ends_at)
        .exclude(pk=exclude_pk)
        .filter(Q(practitioner_id=practitioner.pk) | Q(client_id=client_id) | Q(clinic_id=clinic.pk))
        .select_related("clinic")
    )
    for other in overlapping:
        if other.practitioner_id == practitioner.pk:
            raise BookingRefused(
                f"{person_name(practitioner)} already has a session from "
                f"{time_label(other.local_start)} to {time_label(other.local_end)} on "
                f"{day_label(other.local_start.date())}. Choose a time from "
                f"{time_label(other.local_end)} or another practitioner.",
                code="practitioner_busy",
            )
    for other in overlapping:
        if other.client_id == client_id:
            raise BookingRefused(
                f"The client already has a session from {time_label(other.local_start)} to "
                f"{time_label(other.local_end)} on {day_label(other.local_start.date())}"
                f"{'' if other.clinic_id == clinic.pk else ' at ' + other.clinic.name}.",
                code="client_busy",
            )
    at_clinic = [s for s in overlapping if s.clinic_id == clinic.pk]
    if peak_use(at_clinic, starts_at, ends_at) + 1 > clinic.chairs:
        raise BookingRefused(
            f"All {clinic.chairs} chairs at {clinic.name} are taken at some point between "
            f"{time_label(starts_at.astimezone(clinic.tz))} and "
            f"{time_label(ends_at.astimezone(clinic.tz))} on "
            f"{day_label(local_date(starts_at, clinic.tz))}. Choose another time.",
            code="clinic_full",
        )


def _live_sessions(plan: TreatmentPlan, exclude_pk=None) -> list[TreatmentSession]:
    return list(plan.sessions.live().exclude(pk=exclude_pk))


def _kept_overrides(others, subject: int, by, clinic: Clinic) -> frozenset[int]:
    """Sessions whose manager's override (R5) still excuses a late start. The override is
    tied to the session before it: moving that one re-checks the window, and only a manager
    may keep the late session then (R8)."""
    manager = staff_role(by, clinic) == Role.MANAGER
    return frozenset(
        s.number for s in others
        if s.override_reason and (s.number != subject + 1 or manager)
    )


def _raise_sequence(
    plan, others, starts, *, subject, late_allowed, moving: str, overridden=None
) -> None:
    if overridden is None:
        overridden = frozenset(s.number for s in others if s.override_reason)
    problems = sequence_problems(
        plan, starts, subject=subject, late_allowed=late_allowed, overridden=overridden
    )
    if not problems:
        return
    first = problems[0]
    if first.number == subject:
        raise BookingRefused(first.message, code=first.code, earliest=first.earliest, latest=first.latest)
    affected = [s for s in others if s.number == first.number]
    booked = affected[0].local_start.date() if affected else None
    raise BookingRefused(
        f"{moving} would put session {first.number}"
        f"{f' (booked for {day_label(booked)})' if booked else ''} outside its rules: "
        f"{first.message} Move session {first.number} first, or choose another date.",
        code=first.code,
        affected=affected,
    )


def _may_book_late(by, clinic: Clinic, override_reason: str) -> bool:
    return bool(override_reason.strip()) and staff_role(by, clinic) == Role.MANAGER


# --------------------------------------------------------------------------- booking


def next_number(plan: TreatmentPlan) -> int:
    """The lowest session number of the plan that has no live session."""
    taken = set(plan.sessions.live().values_list("number", flat=True))
    number = 1
    while number in taken:
        number += 1
    return number


def _check_plan_open(plan: TreatmentPlan) -> None:
    if plan.status not in OPEN_PLAN_STATUSES:
        raise BookingRefused(
            f"The plan is {plan.get_status_display().lower()}; sessions can no longer be booked.",
            code="invalid_state",
        )


def _check_practitioner(practitioner, clinic: Clinic) -> None:
    if staff_role(practitioner, clinic) != Role.PRACTITIONER:
        raise BookingRefused(
            f"{person_name(practitioner)} is not a practitioner at {clinic.name}.", code="not_permitted"
        )


def _insert(session: TreatmentSession, by) -> None:
    """Save, turning a PostgreSQL exclusion-constraint refusal into BookingRefused (this
    happens only when two clinics book the same practitioner or client at once)."""
    try:
        with transaction.atomic():
            save_by(session, by)
    except IntegrityError as error:
        text = str(error)
        if "no_practitioner_overlap" in text:
            raise BookingRefused(
                f"{person_name(session.practitioner)} was just booked elsewhere at that time.",
                code="practitioner_busy",
            ) from error
        if "no_client_overlap" in text:
            raise BookingRefused(
                "The client was just booked elsewhere at that time.", code="client_busy"
            ) from error
        raise


@dataclass(frozen=True)
class BookingCheck:
    """What a booking that passed every rule would write."""

    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    deposit: Deposit | None
    override_reason: str
    hours_override_reason: str = ""  # booked outside working hours by a manager (R21)


def _check_new_booking(
    plan: TreatmentPlan, clinic: Clinic, *, starts_at, practitioner, by, ends_at, override_reason,
    require_deposit: bool = True, check_staff: bool = True,
) -> BookingCheck:
    if check_staff:
        _require_staff(by, clinic, "book sessions")
    _check_plan_open(plan)
    starts_at, ends_at = _validate_times(clinic, starts_at, ends_at)
    number = next_number(plan)
    if number > plan.quoted_sessions:
        raise BookingRefused(
            f"The plan quotes {plan.quoted_sessions} sessions and all are booked or done. "
            f"Amend the quote (with a reason) before booking session {number}.",
            code="exceeds_quote",
        )
    _check_practitioner(practitioner, clinic)
    _check_not_past(clinic, starts_at)
    _check_opening_hours(clinic, starts_at, ends_at)
    hours_override = _check_rota(
        clinic, practitioner, starts_at, ends_at, by=by, override_reason=override_reason
    )
    _check_conflicts(
        clinic, practitioner=practitioner, client_id=plan.client_id,
        starts_at=starts_at, ends_at=ends_at,
    )
    others = _live_sessions(plan)
    starts = {s.number: s.starts_at for s in others} | {number: starts_at}
    _raise_sequence(
        plan, others, starts, subject=number,
        late_allowed=_may_book_late(by, clinic, override_reason),
        moving=f"Booking session {number} on {day_label(local_date(starts_at, clinic.tz))}",
    )
    deposit = held_deposit(plan) if number >= 3 else None
    if number >= 3 and deposit is None and require_deposit:
        paid = held_total(plan)
        part = (
            f" {_money(paid, clinic)} is paid so far, a part payment: "
            f"{_money(clinic.deposit_amount - paid, clinic)} is still needed." if paid else ""
        )
        raise BookingRefused(
            f"A {_ordinal(number)} session needs a booking deposit of at least "
            f"{_money(clinic.deposit_amount, clinic)} paid first (R6).{part} Record the "
            "deposit, then book.",
            code="deposit_required",
        )
    late = needs_override(plan, starts, number)
    return BookingCheck(
        number, starts_at, ends_at, deposit, override_reason.strip() if late else "", hours_override
    )


def check_booking(
    *, plan: TreatmentPlan, starts_at: dt.datetime, practitioner, by=None,
    ends_at: dt.datetime | None = None, override_reason: str = "", require_deposit: bool = True,
) -> BookingCheck:
    """Every rule of book_session, without writing or locking: for forms that validate as
    the user types and for proposing slots. book_session checks again under its lock.
    `require_deposit=False` lets a slot be proposed before the deposit is taken; `by=None`
    checks the clinic's rules only (a client choosing a slot to request in the portal)."""
    clinic = Clinic.objects.prefetch_related("opening_hours").get(pk=plan.clinic_id)
    plan.clinic = clinic
    return _check_new_booking(
        plan, clinic, starts_at=starts_at, practitioner=practitioner, by=by, ends_at=ends_at,
        override_reason=override_reason, require_deposit=require_deposit,
        check_staff=by is not None,
    )


def book_session(
    *, plan: TreatmentPlan, starts_at: dt.datetime, practitioner, by,
    ends_at: dt.datetime | None = None, override_reason: str = "",
) -> TreatmentSession:
    """Book the plan's next session (the lowest number without a live session)."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        plan.clinic = clinic
        check = _check_new_booking(
            plan, clinic, starts_at=starts_at, practitioner=practitioner, by=by,
            ends_at=ends_at, override_reason=override_reason,
        )
        session = TreatmentSession(
            plan=plan, client_id=plan.client_id, clinic=clinic, number=check.number,
            practitioner=practitioner, starts_at=check.starts_at, ends_at=check.ends_at,
            override_reason=check.override_reason, booked_by=by,
            hours_override_reason=check.hours_override_reason,
        )
        _insert(session, by)
        if check.deposit is not None:
            for deposit in check.deposit.deposits:  # every part payment holds this booking
                deposit.session = session
                save_by(deposit, by)
        if plan.status == PlanStatus.QUOTED:
            plan.status = PlanStatus.ACTIVE
            save_by(plan, by)
        # A time the client asked for in the portal is settled by this booking.
        plan.slot_requests.filter(status=SlotRequestStatus.OPEN).update(
            status=SlotRequestStatus.BOOKED, handled_by=by, handled_at=timezone.now()
        )
        aftercare.session_booked(session=session)
        return session


@dataclass(frozen=True)
class HeldDeposit:
    """The paid deposits held on a plan (not tied to a session), together at least the
    clinic's deposit amount: what unlocks a third or later booking (R6)."""

    amount: Decimal
    currency: str
    deposits: list[Deposit]

    @property
    def pk(self) -> int:
        return self.deposits[0].pk


def _held_rows(plan: TreatmentPlan) -> list[Deposit]:
    return list(plan.deposits.filter(state=DepositState.PAID, session__isnull=True).order_by("id"))


def held_total(plan: TreatmentPlan) -> Decimal:
    """Paid deposit money on the plan not yet tied to a session (part payments add up)."""
    return sum((d.amount for d in _held_rows(plan)), Decimal("0.00"))


def held_deposit(plan: TreatmentPlan) -> HeldDeposit | None:
    """The held deposits when they add up to the clinic's deposit amount, else None: a
    smaller sum is a part payment and does not unlock the booking (R6)."""
    rows = _held_rows(plan)
    total = sum((d.amount for d in rows), Decimal("0.00"))
    if not rows or total < plan.clinic.deposit_amount:
        return None
    return HeldDeposit(total, plan.currency, rows)


def _lock_session(session: TreatmentSession) -> tuple[TreatmentSession, Clinic]:
    clinic = _lock_clinic(session.clinic_id)
    session = (
        TreatmentSession.objects.select_for_update()
        .select_related("plan", "client", "practitioner")
        .get(pk=session.pk)
    )
    session.clinic = clinic
    session.plan.clinic = clinic
    return session, clinic


def _require_status(session: TreatmentSession, allowed: tuple[str, ...], action: str) -> None:
    if session.status not in allowed:
        raise BookingRefused(
            f"Session {session.number} is {session.get_status_display().lower()}: it cannot be "
            f"{action}.",
            code="invalid_state",
        )


def reschedule_preview(
    *, session: TreatmentSession, starts_at: dt.datetime, override_reason: str = "", by=None
) -> list[SequenceProblem]:
    """Later sessions that moving `session` to `starts_at` would push out of their rules
    (R8), for the impact preview shown before anything changes. Writes nothing."""
    plan = session.plan
    others = _live_sessions(plan, exclude_pk=session.pk)
    starts = {s.number: s.starts_at for s in others} | {session.number: starts_at}
    overridden = _kept_overrides(others, session.number, by, plan.clinic)
    return [
        p for p in sequence_problems(
            plan, starts, subject=session.number, overridden=overridden,
            late_allowed=_may_book_late(by, plan.clinic, override_reason),
        )
        if p.number != session.number
    ]


def reschedule_session(
    *, session: TreatmentSession, starts_at: dt.datetime, by,
    ends_at: dt.datetime | None = None, override_reason: str = "", practitioner=None,
) -> TreatmentSession:
    """Move a booked session; R3-R7 are checked again for it and for the sessions after it."""
    with transaction.atomic():
        session, clinic = _lock_session(session)
        _require_staff(by, clinic, "move sessions")
        _require_status(session, (SessionStatus.BOOKED,), "moved")
        if ends_at is None and isinstance(starts_at, dt.datetime):
            ends_at = starts_at + (session.ends_at - session.starts_at)
        starts_at, ends_at = _validate_times(clinic, starts_at, ends_at)
        practitioner = practitioner or session.practitioner
        _check_practitioner(practitioner, clinic)
        _check_not_past(clinic, starts_at)
        _check_opening_hours(clinic, starts_at, ends_at)
        session.hours_override_reason = _check_rota(
            clinic, practitioner, starts_at, ends_at, by=by,
            override_reason=override_reason or session.hours_override_reason,
        )
        _check_conflicts(
            clinic, practitioner=practitioner, client_id=session.client_id,
            starts_at=starts_at, ends_at=ends_at, exclude_pk=session.pk,
        )
        plan = session.plan
        others = _live_sessions(plan, exclude_pk=session.pk)
        starts = {s.number: s.starts_at for s in others} | {session.number: starts_at}
        # A manager may keep (or give) the reason for a late third session.
        late_allowed = _may_book_late(by, clinic, override_reason or session.override_reason)
        _raise_sequence(
            plan, others, starts, subject=session.number, late_allowed=late_allowed,
            overridden=_kept_overrides(others, session.number, by, clinic),
            moving=f"Moving session {session.number} to "
            f"{day_label(local_date(starts_at, clinic.tz))}",
        )
        if not needs_override(plan, starts, session.number):
            session.override_reason = ""
        elif override_reason.strip():
            session.override_reason = override_reason.strip()
        session.starts_at, session.ends_at, session.practitioner = starts_at, ends_at, practitioner
        _insert(session, by)
        aftercare.session_rescheduled(session=session)
        return session


# --------------------------------------------------------------------------- day of the session


def _check_paperwork(session: TreatmentSession) -> None:
    """R2/R17: session 1 waits for the paperwork, and for a review of flagged answers."""
    if session.number != 1:
        return
    problem = paperwork.check_ready_for_first_session(session.plan)
    if problem is not None:
        code, message = problem
        raise BookingRefused(message, code=code)


def _check_on_the_day(session: TreatmentSession, clinic: Clinic, action: str) -> None:
    """Check-in and completing wait for the session's own day on the clinic's calendar."""
    day = local_date(session.starts_at, clinic.tz)
    today = local_date(timezone.now(), clinic.tz)
    if today < day:
        raise BookingRefused(
            f"Session {session.number} is on {day_label(day)}: it can be {action} from that day "
            f"on ({clinic.name} time), not on {day_label(today)}.",
            code="too_early",
        )


def _check_log_complete(session: TreatmentSession) -> None:
    missing = records.log_missing(session)
    if missing:
        raise BookingRefused(
            f"Session {session.number} cannot be completed until its log has: "
            f"{'; '.join(missing)} (R9). Save the log with these, then complete.",
            code="log_incomplete",
        )


def check_in_session(*, session: TreatmentSession, by) -> TreatmentSession:
    with transaction.atomic():
        session, clinic = _lock_session(session)
        _require_staff(by, clinic, "check clients in")
        _require_status(session, (SessionStatus.BOOKED,), "checked in")
        _check_paperwork(session)
        _check_on_the_day(session, clinic, "checked in")
        session.status = SessionStatus.CHECKED_IN
        session.checked_in_at = timezone.now()
        save_by(session, by)
        return session


def complete_session(*, session: TreatmentSession, by) -> TreatmentSession:
    """Mark the session done: its deposit is applied to the bill (R6), the plan is completed
    when every quoted session is, and the aftercare schedule is planned (R12), all in one
    transaction."""
    with transaction.atomic():
        session, clinic = _lock_session(session)
        _require_staff(by, clinic, "complete sessions")
        _require_status(session, OPEN_STATUSES, "completed")
        _check_paperwork(session)
        _check_on_the_day(session, clinic, "completed")
        _check_log_complete(session)
        now = timezone.now()
        session.status = SessionStatus.COMPLETED
        session.checked_in_at = session.checked_in_at or now
        session.completed_at = now
        save_by(session, by)
        for deposit in session.deposits.filter(state=DepositState.PAID):
            deposit.state, deposit.closed_at, deposit.closed_by = DepositState.APPLIED, now, by
            save_by(deposit, by)
        plan = session.plan
        done = plan.sessions.filter(status=SessionStatus.COMPLETED).count()
        if done >= plan.quoted_sessions:
            plan.status, plan.completed_at = PlanStatus.COMPLETED, now
            save_by(plan, by)
        aftercare.session_completed(session=session, by=by)
        return session


def uncomplete_session(*, session: TreatmentSession, by, reason: str) -> TreatmentSession:
    """Undo a completion recorded by mistake (a manager, with a reason): the session is back
    to checked in, its deposit is held again, a plan it completed is active again, and the
    aftercare messages not sent yet are cancelled (R12)."""
    if not reason.strip():
        raise BookingRefused("Say why the completion is undone.", code="reason_required")
    with transaction.atomic():
        session, clinic = _lock_session(session)
        _require_staff(by, clinic, "undo completions", roles=(Role.MANAGER,))
        _require_status(session, (SessionStatus.COMPLETED,), "un-completed")
        session.status, session.completed_at = SessionStatus.CHECKED_IN, None
        session._change_reason = f"Completion undone: {reason.strip()}"  # kept on the history row
        save_by(session, by)
        for deposit in session.deposits.filter(state=DepositState.APPLIED):
            deposit.state, deposit.closed_at, deposit.closed_by = DepositState.PAID, None, None
            save_by(deposit, by)
        plan = session.plan
        if plan.status == PlanStatus.COMPLETED:
            plan.status, plan.completed_at = PlanStatus.ACTIVE, None
            save_by(plan, by)
        aftercare.session_uncompleted(session=session)
        return session


def mark_no_show(
    *, session: TreatmentSession, by, later: dict[int, object] | None = None
) -> TreatmentSession:
    """The client did not come: the session's deposit is forfeited (R6). Refused before the
    session's start, and while a later session of the plan is live unless `later` says what
    happens to each of them (see cancel_session)."""
    with transaction.atomic():
        session, clinic = _lock_session(session)
        _require_staff(by, clinic, "record no-shows")
        _require_status(session, OPEN_STATUSES, "marked no-show")
        if timezone.now() < session.starts_at:
            raise BookingRefused(
                f"Session {session.number} starts at {_when(session.starts_at, clinic)}: it can "
                "be marked a no-show only once that time has passed.",
                code="too_early",
            )
        _check_later(session, later, "Marking it a no-show")
        session.status = SessionStatus.NO_SHOW
        save_by(session, by)
        _forfeit_session_deposits(session, by, note="No-show")
        _after_session_freed(session)
        _handle_later(session, later, by)
        return session


def later_sessions(session: TreatmentSession) -> list[TreatmentSession]:
    """The plan's live sessions after `session`, in order: what cancelling it affects (R8)."""
    return list(
        session.plan.sessions.live().filter(number__gt=session.number)
        .select_related("clinic", "practitioner").order_by("number")
    )


CANCEL = "cancel"  # the value of a `later` entry that cancels that session too


def _check_later(session: TreatmentSession, later: dict[int, object] | None, doing: str) -> None:
    """R8: a session with live later sessions is freed only if each later one is cancelled
    or moved in the same step (`later`: {session id: CANCEL or a new start})."""
    affected = later_sessions(session)
    unhandled = [s for s in affected if s.pk not in (later or {})]
    if not unhandled:
        return
    names = ", ".join(f"session {s.number} ({day_label(s.local_start.date())})" for s in unhandled)
    raise BookingRefused(
        f"{doing} would leave {names} booked after a gap in the plan's order. Cancel or move "
        f"{'it' if len(unhandled) == 1 else 'them'} in the same step.",
        code="out_of_order",
        affected=unhandled,
    )


def _handle_later(
    session: TreatmentSession, later: dict[int, object] | None, by, *, clinic_initiated=False
) -> None:
    """Cancel (the last first) or move the later sessions as `later` says, inside the
    caller's transaction; each cancellation has its own deposit outcome."""
    why = f"Session {session.number} was {session.get_status_display().lower()}"
    for other in later_sessions(session)[::-1]:
        if (later or {}).get(other.pk) == CANCEL:
            other, _ = _lock_session(other)
            _require_status(other, (SessionStatus.BOOKED,), "cancelled")
            _cancel_locked(other, by, reason=why, clinic_initiated=clinic_initiated)
    for other in later_sessions(session):
        if isinstance(start := (later or {}).get(other.pk), dt.datetime):
            reschedule_session(session=other, starts_at=start, by=by)


@dataclass(frozen=True)
class CancellationOutcome:
    late: bool
    notice_hours: int
    deadline: dt.datetime  # the last moment to cancel with notice, in the clinic's zone
    deposits: list[Deposit]
    message: str


def cancellation_outcome(
    session: TreatmentSession, *, clinic_initiated: bool = False, at: dt.datetime | None = None
) -> CancellationOutcome:
    """What cancelling now would do to the session's deposit (R6), shown before confirming."""
    clinic = session.clinic
    at = at or timezone.now()
    deadline = (session.starts_at - dt.timedelta(hours=clinic.cancellation_notice_hours)).astimezone(
        clinic.tz
    )
    late = not clinic_initiated and at > deadline
    deposits = list(session.deposits.filter(state=DepositState.PAID))
    total = sum((d.amount for d in deposits), Decimal("0.00"))
    if not deposits:
        message = "No deposit is held for this session."
    elif late:
        message = (
            f"Less than {clinic.cancellation_notice_hours} hours' notice: the deposit of "
            f"{_money(total, clinic, deposits[0].currency)} is forfeited."
        )
    else:
        message = (
            f"The deposit of {_money(total, clinic, deposits[0].currency)} stays paid on the plan: "
            "it can be refunded or used for the next booking."
        )
    return CancellationOutcome(late, clinic.cancellation_notice_hours, deadline, deposits, message)


def cancel_session(
    *, session: TreatmentSession, by, reason: str = "", clinic_initiated: bool = False,
    later: dict[int, object] | None = None,
) -> TreatmentSession:
    """Cancel a booked session. With the clinic's notice (or when the clinic cancels) its
    deposit goes back to the plan, refundable; a late cancellation forfeits it (R6).
    While a later session of the plan is live this is refused (`out_of_order`, the later
    sessions in `.affected`) unless `later` ({session id: CANCEL or a new start}) cancels
    or moves each of them in the same transaction (R8)."""
    with transaction.atomic():
        session, clinic = _lock_session(session)
        _require_staff(by, clinic, "cancel sessions")
        _require_status(session, (SessionStatus.BOOKED,), "cancelled")
        if clinic_initiated and not reason.strip():
            raise BookingRefused(
                "Say why the clinic cancels: the reason is kept with the session and its deposit "
                "(R6).",
                code="reason_required",
            )
        _check_later(session, later, f"Cancelling session {session.number}")
        _cancel_locked(session, by, reason=reason, clinic_initiated=clinic_initiated)
        _handle_later(session, later, by, clinic_initiated=clinic_initiated)
        return session


def _cancel_locked(session: TreatmentSession, by, *, reason: str, clinic_initiated: bool) -> None:
    """Cancel a locked, booked session; its deposit follows the notice rule (R6)."""
    outcome = cancellation_outcome(session, clinic_initiated=clinic_initiated)
    waived = clinic_initiated and cancellation_outcome(session).late  # a forfeit let go
    if clinic_initiated:
        session.waive_reason, session.waived_by, session.waived_at = reason.strip(), by, timezone.now()
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason.strip()
    session.late_cancellation = outcome.late
    save_by(session, by)
    if outcome.late:
        _forfeit_session_deposits(session, by, note="Late cancellation")
    else:
        for deposit in outcome.deposits:
            deposit.session = None  # held on the plan again: refundable or reusable
            if waived:
                deposit.waive_reason, deposit.waived_by = reason.strip(), by
                deposit.waived_at = timezone.now()
            save_by(deposit, by)
    _after_session_freed(session)


def _forfeit_session_deposits(session: TreatmentSession, by, note: str) -> None:
    for deposit in session.deposits.filter(state=DepositState.PAID):
        deposit.state, deposit.closed_at, deposit.closed_by = (
            DepositState.FORFEITED, timezone.now(), by,
        )
        deposit.note = note
        save_by(deposit, by)


def _after_session_freed(session: TreatmentSession) -> None:
    aftercare.session_cancelled(session=session)


# --------------------------------------------------------------------------- money


def _money(amount: Decimal, clinic: Clinic, currency: str | None = None) -> str:
    """An amount in a message, written the clinic's way ("$100.00", "£90.50")."""
    return format_money(amount, currency or clinic.currency, clinic.locale)


def _clean_amount(amount, currency: str, *, limit: Decimal = MAX_AMOUNT) -> Decimal:
    if isinstance(amount, float) or isinstance(amount, bool):
        raise BookingRefused("Give money as a Decimal or text such as '100.00'.", code="invalid_amount")
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise BookingRefused(f"'{amount}' is not an amount of money.", code="invalid_amount") from None
    if not value.is_finite():
        raise BookingRefused(f"'{amount}' is not an amount of money.", code="invalid_amount")
    if value <= 0:
        raise BookingRefused("The amount must be more than zero.", code="invalid_amount")
    # The limit first: quantizing a number with more than 28 digits raises InvalidOperation.
    if value > limit:
        raise BookingRefused(
            f"{value} is more than this can be ({format_money(limit, currency)}). Check the amount.",
            code="invalid_amount",
        )
    if value != value.quantize(Decimal("0.01")):
        raise BookingRefused("Give the amount with at most two decimals.", code="invalid_amount")
    return value.quantize(Decimal("0.01"))


def _amount_limit(plan: TreatmentPlan) -> Decimal:
    return min(MAX_AMOUNT, max(plan.price, plan.clinic.deposit_amount))


def request_deposit(*, plan: TreatmentPlan, by, amount=None, idempotency_key=None) -> Deposit:
    """Ask the client for a booking deposit (the clinic's amount unless given). The same
    `idempotency_key` (one per form, looked up on this plan only) requests it only once."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        _require_staff(by, clinic, "request deposits", roles=(Role.FRONT_DESK, Role.MANAGER))
        if idempotency_key and (done := plan.deposits.filter(idempotency_key=idempotency_key).first()):
            return done
        value = _clean_amount(
            clinic.deposit_amount if amount is None else amount, clinic.currency,
            limit=_amount_limit(plan),
        )
        deposit = Deposit(
            plan=plan, amount=value, currency=plan.currency, state=DepositState.REQUESTED,
            requested_at=timezone.now(), requested_by=by, idempotency_key=idempotency_key,
        )
        save_by(deposit, by)
        return deposit


def record_deposit(
    *, plan: TreatmentPlan, amount, by, session: TreatmentSession | None = None,
    method: str = "", reference: str = "", deposit: Deposit | None = None,
    idempotency_key=None,
) -> Deposit:
    """Money received as a deposit: state paid. Pays the given requested deposit, else the
    plan's oldest requested one, else a new one. Without a session it is held on the plan.
    The same `idempotency_key` (one per payment form, looked up on this plan only) records
    the money only once."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        _require_staff(by, clinic, "take deposits", roles=(Role.FRONT_DESK, Role.MANAGER))
        if idempotency_key and (done := plan.deposits.filter(idempotency_key=idempotency_key).first()):
            return done
        value = _clean_amount(amount, plan.currency, limit=_amount_limit(plan))
        if session is not None and (session.plan_id != plan.pk or not session.is_live
                                    or session.status == SessionStatus.COMPLETED):
            raise BookingRefused(
                "A deposit can only be tied to a booked session of the same plan.",
                code="invalid_state",
            )
        if deposit is None:
            deposit = plan.deposits.filter(state=DepositState.REQUESTED).order_by("id").first()
        else:
            deposit = Deposit.objects.select_for_update().get(pk=deposit.pk, plan=plan)
            _require_deposit_state(deposit, (DepositState.REQUESTED,), "paid")
        deposit = deposit or Deposit(plan=plan, currency=plan.currency)
        now = timezone.now()
        deposit.amount, deposit.state, deposit.session = value, DepositState.PAID, session
        deposit.paid_at, deposit.received_by = now, by
        deposit.method, deposit.reference = method, reference
        deposit.idempotency_key = idempotency_key or deposit.idempotency_key
        save_by(deposit, by)
        return deposit


def _require_deposit_state(deposit: Deposit, allowed: tuple[str, ...], action: str) -> None:
    if deposit.state not in allowed:
        raise BookingRefused(
            f"This deposit is {deposit.get_state_display().lower()}: it cannot be {action}.",
            code="invalid_state",
        )


def may_refund(by, clinic: Clinic) -> bool:
    """Managers refund; the front desk too where the clinic's setting allows (R6)."""
    role = staff_role(by, clinic)
    return role == Role.MANAGER or (role == Role.FRONT_DESK and clinic.front_desk_may_refund)


def refund_deposit(*, deposit: Deposit, by, reason: str = "") -> Deposit:
    """Give a paid deposit back. Not while it holds a booked session: cancel that first."""
    with transaction.atomic():
        clinic = _lock_clinic(deposit.plan.clinic_id)
        if not may_refund(by, clinic):  # raises not_permitted with the reason
            _require_staff(by, clinic, "refund deposits", roles=(Role.MANAGER,))
        deposit = Deposit.objects.select_for_update(of=("self",)).select_related("session").get(pk=deposit.pk)
        _require_deposit_state(deposit, (DepositState.PAID,), "refunded")
        if deposit.session is not None and deposit.session.is_live:
            raise BookingRefused(
                f"This deposit holds session {deposit.session.number}: cancel that booking "
                "before refunding it.",
                code="invalid_state",
            )
        deposit.state, deposit.closed_at, deposit.closed_by = DepositState.REFUNDED, timezone.now(), by
        deposit.note = reason.strip()
        save_by(deposit, by)
        return deposit


def forfeit_deposit(*, deposit: Deposit, by, reason: str) -> Deposit:
    """Keep a paid deposit (a manager's decision, with a reason)."""
    with transaction.atomic():
        clinic = _lock_clinic(deposit.plan.clinic_id)
        _require_staff(by, clinic, "forfeit deposits", roles=(Role.MANAGER,))
        if not reason.strip():
            raise BookingRefused("Say why the deposit is forfeited.", code="reason_required")
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        _require_deposit_state(deposit, (DepositState.PAID,), "forfeited")
        deposit.state, deposit.closed_at, deposit.closed_by = DepositState.FORFEITED, timezone.now(), by
        deposit.note = reason.strip()
        save_by(deposit, by)
        return deposit


def record_payment(
    *, plan: TreatmentPlan, amount, by, method: str = "", reference: str = "",
    idempotency_key=None,
) -> Payment:
    """Money received towards the plan's price (not a deposit). The same `idempotency_key`
    (one per payment form, looked up on this plan only) records the money only once."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        _require_staff(by, clinic, "take payments", roles=(Role.FRONT_DESK, Role.MANAGER))
        if idempotency_key and (done := plan.payments.filter(idempotency_key=idempotency_key).first()):
            return done
        value = _clean_amount(amount, plan.currency, limit=min(MAX_AMOUNT, max(plan.price, Decimal("0.01"))))
        payment = Payment(
            plan=plan, amount=value, currency=plan.currency, method=method, reference=reference,
            received_at=timezone.now(), received_by=by, idempotency_key=idempotency_key,
        )
        save_by(payment, by)
        return payment


# --------------------------------------------------------------------------- plans


def amend_quote(
    *, plan: TreatmentPlan, quoted_sessions: int, by, reason: str, price=None
) -> TreatmentPlan:
    """Change the number of quoted sessions (and the price), recording who and why (R3)."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        _require_staff(by, clinic, "amend quotes", roles=(Role.FRONT_DESK, Role.MANAGER))
        _check_plan_open(plan)
        if not reason.strip():
            raise BookingRefused("Say why the quote changes.", code="reason_required")
        if plan.is_touch_up:
            if not isinstance(quoted_sessions, int) or quoted_sessions < 1:
                raise BookingRefused("A touch-up quotes at least one session (R15).",
                                     code="min_one_session")
        elif not isinstance(quoted_sessions, int) or quoted_sessions < 2:
            raise BookingRefused("A plan quotes at least two sessions (R1).", code="min_two_sessions")
        highest = max(_live_numbers(plan), default=0)
        if quoted_sessions < highest:
            raise BookingRefused(
                f"Session {highest} is booked or done: the quote cannot go below {highest}.",
                code="invalid_state",
            )
        new_price = plan.price if price is None else _clean_amount(price, plan.currency)
        QuoteAmendment.objects.create(
            plan=plan, previous_sessions=plan.quoted_sessions, new_sessions=quoted_sessions,
            previous_price=plan.price, new_price=new_price, reason=reason.strip(), by=by,
        )
        plan.quoted_sessions, plan.price = quoted_sessions, new_price
        save_by(plan, by)
        return plan


def _live_numbers(plan: TreatmentPlan) -> list[int]:
    return list(plan.sessions.live().values_list("number", flat=True))


def complete_plan(*, plan: TreatmentPlan, by) -> TreatmentPlan:
    """Close a plan early (e.g. the client is happy after two sessions). R1: never before
    two sessions are completed (a touch-up, R15: one); booked sessions must be cancelled
    first."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        _require_staff(by, clinic, "complete plans", roles=(Role.FRONT_DESK, Role.MANAGER))
        _check_plan_open(plan)
        done = plan.sessions.filter(status=SessionStatus.COMPLETED).count()
        if done < min_sessions(plan.kind):
            needed = "one session is" if plan.is_touch_up else "two sessions are"
            raise BookingRefused(
                f"A plan can be completed once {needed} done (R1, R15); {done} is done.",
                code="invalid_state",
            )
        if plan.sessions.filter(status__in=OPEN_STATUSES).exists():
            raise BookingRefused(
                "Cancel or complete the sessions still booked first.", code="invalid_state"
            )
        plan.status, plan.completed_at = PlanStatus.COMPLETED, timezone.now()
        save_by(plan, by)
        aftercare.plan_completed(plan=plan, by=by)  # the touch-up recall (R15)
        return plan


def create_touch_up_plan(*, plan: TreatmentPlan, by) -> TreatmentPlan:
    """The touch-up plan for a completed plan on the recall list (R15): its own kind, one
    session quoted, priced at the clinic's `touch_up_price`, at the same clinic and area,
    starting from the last shade used (the plan's starting shade when no session recorded
    one), with the hairline notes carried over. A plan has at most one live touch-up: a
    second request is refused [touch_up_exists] naming it (a cancelled touch-up frees the
    place). The new plan is quoted; booking its session 1 follows the usual rules."""
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        _require_staff(by, clinic, "make touch-up plans", roles=(Role.FRONT_DESK, Role.MANAGER))
        plan = TreatmentPlan.objects.select_for_update().select_related("client").get(pk=plan.pk)
        if plan.status != PlanStatus.COMPLETED:
            raise BookingRefused(
                f"Plan #{plan.pk} is {plan.get_status_display().lower()}: only a completed plan "
                "is touched up.", code="invalid_state",
            )
        if hasattr(plan.client, "erasure"):
            raise BookingRefused("The client was erased on request.", code="invalid_state")
        existing = plan.touch_ups.exclude(status=PlanStatus.CANCELLED).first()
        if existing is not None:
            raise BookingRefused(
                f"Plan #{plan.pk} already has touch-up plan #{existing.pk} "
                f"({existing.get_status_display().lower()}); book it from its plan page.",
                code="touch_up_exists",
            )
        touch_up = TreatmentPlan(
            client=plan.client, clinic=clinic, kind=PlanKind.TOUCH_UP, touch_up_of=plan,
            treatment_area=plan.treatment_area, quoted_sessions=1,
            price=clinic.touch_up_price, currency=clinic.currency,
            starting_shade=recalls.last_shade_used(plan), hairline_notes=plan.hairline_notes,
            created_by=by,
        )
        save_by(touch_up, by, clean=True)
        return touch_up


def cancel_plan(*, plan: TreatmentPlan, by, reason: str) -> TreatmentPlan:
    """Cancel a plan and its booked sessions (deposits follow the notice rule)."""
    if not reason.strip():
        raise BookingRefused("Say why the plan is cancelled.", code="reason_required")
    with transaction.atomic():
        clinic = _lock_clinic(plan.clinic_id)
        _require_staff(by, clinic, "cancel plans", roles=(Role.FRONT_DESK, Role.MANAGER))
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        _check_plan_open(plan)
        for session in plan.sessions.filter(status=SessionStatus.BOOKED).order_by("-number"):
            cancel_session(
                session=session, by=by, reason=f"Plan cancelled: {reason.strip()}",
                later={s.pk: CANCEL for s in later_sessions(session)},
            )
        if plan.sessions.filter(status=SessionStatus.CHECKED_IN).exists():
            raise BookingRefused(
                "A session of this plan is in progress: complete it first.", code="invalid_state"
            )
        plan.status = PlanStatus.CANCELLED
        save_by(plan, by)
        return plan


# --------------------------------------------------------------------------- imported history (R20)

IMPORT_ACCOUNT = "imported-history"
IMPORTED_SESSION_TIME = dt.time(10)
# Spacing used to place the earlier imported sessions before the last one: R4's usual target
# for session 2, then R5's earliest third-session day for every later one.
IMPORTED_GAPS = {2: 14}
IMPORTED_LATER_GAP = 21


def import_account():
    """The placeholder practitioner of imported past sessions: an inactive account that can
    never sign in (the real practitioner lived in the clinic's previous system)."""
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        username=IMPORT_ACCOUNT,
        defaults={"first_name": "Imported", "last_name": "history", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def imported_session_days(done: int, last_on: dt.date) -> list[dt.date]:
    """Local dates of sessions 1..done, the last one on `last_on`."""
    days = [last_on]
    for number in range(done, 1, -1):
        days.append(days[-1] - dt.timedelta(days=IMPORTED_GAPS.get(number, IMPORTED_LATER_GAP)))
    return days[::-1]


def record_imported_history(clinic: Clinic, plans: list[tuple[TreatmentPlan, int, dt.date]], *, by) -> int:
    """Write imported plans' past sessions as completed history, inside the caller's
    transaction. No aftercare is planned: those days are long past. Returns the count."""
    from simple_history.utils import bulk_create_with_history

    practitioner = import_account()
    length = dt.timedelta(minutes=clinic.default_session_minutes)
    sessions = []
    for plan, done, last_on in plans:
        for number, day in enumerate(imported_session_days(done, last_on), start=1):
            starts = at_local(day, IMPORTED_SESSION_TIME, clinic.tz)
            sessions.append(TreatmentSession(
                plan=plan, client_id=plan.client_id, clinic=clinic, number=number,
                practitioner=practitioner, starts_at=starts, ends_at=starts + length,
                status=SessionStatus.COMPLETED, booked_by=by or practitioner,
                checked_in_at=starts, completed_at=starts + length, imported=True,
            ))
    bulk_create_with_history(sessions, TreatmentSession, batch_size=1000, default_user=by,
                             default_change_reason="Imported")
    return len(sessions)
