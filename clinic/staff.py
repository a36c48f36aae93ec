"""Changing a colleague's role and clinics (R14, R18). Managers act only inside the clinics
they manage and never on themselves; superusers act everywhere. `is_staff` (the admin's
door) follows the role: managers only. Every change is recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import AuditKind, record_event
from clinic.history import save_by
from clinic.models import Clinic, Role, StaffProfile


class StaffChangeRefused(ValidationError):
    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return self.message


def managed_clinic_ids(user) -> set[int]:
    """The clinics `user` manages (all clinics for a superuser is handled by the callers)."""
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.role != Role.MANAGER or not user.is_active:
        return set()
    return set(profile.clinics.values_list("pk", flat=True))


def check_staff_change(*, by, profile: StaffProfile, role: str, clinic_ids: set[int]) -> None:
    """Raise StaffChangeRefused, with a message for people, unless `by` may give `profile`
    this role and these clinics."""
    if role not in Role.values:
        raise StaffChangeRefused("Choose a role.", code="invalid_role")
    if by.is_superuser:
        return
    managed = managed_clinic_ids(by)
    before = set(profile.clinics.values_list("pk", flat=True)) if profile.pk else set()
    if not managed or (profile.pk and not before & managed):
        raise StaffChangeRefused(
            "Only a manager of their clinic can change a colleague.", code="not_permitted"
        )
    if profile.user_id == by.pk:
        raise StaffChangeRefused(
            "You cannot change your own role or clinics: ask another manager or an administrator.",
            code="own_profile",
        )
    if profile.user.is_superuser:
        raise StaffChangeRefused("An administrator's profile is changed by an administrator.",
                                 code="not_permitted")
    if (clinic_ids ^ before) - managed:
        raise StaffChangeRefused(
            "You can only add or remove clinics you manage.", code="clinic_not_managed"
        )
    if role != profile.role and before - managed:
        raise StaffChangeRefused(
            "This colleague also works at clinics you do not manage: an administrator changes "
            "their role.",
            code="clinic_not_managed",
        )


def update_staff(
    *, profile: StaffProfile, by, role: str, clinics: Iterable[Clinic], request=None
) -> StaffProfile:
    """Give `profile` a role and a set of clinics, if `by` may (check_staff_change)."""
    clinic_ids = {c.pk for c in clinics}
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        check_staff_change(by=by, profile=profile, role=role, clinic_ids=clinic_ids)
        before_role = profile.role
        before = set(profile.clinics.values_list("pk", flat=True))
        profile.role = role
        save_by(profile, by)
        if clinic_ids != before:
            profile.clinics.set(clinic_ids)
        _sync_admin_door(profile)
        _record(request, by, profile, before_role, before, clinic_ids)
    return profile


def create_staff(*, user, by, role: str, clinics: Iterable[Clinic], request=None) -> StaffProfile:
    """Make `user` a member of staff (superusers only: a new account is theirs to create)."""
    if not by.is_superuser:
        raise StaffChangeRefused("Only an administrator adds staff.", code="not_permitted")
    if role not in Role.values:
        raise StaffChangeRefused("Choose a role.", code="invalid_role")
    clinic_ids = {c.pk for c in clinics}
    with transaction.atomic():
        profile = StaffProfile(user=user, role=role)
        save_by(profile, by)
        profile.clinics.set(clinic_ids)
        _sync_admin_door(profile)
        _record(request, by, profile, "", set(), clinic_ids)
    return profile


def _sync_admin_door(profile: StaffProfile) -> None:
    user = profile.user
    is_staff = user.is_superuser or profile.role == Role.MANAGER
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


def _record(request, by, profile, before_role: str, before: set[int], after: set[int]) -> None:
    names = dict(Clinic.objects.filter(pk__in=before | after).values_list("pk", "name"))
    clinic = Clinic.objects.filter(pk=min(after or before)).first() if after or before else None
    if before_role != profile.role:
        old = Role(before_role).label if before_role else "no role"
        record_event(
            kind=AuditKind.ROLE_CHANGED, request=request, actor=by, clinic=clinic,
            subject_user=profile.user, detail=f"{old} -> {Role(profile.role).label}",
        )
    if before != after:
        added = ", ".join(sorted(names[pk] for pk in after - before)) or "none"
        removed = ", ".join(sorted(names[pk] for pk in before - after)) or "none"
        record_event(
            kind=AuditKind.CLINICS_CHANGED, request=request, actor=by, clinic=clinic,
            subject_user=profile.user, detail=f"added: {added}; removed: {removed}",
        )
