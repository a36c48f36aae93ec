"""Who read what (R18): an append-only record of every read of clinical content, every
export or download, and the security events of accounts (sign-ins, failures, lock-outs,
second-factor enrolment and resets, role and clinic changes).

Views and services call `record_read`, `record_export` or `record_event`; nothing else writes
the table. The application offers no change or delete (the model refuses both) and on
PostgreSQL a trigger refuses UPDATE and DELETE on the table itself (migration 0005)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import HttpRequest

from clinic.clinic_time import day_span
from clinic.history import person_name

if TYPE_CHECKING:
    from clinic.models import Client, Clinic


class AuditKind(models.TextChoices):
    READ = "read", "Read clinical content"
    EXPORT = "export", "Export or download"
    BREAK_GLASS = "break_glass", "Break the glass"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    LOCKED_OUT = "locked_out", "Account locked"
    UNLOCKED = "unlocked", "Account unlocked"
    FACTOR_ENROLLED = "factor_enrolled", "Second factor enrolled"
    FACTOR_RESET = "factor_reset", "Second factor reset"
    FACTOR_FAILED = "factor_failed", "Second factor failed"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    ROLE_CHANGED = "role_changed", "Role changed"
    CLINICS_CHANGED = "clinics_changed", "Clinics changed"


# actor_role as people read it (staff roles, and the two kinds of account without one).
ROLE_LABELS = {
    "front_desk": "Front desk", "practitioner": "Practitioner", "manager": "Manager",
    "superuser": "Superuser", "client": "Client",
}

# What the access-log pages filter on: reads, exports, or everything about accounts.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "read": (AuditKind.READ, AuditKind.BREAK_GLASS),
    "export": (AuditKind.EXPORT,),
}
KIND_GROUPS["account"] = tuple(
    k for k in AuditKind.values if k not in KIND_GROUPS["read"] + KIND_GROUPS["export"]
)


class AuditEventQuerySet(models.QuerySet):
    def about_client(self, client) -> AuditEventQuerySet:
        return self.filter(client=client)

    def by_actor(self, user) -> AuditEventQuerySet:
        return self.filter(actor=user)

    def at_clinics(self, clinics) -> AuditEventQuerySet:
        return self.filter(clinic__in=clinics)

    def of_kind_group(self, group: str) -> AuditEventQuerySet:
        """'read', 'export' or 'account' (sign-ins, lock-outs, factors, role changes)."""
        return self.filter(kind__in=KIND_GROUPS[group])

    def on_local_dates(
        self, first: dt.date | None, last: dt.date | None, *, default_zone: str
    ) -> AuditEventQuerySet:
        """Rows whose time falls on `first`..`last` (both included, either may be open) of
        their own clinic's calendar: a Chicago row is judged on Chicago's dates and a London
        row on London's, a day of a clock change lasting 23 or 25 hours. Rows without a
        clinic (some account events) use `default_zone`, the viewer's. One small query for
        the clinics' time zones."""
        if first is None and last is None:
            return self
        clinics = self.model._meta.get_field("clinic").related_model.objects
        by_zone: dict[str, list[int]] = {default_zone: []}
        for pk, zone in clinics.values_list("pk", "time_zone"):
            by_zone.setdefault(zone, []).append(pk)
        spans = {zone: _span(first, last, zone) for zone in by_zone}
        on_day = Q(clinic__isnull=True, at__gte=spans[default_zone][0], at__lt=spans[default_zone][1])
        for zone, ids in by_zone.items():
            if ids:  # clinic ids, not a join on the clinic's zone: the (clinic, at) index serves
                on_day |= Q(clinic_id__in=ids, at__gte=spans[zone][0], at__lt=spans[zone][1])
        # The widest span bounds `at` on its own, so the index on `at` narrows the rows first.
        widest = Q(at__gte=min(s for s, _ in spans.values()), at__lt=max(e for _, e in spans.values()))
        return self.filter(widest, on_day)

    def for_listing(self) -> AuditEventQuerySet:
        return self.select_related("client", "clinic")


# Open ends of a date filter: far enough to hold every row, near enough for datetime maths.
_EARLIEST, _LATEST = dt.date(2000, 1, 1), dt.date(2999, 12, 30)


