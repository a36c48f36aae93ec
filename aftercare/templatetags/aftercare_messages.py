"""Filters for message templates (also usable in a manager's custom message text)."""

from __future__ import annotations

import datetime as dt

from django import template

from aftercare.messages import day_label

register = template.Library()


@register.filter
def plus_days(day: dt.date, days) -> dt.date | str:
    """{{ session_end_date|plus_days:30 }}: a calendar date N days later."""
    try:
        return day + dt.timedelta(days=int(days))
    except (TypeError, ValueError):
        return ""


@register.filter
def long_day(day: dt.date) -> str:
    """'Saturday 14 March' (with the year when it is not this year)."""
    return day_label(day) if isinstance(day, dt.date) else ""
