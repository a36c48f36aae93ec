"""Helpers of the money and follow-up tests (their fixtures `waiting_plan` and `paid_deposit`
are in conftest.py). The clock is the suite's `frozen_now`: Monday 2 March 2026, 08:00 in
Chicago."""

from __future__ import annotations

import datetime as dt

from sessions_app.models import SessionStatus
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session, make_staff


def plan_after_session_2(clinic, practitioner=None, *, session_2=None, status=SessionStatus.COMPLETED,
                         quoted_sessions: int = 3, **client_fields):
    """A plan whose session 1 is done and session 2 done (or booked) on `session_2`
    (default Monday 9 February: the third-session window is 2-9 March). Without a
    practitioner, a new one does the sessions (many such plans never overlap: R7)."""
    session_2 = session_2 or chicago(2, 9)
    practitioner = practitioner or make_staff("practitioner", clinic)
    plan = make_plan(make_client(clinic, **client_fields), quoted_sessions=quoted_sessions,
                     status="active")
    make_session(plan, number=1, starts_at=session_2 - dt.timedelta(days=14), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=session_2, practitioner=practitioner, status=status)
    return plan



