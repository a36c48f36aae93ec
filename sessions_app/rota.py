"""Writing who works when (R21): working hours, time off and closures.

Every change goes through these functions (the rota pages, the admin and tests call them),
with the acting user on the history rows (R16). Time off and closures are never laid over
booked sessions silently: while any live session is inside them, they are refused with
code `sessions_affected` and the sessions listed, unless the caller asks to cancel those
sessions with the clinic as the cause (no forfeit, R6) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.clinic_time import day_label, day_span
from clinic.models import (
    Clinic,
    ClosureDay,
    Role,
    TimeOff,
    TimeOffStatus,
    WorkingHours,
    staff_role,
)
from sessions_app import booking
from sessions_app.availability import load_rota
from sessions_app.booking import BookingRefused
from sessions_app.calendar import practitioners_at
from sessions_app.models import TreatmentSession

MAX_TIME_OFF = dt.timedelta(days=366)


def _save(obj, by) -> None:
    obj._history_user = by  # R16: who changed the rota
    obj.save()


def _require_manager(by, clinic: Clinic, action: str) -> None:
    if staff_role(by, clinic) != Role.MANAGER:
        raise BookingRefused(f"Only a manager at {clinic.name} may {action}.", code="not_permitted")


# --------------------------------------------------------------------------- working hours


def clean_spans(clinic: Clinic, weekday: int, spans) -> list[tuple[dt.time, dt.time]]:
    """Sorted, non-overlapping spans inside the clinic's opening hours of that weekday."""
    spans = sorted(spans)
    opening = next((h for h in clinic.opening_hours.all() if h.weekday == weekday), None)
    day_name = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[weekday]
    if spans and opening is None:
        raise BookingRefused(f"{clinic.name} is closed on {day_name}s.", code="outside_hours")
    previous_end = None
    for starts, ends in spans:
        if starts >= ends:
            raise BookingRefused(
                f"{starts:%H:%M}-{ends:%H:%M}: a span must end after it starts.", code="invalid_time"
            )
        if starts < opening.opens or ends > opening.closes:
            raise BookingRefused(
                f"{clinic.name} is open {opening.opens:%H:%M}-{opening.closes:%H:%M} on "
                f"{day_name}s: working hours must lie inside that.",
                code="outside_hours",
            )
        if previous_end is not None and starts < previous_end:
            raise BookingRefused(
                f"{starts:%H:%M} starts before the previous span ends ({previous_end:%H:%M}).",
                code="invalid_time",
            )
        previous_end = ends
    return spans


def set_working_hours(*, user, clinic: Clinic, hours: dict, by) -> None:
    """Replace the practitioner's spans on the weekdays given (an empty list: off that day).
    Days not given keep their spans (the opening hours, the first time hours are entered).
    Removing every span is refused: without any, the practitioner would silently work all
    opening hours again (use_opening_hours says so)."""
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().prefetch_related("opening_hours").get(pk=clinic.pk)
        _require_manager(by, clinic, "change working hours")
        if staff_role(user, clinic) != Role.PRACTITIONER:
            raise BookingRefused(f"{user.get_full_name()} is not a practitioner at {clinic.name}.",
                                 code="not_permitted")
        cleaned = {int(day): clean_spans(clinic, int(day), spans) for day, spans in hours.items()}
        rows = WorkingHours.objects.filter(user=user, clinic=clinic)
        had_rows = rows.exists()
        for row in rows.filter(weekday__in=cleaned):
            row._history_user = by
            row.delete()
        if not had_rows:
            # The first hours entered: the other days keep the opening hours they were
            # worked on, so changing one day changes only that day.
            for opening in clinic.opening_hours.all():
                cleaned.setdefault(opening.weekday, [(opening.opens, opening.closes)])
        for day, spans in cleaned.items():
            for starts, ends in spans:
                _save(WorkingHours(user=user, clinic=clinic, weekday=day, starts=starts, ends=ends), by)
        if (had_rows or any(cleaned.values())) and not rows.exists():
            raise BookingRefused(
                "Without any working hours a practitioner works all the clinic's opening hours. "
                "Keep at least one span, or choose 'Use opening hours'.",
                code="no_working_hours",
            )


def use_opening_hours(*, user, clinic: Clinic, by) -> None:
    """Remove the practitioner's own hours there: they work the clinic's opening hours."""
    with transaction.atomic():
        _require_manager(by, clinic, "change working hours")
        for row in WorkingHours.objects.filter(user=user, clinic=clinic):
            row._history_user = by
            row.delete()


# --------------------------------------------------------------------------- affected sessions


@dataclass(frozen=True)
class MoveOption:
    starts_at: dt.datetime  # in the clinic's zone
    ends_at: dt.datetime
    practitioner: object

    @property
    def key(self) -> str:
        return f"{self.starts_at:%Y-%m-%dT%H:%M}"


