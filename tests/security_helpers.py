"""A small world for the admin's security tests (the `world` fixture in conftest.py):
Chicago (the clinic under attack) with one row of every model the admin shows, and London
next door with its own manager and front desk. Built under `frozen_now` (Monday 2 March
2026, 08:00 in Chicago)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aftercare.models import Reminder, ScheduleStep
from clinic.models import Client, QuoteAmendment, TreatmentPlan
from sessions_app import booking, photos, records
from sessions_app.models import (
    AlterationRequest,
    Deposit,
    HairlineDesign,
    Payment,
    SessionPhoto,
    SessionRecord,
    SessionStatus,
    TreatmentSession,
)
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session, make_staff
from tests.practice_helpers import jpeg_with_gps, upload

CLINICAL_NOTE = "ZQX-CLINICAL-NOTE-4402"


@dataclass
class World:
    """Chicago's rows (one per admin model) and the people around them."""

    client: Client
    plan: TreatmentPlan
    session: TreatmentSession  # session 2, booked for Tuesday 3 March, then moved to the 4th
    record: SessionRecord
    deposit: Deposit
    payment: Payment
    step: ScheduleStep  # a step of Chicago's own
    london_client: Client
    london_plan: TreatmentPlan
    london_manager: object
    london_practitioner: object

    def rows(self, front_desk, group) -> dict:
        """One Chicago row per model label, for the object pages of the admin."""
        return {
            "clinic.clinic": self.client.clinic,
            "clinic.client": self.client,
            "clinic.treatmentplan": self.plan,
            "clinic.quoteamendment": QuoteAmendment.objects.get(plan=self.plan),
            "clinic.staffprofile": front_desk.staff_profile,
            "sessions_app.treatmentsession": self.session,
            "sessions_app.deposit": self.deposit,
            "sessions_app.payment": self.payment,
            "sessions_app.sessionrecord": self.record,
            "sessions_app.hairlinedesign": HairlineDesign.objects.get(plan=self.plan),
            "sessions_app.alterationrequest": AlterationRequest.objects.get(session=self.session),
            "sessions_app.sessionphoto": SessionPhoto.objects.get(session=self.session),
            "aftercare.schedulestep": self.step,
            "aftercare.reminder": Reminder.objects.filter(client=self.client).first(),
            "auth.user": front_desk,
            "auth.group": group,
        }


def build_world(clinic, other_clinic, front_desk, practitioner, manager) -> World:
    carl = make_client(clinic, first_name="Carl", last_name="Chicago", email="carl@example.com")
    plan = make_plan(carl, quoted_sessions=3, status="active", hairline_notes=CLINICAL_NOTE)
    make_session(plan, number=1, starts_at=chicago(2, 16, 9), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    session = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                   by=front_desk)
    session = booking.reschedule_session(session=session, starts_at=chicago(3, 4), by=front_desk)
    record = records.save_session_log(
        session=session, by=practitioner,
        log=records.LogInput(shade_used=4, notes=CLINICAL_NOTE),
        alteration=records.AlterationInput(kind="darker", request="A shade darker"),
        hairline=records.HairlineInput(description=CLINICAL_NOTE),
        new_photos=[(photos.prepare(upload(jpeg_with_gps((64, 48)))), "before", "")],
    )
    booking.amend_quote(plan=plan, quoted_sessions=4, by=front_desk, reason="Scar added")
    deposit = booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    payment = booking.record_payment(plan=plan, amount=Decimal("500.00"), by=front_desk)
    step = ScheduleStep.objects.create(
        kind="chicago_hat", name="Chicago: wear a hat", template="custom", day_offset=3,
        clinic=clinic, subject="A hat, {first_name}", body="Wear a hat until {day_7}.",
    )
    first = TreatmentSession.objects.get(plan=plan, number=1)
    Reminder.objects.create(client=carl, session=first, step=step, kind=step.kind, channel="email",
                            due_at=chicago(2, 19))
    make_portal_user(carl)
    london_client = make_client(other_clinic, first_name="Lena", last_name="London")
    return World(
        client=carl, plan=plan, session=session, record=record, deposit=deposit, payment=payment,
        step=step, london_client=london_client, london_plan=make_plan(london_client),
        london_manager=make_staff("manager", other_clinic, first_name="Lou", last_name="Londonboss"),
        london_practitioner=make_staff("practitioner", other_clinic, first_name="Lars", last_name="Needle"),
    )
