"""Admin of the aftercare schedule and outbox. The steps shared by every clinic are for
superusers only; a manager adds and edits their own clinics' steps (R12: the schedule is
data a manager can extend) and reads their clinics' outbox. Rows are never deleted: a step
is switched off, a message cancelled. Front desk and practitioners use the outbox pages."""

from __future__ import annotations

from django.contrib import admin

from aftercare.forms import ScheduleStepForm
from aftercare.models import Reminder, ScheduleStep
from clinic.admin_scoping import ClinicScopedAdmin


@admin.register(ScheduleStep)
class ScheduleStepAdmin(ClinicScopedAdmin):
    """A non-superuser's queryset holds their clinics' steps only (`clinic__in`), so a shared
    step (no clinic) is a 404 for them, and the clinic is required on what they add."""

    form = ScheduleStepForm
    list_display = ["name", "kind", "anchor", "day_offset", "send_time", "by_email", "by_sms",
                    "clinic", "active"]
    list_filter = ["active", "anchor", "clinic"]
    list_select_related = ["clinic"]
    search_fields = ["name", "kind"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "active", "clinic"]}),
        ("When", {"fields": ["anchor", "day_offset", "send_time", "after_session",
                             "only_if_next_unbooked"]}),
        ("How and what", {"fields": ["by_email", "by_sms", "template", "subject", "body"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The kind names the planned messages (one per session and channel): fixed once used.
        return ["kind"] if obj is not None and obj.reminders.exists() else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "clinic" in form_class.base_fields:
            clinic = form_class.base_fields["clinic"]
            clinic.required, clinic.empty_label = True, None
            clinic.help_text = "Steps shared by every clinic are set by an administrator."
        return form_class

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ClinicScopedAdmin):
    """The outbox, read-only. Resending a failed message is on the client's messages page."""

    clinic_lookup = "client__clinic"
    list_display = ["due_at", "client", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["client__last_name", "client__first_name", "provider_id"]
    date_hierarchy = "due_at"
    list_select_related = ["client"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
