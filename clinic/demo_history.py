"""Four months of history for the demo clinics, so every report chart shows something:
first and second sessions with retention ratings, no-shows and late cancellations, third
sessions inside and outside their window, deposits (applied, refunded, forfeited, held),
payments and aftercare messages (sent, late, failed).

Written as imported history (the booking service refuses the past). One-hour sessions from
13:00 keep clear of the demo's other history (10:00-13:00) and each plan has its own client,
so no practitioner or client is ever double-booked (R7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftercare.models import Reminder, ReminderStatus, ScheduleStep
from clinic.clinic_time import at_local
from clinic.models import Client, TreatmentPlan
from sessions_app.models import (
    Deposit,
    DepositState,
    Payment,
    SessionRecord,
    SessionStatus,
    TreatmentSession,
    Zone,
    ZoneAssessment,
)

FIRST_NAMES = [
    "Avery",
    "Blake",
    "Casey",
    "Drew",
    "Emery",
    "Finley",
    "Gray",
    "Harper",
    "Indy",
    "Jesse",
    "Kai",
    "Logan",
    "Marlow",
    "Nico",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Tatum",
]
ZONES = [Zone.FRONTAL_HAIRLINE, Zone.LEFT_TEMPLE, Zone.RIGHT_TEMPLE, Zone.MID_SCALP, Zone.CROWN]
PLANS = 24


def add_history(clinic, desk, practitioners) -> None:
    tz = clinic.tz
    today = timezone.now().astimezone(tz).date()
    step = ScheduleStep.objects.order_by("pk").first()
    price = Decimal("2400.00") if clinic.currency == "USD" else Decimal("1900.00")

    def at(days_ago: int, hour: int) -> dt.datetime:
        return at_local(today - dt.timedelta(days=days_ago), dt.time(hour), tz)

    def session(plan, number, starts, who, status=SessionStatus.COMPLETED, **extra) -> TreatmentSession:
        done = status == SessionStatus.COMPLETED
        return TreatmentSession.objects.create(
            plan=plan,
            client=plan.client,
            clinic=clinic,
            number=number,
            practitioner=who,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            status=status,
            booked_by=desk,
            checked_in_at=starts if done else None,
            completed_at=starts + dt.timedelta(hours=1) if done else None,
            **extra,
        )

    for i in range(PLANS):
        who = practitioners[i % len(practitioners)]
        client = Client.objects.create(
            clinic=clinic,
            first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
            last_name=f"History{i + 1}",
            email=f"history{i + 1}.{clinic.slug}@example.com",
            email_consent=True,
            paperwork_completed_at=at(130 - 4 * i, 9),
        )
        plan = TreatmentPlan.objects.create(
            client=client,
            clinic=clinic,
            quoted_sessions=3,
            price=price,
            currency=clinic.currency,
            status="active",
            created_by=desk,
        )
        first_days_ago = 125 - 4 * i
        if i % 8 == 5:  # missed the first appointment, then came a week later
            session(
                plan,
                1,
                at(first_days_ago + 7, 17),
                who,
                status=SessionStatus.NO_SHOW if i % 16 == 5 else SessionStatus.CANCELLED,
                late_cancellation=i % 16 != 5,
                cancelled_at=None if i % 16 == 5 else at(first_days_ago + 8, 9),
            )
        s1 = session(plan, 1, at(first_days_ago, 13), who)
        Payment.objects.create(
            plan=plan,
            amount=price / 2,
            currency=clinic.currency,
            received_at=s1.ends_at,
            received_by=desk,
            method="card",
        )
        _messages(step, s1, i)
        second_days_ago = first_days_ago - 14
        if second_days_ago < 1:
            continue
        s2 = session(plan, 2, at(second_days_ago, 14), who)
        record = SessionRecord.objects.create(session=s2, created_by=who, shade_used=4)
        ZoneAssessment.objects.bulk_create(
            ZoneAssessment(record=record, zone=zone, retention=1 + (i + n + i // 3) % 3)
            for n, zone in enumerate(ZONES)
        )
        _messages(step, s2, i + 1)
        inside = i % 4 != 3
        gap = 23 if inside else 33
        third_days_ago = second_days_ago - gap
        if i % 6 == 4 or third_days_ago - 7 < 1:
            continue  # not booked yet (or the deposit would be paid in the future)
        deposit = Deposit.objects.create(
            plan=plan,
            amount=clinic.deposit_amount,
            currency=clinic.currency,
            state=DepositState.PAID,
            paid_at=at(third_days_ago + 7, 12),
            received_by=desk,
            method="card",
        )
        if third_days_ago < 1:
            continue
        hour = 15 if inside else 16
        if i % 10 == 7:  # cancelled with notice: the deposit goes back
            s3 = session(
                plan,
                3,
                at(third_days_ago, hour),
                who,
                status=SessionStatus.CANCELLED,
                cancelled_at=at(third_days_ago + 5, 9),
            )
            deposit.state, deposit.closed_at = DepositState.REFUNDED, at(third_days_ago + 4, 12)
        elif i % 10 == 9:  # no-show: the deposit is forfeited
            s3 = session(plan, 3, at(third_days_ago, hour), who, status=SessionStatus.NO_SHOW)
            deposit.state, deposit.closed_at = DepositState.FORFEITED, s3.ends_at
        else:
            s3 = session(
                plan,
                3,
                at(third_days_ago, hour),
                who,
                override_reason="" if inside else "Client travelling; agreed with the manager",
            )
            deposit.state, deposit.closed_at = DepositState.APPLIED, s3.ends_at
            Payment.objects.create(
                plan=plan,
                amount=price / 2 - clinic.deposit_amount,
                currency=clinic.currency,
                received_at=s3.ends_at,
                received_by=desk,
                method="card",
            )
        deposit.session = s3
        deposit.save()


def _messages(step, session: TreatmentSession, n: int) -> None:
    """The aftercare instructions and a reminder: mostly on time, some late, a few failed
    (none when the schedule has no step, e.g. in a flushed test database)."""
    if step is None:
        return
    for day, kind in ((0, "history_instructions"), (2, "history_reminder")):
        due = session.ends_at + dt.timedelta(days=day)
        if due > timezone.now():
            continue
        failed = (n + day) % 11 == 0
        late = (n + day) % 7 == 0
        Reminder.objects.create(
            client=session.client,
            session=session,
            step=step,
            kind=kind,
            channel="email",
            due_at=due,
            status=ReminderStatus.FAILED if failed else ReminderStatus.SENT,
            attempts=1,
            queued=1,
            sent_at=None if failed else due + dt.timedelta(hours=3 if late else 0, minutes=2),
            last_error="Mailbox unavailable" if failed else "",
        )
