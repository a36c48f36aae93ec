"""The admin's door: managers (for their clinics) and superusers only. Front desk and
practitioners work in Pigment's own pages and have no admin access at all (R14).

`is_staff` is kept true for managers only (clinic.staff), so the door is narrow twice over:
a front-desk login that somehow has `is_staff` still does not get in here."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from clinic.access import role_of
from clinic.models import Role


def may_use_admin(user) -> bool:
    if not (user.is_active and user.is_authenticated):
        return False
    return user.is_superuser or (user.is_staff and role_of(user) == Role.MANAGER)


class PigmentAdminSite(admin.AdminSite):
    site_header = "Pigment administration"
    site_title = "Pigment admin"

    def has_permission(self, request) -> bool:
        return may_use_admin(request.user)

    def autocomplete_view(self, request):
        """Only for fields an admin declares in `autocomplete_fields`: Django would otherwise
        answer for any foreign key whose target admin has search fields. The answers come
        from the target admin's queryset, which is scoped to the user's clinics."""
        source = _registered_admin(self, request.GET.get("app_label"), request.GET.get("model_name"))
        field = request.GET.get("field_name", "")
        if source is None or field not in source.get_autocomplete_fields(request):
            raise PermissionDenied
        return super().autocomplete_view(request)


def _registered_admin(site, app_label, model_name):
    for model, model_admin in site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            return model_admin
    return None
