"""The second factor (R18), on django-otp: a TOTP device (an authenticator app) and ten
one-time recovery codes (a static device). Who needs one, enrolment, verification and a
manager's reset live here; the pages are in accounts/, the gate in clinic.factor_middleware.

Nothing here computes a code: django-otp's devices check them (with their own throttling and
their refusal to accept the same TOTP code twice)."""

from __future__ import annotations

import base64

import django_otp
import segno
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.access import staff_profile
from clinic.audit import AuditKind, record_event
from clinic.models import Role

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def factor_required(user) -> bool:
    """Managers and superusers always; front desk and practitioners when any of their
    clinics requires it; anyone (a client, or staff of a clinic that does not require it)
    once they have turned it on."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = staff_profile(user)
    if profile is not None:
        if profile.role == Role.MANAGER:
            return True
        if profile.clinics.filter(staff_second_factor_required=True).exists():
            return True
    return has_factor(user)  # whoever turned it on for themselves is asked for it


def has_factor(user) -> bool:
    """A confirmed authenticator app (recovery codes alone are not a factor to sign in with
    day to day: they come with the app and go with it)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def users_with_factor(users) -> set[int]:
    """Ids of those of `users` who have an authenticator app (one query)."""
    devices = TOTPDevice.objects.filter(user__in=list(users), confirmed=True)
    return set(devices.values_list("user_id", flat=True))


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device of an enrolment in progress (one per user: reloading the page
    keeps the same secret, so a half-scanned QR code stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG drawn on the server (no script, no CDN)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", omitsize=True, title="QR code for your authenticator app"
    )


def confirm_enrolment(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms `device` with a code from the app, replaces any earlier factor, marks the
    session verified and returns the new recovery codes (shown once). None: wrong code."""
    user = request.user
    if device.user_id != user.pk or not device.verify_token(_clean(token)):
        record_event(kind=AuditKind.FACTOR_FAILED, request=request, detail="enrolment code")
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
    django_otp.login(request, device)
    record_event(kind=AuditKind.FACTOR_ENROLLED, request=request, subject_user=user)
    return codes


def _new_recovery_codes(user) -> list[str]:
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def verify(request, token: str) -> bool:
    """The sign-in's second step: a code from the app, or a recovery code (used up by
    django-otp as it matches). Marks the session verified on success."""
    token = _clean(token)
    user = request.user
    if token:
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
            if device.verify_token(token):
                django_otp.login(request, device)
                return True
        for device in StaticDevice.objects.devices_for_user(user, confirmed=True):
            if device.verify_token(token.lower()):
                django_otp.login(request, device)
                record_event(kind=AuditKind.RECOVERY_CODE_USED, request=request)
                return True
    record_event(kind=AuditKind.FACTOR_FAILED, request=request)
    return False


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset_factor(request, colleague, *, clinic=None) -> None:
    """A manager's reset: the colleague's devices and recovery codes go, so they enrol again
    at their next sign-in (their open sessions lose their verification with the device)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=colleague).delete()
        StaticDevice.objects.filter(user=colleague).delete()
        record_event(
            kind=AuditKind.FACTOR_RESET, request=request, subject_user=colleague, clinic=clinic,
            detail=f"Second factor of {colleague.get_username()} reset",
        )


def _clean(token: str) -> str:
    return "".join((token or "").split()).replace("-", "")