@dataclass(frozen=True)
class Affected:
    session: TreatmentSession
    deposit_outcome: str  # what cancelling it with the clinic as the cause does to the deposit
    options: tuple[MoveOption, ...] = ()  # times to move it to (see move_options)


def _listed(sessions) -> list[Affected]:
    return [
        Affected(s, booking.cancellation_outcome(s, clinic_initiated=True).message)
        for s in sessions
    ]


def with_options(
    affected: list[Affected], clinic: Clinic, *, avoid: tuple[dt.datetime, dt.datetime],
    closure: bool = False,
):
    """The affected sessions of `clinic` with times to move each to (others are left as they
    are: their own clinic's managers move them). `avoid` holds for the session's practitioner
    (time off) or for everyone (`closure`)."""
    return [
        Affected(a.session, a.deposit_outcome,
                 tuple(move_options(a.session, avoid=avoid, closure=closure)))
        if a.session.clinic_id == clinic.pk else a
        for a in affected
    ]


def move_options(
    session: TreatmentSession, *, avoid: tuple[dt.datetime, dt.datetime], closure: bool = False,
    per_practitioner: int = 2,
    practitioners: int = 3, days: int = 14, grid: dt.timedelta = dt.timedelta(minutes=30),
) -> list[MoveOption]:
    """Times to offer for moving a session out of time off or a closure still being entered
    (`avoid`): its practitioner's first, then colleagues', each inside their working hours
    and clear of their and the client's sessions. A pick is still checked by the booking
    service (spacing, chairs) when it is made. A constant number of queries."""
    clinic = session.clinic
    length = session.ends_at - session.starts_at
    first = max(session.starts_at, timezone.now()).astimezone(clinic.tz).date()
    last = first + dt.timedelta(days=days)
    people = sorted(practitioners_at(clinic), key=lambda p: p.pk != session.practitioner_id)[:practitioners]
    rota = load_rota(clinic, [p.pk for p in people], first, last)
    start, end = day_span(first, last, clinic.tz)
    busy = list(
        TreatmentSession.objects.live().exclude(pk=session.pk)
        .filter(Q(practitioner__in=people) | Q(client_id=session.client_id))
        .filter(starts_at__lt=end, ends_at__gt=start)
        .values_list("practitioner_id", "client_id", "starts_at", "ends_at")
    )
    now = timezone.now()
    options = []
    for person in people:
        found = 0
        day = first
        while day <= last and found < per_practitioner:
            for span_start, span_end in rota.bookable(person.pk, day):
                at = span_start
                while at + length <= span_end and found < per_practitioner:
                    until = at + length
                    avoided = closure or person.pk == session.practitioner_id
                    clash = (avoided and at < avoid[1] and avoid[0] < until) or at <= now or any(
                        (p == person.pk or c == session.client_id) and s < until and at < e
                        for p, c, s, e in busy
                    )
                    if not clash:
                        options.append(MoveOption(at, until, person))
                        found += 1
                        at = until  # the next option after this one, not 30 minutes later
                        continue
                    at += grid
            day += dt.timedelta(days=1)
    return options


def sessions_in_time_off(user, starts_at: dt.datetime, ends_at: dt.datetime) -> list[Affected]:
    """The practitioner's live sessions (any clinic) inside the span."""
    return _listed(
        TreatmentSession.objects.overlapping(starts_at, ends_at)
        .filter(practitioner=user).select_related("client", "clinic", "plan", "practitioner")
    )


def sessions_on_closure(clinic: Clinic, day: dt.date) -> list[Affected]:
    start, end = day_span(day, day, clinic.tz)
    return _listed(
        TreatmentSession.objects.overlapping(start, end)
        .filter(clinic=clinic).select_related("client", "clinic", "plan", "practitioner")
    )


def check_clear(affected: list[Affected], *, what: str) -> None:
    """Refuse (sessions_affected) while any session is listed: the page's question."""
    _clear(affected, by=None, cancel=False, reason="", what=what)


def _clear(affected: list[Affected], *, by, cancel: bool, reason: str, what: str) -> None:
    if not affected:
        return
    if not cancel:
        count = len(affected)
        raise BookingRefused(
            f"{count} booked session{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} "
            f"inside {what}: move or cancel {'them' if count != 1 else 'it'} first.",
            code="sessions_affected",
            affected=[a.session for a in affected],
        )
    for item in affected:
        booking.cancel_session(session=item.session, by=by, reason=reason, clinic_initiated=True)


# --------------------------------------------------------------------------- time off


def _clean_span(starts_at, ends_at) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise BookingRefused("Give the times with their time zone.", code="naive_datetime")
    if ends_at <= starts_at:
        raise BookingRefused("Time off must end after it starts.", code="ends_before_start")
    if ends_at - starts_at > MAX_TIME_OFF:
        raise BookingRefused("Time off can last at most a year; enter it in parts.", code="invalid_time")