def _span(first: dt.date | None, last: dt.date | None, zone: str) -> tuple[dt.datetime, dt.datetime]:
    return day_span(first or _EARLIEST, last or _LATEST, zoneinfo.ZoneInfo(zone))


class AuditEvent(models.Model):
    """One audit row. Names are kept as text beside the foreign keys so that a row still
    says who and what after a user is deactivated or a client is erased."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=32, choices=AuditKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    client = models.ForeignKey(
        "clinic.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    clinic = models.ForeignKey(
        "clinic.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    # The staff member an account event is about (a reset, an unlock, a role change).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(max_length=200, help_text="e.g. 'session log of session 2'")
    object_ref = models.CharField(max_length=100, blank=True, help_text="e.g. 'sessionphoto:42'")
    detail = models.TextField(blank=True, help_text="A reason, a username tried, a filter")
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        app_label = "clinic"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["client", "-at"], name="audit_client_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["clinic", "-at"], name="audit_clinic_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'anonymous'}: {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit rows are append-only.")

    @property
    def actor_role_label(self) -> str:
        return ROLE_LABELS.get(self.actor_role, self.actor_role)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address a request came from. Behind a proxy (TRUSTED_PROXY_IP_HEADER set, e.g.
    HTTP_X_FORWARDED_FOR) the right-most address the proxy added; otherwise REMOTE_ADDR, so
    a client cannot choose its own address by sending the header."""
    if request is None:
        return None
    header = getattr(settings, "TRUSTED_PROXY_IP_HEADER", "")
    raw = ""
    if header:
        raw = request.META.get(header, "").split(",")[-1].strip()
    raw = raw or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _actor_fields(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"actor": None, "actor_name": "", "actor_role": ""}
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        role = profile.role
    elif user.is_superuser:
        role = "superuser"
    elif getattr(user, "client_profile", None) is not None:
        role = "client"
    else:
        role = ""
    return {
        "actor": user,
        "actor_name": person_name(user),
        "actor_role": role,
    }


def record_event(
    *, kind: str, request: HttpRequest | None = None, actor=None, client: Client | None = None,
    clinic: Clinic | None = None, subject_user=None, what: str = "", object_ref: str = "",
    detail: str = "",
) -> AuditEvent:
    """Append one audit row. `actor` defaults to the request's user."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if clinic is None and client is not None:
        clinic_id = client.clinic_id
    else:
        clinic_id = clinic.pk if clinic is not None else None
    return AuditEvent.objects.create(
        kind=kind, client=client, clinic_id=clinic_id, subject_user=subject_user,
        what=(what or AuditKind(kind).label)[:200], object_ref=object_ref[:100], detail=detail,
        ip=client_ip(request), path=(request.path[:300] if request is not None else ""),
        **_actor_fields(actor),
    )


def record_read(request: HttpRequest, *, client: Client, what: str, obj=None) -> AuditEvent:
    """A read of clinical content about `client` (a session log, progress, a photo file,
    questionnaire answers, a history page of a clinical model)."""
    return record_event(
        kind=AuditKind.READ, request=request, client=client, what=what, object_ref=_ref(obj)
    )


def record_list_read(request: HttpRequest, *, clinic: Clinic | None, what: str, clients) -> AuditEvent:
    """A page that shows a little clinical content of several clients at once (My day: each
    client's last shade). One row for the page, about the clinic; the clients shown are
    listed by id in `detail` (ids only: the trail must not keep names an erasure removes)."""
    ids = sorted({c.pk for c in clients})
    return record_event(
        kind=AuditKind.READ, request=request, clinic=clinic, what=what,
        detail="Clients shown: " + ", ".join(f"#{pk}" for pk in ids),
    )


def record_export(
    request: HttpRequest, *, what: str, client: Client | None = None, clinic: Clinic | None = None,
    obj=None, detail: str = "", subject_user=None,
) -> AuditEvent:
    """An export or download (a CSV, a PDF, a receipt, a client's own data). `subject_user`:
    the staff member an export is about (their page of the access log)."""
    return record_event(
        kind=AuditKind.EXPORT, request=request, client=client, clinic=clinic, what=what,
        object_ref=_ref(obj), detail=detail, subject_user=subject_user,
    )


def _ref(obj) -> str:
    if obj is None:
        return ""
    return f"{obj._meta.model_name}:{obj.pk}"
