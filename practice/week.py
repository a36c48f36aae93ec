"""Which days "My day" shows: today and tomorrow by default, one chosen day (`?date=`), or
a Monday-Sunday week (`?view=week`), with the previous and next span. Dates typed in the
address are hostile input: anything unreadable or absurdly far falls back to today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MAX_YEARS = 5


@dataclass(frozen=True)
class Span:
    first: dt.date
    days: int
    view: str  # "default", "day" or "week"
    previous: dt.date
    next: dt.date


def _parse(value: str | None, today: dt.date) -> dt.date | None:
    try:
        day = dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return day if abs((day - today).days) <= 366 * MAX_YEARS else None


def span_of(params, today: dt.date) -> Span:
    chosen = _parse(params.get("date"), today)
    if params.get("view") == "week":
        monday = (chosen or today) - dt.timedelta(days=(chosen or today).weekday())
        return Span(monday, 7, "week", monday - dt.timedelta(days=7), monday + dt.timedelta(days=7))
    if chosen is not None:
        return Span(chosen, 1, "day", chosen - dt.timedelta(days=1), chosen + dt.timedelta(days=1))
    return Span(today, 2, "default", today - dt.timedelta(days=1), today + dt.timedelta(days=1))


def day_title(day: dt.date, today: dt.date) -> str:
    return {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get((day - today).days, f"{day:%A}")
