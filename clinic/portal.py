"""The client portal's writes: invitations, accepting them, preferences and third-session
slot requests. Booking itself stays in sessions_app.booking: a request only reaches the
front desk, which books it through the service once the deposit is paid."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic.clients import save_client
from clinic.emails import send_templated_email
from clinic.models import (
    Client,
    PortalInvitation,
    Role,
    SlotRequest,
    SlotRequestStatus,
    StaffProfile,
    TreatmentPlan,
    staff_role,
)

INVITATION_DAYS = 7


class PortalRefused(ValidationError):
    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return self.message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def own_login(client: Client):
    """The client's portal login when it is theirs and nothing else: never a login with a
    staff profile, `is_staff` or `is_superuser` (such a link is not the client's to use, and
    an invitation must never set that account's password)."""
    user = client.user
    if user is None or user.is_staff or user.is_superuser:
        return None
    if StaffProfile.objects.filter(user=user).exists():
        return None
    return user


def invite_client(*, client: Client, by, base_url: str) -> PortalInvitation | None:
    """E-mail the client a one-time link to set a portal password. Earlier unused links stop
    working, so only the newest e-mail counts. A client who already has their own login gets
    a password-reset link at the login's registered address instead (and None is returned):
    an invitation never touches an existing account."""
    if staff_role(by, client.clinic) not in (Role.FRONT_DESK, Role.MANAGER):
        raise PortalRefused("Only the front desk or a manager can invite clients.", code="not_permitted")
    login = own_login(client)
    if login is not None:
        _send_password_reset(client, login, base_url)
        return None
    if not client.email:
        raise PortalRefused("Add the client's e-mail address first.", code="email_missing")
    with transaction.atomic():
        invitation, token = _new_invitation(client, by)
        link = base_url.rstrip("/") + reverse("portal:accept_invitation", args=[token])
        context = {"client": client, "clinic": client.clinic, "link": link, "days": INVITATION_DAYS}
        transaction.on_commit(
            lambda: send_templated_email("portal/email/invitation", context, [client.email])
        )
    return invitation


def _new_invitation(client: Client, by) -> tuple[PortalInvitation, str]:
    """A fresh one-time link (earlier unused ones stop working) and its token."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    client.invitations.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    invitation = PortalInvitation.objects.create(
        client=client, token_hash=_hash(token), created_by=by,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    return invitation, token


def paperwork_link(client: Client) -> str:
    """The link of the paperwork reminder (R17): the portal's paperwork page for a client
    with a login, else a new invitation link (the portal then leads to the paperwork)."""
    base = settings.SITE_URL.rstrip("/")
    if own_login(client) is not None:
        return base + reverse("portal:paperwork")
    with transaction.atomic():
        _, token = _new_invitation(client, None)
    return base + reverse("portal:accept_invitation", args=[token])


def _send_password_reset(client: Client, user, base_url: str) -> None:
    """Django's password-reset link (token generator and confirm page), sent to the address
    the login was registered with - not to the client row's address, which staff can edit."""
    if not user.is_active or not user.email:
        raise PortalRefused(
            "This client already has a portal login that cannot receive a reset link (switched "
            "off or without an address). Ask an administrator.",
            code="login_unusable",
        )
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    context = {"client": client, "clinic": client.clinic, "link": base_url.rstrip("/") + path,
               "email": user.email}
    transaction.on_commit(
        lambda: send_templated_email("portal/email/password_reset", context, [user.email])
    )


def valid_invitation(token: str) -> PortalInvitation | None:
    """The invitation behind a link, if it is neither used nor expired."""
    return (
        PortalInvitation.objects.select_related("client", "client__user", "client__clinic")
        .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def accept_invitation(*, token: str, password: str):
    """Set the client's portal password through a valid link; the link is then used up.
    Sets the password of the client's own login only (see own_login); otherwise creates a new
    login, named after the client's e-mail address, and links it - it never takes over an
    existing account."""
    with transaction.atomic():
        invitation = (
            PortalInvitation.objects.select_for_update()
            .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if invitation is None:
            raise PortalRefused(
                "This link has expired or was already used. Ask the clinic for a new one.",
                code="invitation_invalid",
            )
        client = Client.objects.select_for_update().get(pk=invitation.client_id)
        users = get_user_model().objects
        user = own_login(client)
        if user is None:
            username = client.email.strip().lower()
            if not username or users.filter(username__iexact=username).exists():
                raise PortalRefused(
                    "An account with this e-mail address already exists. Sign in, or ask the "
                    "clinic for help.",
                    code="account_exists",
                )
            user = users.model(username=username, email=client.email, first_name=client.first_name,
                               last_name=client.last_name)
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
        if client.user_id != user.pk:
            client.user = user
            client._history_user = user
            client.save(update_fields=["user"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        return user


def update_preferences(*, client: Client, email: str, phone: str, email_consent: bool,
                       sms_consent: bool, language: str | None = None) -> Client:
    """The client changes their contact details and consents (R12: consent decides channels).
    A changed e-mail address is told to the old one (clinic.clients)."""
    client.email, client.phone = email, phone
    client.email_consent, client.sms_consent = email_consent, sms_consent
    if language is not None:
        client.language = language
    return save_client(client=client, by=client.user)


def request_third_session_slot(
    *, plan: TreatmentPlan, starts_at: dt.datetime, practitioner, offered: list
) -> SlotRequest:
    """Record the client's choice among the `offered` slots (computed by the portal from the
    booking rules). A new choice replaces an open earlier one."""
    if (starts_at, practitioner.pk) not in {(s.starts_at, s.practitioner.pk) for s in offered}:
        raise PortalRefused(
            "That time is no longer available. Please choose one of the times shown.",
            code="slot_unavailable",
        )
    with transaction.atomic():
        TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        plan.slot_requests.filter(status=SlotRequestStatus.OPEN).update(
            status=SlotRequestStatus.WITHDRAWN
        )
        return SlotRequest.objects.create(
            plan=plan, clinic=plan.clinic, starts_at=starts_at, practitioner=practitioner
        )
