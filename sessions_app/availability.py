"""Who works when (R21): the times a practitioner can be booked at a clinic.

Pure reading: no writes, no rules about plans. `load_rota` fetches everything for some
practitioners at one clinic over a range of local days in three queries (working hours,
approved time off, closures; the clinic's opening hours are prefetched by the callers), and
the `Rota` answers every question about those days in Python:

- a practitioner with no working hours at the clinic works its opening hours (so clinics
  that never enter a rota keep working as before);
- working hours are clipped to the opening hours, and a closure day has none;
- approved time off (at any clinic) is taken out.

Wall-clock spans become instants with `at_local`, so a daylight-saving week keeps 09:00 at
09:00 on the clinic's clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.utils import timezone

from clinic.clinic_time import at_local, day_label, day_span
from clinic.models import Clinic, ClosureDay, TimeOff, TimeOffStatus, WorkingHours

LOOK_AHEAD_DAYS = 35  # how far "next works there" looks in a refusal message
Span = tuple[dt.datetime, dt.datetime]  # aware instants in the clinic's zone


@dataclass(frozen=True)
class Unavailable:
    """Why a span cannot be booked: a stable code, a message for people, and whether a
    manager's override (with a reason) may book it anyway (outside working hours only)."""

    code: str  # "practitioner_unavailable" or "clinic_closed"
    message: str
    overridable: bool = False


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _hm(instant: dt.datetime) -> str:
    return f"{instant:%H:%M}"


