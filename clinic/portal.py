"""The client portal's writes: invitations, accepting them, preferences and third-session
slot requests. Booking itself stays in sessions_app.booking: a request only reaches the
front desk, which books it through the service once the deposit is paid."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic.emails import send_templated_email
from clinic.models import (
    Client,
    PortalInvitation,
    Role,
    SlotRequest,
    SlotRequestStatus,
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


def invite_client(*, client: Client, by, base_url: str) -> PortalInvitation:
    """E-mail the client a one-time link to set a portal password. Earlier unused links stop
    working, so only the newest e-mail counts."""
    if staff_role(by, client.clinic) not in (Role.FRONT_DESK, Role.MANAGER):
        raise PortalRefused("Only the front desk or a manager can invite clients.", code="not_permitted")
    if not client.email:
        raise PortalRefused("Add the client's e-mail address first.", code="email_missing")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        client.invitations.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        invitation = PortalInvitation.objects.create(
            client=client, token_hash=_hash(token), created_by=by,
            expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        )
        link = base_url.rstrip("/") + reverse("portal:accept_invitation", args=[token])
        context = {"client": client, "clinic": client.clinic, "link": link, "days": INVITATION_DAYS}
        transaction.on_commit(
            lambda: send_templated_email("portal/email/invitation", context, [client.email])
        )
    return invitation


def valid_invitation(token: str) -> PortalInvitation | None:
    """The invitation behind a link, if it is neither used nor expired."""
    return (
        PortalInvitation.objects.select_related("client", "client__user", "client__clinic")
        .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def accept_invitation(*, token: str, password: str):
    """Set the client's portal password through a valid link; the link is then used up.
    The portal login is the client's e-mail address."""
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
        user = client.user
        if user is None:
            username = client.email.lower()
            if users.filter(username__iexact=username).exists():
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
            client.save(update_fields=["user"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        return user


def update_preferences(*, client: Client, email: str, phone: str, email_consent: bool,
                       sms_consent: bool) -> Client:
    """The client changes their contact details and consents (R12: consent decides channels)."""
    client.email, client.phone = email, phone
    client.email_consent, client.sms_consent = email_consent, sms_consent
    client._history_user = client.user
    client.full_clean()
    client.save()
    return client


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
