from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinics, staff, clients and plans"
    default = True  # the module also holds the admin's config below

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from clinic import lockout  # noqa: F401  (connects the sign-in audit receivers)
        from clinic.idle import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="clinic.idle.on_sign_in")


class PigmentAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with Pigment's site: managers and superusers only."""

    default = False
    default_site = "clinic.admin_site.PigmentAdminSite"
