"""Who may reach what (R14). Views use these helpers instead of filtering by hand:
decorators for the role, `staff_clinics` / `get_*_for` for the scope. Anything out of scope
is a 404, never a 403, so ids of other clinics' rows reveal nothing."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from clinic.models import Client, Clinic, Role, StaffProfile, TreatmentPlan
from sessions_app.models import TreatmentSession

STAFF_ROLES = tuple(Role.values)


def staff_profile(user) -> StaffProfile | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "staff_profile", None)


def client_profile(user) -> Client | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "client_profile", None)


def role_of(user) -> str | None:
    profile = staff_profile(user)
    return profile.role if profile else None


def staff_clinics(user) -> QuerySet[Clinic]:
    """The clinics a staff member works at (none for anyone else)."""
    profile = staff_profile(user)
    if profile is None:
        return Clinic.objects.none()
    return profile.clinics.all()


def current_clinic(request) -> Clinic | None:
    """The clinic chosen in the switcher, remembered per user; defaults to the first.
    Computed once per request (the time-zone middleware and the navigation both ask)."""
    if not hasattr(request, "_current_clinic"):
        request._current_clinic = _current_clinic(request.user)
    return request._current_clinic


def _current_clinic(user) -> Clinic | None:
    profile = staff_profile(user)
    if profile is None:
        return None
    clinics = list(profile.clinics.all())
    for clinic in clinics:
        if clinic.pk == profile.current_clinic_id:
            return clinic
    return clinics[0] if clinics else None


def set_current_clinic(request, clinic_id: int) -> Clinic:
    profile = staff_profile(request.user)
    clinic = get_clinic_for(request.user, clinic_id)
    profile.current_clinic = clinic
    profile.save(update_fields=["current_clinic"])
    request._current_clinic = clinic
    return clinic


def staff_required(*roles: str):
    """Signed-in staff with one of `roles` (all staff roles when none given); others 403.
    Anonymous users are sent to sign in."""
    allowed = roles or STAFF_ROLES

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if role_of(request.user) not in allowed:
                raise PermissionDenied("This page is for clinic staff.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def client_required(view):
    """Signed-in clients of the portal only; staff without a client profile get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if client_profile(request.user) is None:
            raise PermissionDenied("This page is for clients.")
        return view(request, *args, **kwargs)

    return wrapper


def get_clinic_for(user, clinic_id) -> Clinic:
    try:
        return staff_clinics(user).get(pk=clinic_id)
    except (Clinic.DoesNotExist, ValueError, TypeError):
        raise Http404("No such clinic.") from None


def get_client_for(user, client_id) -> Client:
    """A client of one of the user's clinics, or 404."""
    try:
        return Client.objects.select_related("clinic").get(
            pk=client_id, clinic__in=staff_clinics(user)
        )
    except (Client.DoesNotExist, ValueError, TypeError):
        raise Http404("No such client.") from None


def get_plan_for(user, plan_id) -> TreatmentPlan:
    """A plan at one of the user's clinics, or 404."""
    try:
        return TreatmentPlan.objects.select_related("client", "clinic").get(
            pk=plan_id, clinic__in=staff_clinics(user)
        )
    except (TreatmentPlan.DoesNotExist, ValueError, TypeError):
        raise Http404("No such plan.") from None


def get_session_for(user, session_id):
    """A session at one of the user's clinics, or 404. Practitioners reach the sessions of
    their clinics (R14: their sessions and those clients' history)."""
    try:
        return TreatmentSession.objects.select_related(
            "plan", "client", "clinic", "practitioner"
        ).get(pk=session_id, clinic__in=staff_clinics(user))
    except (TreatmentSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
