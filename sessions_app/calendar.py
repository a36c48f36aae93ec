"""The clinic calendar: which sessions to show and where they sit, in the clinic's local time.

Two queries whatever the number of sessions (the sessions with their client, plan,
practitioner and deposit flags; the clinic's practitioners), and three for who works when
(R21: working hours, time off, closures); the grid is laid out in Python.
Day view: a row per 15 minutes of the opening hours, a column per practitioner, the chairs in
use per row. Week view: a lane per practitioner, a column per open day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from clinic.clinic_time import at_local, day_span
from clinic.models import Clinic, Role
from sessions_app import availability, rules
from sessions_app.models import (
    Deposit,
    DepositState,
    SessionStatus,
    TreatmentSession,
)
from sessions_app.rules import OPEN_STATUSES

ROW = dt.timedelta(minutes=15)


def practitioners_at(clinic: Clinic) -> QuerySet:
    """Active practitioners working at the clinic, by name."""
    return get_user_model().objects.filter(
        is_active=True, staff_profile__role=Role.PRACTITIONER, staff_profile__clinics=clinic
    ).order_by("first_name", "last_name", "pk")


def day_bounds(clinic: Clinic, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight starting `first` to midnight ending `last`, on the clinic's calendar."""
    return day_span(first, last, clinic.tz)


def sessions_between(clinic: Clinic, first: dt.date, last: dt.date) -> QuerySet[TreatmentSession]:
    """Sessions starting on the clinic's local days first..last, with what the calendar shows
    (client, plan, practitioner, deposit flags) in the same query."""
    start, end = day_bounds(clinic, first, last)
    return (
        TreatmentSession.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "plan", "practitioner")
        .annotate(
            deposit_held=Exists(Deposit.objects.filter(
                session=OuterRef("pk"), state__in=(DepositState.PAID, DepositState.APPLIED)
            )),
            deposit_requested=Exists(Deposit.objects.filter(
                plan=OuterRef("plan"), state=DepositState.REQUESTED
            )),
        )
        .order_by("starts_at", "pk")
    )


def paperwork_missing(session: TreatmentSession) -> bool:
    """Session 1 cannot start without the questionnaire and consent (R2)."""
    return (
        session.number == 1 and session.status == SessionStatus.BOOKED
        and not session.client.paperwork_done
    )


def deposit_due(session: TreatmentSession) -> bool:
    """A booking deposit the desk should collect: a third-or-later session holding none, or
    a deposit requested on the plan and not paid yet (R6, R13). Needs sessions_between's
    annotations."""
    if session.status not in OPEN_STATUSES:
        return False
    return (session.number >= 3 and not session.deposit_held) or session.deposit_requested


def decorate(session: TreatmentSession, clinic: Clinic) -> TreatmentSession:
    """Flags for the templates; the shared clinic gives `local_start`/`local_end` without a
    query per row."""
    session.clinic = clinic
    session.flag_paperwork = paperwork_missing(session)
    session.flag_deposit = deposit_due(session)
    return session


def peak_chairs(sessions: list[TreatmentSession]) -> int:
    """Most live sessions running at one instant (what the chairs had to hold)."""
    return rules.peak_use([s for s in sessions if s.is_live])


# --------------------------------------------------------------------------- day view


@dataclass
class Cell:
    """One cell of the day grid: a session spanning `rowspan` rows, or a free slot."""

    session: TreatmentSession | None = None
    rowspan: int = 1
    starts_at: dt.datetime | None = None
    practitioner: object = None
    bookable: bool = False
    off: str = ""  # why a time the clinic is open cannot be booked with them (R21)


@dataclass
class Row:
    at: dt.datetime  # local
    chairs_used: int
    cells: list[Cell]
    chairs_changed: bool = True  # the count is printed where it changes; a tint shows the rest

    @property
    def on_the_hour(self) -> bool:
        return self.at.minute == 0

    @property
    def label(self) -> str:
        return f"{self.at:%H:%M}" if self.at.minute in (0, 30) else ""


@dataclass
class DayGrid:
    day: dt.date
    clinic: Clinic
    practitioners: list
    rows: list[Row] = field(default_factory=list)
    others: list[TreatmentSession] = field(default_factory=list)  # cancelled, no-show, off the grid
    live: list[TreatmentSession] = field(default_factory=list)
    peak: int = 0
    closure: str | None = None  # the closure's reason when the clinic is closed that day
    away: list = field(default_factory=list)  # (practitioner, time off) touching the day

    @property
    def closed(self) -> bool:
        return self.clinic.hours_on(self.day) is None

    @property
    def hours(self):
        return self.clinic.hours_on(self.day)


def _wall(instant: dt.datetime, clinic: Clinic) -> dt.datetime:
    return instant.astimezone(clinic.tz).replace(tzinfo=None)


def _columns(practitioners: list, sessions: list[TreatmentSession]) -> list:
    """The clinic's practitioners, plus anyone else holding a session on these days."""
    columns = list(practitioners)
    known = {p.pk for p in columns}
    for session in sessions:
        if session.practitioner_id not in known:
            columns.append(session.practitioner)
            known.add(session.practitioner_id)
    return columns


