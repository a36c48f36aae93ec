"""Fixtures for the money and follow-up tests (issue 4). The clock is the suite's
`frozen_now`: Monday 2 March 2026, 08:00 in Chicago."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sessions_app import booking
from sessions_app.models import SessionStatus
from tests.conftest import CHICAGO
from tests.factories import make_client, make_plan, make_session, make_staff


def chicago(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


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


@pytest.fixture
def waiting_plan(clinic, practitioner, frozen_now):
    """Carl's plan: session 2 done on 9 February, session 3 quoted and not booked."""
    return plan_after_session_2(clinic, practitioner, first_name="Carla", last_name="Waiting")


@pytest.fixture
def paid_deposit(waiting_plan, front_desk):
    return booking.record_deposit(plan=waiting_plan, amount=Decimal("100.00"), by=front_desk,
                                  method="card", reference="slip 42")
