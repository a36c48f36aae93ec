"""Admin for sessions, deposits and payments (managers of their clinics and superusers).
Every write goes through sessions_app.booking: the add form books, the change form and a
revert reschedule, and the actions check in, complete, mark no-show and cancel. A refusal
shows the rule's message on the form; nothing is deleted."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from clinic.admin_scoping import ClinicScopedAdmin, NoDeleteMixin, RequestFormMixin
from sessions_app import booking
from sessions_app.models import Deposit, Payment, TreatmentSession


class BookingAdminForm(forms.ModelForm):
    """Calls the booking service from clean(), so a refusal is a form error, not a 500."""

    class Meta:
        model = TreatmentSession
        fields = ["plan", "practitioner", "starts_at", "ends_at", "override_reason"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["ends_at"].required = False
        self.fields["ends_at"].help_text = "Leave empty for the clinic's default session length."
        if self.instance.pk:
            self.fields["plan"].disabled = True
        self.result = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk:
                self.result = booking.reschedule_session(
                    session=self.instance, starts_at=cleaned["starts_at"], by=self.request.user,
                    ends_at=cleaned.get("ends_at"), practitioner=cleaned["practitioner"],
                    override_reason=cleaned.get("override_reason", ""),
                )
            else:
                self.result = booking.book_session(
                    plan=cleaned["plan"], starts_at=cleaned["starts_at"],
                    practitioner=cleaned["practitioner"], by=self.request.user,
                    ends_at=cleaned.get("ends_at"),
                    override_reason=cleaned.get("override_reason", ""),
                )
        except booking.BookingRefused as refusal:
            raise ValidationError(f"{refusal.message} [{refusal.code}]") from refusal
        return cleaned


def _service_action(service, verb: str):
    def action(modeladmin, request, queryset):
        done = 0
        for session in queryset:
            try:
                service(session=session, by=request.user)
                done += 1
            except booking.BookingRefused as refusal:
                messages.error(request, f"{session}: {refusal.message}")
        if done:
            messages.success(request, f"{done} session(s) {verb}.")

    action.__name__ = f"{service.__name__}_action"
    action.short_description = f"Mark selected sessions {verb}"
    return action


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(NoDeleteMixin, RequestFormMixin, ClinicScopedAdmin):
    form = BookingAdminForm
    list_display = ["__str__", "clinic", "practitioner", "starts_at", "status"]
    list_filter = ["clinic", "status"]
    list_select_related = ["plan", "client", "clinic", "practitioner"]
    date_hierarchy = "starts_at"
    search_fields = ["client__last_name", "client__first_name"]
    raw_id_fields = ["plan"]
    revertible = True
    actions = [
        _service_action(booking.check_in_session, "checked in"),
        _service_action(booking.complete_session, "completed"),
        _service_action(booking.mark_no_show, "no-show"),
        _service_action(booking.cancel_session, "cancelled"),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["status", "number"] if obj else []

    def save_form(self, request, form, change):
        return form.result  # already written by the booking service in form.clean()

    def save_model(self, request, obj, form, change):
        pass  # see save_form

    def save_related(self, request, form, formsets, change):
        pass  # no related rows: the service wrote everything

    def revert_to_version(self, request, obj, version) -> None:
        """A revert moves the session back to the version's times and practitioner through
        the booking service (R3-R8 and R21 checked again, for the sessions after it too); its
        status is never reverted (the actions and the desk's pages change it)."""
        booking.reschedule_session(
            session=obj, starts_at=version.starts_at, ends_at=version.ends_at, by=request.user,
            practitioner=version.practitioner, override_reason=version.override_reason,
        )


class DepositAdminForm(forms.ModelForm):
    class Meta:
        model = Deposit
        fields = ["plan", "amount", "method", "reference"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.result = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.result = booking.record_deposit(
                plan=cleaned["plan"], amount=cleaned["amount"], by=self.request.user,
                method=cleaned.get("method", ""), reference=cleaned.get("reference", ""),
            )
        except booking.BookingRefused as refusal:
            raise ValidationError(refusal.message) from refusal
        return cleaned


@admin.register(Deposit)
class DepositAdmin(NoDeleteMixin, RequestFormMixin, ClinicScopedAdmin):
    """Adding a deposit records money received (state paid). Refund and forfeit are actions."""

    clinic_lookup = "plan__clinic"
    form = DepositAdminForm
    list_display = ["__str__", "plan", "session", "state", "paid_at"]
    list_filter = ["state"]
    list_select_related = ["plan__client", "session"]
    raw_id_fields = ["plan"]
    actions = ["refund"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_form(self, request, form, change):
        return form.result

    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description="Refund selected deposits")
    def refund(self, request, queryset):
        for deposit in queryset:
            try:
                booking.refund_deposit(deposit=deposit, by=request.user, reason="Refunded in admin")
                messages.success(request, f"{deposit}: refunded.")
            except booking.BookingRefused as refusal:
                messages.error(request, f"{deposit}: {refusal.message}")


@admin.register(Payment)
class PaymentAdmin(NoDeleteMixin, ClinicScopedAdmin):
    clinic_lookup = "plan__clinic"
    list_display = ["__str__", "plan", "method", "received_at", "received_by"]
    readonly_fields = ["plan", "amount", "currency", "method", "reference", "received_at", "received_by"]

    def has_add_permission(self, request):
        return False  # payments are taken on the plan's bill page (frontdesk/money_views.py)


# --------------------------------------------------------------------------- session records
# Clinical records are written only through sessions_app.records (the session log page):
# here they can be read, with their history, and never added, changed or deleted (R16).

from django.urls import reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from sessions_app.models import (  # noqa: E402
    AlterationRequest,
    HairlineDesign,
    SessionPhoto,
    SessionRecord,
    ZoneAssessment,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ZoneAssessmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ZoneAssessment
    extra = 0
    can_delete = False
    fields = ["zone", "retention", "density", "gaps_filled", "blended", "shade_used"]
    readonly_fields = fields


class ClinicalAdmin(ReadOnlyAdminMixin, NoDeleteMixin, ClinicScopedAdmin):
    """Lists name the session and who wrote it, nothing clinical: the content is on the
    record's own page, and opening it (or its history) is recorded as a read (R18)."""

    clinic_lookup = "session__clinic"
    clinical = True

    def audit_client(self, obj):
        return obj.session.client


@admin.register(SessionRecord)
class SessionRecordAdmin(ClinicalAdmin):
    list_display = ["session", "revision", "updated_by", "updated_at"]
    list_select_related = ["session__client", "session__plan", "updated_by"]
    search_fields = ["session__client__last_name", "session__client__first_name"]
    inlines = [ZoneAssessmentInline]


@admin.register(HairlineDesign)
class HairlineDesignAdmin(ClinicalAdmin):
    clinic_lookup = "plan__clinic"
    list_display = ["plan", "version", "signed_off_at", "signed_off_in", "created_by", "created_at"]
    list_select_related = ["plan__client", "created_by"]
    # How it was signed off (R11) is shown, never set here: the client signs in the portal,
    # the witness ticks the paper sign-off in the session log.
    readonly_fields = ["plan", "version", "session", "description", "created_by", "created_at",
                       "signed_off_at", "signed_off_in", "signed_off_from", "signed_off_witness"]

    def audit_client(self, obj):
        return obj.plan.client


@admin.register(AlterationRequest)
class AlterationRequestAdmin(ClinicalAdmin):
    list_display = ["session", "decided_by", "raised_at"]
    list_select_related = ["session__client", "session__plan", "decided_by"]


@admin.register(SessionPhoto)
class SessionPhotoAdmin(ClinicalAdmin):
    """No file field and no public URL: the preview link goes through the access-checked view."""

    list_display = ["session", "kind", "uploaded_by", "uploaded_at", "preview"]
    list_select_related = ["session__client", "session__plan", "uploaded_by"]
    exclude = ["image_path", "thumbnail_path"]
    readonly_fields = ["preview"]

    @admin.display(description="Photo")
    def preview(self, obj):
        return format_html('<a href="{}">Open</a>', reverse("practice:photo", args=[obj.pk]))
