"""Clinic-calendar arithmetic. Instants are stored in UTC; day-based rules (R4, R5, R12) are
counted on the clinic's local calendar, so a daylight-saving change never moves a window."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone


def local_date(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def days_after(earlier: dt.datetime, later: dt.datetime, tz: zoneinfo.ZoneInfo) -> int:
    """Calendar days between two instants on the clinic's calendar (not 24-hour periods):
    10:00 on 1 March to 09:00 on 8 March is 7 days, DST change or not."""
    return (local_date(later, tz) - local_date(earlier, tz)).days


def at_local(day: dt.date, time: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The aware instant of a wall-clock time on a local date.

    In the spring-forward gap (e.g. 02:30 that never happens) the result moves forward by the
    gap, as a wall clock would; in the autumn overlap the first (summer-time) instant wins."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A nonexistent wall time does not survive the round trip through UTC: normalise it.
    round_trip = aware.astimezone(dt.UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        aware = naive.replace(tzinfo=tz, fold=1).astimezone(dt.UTC).astimezone(tz)
    return aware


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February falls back to 28 February in a year
    without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def recall_day(completed_at: dt.datetime, tz: zoneinfo.ZoneInfo, years: int) -> dt.date:
    """The touch-up recall date (R15): the plan's completion date on the clinic's calendar
    plus the clinic's recall years. One home for it: the recall message and the recall list."""
    return add_years(local_date(completed_at, tz), years)


def last_completion_day_due(by: dt.date, years: int) -> dt.date:
    """The latest local completion date whose recall day falls on or before `by`: the inverse
    of add_years, including a 29 February whose recall falls back to 28 February."""
    day = add_years(by, -years)
    while add_years(day + dt.timedelta(days=1), years) <= by:
        day += dt.timedelta(days=1)
    return day


def day_span(first: dt.date, last: dt.date, tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """From local midnight starting `first` to local midnight ending `last`: the instants of
    those calendar days in the clinic's zone (23 or 25 hours on a day the clocks change)."""
    return at_local(first, dt.time.min, tz), at_local(last + dt.timedelta(days=1), dt.time.min, tz)


def day_label(day: dt.date) -> str:
    """'14 March' (the year only when it is not obvious is left to the caller)."""
    return f"{day.day} {day:%B}"


def day_label_long(day: dt.date) -> str:
    """'Saturday 14 March 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_label(instant: dt.datetime) -> str:
    """'09:30' in the instant's own zone."""
    return f"{instant:%H:%M}"


# Client-facing labels: how a clinic writes to its clients (messages, portal, calendar files).


def client_time(moment: dt.time | dt.datetime) -> str:
    """'5 pm', '5:30 pm', '12 pm' (noon), in the moment's own zone."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour} {suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d} {suffix}"


def client_day(day: dt.date, *, reference: dt.date | None = None) -> str:
    """'Saturday 14 March', with the year when it is not the reference's (today's) year."""
    reference = reference or timezone.localdate()
    label = f"{day:%A} {day.day} {day:%B}"
    return label if day.year == reference.year else f"{label} {day.year}"


def client_moment(instant: dt.datetime, tz: zoneinfo.ZoneInfo, *, reference: dt.date | None = None) -> str:
    """'Saturday 14 March, 5 pm' in the clinic's zone."""
    local = instant.astimezone(tz)
    return f"{client_day(local.date(), reference=reference)}, {client_time(local.time())}"
