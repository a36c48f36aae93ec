"""Demo data for `make run`: two clinics in different time zones, staff of every role and
clients at every stage of a plan. Past sessions are written as imported history (the booking
service refuses the past by design); every future booking goes through the booking service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clinic.clinic_time import at_local
from clinic.demo_history import add_history
from clinic.models import (
    Client,
    Clinic,
    OpeningHours,
    Role,
    StaffProfile,
    TimeOff,
    TreatmentPlan,
    WorkingHours,
)
from sessions_app import booking
from sessions_app.models import SessionRecord, SessionStatus, TreatmentSession

PASSWORD = "pigment-demo"

# (username, role or "client"/"admin", what they see) - printed by `seed_demo`.
LOGINS = [
    ("admin", "superuser", "Django admin, everything"),
    ("manager", "manager", "both clinics, settings, overrides"),
    ("frontdesk", "front desk", "Chicago: calendar, clients, deposits"),
    ("frontdesk.london", "front desk", "London"),
    ("practitioner", "practitioner", "Chicago: my day, session log"),
    ("practitioner.london", "practitioner", "London"),
    ("client", "client portal", "Sam Rivera (Chicago), between sessions 1 and 2"),
    ("client.paperwork", "client portal", "Jordan Lee (Chicago): paperwork to complete online"),
]

CLINICS = [
    dict(slug="chicago", name="Chicago", time_zone="America/Chicago", currency="USD",
         deposit_amount=Decimal("100.00"), address="200 N LaSalle St, Chicago, IL 60601",
         phone="+1 312 555 0100", chairs=3),
    dict(slug="london", name="London", time_zone="Europe/London", currency="GBP",
         deposit_amount=Decimal("80.00"), address="12 Harley Street, London W1G 9PG",
         phone="+44 20 7946 0100", chairs=2, country="GB", locale="en_GB"),
]


# The demo staff come with an authenticator app already enrolled (R18), so `make run` works
# without a phone: `manage.py demo_code USERNAME` prints the code such an app would show.
DEMO_DEVICE_NAME = "Demo authenticator (make run)"
DEMO_STAFF = ["admin", "manager", "frontdesk", "frontdesk.london", "practitioner",
              "practitioner.chicago2", "practitioner.london"]


def ensure_demo_devices() -> None:
    """A confirmed TOTP device for each demo staff login that has none (idempotent)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for user in get_user_model().objects.filter(username__in=DEMO_STAFF):
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)


