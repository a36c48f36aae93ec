"""Database expressions and filters shared by the report figures (sessions_app.figures,
aftercare.figures): clinic-local dates and clock parts computed by the database, and a
period turned into per-clinic UTC spans.

Each clinic counts on its own calendar (R19 periods are clinic-local dates), so the local
date of an instant is worked out in SQL from the clinic's `time_zone` column: one query
groups a chain in several zones correctly, DST days included. PostgreSQL does it with
`timezone(zone, instant)`; SQLite (the development database) with the functions Django's
SQLite backend registers for its own date lookups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import DateField, Func, IntegerField, Q

from clinic.clinic_time import day_span
from clinic.models import Clinic


@dataclass(frozen=True)
class Period:
    """Clinic-local dates, both ends included."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The same number of days just before (the overview's comparison)."""
        last = self.first - dt.timedelta(days=1)
        return Period(last - dt.timedelta(days=self.days - 1), last)

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%-d %b %Y}"
        return f"{self.first:%-d %b %Y} – {self.last:%-d %b %Y}"


def in_period(
    field: str,
    clinics: Iterable[Clinic],
    period: Period,
    *,
    clinic_field: str = "clinic",
    shift_days: int | None = None,
    shift_attr: str | None = None,
) -> Q:
    """`field` falls on one of `period`'s local days at its own clinic: one (clinic, UTC
    span) pair per clinic, OR-ed, so PostgreSQL uses the (clinic, instant) indexes.

    `shift_attr` names a clinic setting (e.g. third_window_min_days): the days then move back
    by that many days per clinic (a window opening in the period starts that much earlier)."""
    condition = Q(pk__in=[])
    for clinic in clinics:
        back = dt.timedelta(days=getattr(clinic, shift_attr) if shift_attr else shift_days or 0)
        start, end = day_span(period.first - back, period.last - back, clinic.tz)
        condition |= Q(**{clinic_field: clinic.pk, f"{field}__gte": start, f"{field}__lt": end})
    return condition


class LocalDate(Func):
    """The date of an instant on the calendar of a zone column: LocalDate(instant, zone)."""

    output_field = DateField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(timezone(%(zone)s, %(instant)s))::date",
            **_named(self, compiler, connection),
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="django_datetime_cast_date(%(instant)s, %(zone)s, 'UTC')",
            **_named(self, compiler, connection),
        )


class LocalPart(Func):
    """A part of an instant's local wall-clock time: LocalPart(instant, zone, part=...) with
    part one of "hour", "isodow" (1 = Monday), "month", "year"."""

    output_field = IntegerField()
    arity = 2
    _SQLITE = {"hour": "hour", "isodow": "iso_week_day", "month": "month", "year": "year"}

    def __init__(self, instant, zone, *, part: str):
        if part not in self._SQLITE:
            raise ValueError(f"Unknown part {part!r}")
        self.part = part
        super().__init__(instant, zone)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template=f"CAST(EXTRACT({self.part.upper()} FROM timezone(%(zone)s, %(instant)s)) AS integer)",
            **_named(self, compiler, connection),
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template=f"django_datetime_extract('{self._SQLITE[self.part]}', %(instant)s, %(zone)s, 'UTC')",
            **_named(self, compiler, connection),
        )


class LocalDaysBetween(Func):
    """Calendar days from one instant to a later one on a zone's calendar (R5 counts the
    third-session window this way): LocalDaysBetween(earlier, later, zone)."""

    output_field = IntegerField()
    arity = 3

    def _parts(self, compiler, connection):
        earlier, later, zone = (compiler.compile(e) for e in self.get_source_expressions())
        return earlier, later, zone

    def as_postgresql(self, compiler, connection, **extra):
        (a, pa), (b, pb), (z, pz) = self._parts(compiler, connection)
        sql = f"((timezone({z}, {b}))::date - (timezone({z}, {a}))::date)"
        return sql, (*pz, *pb, *pz, *pa)

    def as_sqlite(self, compiler, connection, **extra):
        (a, pa), (b, pb), (z, pz) = self._parts(compiler, connection)
        sql = (
            f"CAST(julianday(django_datetime_cast_date({b}, {z}, 'UTC')) - "
            f"julianday(django_datetime_cast_date({a}, {z}, 'UTC')) AS integer)"
        )
        return sql, (*pb, *pz, *pa, *pz)


def _named(func: Func, compiler, connection) -> dict:
    """Compile the (instant, zone) arguments for a template that names them, keeping the
    parameters in the order the template uses them."""
    (instant, p_instant), (zone, p_zone) = (compiler.compile(e) for e in func.get_source_expressions()[:2])
    if p_instant or p_zone:  # columns only, in practice; a literal would need ordered params
        raise ValueError("LocalDate/LocalPart take columns, not literals")
    return {"instant": instant, "zone": zone}
