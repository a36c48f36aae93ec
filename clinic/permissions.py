"""Model permissions that follow from a staff member's role (R14), for the admin.

Scoping to clinics is done by the admin's querysets and the views' access helpers; this
backend only answers "may a front-desk user change a client at all?"."""

from django.contrib.auth.backends import BaseBackend

from clinic.models import Role

_VIEW = "view"
_EDIT = ("view", "add", "change")
# Clinical records (issue 5): read-only in the admin, never for the front desk (R14).
_CLINICAL = {
    f"sessions_app.{model}": (_VIEW,)
    for model in ("sessionrecord", "zoneassessment", "hairlinedesign", "alterationrequest", "sessionphoto")
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.FRONT_DESK: {
        "clinic.client": _EDIT, "clinic.treatmentplan": _EDIT, "clinic.clinic": (_VIEW,),
        "clinic.quoteamendment": (_VIEW,), "sessions_app.treatmentsession": _EDIT,
        "sessions_app.deposit": _EDIT, "sessions_app.payment": (_VIEW,),
    },
    Role.PRACTITIONER: {
        "clinic.client": (_VIEW,), "clinic.treatmentplan": (_VIEW,), "clinic.clinic": (_VIEW,),
        "sessions_app.treatmentsession": (_VIEW,), **_CLINICAL,
    },
    Role.MANAGER: {
        "clinic.client": _EDIT, "clinic.treatmentplan": _EDIT, "clinic.clinic": ("view", "change"),
        "clinic.openinghours": ("view", "add", "change", "delete"),
        "clinic.quoteamendment": (_VIEW,), "clinic.staffprofile": (_VIEW,),
        "sessions_app.treatmentsession": _EDIT, "sessions_app.deposit": _EDIT,
        "sessions_app.payment": (_VIEW,), **_CLINICAL,
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