def day_grid(
    clinic: Clinic, day: dt.date, practitioners: list, sessions: list[TreatmentSession]
) -> DayGrid:
    sessions = [decorate(s, clinic) for s in sessions]
    live = [s for s in sessions if s.is_live]
    grid = DayGrid(day=day, clinic=clinic, practitioners=_columns(practitioners, live), live=live)
    grid.others = [s for s in sessions if not s.is_live]
    grid.peak = peak_chairs(live)
    rota = availability.load_rota(clinic, [p.pk for p in grid.practitioners], day, day)
    grid.closure = rota.closure(day)
    grid.away = [(p, off) for p in grid.practitioners for off in rota.away(p.pk, day)]
    bookable = {p.pk: rota.bookable(p.pk, day) for p in grid.practitioners}
    hours = clinic.hours_on(day)
    if hours is None and not live:
        return grid
    # Wall-clock range: the opening hours, widened to any session outside them.
    first = dt.datetime.combine(day, hours.opens) if hours else None
    last = dt.datetime.combine(day, hours.closes) if hours else None
    for s in live:
        start = _wall(s.starts_at, clinic)
        end = min(_wall(s.ends_at, clinic), dt.datetime.combine(day, dt.time.max))
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    first = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    count = max(1, math.ceil((last - first) / ROW))
    walls = [first + n * ROW for n in range(count)]
    instants = [at_local(day, w.time(), clinic.tz) for w in walls]
    now = timezone.now()
    # Which rows each column's sessions cover; a clash (only possible in imported rows) goes
    # to the list under the grid rather than hiding a session.
    placed: dict[tuple[int, int], Cell | None] = {}
    for s in live:
        column = next(i for i, p in enumerate(grid.practitioners) if p.pk == s.practitioner_id)
        row = int((_wall(s.starts_at, clinic) - first) / ROW)
        span = max(1, math.ceil((_wall(s.ends_at, clinic) - walls[row]) / ROW))
        span = min(span, count - row)
        if any((column, r) in placed for r in range(row, row + span)):
            grid.others.append(s)
            continue
        placed[(column, row)] = Cell(session=s, rowspan=span)
        for r in range(row + 1, row + span):
            placed[(column, r)] = None  # covered by the rowspan above
    for r, at in enumerate(instants):
        end = at + ROW
        cells = []
        for c, practitioner in enumerate(grid.practitioners):
            if (c, r) in placed:
                if placed[(c, r)] is not None:
                    cells.append(placed[(c, r)])
                continue
            open_now = hours is not None and hours.opens <= walls[r].time() < hours.closes
            works = any(s <= at and end <= e for s, e in bookable[practitioner.pk])
            off = "" if works or not open_now else (
                "Clinic closed" if grid.closure is not None else "Not working"
            )
            cells.append(Cell(
                starts_at=at, practitioner=practitioner, bookable=works and at > now, off=off
            ))
        used = sum(1 for s in live if s.starts_at < end and s.ends_at > at)
        changed = not grid.rows or grid.rows[-1].chairs_used != used
        grid.rows.append(
            Row(at=at.astimezone(clinic.tz), chairs_used=used, cells=cells, chairs_changed=changed)
        )
    return grid


# --------------------------------------------------------------------------- week view


@dataclass
class WeekDay:
    day: dt.date
    hours: object
    sessions: list[TreatmentSession]
    peak: int
    closure: str | None = None

    @property
    def live_count(self) -> int:
        return sum(1 for s in self.sessions if s.is_live)


@dataclass
class Lane:
    practitioner: object
    days: list[tuple[dt.date, list[TreatmentSession]]]  # aligned with WeekGrid.days
    work: list[str] = field(default_factory=list)  # aligned too: "09:00-13:00", "Off", ...

    @property
    def cells(self) -> list[tuple[dt.date, list[TreatmentSession], str]]:
        return [(day, sessions, work) for (day, sessions), work in zip(self.days, self.work, strict=True)]

    @property
    def total(self) -> int:
        return sum(1 for _, sessions in self.days for s in sessions if s.is_live)


@dataclass
class WeekGrid:
    clinic: Clinic
    days: list[WeekDay]
    lanes: list[Lane]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_grid(
    clinic: Clinic, monday: dt.date, practitioners: list, sessions: list[TreatmentSession]
) -> WeekGrid:
    sessions = [decorate(s, clinic) for s in sessions]
    by_day: dict[dt.date, list[TreatmentSession]] = {}
    for s in sessions:
        by_day.setdefault(s.local_start.date(), []).append(s)
    days = []
    for n in range(7):
        day = monday + dt.timedelta(days=n)
        hours = clinic.hours_on(day)
        if hours is None and not by_day.get(day):
            continue  # a closed day with nothing on it takes no room on a tablet
        on_day = by_day.get(day, [])
        days.append(WeekDay(day=day, hours=hours, sessions=on_day, peak=peak_chairs(on_day)))
    columns = _columns(practitioners, sessions)
    rota = availability.load_rota(clinic, [p.pk for p in columns], monday, monday + dt.timedelta(days=6))
    for d in days:
        d.closure = rota.closure(d.day)
    lanes = [
        Lane(practitioner=p, days=[
            (d.day, [s for s in d.sessions if s.practitioner_id == p.pk]) for d in days
        ], work=[work_label(rota, p.pk, d.day) for d in days])
        for p in columns
    ]
    return WeekGrid(clinic=clinic, days=days, lanes=lanes)


def work_label(rota, user_id: int, day: dt.date) -> str:
    """Who works which day, for the week view: their hours, "Off", "Time off" or "Closed"."""
    if rota.closure(day) is not None:
        return "Closed"
    working = rota.working(user_id, day)
    if not working:
        return "Off"
    bookable = rota.bookable(user_id, day)
    label = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in bookable)
    if bookable == working:
        return label
    return f"Time off{' · ' + label if label else ''}"