def demo_device(username: str):
    """The demo device of a demo login, or None (a real user's device is never one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if username not in DEMO_STAFF:
        return None
    return TOTPDevice.objects.filter(
        user__username=username, name=DEMO_DEVICE_NAME, confirmed=True
    ).first()


def demo_exists() -> bool:
    return Clinic.objects.filter(slug="chicago").exists()


@transaction.atomic
def seed() -> None:
    clinics = {spec["slug"]: _clinic(spec) for spec in CLINICS}
    chicago, london = clinics["chicago"], clinics["london"]
    users = {
        "admin": _user("admin", "Ada", "Admin", superuser=True),
        "manager": _staff("manager", "Morgan", "Hale", Role.MANAGER, [chicago, london]),
        "frontdesk": _staff("frontdesk", "Fran", "Ortiz", Role.FRONT_DESK, [chicago]),
        "frontdesk.london": _staff("frontdesk.london", "Felix", "Hart", Role.FRONT_DESK, [london]),
        "practitioner": _staff("practitioner", "Pat", "Nguyen", Role.PRACTITIONER, [chicago]),
        "practitioner.chicago2": _staff("practitioner.chicago2", "Quinn", "Baker", Role.PRACTITIONER,
                                        [chicago]),
        "practitioner.london": _staff("practitioner.london", "Priya", "Shah", Role.PRACTITIONER, [london]),
    }
    for clinic, desk, pats in [
        (chicago, users["frontdesk"], [users["practitioner"], users["practitioner.chicago2"]]),
        (london, users["frontdesk.london"], [users["practitioner.london"]]),
    ]:
        _clients_at_every_stage(clinic, desk, pats, users)
        add_history(clinic, desk, pats)  # months of history for the reports' charts
    ensure_demo_devices()
    _rota(chicago, users)
    _paperwork(chicago, users["frontdesk"], [users["practitioner"], users["practitioner.chicago2"]])


def _rota(chicago: Clinic, users: dict) -> None:
    """Who works when (R21), added after the bookings above: Quinn works split days three
    days a week, Pat has asked for a day off next month (waiting for the manager)."""
    split = [(dt.time(9), dt.time(13)), (dt.time(14), dt.time(18))]
    WorkingHours.objects.bulk_create(
        WorkingHours(user=users["practitioner.chicago2"], clinic=chicago, weekday=day, starts=s, ends=e)
        for day in (0, 2, 4) for s, e in split
    )
    day = timezone.now().astimezone(chicago.tz).date() + dt.timedelta(days=30)
    TimeOff.objects.create(
        user=users["practitioner"], starts_at=at_local(day, dt.time.min, chicago.tz),
        ends_at=at_local(day + dt.timedelta(days=1), dt.time.min, chicago.tz), reason="Training course",
        requested_by=users["practitioner"],
    )


def _clinic(spec: dict) -> Clinic:
    clinic = Clinic(**spec)
    clinic.full_clean()
    clinic.save()
    OpeningHours.objects.bulk_create(
        OpeningHours(clinic=clinic, weekday=day, opens=dt.time(9), closes=dt.time(18))
        for day in range(6)
    )
    return clinic


def _user(username: str, first: str, last: str, *, superuser: bool = False):
    model = get_user_model()
    maker = model.objects.create_superuser if superuser else model.objects.create_user
    return maker(username=username, password=PASSWORD, first_name=first, last_name=last,
                 email=f"{username}@pigment.example")


def _staff(username, first, last, role, clinics):
    user = _user(username, first, last)
    user.is_staff = role == Role.MANAGER  # the admin is for managers (and superusers) only
    user.save(update_fields=["is_staff"])
    profile = StaffProfile.objects.create(user=user, role=role, current_clinic=clinics[0])
    profile.clinics.set(clinics)
    return user


def _client(clinic, first, last, *, paperwork=True, **extra) -> Client:
    n = Client.objects.count() + 1
    return Client.objects.create(
        clinic=clinic, first_name=first, last_name=last,
        email=f"{first.lower()}.{last.lower()}@example.com", phone=f"+1 555 01{n:02d}",
        date_of_birth=dt.date(1980 + n % 15, 1 + n % 12, 1 + n % 27), email_consent=True,
        sms_consent=n % 2 == 0, paperwork_completed_at=timezone.now() if paperwork else None,
        **extra,
    )


def _plan(client, sessions, price, area="full_scalp") -> TreatmentPlan:
    return TreatmentPlan.objects.create(
        client=client, clinic=client.clinic, quoted_sessions=sessions, price=Decimal(price),
        currency=client.clinic.currency, treatment_area=area, status="active",
        hairline_notes="Soft, natural hairline; slightly receded at the temples.",
    )


def _past(plan, number, days_ago, practitioner, hour=10) -> TreatmentSession:
    """Imported history: a completed session `days_ago` local days ago (moved off Sundays)."""
    tz = plan.clinic.tz
    day = timezone.now().astimezone(tz).date() - dt.timedelta(days=days_ago)
    if day.weekday() == 6:
        day -= dt.timedelta(days=1)
    starts = at_local(day, dt.time(hour), tz)
    return TreatmentSession.objects.create(
        plan=plan, client=plan.client, clinic=plan.clinic, number=number, practitioner=practitioner,
        starts_at=starts, ends_at=starts + dt.timedelta(hours=3), status=SessionStatus.COMPLETED,
        booked_by=practitioner, checked_in_at=starts, completed_at=starts + dt.timedelta(hours=3),
    )


def _book_first_allowed(plan, practitioners, by, *, from_days: int, hours=(10, 13, 9, 14, 11)):
    """Book through the service at the first day/hour/practitioner the rules allow."""
    tz = plan.clinic.tz
    today = timezone.now().astimezone(tz).date()
    for offset in range(from_days, from_days + 40):
        for hour in hours:
            for practitioner in practitioners:
                starts = at_local(today + dt.timedelta(days=offset), dt.time(hour), tz)
                try:
                    return booking.book_session(plan=plan, starts_at=starts,
                                                practitioner=practitioner, by=by)
                except booking.BookingRefused:
                    continue
    raise RuntimeError(f"No slot found for {plan}")


def _clients_at_every_stage(clinic, desk, pats, users) -> None:
    pat = pats[0]
    is_chicago = clinic.slug == "chicago"
    names = (
        [("Sam", "Rivera"), ("Jordan", "Lee"), ("Alex", "Morgan"), ("Chris", "Walker"),
         ("Dana", "Brooks"), ("Eli", "Turner")]
        if is_chicago else
        [("Oliver", "Bennett"), ("Harry", "Clarke"), ("George", "Evans"), ("Jack", "Wright"),
         ("Noah", "Hughes"), ("Leo", "Price")]
    )
    # Between sessions 1 and 2: session 1 five days ago, session 2 booked at the usual target.
    between = _client(clinic, *names[0])
    plan = _plan(between, 3, "2400.00" if is_chicago else "1900.00")
    _past(plan, 1, 5, pat)
    _book_first_allowed(plan, pats, desk, from_days=6)
    if is_chicago:
        portal = _user("client", between.first_name, between.last_name)
        between.user = portal
        between.save(update_fields=["user"])

    # New: paperwork missing, session 1 booked for tomorrow (the front desk sees the flag).
    new = _client(clinic, *names[1], paperwork=False)
    _book_first_allowed(_plan(new, 2, "1800.00", "hairline"), pats, desk, from_days=1)

    # Awaiting a third session without a deposit: sessions 1 and 2 done, 3 quoted.
    awaiting = _client(clinic, *names[2])
    plan = _plan(awaiting, 3, "2600.00")
    _past(plan, 1, 30, pat)
    _past(plan, 2, 16, pat)
    booking.request_deposit(plan=plan, by=desk)

    # Third session booked with its deposit paid.
    booked3 = _client(clinic, *names[3])
    plan = _plan(booked3, 3, "2600.00")
    _past(plan, 1, 40, pat)
    _past(plan, 2, 20, pat)
    booking.record_deposit(plan=plan, amount=clinic.deposit_amount, by=desk, method="card")
    _book_first_allowed(plan, pats, desk, from_days=2)
    booking.record_payment(plan=plan, amount=Decimal("1200.00"), by=desk, method="card")

    # Completed plan, settled.
    done = _client(clinic, *names[4])
    plan = _plan(done, 2, "1500.00", "crown")
    _past(plan, 1, 90, pat)
    _past(plan, 2, 76, pat)
    plan.status, plan.completed_at = "completed", plan.sessions.get(number=2).completed_at
    plan.save(update_fields=["status", "completed_at"])
    booking.record_payment(plan=plan, amount=Decimal("1500.00"), by=desk, method="bank transfer")

    # Touch-up recall (R15): plans completed about three years ago, on the desk's recall list -
    # one overdue (reached by e-mail), one due in a month whose client is to be called.
    for (first, last), days_ago, email in (
        (("Robin", "Recall") if is_chicago else ("Rory", "Recall"), 3 * 365 + 12, True),
        (("Casey", "Caller") if is_chicago else ("Cara", "Caller"), 3 * 365 - 30, False),
    ):
        recalled = _client(clinic, first, last)
        recalled.email_consent = email
        recalled.save(update_fields=["email_consent"])
        plan = _plan(recalled, 2, "1800.00")
        _past(plan, 1, days_ago + 14, pat)
        last_session = _past(plan, 2, days_ago, pat)
        SessionRecord.objects.create(session=last_session, shade_used=5, created_by=pat)
        plan.status, plan.completed_at = "completed", last_session.completed_at
        plan.save(update_fields=["status", "completed_at"])

    # Today: a session 2 in progress for the calendar and the practitioner's day.
    today = _client(clinic, *names[5])
    plan = _plan(today, 2, "2000.00")
    _past(plan, 1, 12, pat)
    _book_first_allowed(plan, pats[::-1], desk, from_days=0, hours=(14, 15, 11, 12))


# --------------------------------------------------------------------------- paperwork (R17)


def _paperwork(clinic: Clinic, desk, pats) -> None:
    """Jordan Lee (paperwork missing, session 1 tomorrow) gets a portal login to fill it in
    online; Riley Stone filled it in online with a "yes" to blood thinners: waiting for a
    practitioner's review before session 1."""
    import base64
    import io

    from PIL import Image, ImageDraw

    from clinic import paperwork

    jordan = Client.objects.get(clinic=clinic, first_name="Jordan", last_name="Lee")
    jordan.user = _user("client.paperwork", jordan.first_name, jordan.last_name)
    jordan.save(update_fields=["user"])

    riley = _client(clinic, "Riley", "Stone", paperwork=False)
    _book_first_allowed(_plan(riley, 2, "2200.00"), pats, desk, from_days=3)
    draft = paperwork.draft_for(riley)
    paperwork.save_about(draft, {"date_of_birth": dt.date(1979, 4, 2), "address": "41 Elm St, Evanston",
                                 "emergency_contact": "Sky Stone, +1 555 0199"})
    answers = {q.key: ("no" if q.kind == "yes_no" else "") for q in draft.questionnaire.questions.all()}
    answers.update(blood_thinners="yes", diabetes="No", other="Daily aspirin after a stent (2023).")
    paperwork.save_answers(draft, answers)
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 70), (70, 20), (130, 80), (200, 25), (290, 60)], fill="#10203a", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    paperwork.submit(draft, typed_name=riley.full_name, consent_id=None, ip="127.0.0.1",
                     signature="data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
                     ticked=draft.consent.statement_list)
