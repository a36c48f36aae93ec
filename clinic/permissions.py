"""Model permissions for the admin, which only managers (their clinics) and superusers enter
(clinic.admin_site). Front desk and practitioners work in Pigment's own pages and hold no
admin permission at all (R14).

Scoping to clinics is done by the admin's querysets (clinic.admin_scoping); this backend
only answers "may a manager change a client at all?"."""

from django.contrib.auth.backends import BaseBackend

from clinic.models import Role

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
# Clinical records: read-only in the admin (written by the session log page only).
_CLINICAL = {
    f"sessions_app.{model}": _VIEW
    for model in ("sessionrecord", "zoneassessment", "hairlinedesign", "alterationrequest", "sessionphoto")
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.MANAGER: {
        "clinic.client": _EDIT, "clinic.treatmentplan": _EDIT, "clinic.clinic": ("view", "change"),
        "clinic.openinghours": ("view", "add", "change", "delete"),
        "clinic.quoteamendment": _VIEW,
        # Role and clinics of their clinics' staff, within clinic.staff's rules.
        "clinic.staffprofile": ("view", "change"),
        "sessions_app.treatmentsession": _EDIT, "sessions_app.deposit": _EDIT,
        "sessions_app.payment": _VIEW, **_CLINICAL,
        # Their clinics' own steps (the shared ones are superusers'), and the outbox.
        "aftercare.schedulestep": _EDIT, "aftercare.reminder": _VIEW,
    },
}


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            profile = getattr(user_obj, "staff_profile", None)
            grants = ROLE_PERMISSIONS.get(profile.role, {}) if profile else {}
            perms = set()
            for model_label, actions in grants.items():
                app_label, model = model_label.split(".")
                perms.update(f"{app_label}.{action}_{model}" for action in actions)
            user_obj._role_perm_cache = perms
        return user_obj._role_perm_cache

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
