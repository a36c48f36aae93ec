"""Admin: managers edit the aftercare schedule (steps shared by every clinic, or their own
clinic's); front desk and managers look at the outbox of their clinics. Rows are never
deleted: a step is switched off, a message cancelled."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from aftercare.forms import ScheduleStepForm
from aftercare.models import Reminder, ScheduleStep
from clinic.access import role_of, staff_clinics
from clinic.models import Clinic, Role


def _role(request) -> str | None:
    return "superuser" if request.user.is_superuser else role_of(request.user)


@admin.register(ScheduleStep)
class ScheduleStepAdmin(admin.ModelAdmin):
    form = ScheduleStepForm
    list_display = ["name", "kind", "anchor", "day_offset", "send_time", "by_email", "by_sms",
                    "clinic", "active"]
    list_filter = ["active", "anchor", "clinic"]
    search_fields = ["name", "kind"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "active", "clinic"]}),
        ("When", {"fields": ["anchor", "day_offset", "send_time", "after_session",
                             "only_if_next_unbooked"]}),
        ("How and what", {"fields": ["by_email", "by_sms", "template", "subject", "body"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("clinic")
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(clinic__isnull=True) | Q(clinic__in=staff_clinics(request.user)))

    def get_readonly_fields(self, request, obj=None):
        # The kind names the planned messages (one per session and channel): fixed once used.
        return ["kind"] if obj is not None and obj.reminders.exists() else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = Clinic.objects.filter(pk__in=staff_clinics(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return _role(request) in ("superuser", Role.MANAGER, Role.FRONT_DESK)

    def has_view_permission(self, request, obj=None):
        return _role(request) in ("superuser", Role.MANAGER, Role.FRONT_DESK)

    def has_add_permission(self, request):
        return _role(request) in ("superuser", Role.MANAGER)

    def has_change_permission(self, request, obj=None):
        return _role(request) in ("superuser", Role.MANAGER)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The outbox, read-only. Resending a failed message is on the client's messages page."""

    list_display = ["due_at", "client", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["client__last_name", "client__first_name", "provider_id"]
    date_hierarchy = "due_at"
    list_select_related = ["client"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(client__clinic__in=staff_clinics(request.user))

    def has_module_permission(self, request):
        return _role(request) in ("superuser", Role.MANAGER, Role.FRONT_DESK)

    def has_view_permission(self, request, obj=None):
        return _role(request) in ("superuser", Role.MANAGER, Role.FRONT_DESK)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
