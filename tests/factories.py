"""Small factories used by the whole suite (and by checks outside it): every field has a
sensible default, and anything can be overridden by keyword."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.models import (
    Client,
    Clinic,
    ClosureDay,
    OpeningHours,
    StaffProfile,
    TimeOff,
    TimeOffStatus,
    TreatmentPlan,
    WorkingHours,
)
from sessions_app.models import SessionStatus, TreatmentSession

_seq = itertools.count(1)

PASSWORD = "pigment-test-pw"
MON_TO_SAT = range(0, 6)


def make_clinic(*, opening_hours=None, **fields) -> Clinic:
    """A clinic open Monday-Saturday 9:00-18:00 with 2 chairs, in Chicago unless told.

    `opening_hours` maps weekday (0 = Monday) to (opens, closes) times; missing days are closed.
    An unknown `time_zone` raises ValidationError and writes nothing."""
    n = next(_seq)
    fields.setdefault("name", f"Clinic {n}")
    fields.setdefault("slug", f"clinic-{n}")
    fields.setdefault("time_zone", "America/Chicago")
    fields.setdefault("chairs", 2)
    fields.setdefault("currency", "USD")
    fields.setdefault("deposit_amount", Decimal("100.00"))
    fields.setdefault("address", f"{n} Main Street")
    clinic = Clinic(**fields)
    clinic.full_clean()
    clinic.save()
    if opening_hours is None:
        opening_hours = {day: (dt.time(9), dt.time(18)) for day in MON_TO_SAT}
    OpeningHours.objects.bulk_create(
        OpeningHours(clinic=clinic, weekday=day, opens=opens, closes=closes)
        for day, (opens, closes) in opening_hours.items()
    )
    return clinic


def make_staff(role: str, clinic: Clinic | None = None, *, clinics=(), **fields):
    """A staff user with `role` ("front_desk", "practitioner" or "manager") at `clinic` (and
    any `clinics`), with PASSWORD. Only managers get `is_staff` (the admin is theirs)."""
    n = next(_seq)
    fields.setdefault("username", f"{role}{n}")
    fields.setdefault("first_name", role.replace("_", " ").title())
    fields.setdefault("last_name", f"No{n}")
    fields.setdefault("email", f"{fields['username']}@staff.example")
    fields.setdefault("is_staff", role == "manager")
    password = fields.pop("password", PASSWORD)
    user = get_user_model().objects.create_user(password=password, **fields)
    profile = StaffProfile.objects.create(user=user, role=role)
    profile.clinics.set([c for c in (clinic, *clinics) if c is not None])
    return user


def make_client(clinic: Clinic, **fields) -> Client:
    """A client of `clinic` with paperwork completed and consent to e-mail (not SMS)."""
    n = next(_seq)
    fields.setdefault("first_name", "Client")
    fields.setdefault("last_name", f"Number{n}")
    fields.setdefault("email", f"client{n}@example.com")
    fields.setdefault("phone", f"+1312555{n:04d}")
    fields.setdefault("date_of_birth", dt.date(1985, 6, 15))
    fields.setdefault("email_consent", True)
    fields.setdefault("sms_consent", False)
    fields.setdefault("paperwork_completed_at", timezone.now())
    return Client.objects.create(clinic=clinic, **fields)


def make_portal_user(client: Client, password: str = PASSWORD):
    user = get_user_model().objects.create_user(
        username=f"portal{client.pk}", email=client.email, password=password,
        first_name=client.first_name, last_name=client.last_name,
    )
    client.user = user
    client.save(update_fields=["user"])
    return user


def make_plan(client: Client, quoted_sessions: int = 2, **fields) -> TreatmentPlan:
    fields.setdefault("clinic", client.clinic)
    fields.setdefault("price", Decimal("2400.00"))
    fields.setdefault("currency", fields["clinic"].currency)
    return TreatmentPlan.objects.create(client=client, quoted_sessions=quoted_sessions, **fields)


def make_session(
    plan: TreatmentPlan, *, number: int, starts_at: dt.datetime, practitioner,
    status: str = SessionStatus.BOOKED, minutes: int = 180, booked_by=None, **fields,
) -> TreatmentSession:
    """A session row written directly, to arrange history (e.g. a session 1 done last month)
    that the booking service would refuse to book in the past. Use booking.book_session for
    anything under test."""
    if status == SessionStatus.COMPLETED:
        fields.setdefault("completed_at", starts_at + dt.timedelta(minutes=minutes))
    return TreatmentSession.objects.create(
        plan=plan, client=plan.client, clinic=plan.clinic, number=number,
        practitioner=practitioner, starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes), status=status,
        booked_by=booked_by or practitioner, **fields,
    )


def sign_in(client, user) -> None:
    """Sign a Django test client in as `user` with every factor satisfied. The whole suite
    signs people in through this, so the second factor is in force everywhere else.

    The session is built the way the sign-in pages leave it: Django's login, then (for
    whoever needs a second factor) django-otp's login with a confirmed TOTP device, created
    here when the user has none."""
    from importlib import import_module

    import django_otp
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest

    from clinic.second_factor import factor_required

    request = HttpRequest()
    request.session = client.session or import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = user
    login(request, user, backend="clinic.auth_backends.EmailOrUsernameBackend")
    if factor_required(user):
        django_otp.login(request, totp_device(user))
    request.session.save()
    client._set_login_cookies(request)


def totp_device(user):
    """The user's confirmed TOTP device (created, confirmed, when there is none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def totp_code(device, *, offset: int = 0) -> str:
    """The code an authenticator app shows now for `device` (`offset` steps later), computed
    with django-otp's own TOTP (the library's, not one written here)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_totp_code(device) -> str:
    """A code the device has not accepted yet: django-otp refuses a time step it has seen
    (replay), so a second sign-in within 30 seconds takes the next step's code (inside the
    device's tolerance), or waits for the clock to reach one."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    while True:
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        for offset in range(device.tolerance + 1):
            if now + offset > device.last_t:
                return totp_code(device, offset=offset)
        time.sleep(1)


