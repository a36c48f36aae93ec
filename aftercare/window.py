"""The aftercare window (R12): the days after a completed session when the client must not
wash the scalp, cut the hair, swim or sweat heavily. It closes `clinic.aftercare_days`
calendar days after the session ended, at the same local wall-clock time, so a
daylight-saving change moves neither the day nor the hour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic.clinic_time import at_local, days_after


@dataclass(frozen=True)
class AftercareWindow:
    session_id: int
    opens_at: dt.datetime  # the session's end
    closes_at: dt.datetime  # aware, in the clinic's zone
    days: int

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def day_number(self, now: dt.datetime) -> int:
        """1 on the day of the session, up to `days` (clamped to 1..days)."""
        tz = self.closes_at.tzinfo
        return max(1, min(self.days, days_after(self.opens_at, now, tz) + 1))


def aftercare_window(session) -> AftercareWindow:
    """The window opened by a completed session (uses its end time and clinic settings)."""
    clinic = session.clinic
    end = session.ends_at.astimezone(clinic.tz)
    closes = at_local(end.date() + dt.timedelta(days=clinic.aftercare_days), end.time(), clinic.tz)
    return AftercareWindow(session.pk, session.ends_at, closes, clinic.aftercare_days)