@dataclass
class Rota:
    clinic: Clinic
    first: dt.date
    last: dt.date
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = field(default_factory=dict)
    time_off: dict[int, list[TimeOff]] = field(default_factory=dict)
    closures: dict[dt.date, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ per day

    def closure(self, day: dt.date) -> str | None:
        """The closure's reason ("" when none was given), or None when not closed."""
        return self.closures.get(day)

    def has_own_hours(self, user_id: int) -> bool:
        return user_id in self.hours

    def working(self, user_id: int, day: dt.date) -> list[Span]:
        """The spans the practitioner works at the clinic on a local day (time off not taken
        out): their working hours, or the opening hours without any, clipped to opening."""
        opening = self.clinic.hours_on(day)
        if opening is None or day in self.closures:
            return []
        if user_id in self.hours:
            walls = self.hours[user_id].get(day.weekday(), [])
        else:
            walls = [(opening.opens, opening.closes)]
        spans = []
        for starts, ends in walls:
            starts, ends = max(starts, opening.opens), min(ends, opening.closes)
            if starts < ends:
                spans.append((at_local(day, starts, self.clinic.tz), at_local(day, ends, self.clinic.tz)))
        return spans

    def away(self, user_id: int, day: dt.date) -> list[TimeOff]:
        """Approved time off touching the local day."""
        start, end = day_span(day, day, self.clinic.tz)
        return [t for t in self.time_off.get(user_id, []) if t.starts_at < end and t.ends_at > start]

    def bookable(self, user_id: int, day: dt.date) -> list[Span]:
        """Working spans of the day with approved time off taken out."""
        spans, tz = self.working(user_id, day), self.clinic.tz
        for off in self.away(user_id, day):
            off_start, off_end = off.starts_at.astimezone(tz), off.ends_at.astimezone(tz)
            spans = [
                piece
                for s, e in spans
                for piece in ((s, min(e, off_start)), (max(s, off_end), e))
                if piece[0] < piece[1]
            ]
        return spans

    def is_bookable(self, user_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
        day = starts_at.astimezone(self.clinic.tz).date()
        return any(s <= starts_at and ends_at <= e for s, e in self.bookable(user_id, day))

    # ------------------------------------------------------------------ refusals

    def unavailable(
        self, practitioner, starts_at: dt.datetime, ends_at: dt.datetime
    ) -> Unavailable | None:
        """Why [starts_at, ends_at) cannot be booked with the practitioner here, or None."""
        tz = self.clinic.tz
        day = starts_at.astimezone(tz).date()
        last_day = (ends_at - dt.timedelta(microseconds=1)).astimezone(tz).date()
        name, where = _name(practitioner), self.clinic.name
        for d in (day, last_day):
            if d in self.closures:
                reason = self.closures[d]
                return Unavailable("clinic_closed", (
                    f"{where} is closed on {day_label(d)}{f' ({reason})' if reason else ''}. "
                    f"{self.next_times_text(practitioner, starts_at, ends_at - starts_at)}"
                ))
        for off in self.time_off.get(practitioner.pk, []):
            if off.starts_at < ends_at and off.ends_at > starts_at:
                s, e = off.starts_at.astimezone(tz), off.ends_at.astimezone(tz)
                return Unavailable("practitioner_unavailable", (
                    f"{name} is off from {day_label(s.date())} {_hm(s)} to {day_label(e.date())} "
                    f"{_hm(e)}{f' ({off.reason})' if off.reason else ''}. "
                    f"{self.next_times_text(practitioner, starts_at, ends_at - starts_at)}"
                ))
        spans = self.working(practitioner.pk, day)
        if any(s <= starts_at and ends_at <= e for s, e in spans):
            return None
        today = ", ".join(f"{_hm(s)}-{_hm(e)}" for s, e in spans)
        said = (
            f"{name} works at {where} {today} on {day:%A}s" if spans
            else f"{name} does not work at {where} on {day:%A}s"
        )
        next_times = self.next_times_text(practitioner, starts_at, ends_at - starts_at)
        return Unavailable("practitioner_unavailable", (
            f"{said}. {next_times} A manager may book outside working hours with a written reason."
        ), overridable=True)

    def next_days(self, user_id: int, after: dt.datetime, length: dt.timedelta, count: int = 3):
        """The next `count` local days (from `after`, within the loaded days) with spans at
        least `length` long still to come: [(day, [span, ...]), ...]."""
        found = []
        after = after.astimezone(self.clinic.tz)
        day = max(after.date(), self.first)
        while day <= self.last and len(found) < count:
            spans = [
                (max(s, after), e) for s, e in self.bookable(user_id, day) if e - max(s, after) >= length
            ]
            if spans:
                found.append((day, spans))
            day += dt.timedelta(days=1)
        return found

    def next_times_text(self, practitioner, starts_at: dt.datetime, length: dt.timedelta) -> str:
        # From the start of the day asked about (not before now), so its other spans show.
        day_start = at_local(starts_at.astimezone(self.clinic.tz).date(), dt.time.min, self.clinic.tz)
        days = self.next_days(practitioner.pk, max(day_start, timezone.now()), length)
        if not days:
            return (
                f"{_name(practitioner)} has no working time at {self.clinic.name} in the next "
                f"{LOOK_AHEAD_DAYS} days."
            )
        labels = [
            f"{day:%A} {day_label(day)} " + " and ".join(f"{_hm(s)}-{_hm(e)}" for s, e in spans)
            for day, spans in days
        ]
        return f"{_name(practitioner)} next works there {'; '.join(labels)}."


def load_rota(clinic: Clinic, user_ids, first: dt.date, last: dt.date) -> Rota:
    """Everything about `user_ids` at `clinic` on local days first..last: three queries
    (four when the clinic's opening hours were not prefetched)."""
    user_ids = list(user_ids)
    if "opening_hours" not in getattr(clinic, "_prefetched_objects_cache", {}):
        prefetch_related_objects([clinic], "opening_hours")  # callers usually did already
    rota = Rota(clinic=clinic, first=first, last=last)
    for row in WorkingHours.objects.filter(clinic=clinic, user_id__in=user_ids).order_by("starts"):
        rota.hours.setdefault(row.user_id, {}).setdefault(row.weekday, []).append((row.starts, row.ends))
    start, end = day_span(first, last, clinic.tz)
    for off in TimeOff.objects.filter(
        user_id__in=user_ids, status=TimeOffStatus.APPROVED, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at"):
        rota.time_off.setdefault(off.user_id, []).append(off)
    rota.closures = dict(
        ClosureDay.objects.filter(clinic=clinic, date__range=(first, last)).values_list("date", "reason")
    )
    return rota


def unavailable(
    clinic: Clinic, practitioner, starts_at: dt.datetime, ends_at: dt.datetime
) -> Unavailable | None:
    """The booking service's question: why this span cannot be booked, with the next times
    the practitioner works at the clinic in the message."""
    day = starts_at.astimezone(clinic.tz).date()
    rota = load_rota(clinic, [practitioner.pk], day, day + dt.timedelta(days=LOOK_AHEAD_DAYS))
    return rota.unavailable(practitioner, starts_at, ends_at)


@dataclass(frozen=True)
class PatternRow:
    """One practitioner's week at a clinic for the rota page: spans per open weekday."""

    practitioner: object
    own_hours: bool  # False: they work the opening hours (nothing entered)
    days: list[tuple[int, list[tuple[dt.time, dt.time]]]]


def weekly_pattern(clinic: Clinic, practitioners) -> list[PatternRow]:
    """The rota page's grid in one query (opening hours prefetched): for each practitioner
    and each weekday the clinic opens, the spans they work there."""
    practitioners = list(practitioners)
    hours: dict[int, dict[int, list]] = {}
    for row in WorkingHours.objects.filter(clinic=clinic, user__in=practitioners).order_by("starts"):
        hours.setdefault(row.user_id, {}).setdefault(row.weekday, []).append((row.starts, row.ends))
    opening = sorted(clinic.opening_hours.all(), key=lambda h: h.weekday)
    return [
        PatternRow(p, p.pk in hours, [
            (h.weekday, hours[p.pk].get(h.weekday, []) if p.pk in hours else [(h.opens, h.closes)])
            for h in opening
        ])
        for p in practitioners
    ]


def time_off_span(
    tz, first_day: dt.date, last_day: dt.date, from_time: dt.time | None = None,
    to_time: dt.time | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """Instants of time off given on a clinic's calendar: whole days (local midnight to
    midnight, 23 or 25 hours across a clock change) unless times are given."""
    starts = at_local(first_day, from_time or dt.time.min, tz)
    ends = at_local(last_day, to_time, tz) if to_time else at_local(
        last_day + dt.timedelta(days=1), dt.time.min, tz
    )
    return starts, ends