def manages(by, user) -> bool:
    """A manager at one of the practitioner's clinics."""
    profile = getattr(user, "staff_profile", None)
    return profile is not None and any(
        staff_role(by, clinic) == Role.MANAGER for clinic in profile.clinics.all()
    )


def request_time_off(*, user, starts_at, ends_at, reason: str = "", by) -> TimeOff:
    """A practitioner asks for time off (waiting for a manager)."""
    _clean_span(starts_at, ends_at)
    if by is None or by.pk != user.pk:
        raise BookingRefused("Practitioners request their own time off.", code="not_permitted")
    with transaction.atomic():
        off = TimeOff(user=user, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:200],
                      requested_by=by)
        _save(off, by)
        return off


def add_time_off(*, user, starts_at, ends_at, reason: str = "", by, cancel_affected: bool = False) -> TimeOff:
    """A manager enters time off (approved at once)."""
    _clean_span(starts_at, ends_at)
    off = TimeOff(user=user, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:200],
                  requested_by=by)
    return _approve(off, by=by, cancel_affected=cancel_affected)


def approve_time_off(*, time_off: TimeOff, by, cancel_affected: bool = False) -> TimeOff:
    if time_off.status != TimeOffStatus.REQUESTED:
        raise BookingRefused("This request was already decided.", code="invalid_state")
    return _approve(time_off, by=by, cancel_affected=cancel_affected)


def _approve(off: TimeOff, *, by, cancel_affected: bool) -> TimeOff:
    with transaction.atomic():
        if not manages(by, off.user):
            raise BookingRefused("Only a manager at the practitioner's clinic may approve time off.",
                                 code="not_permitted")
        if off.pk:
            off = TimeOff.objects.select_for_update().get(pk=off.pk)
        local = off.starts_at.astimezone(timezone.get_current_timezone())
        _clear(
            sessions_in_time_off(off.user, off.starts_at, off.ends_at), by=by,
            cancel=cancel_affected, what=f"this time off from {day_label(local.date())}",
            reason=f"Practitioner away{f': {off.reason}' if off.reason else ''} (the clinic cancels)",
        )
        off.status, off.decided_by, off.decided_at = TimeOffStatus.APPROVED, by, timezone.now()
        _save(off, by)
        return off


def decline_time_off(*, time_off: TimeOff, by) -> TimeOff:
    with transaction.atomic():
        if not manages(by, time_off.user):
            raise BookingRefused("Only a manager at the practitioner's clinic may decline time off.",
                                 code="not_permitted")
        if time_off.status != TimeOffStatus.REQUESTED:
            raise BookingRefused("This request was already decided.", code="invalid_state")
        time_off.status, time_off.decided_by, time_off.decided_at = (
            TimeOffStatus.DECLINED, by, timezone.now(),
        )
        _save(time_off, by)
        return time_off


def withdraw_time_off(*, time_off: TimeOff, by) -> TimeOff:
    """The practitioner withdraws a request, or a manager removes time off (back to work)."""
    with transaction.atomic():
        own = by.pk == time_off.user_id and time_off.status == TimeOffStatus.REQUESTED
        if not own and not manages(by, time_off.user):
            raise BookingRefused("You may not withdraw this time off.", code="not_permitted")
        if time_off.status not in (TimeOffStatus.REQUESTED, TimeOffStatus.APPROVED):
            raise BookingRefused("This time off is already closed.", code="invalid_state")
        time_off.status = TimeOffStatus.WITHDRAWN
        _save(time_off, by)
        return time_off


# --------------------------------------------------------------------------- closures


def add_closure(*, clinic: Clinic, date: dt.date, reason: str = "", by,
                cancel_affected: bool = False) -> ClosureDay:
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        _require_manager(by, clinic, "close the clinic")
        if ClosureDay.objects.filter(clinic=clinic, date=date).exists():
            raise BookingRefused(f"{clinic.name} is already closed on {day_label(date)}.",
                                 code="already_closed")
        _clear(
            sessions_on_closure(clinic, date), by=by, cancel=cancel_affected,
            what=f"the closure on {day_label(date)}",
            reason=f"Clinic closed{f': {reason.strip()}' if reason.strip() else ''}",
        )
        closure = ClosureDay(clinic=clinic, date=date, reason=reason.strip()[:200])
        _save(closure, by)
        return closure


def remove_closure(*, closure: ClosureDay, by) -> None:
    with transaction.atomic():
        _require_manager(by, closure.clinic, "reopen the clinic")
        closure._history_user = by
        closure.delete()


def time_off_for(clinics, *, statuses=(TimeOffStatus.REQUESTED,)):
    """Time off of the practitioners at `clinics` (managers' list), soonest first."""
    return (
        TimeOff.objects.filter(
            status__in=statuses, user__staff_profile__clinics__in=clinics
        ).filter(Q(ends_at__gt=timezone.now()) | Q(status=TimeOffStatus.REQUESTED))
        .select_related("user").distinct().order_by("starts_at")
    )
