"""The suite's clock and places. `frozen_now` (conftest.py) is Monday 2 March 2026, 08:00 in
Chicago; US daylight saving starts on Sunday 8 March 2026, the UK's on 29 March."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")
LONDON = ZoneInfo("Europe/London")


def chicago(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    """A wall-clock time in Chicago (2026 unless told)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHICAGO)
