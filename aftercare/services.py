"""Aftercare planning, called directly by the booking service (no signals, STYLE.md #7).

The aftercare issue fills these in: plan the outbox rows of R12/R13/R15 when a session is
booked or completed, move them when it is rescheduled, cancel the unsent ones when it is
cancelled. They run inside the booking service's transaction, so a refused or failed change
plans nothing.
"""

from __future__ import annotations


def session_booked(*, session) -> None:
    """Hook: a session was booked (e.g. plan its appointment reminder)."""


def session_rescheduled(*, session) -> None:
    """Hook: a booked session moved (re-plan its appointment reminder)."""


def session_completed(*, session, by) -> None:
    """Hook: a session was completed (plan aftercare, third-session prompt, recall)."""


def session_cancelled(*, session) -> None:
    """Hook: a session was cancelled or marked no-show (cancel its unsent messages)."""
