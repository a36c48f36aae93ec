"""A small fixed month of a Chicago clinic (March 2026, US daylight saving starts on the
8th) and one London payment, for the reports' hand-computed tests. Rows are written
directly: the figures read history, which the booking service would refuse to create in
the past. The expected figures are worked out by hand in tests/test_reports_figures.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from aftercare.models import Reminder, ScheduleStep
from clinic.models import PlanStatus
from sessions_app.models import (
    Deposit,
    DepositState,
    Payment,
    Retention,
    SessionRecord,
    SessionStatus,
    ZoneAssessment,
)
from tests.clock import LONDON, chicago
from tests.factories import make_client, make_plan, make_session

MARCH = {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}
# 15 April 2026, noon in Chicago: every March session has started.
NOW = chicago(4, 15, 12)


@dataclass
class March:
    plans: dict


def _rate(session, ratings, by):
    record = SessionRecord.objects.create(session=session, created_by=by, shade_used=4)
    for zone, value in ratings:
        ZoneAssessment.objects.create(record=record, zone=zone, retention=value)


def _deposit(plan, amount, paid, state, closed=None, session=None, note=""):
    return Deposit.objects.create(
        plan=plan,
        amount=Decimal(amount),
        currency=plan.currency,
        state=state,
        paid_at=paid,
        closed_at=closed,
        session=session,
        note=note,
    )


def build_march(clinic, other_clinic, practitioner, second_practitioner, front_desk) -> March:
    H, F, P = Retention.HELD, Retention.FADED, Retention.PATCHY
    done, plans = SessionStatus.COMPLETED, {}
    for key in "ABCDEFPXW":
        plans[key] = make_plan(make_client(clinic, last_name=f"Plan{key}"), quoted_sessions=3)

    # A: session 2 on Monday 9 March (the day after the clocks changed), third inside its window.
    a = plans["A"]
    a.status = PlanStatus.ACTIVE
    a.save()
    make_session(a, number=1, starts_at=chicago(2, 2, 10), practitioner=practitioner, status=done)
    a2 = make_session(a, number=2, starts_at=chicago(3, 9, 10), practitioner=practitioner, status=done)
    _rate(
        a2,
        [("frontal_hairline", H), ("left_temple", H), ("right_temple", H), ("mid_scalp", F), ("crown", P)],
        practitioner,
    )
    a3 = make_session(a, number=3, starts_at=chicago(4, 1, 10), practitioner=practitioner)  # day 23
    # B: session 2 on 2 March by the second practitioner, third booked outside (day 35, override).
    b = plans["B"]
    make_session(b, number=1, starts_at=chicago(2, 3, 10), practitioner=second_practitioner, status=done)
    b2 = make_session(b, number=2, starts_at=chicago(3, 2, 10), practitioner=second_practitioner, status=done)
    _rate(b2, [("frontal_hairline", H), ("crown", H), ("mid_scalp", F)], second_practitioner)
    make_session(
        b,
        number=3,
        starts_at=chicago(4, 6, 10),
        practitioner=second_practitioner,
        override_reason="Client abroad",
    )
    # C: a no-show on Tuesday 10 March at 14:00; D: a late cancellation on Wednesday 11 March
    # at 09:00; E: cancelled in good time (not counted); F: Tuesday 31 March 19:30 in Chicago,
    # already 1 April in UTC (counts in March).
    make_session(
        plans["C"],
        number=1,
        starts_at=chicago(3, 10, 14),
        practitioner=practitioner,
        status=SessionStatus.NO_SHOW,
    )
    make_session(
        plans["D"],
        number=1,
        starts_at=chicago(3, 11, 9),
        practitioner=practitioner,
        status=SessionStatus.CANCELLED,
        late_cancellation=True,
    )
    make_session(
        plans["E"],
        number=1,
        starts_at=chicago(3, 12, 9),
        practitioner=practitioner,
        status=SessionStatus.CANCELLED,
    )
    f = plans["F"]
    f.status = PlanStatus.ACTIVE
    f.save()
    make_session(f, number=1, starts_at=chicago(3, 31, 19, 30), practitioner=practitioner, status=done)

    # Deposits: A's held for session 3 (paid 20 March); R-style refund on plan E (paid 5 March,
    # refunded 15 March); P applied 25 March (paid in February); X forfeited 11 March (paid in
    # February); W's forfeit waived (the clinic cancelled): back to held.
    _deposit(a, "100.00", chicago(3, 20, 11), DepositState.PAID, session=a3)
    _deposit(plans["E"], "150.00", chicago(3, 5, 11), DepositState.REFUNDED, closed=chicago(3, 15, 11))
    p_session = make_session(
        plans["P"], number=1, starts_at=chicago(3, 25, 10), practitioner=practitioner, status=done
    )
    _deposit(
        plans["P"],
        "100.00",
        chicago(2, 20, 11),
        DepositState.APPLIED,
        closed=chicago(3, 25, 13),
        session=p_session,
    )
    _deposit(plans["X"], "100.00", chicago(2, 10, 11), DepositState.FORFEITED, closed=chicago(3, 11, 9))
    _deposit(
        plans["W"],
        "100.00",
        chicago(2, 12, 11),
        DepositState.PAID,
        note="Forfeit waived: the clinic cancelled, not the client",
    )

    # Payments: 500 in February and 1,000 on 9 March on A; 200 on F at 19:30 on 31 March.
    for plan, amount, when in (
        (a, "500.00", chicago(2, 2, 13)),
        (a, "1000.00", chicago(3, 9, 13)),
        (f, "200.00", chicago(3, 31, 19, 30)),
    ):
        Payment.objects.create(
            plan=plan, amount=Decimal(amount), currency="USD", received_at=when, received_by=front_desk
        )
    london = make_plan(make_client(other_clinic), quoted_sessions=2)
    Payment.objects.create(
        plan=london,
        amount=Decimal("300.00"),
        currency="GBP",
        received_at=dt.datetime(2026, 3, 10, 12, tzinfo=LONDON),
        received_by=front_desk,
    )

    # Aftercare of A's session 2: on time, three hours late, failed, cancelled.
    # Its own step: a transactional (browser) test may run after the migration's steps were flushed.
    step, _ = ScheduleStep.objects.get_or_create(
        kind="report-test", defaults={"name": "Report test", "template": "instructions"}
    )
    utc = dt.UTC
    for n, (status, due, sent) in enumerate(
        (
            ("sent", dt.datetime(2026, 3, 9, 18, tzinfo=utc), dt.datetime(2026, 3, 9, 18, 1, tzinfo=utc)),
            ("sent", dt.datetime(2026, 3, 10, 14, tzinfo=utc), dt.datetime(2026, 3, 10, 17, tzinfo=utc)),
            ("failed", dt.datetime(2026, 3, 11, 14, tzinfo=utc), None),
            ("cancelled", dt.datetime(2026, 3, 12, 14, tzinfo=utc), None),
        )
    ):
        Reminder.objects.create(
            client=a.client,
            session=a2,
            step=step,
            kind=f"report-{n}",
            channel="email",
            due_at=due,
            status=status,
            sent_at=sent,
        )
    return March(plans)
