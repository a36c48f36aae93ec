"""Helpers of the front-desk tests: history arranged under `frozen_now` (Monday 2 March 2026,
08:00 in Chicago; US daylight saving starts on Sunday 8 March 2026)."""

from __future__ import annotations

from decimal import Decimal

from clinic.models import TreatmentPlan
from sessions_app import booking
from sessions_app.models import SessionStatus, TreatmentSession
from tests.clock import chicago
from tests.factories import make_session


def session_one_done(plan: TreatmentPlan, practitioner, *, day=(2, 23)) -> TreatmentSession:
    """Session 1 completed at 10:00 Chicago on `day` (default Monday 23 February)."""
    return make_session(plan, number=1, starts_at=chicago(*day), practitioner=practitioner,
                        status=SessionStatus.COMPLETED)


def sessions_one_and_two_done(plan: TreatmentPlan, practitioner) -> TreatmentPlan:
    """Sessions 1 (26 January) and 2 (Tuesday 24 February) done: session 3's window is
    17-24 March."""
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(2, 24), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    return plan


def pay_deposit(plan: TreatmentPlan, by):
    return booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=by)


def booking_post(practitioner, day: str, time: str = "10:00", length: int = 180, **extra) -> dict:
    return {"practitioner": practitioner.pk, "date": day, "time": time, "length": length, **extra}