def _as_time(value) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time(int(value))


def set_working_hours(user, clinic: Clinic, hours: dict) -> None:
    """The practitioner's working hours at `clinic`: {weekday: [(start, end), ...]} with
    times (or whole hours as ints). The weekdays given replace their spans; once any span
    exists, weekdays without one are days off (R21)."""
    WorkingHours.objects.filter(user=user, clinic=clinic, weekday__in=list(hours)).delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(user=user, clinic=clinic, weekday=day, starts=_as_time(s), ends=_as_time(e))
        for day, spans in hours.items()
        for s, e in spans
    )


def add_time_off(user, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = ""):
    """Approved time off for `user` (aware instants)."""
    return TimeOff.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, reason=reason,
        status=TimeOffStatus.APPROVED, decided_at=timezone.now(),
    )


def add_closure(clinic: Clinic, date: dt.date, reason: str = ""):
    return ClosureDay.objects.create(clinic=clinic, date=date, reason=reason)


# --------------------------------------------------------------------------- completing (R9, too_early)


def on_the_day(session: TreatmentSession, minutes: int = 5):
    """The clock a few minutes after the session's start (frozen): check-in, completing and
    no-shows are allowed from then on."""
    import time_machine

    return time_machine.travel(session.starts_at + dt.timedelta(minutes=minutes), tick=False)


def write_full_log(session: TreatmentSession, by, *, shade: int = 4):
    """A log that may be completed (R9): a "held" rating in every treated zone from session 2
    on, and the shade used."""
    from sessions_app import records
    from sessions_app.models import Retention

    retention = Retention.HELD if session.number >= 2 else None
    current = records.record_of(session)
    rows = {} if current is None else {z.zone: z for z in current.zones.all()}
    zones = {
        zone: records.ZoneInput(**(
            {name: getattr(rows[zone], name) for name in records.ZONE_FIELDS} if zone in rows else {}
        ) | {"retention": retention, "not_assessed_reason": ""})
        for zone, _ in records.treated_zones(session)
    }
    base = {} if current is None else {
        name: getattr(current, name) for name in records.RECORD_FIELDS
    }
    return records.save_session_log(
        session=session, by=by, log=records.LogInput(**(base | {"shade_used": shade}), zones=zones)
    )


def complete_now(session: TreatmentSession, by):
    """Complete `session` as the practitioner would at the chair: on its day, log complete."""
    from sessions_app import booking

    with on_the_day(session):
        if session.number >= 2:
            write_full_log(session, session.practitioner)
        return booking.complete_session(session=session, by=by)
