"""Admin for clinics, staff, clients and plans. Staff see only their clinics' rows; quote
amendments go through the booking service (R3) and nothing clinical is deleted (R16)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from clinic.models import (
    Client,
    Clinic,
    OpeningHours,
    QuoteAmendment,
    StaffProfile,
    TreatmentPlan,
)


def user_clinic_ids(user) -> list[int]:
    profile = getattr(user, "staff_profile", None)
    return list(profile.clinics.values_list("pk", flat=True)) if profile else []


class ClinicScopedAdmin(SimpleHistoryAdmin):
    """Non-superusers see rows of the clinics they work at only (R14). Times are shown and
    typed in the local time of the user's current clinic (clinic.middleware)."""

    clinic_lookup = "clinic"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.clinic_lookup}__in": user_clinic_ids(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = Clinic.objects.filter(pk__in=user_clinic_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class NoDeleteMixin:
    """R16: clinical and financial rows are cancelled, never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_lookup = "pk"
    list_display = ["name", "time_zone", "chairs", "currency", "deposit_amount"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "time_zone", "address", "phone", "language"]}),
        ("Capacity and money", {"fields": ["chairs", "default_session_minutes", "currency",
                                           "deposit_amount", "front_desk_may_refund"]}),
        ("Rule settings (DOMAIN.md)", {"fields": [
            "min_days_first_to_second", "target_days_second_min", "target_days_second_max",
            "third_window_min_days", "third_window_max_days", "aftercare_days",
            "cancellation_notice_hours", "touch_up_recall_years"]}),
    ]


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role"]
    list_filter = ["role", "clinics"]
    filter_horizontal = ["clinics"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(Client)
class ClientAdmin(ClinicScopedAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "clinic", "paperwork_completed_at"]
    list_filter = ["clinic"]
    search_fields = ["last_name", "first_name", "email", "phone"]
    raw_id_fields = ["user", "paperwork_completed_by"]


class QuoteAmendmentInline(admin.TabularInline):
    model = QuoteAmendment
    extra = 0
    can_delete = False
    readonly_fields = [
        "previous_sessions", "new_sessions", "previous_price", "new_price", "reason", "by", "at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class PlanAdminForm(forms.ModelForm):
    amendment_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the quoted sessions or price of an existing plan change (R3).",
    )

    class Meta:
        model = TreatmentPlan
        fields = [
            "client", "clinic", "treatment_area", "quoted_sessions", "price", "currency",
            "starting_shade", "hairline_notes", "created_by",
        ]

    def clean(self):
        cleaned = super().clean()
        changed = {"quoted_sessions", "price"} & set(self.changed_data)
        if self.instance.pk and changed and not cleaned.get("amendment_reason", "").strip():
            self.add_error("amendment_reason", "Say why the quote changes (R3).")
        return cleaned


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(NoDeleteMixin, ClinicScopedAdmin):
    form = PlanAdminForm
    list_display = ["client", "clinic", "treatment_area", "quoted_sessions", "price", "status"]
    list_filter = ["clinic", "status", "treatment_area"]
    search_fields = ["client__last_name", "client__first_name", "client__email"]
    raw_id_fields = ["client", "created_by"]
    readonly_fields = ["status", "completed_at"]
    inlines = [QuoteAmendmentInline]

    def save_model(self, request, obj, form, change):
        from sessions_app import booking

        if not change:
            obj.created_by = request.user
            return super().save_model(request, obj, form, change)
        quote_fields = {"quoted_sessions", "price"} & set(form.changed_data)
        if quote_fields:
            stored = TreatmentPlan.objects.get(pk=obj.pk)
            new_sessions, new_price = obj.quoted_sessions, obj.price
            obj.quoted_sessions, obj.price = stored.quoted_sessions, stored.price
            super().save_model(request, obj, form, change)  # the other fields
            try:
                booking.amend_quote(
                    plan=obj, quoted_sessions=new_sessions, price=new_price, by=request.user,
                    reason=form.cleaned_data.get("amendment_reason", ""),
                )
            except ValidationError as error:
                messages.error(request, f"The quote was not changed: {' '.join(error.messages)}")
            obj.refresh_from_db()
            return None
        return super().save_model(request, obj, form, change)


@admin.register(QuoteAmendment)
class QuoteAmendmentAdmin(NoDeleteMixin, ClinicScopedAdmin):
    clinic_lookup = "plan__clinic"
    list_display = ["plan", "previous_sessions", "new_sessions", "reason", "by", "at"]
    readonly_fields = [f.name for f in QuoteAmendment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
