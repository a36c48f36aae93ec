"""Whose clinical record a practitioner may read (R14), and "breaking the glass".

A practitioner reads the record of clients they hold a past or booked session with (any
status but cancelled). Any other client of their clinic only after breaking the glass: a
typed reason, kept in the audit trail (clinic.audit, kind break_glass), which the managers
see in the access log. The reason opens that client's record to that practitioner for
GLASS_HOURS. Managers read every record at their clinics.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.audit import AuditEvent, AuditKind, record_event
from clinic.models import Client, Clinic, Role, staff_role
from sessions_app.models import SessionStatus, TreatmentSession

GLASS_HOURS = 12
MIN_REASON = 10  # characters: "checking" is not a reason


def holds_client(user, client: Client) -> bool:
    """The practitioner holds a past or booked session of the client's plans."""
    return TreatmentSession.objects.filter(
        practitioner_id=user.pk, client_id=client.pk
    ).exclude(status=SessionStatus.CANCELLED).exists()


def glass_broken(user, client: Client) -> bool:
    since = timezone.now() - dt.timedelta(hours=GLASS_HOURS)
    return AuditEvent.objects.filter(
        kind=AuditKind.BREAK_GLASS, actor_id=user.pk, client_id=client.pk, at__gte=since
    ).exists()


def may_read_record(user, client: Client, clinic: Clinic) -> bool:
    """R14 for one client's clinical record seen at `clinic` (pages, photos, downloads)."""
    role = staff_role(user, clinic)
    if role == Role.MANAGER:
        return True
    if role != Role.PRACTITIONER:
        return False
    return holds_client(user, client) or glass_broken(user, client)


class GlassRefused(ValueError):
    pass


def break_glass(request, *, client: Client, clinic: Clinic, reason: str) -> AuditEvent:
    """Record the practitioner's reason to read a client who is not theirs."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise GlassRefused(
            f"Give the reason in a few words (at least {MIN_REASON} characters): it is shown to "
            "the managers."
        )
    if staff_role(request.user, clinic) != Role.PRACTITIONER:
        raise GlassRefused("Only practitioners of the client's clinic break the glass.")
    return record_event(
        kind=AuditKind.BREAK_GLASS, request=request, client=client, clinic=clinic,
        what="Break the glass: clinical record opened", detail=reason[:1000],
    )
