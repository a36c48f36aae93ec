"""Aftercare planning, called directly by the booking service (no signals, STYLE.md #7).

The aftercare issue fills these in: plan the outbox rows of R12/R13/R15 when a session is
completed, cancel the unsent ones when a session is cancelled. They run inside the booking
service's transaction, so a refused or failed change plans nothing.
"""

from __future__ import annotations


def session_completed(*, session, by) -> None:
    """Hook: a session was completed (inside the booking transaction)."""


def session_cancelled(*, session) -> None:
    """Hook: a session was cancelled or marked no-show (inside the booking transaction)."""
