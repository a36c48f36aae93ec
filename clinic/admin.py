"""Admin for clinics, staff, clients and plans: managers (their clinics) and superusers only
(clinic.admin_site). Rows, choices and history pages are scoped (clinic.admin_scoping);
quote amendments go through the booking service (R3), a client's portal login is never
edited here (it is set only by accepting an invitation), staff changes go through
clinic.staff, and nothing clinical is deleted (R16)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import staff
from clinic.admin_scoping import ClinicScopedAdmin, NoDeleteMixin, RequestFormMixin, user_clinic_ids
from clinic.clients import save_client
from clinic.history import person_name
from clinic.models import (
    Client,
    Clinic,
    OpeningHours,
    QuoteAmendment,
    StaffProfile,
    TreatmentPlan,
)
from sessions_app import booking

__all__ = ["ClinicScopedAdmin", "NoDeleteMixin"]


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
        (None, {"fields": ["name", "slug", "time_zone", "country", "address", "phone", "language",
                           "locale"]}),
        ("Capacity and money", {"fields": ["chairs", "default_session_minutes", "currency",
                                           "deposit_amount", "front_desk_may_refund"]}),
        ("Rule settings (DOMAIN.md)", {"fields": [
            "min_days_first_to_second", "target_days_second_min", "target_days_second_max",
            "third_window_min_days", "third_window_max_days", "aftercare_days",
            "cancellation_notice_hours", "touch_up_recall_years", "touch_up_price"]}),
        ("Client data (R20)", {"fields": ["retention_years"]}),
    ]


# --------------------------------------------------------------------------- staff


class StaffProfileForm(forms.ModelForm):
    """Role and clinics; the rules of who may change whom are clinic.staff's, shown here as
    form errors. A manager sees and sends only the clinics they manage: the others a
    colleague works at are kept as they are."""

    class Meta:
        model = StaffProfile
        fields = ["user", "role", "clinics"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if "clinics" in self.fields:
            # A manager may untick all the clinics they manage: the others are kept.
            self.fields["clinics"].required = False

    def chosen_clinics(self) -> set[int]:
        chosen = {c.pk for c in self.cleaned_data.get("clinics") or []}
        if self.request.user.is_superuser or not self.instance.pk:
            return chosen
        theirs = set(self.instance.clinics.values_list("pk", flat=True))
        return chosen | (theirs - set(user_clinic_ids(self.request.user)))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk:
                staff.check_staff_change(by=self.request.user, profile=self.instance,
                                         role=cleaned["role"], clinic_ids=self.chosen_clinics())
            elif not self.request.user.is_superuser:
                raise staff.StaffChangeRefused("Only an administrator adds staff.", code="not_permitted")
        except staff.StaffChangeRefused as refusal:
            raise ValidationError(refusal.message) from refusal
        return cleaned


@admin.register(StaffProfile)
class StaffProfileAdmin(RequestFormMixin, ClinicScopedAdmin):
    clinic_lookup = "clinics"
    form = StaffProfileForm
    list_display = ["staff_member", "role", "clinic_names"]
    list_filter = ["role", "clinics"]
    filter_horizontal = ["clinics"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def get_queryset(self, request):
        qs = super(ClinicScopedAdmin, self).get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return qs
        mine = StaffProfile.objects.filter(clinics__in=user_clinic_ids(request.user)).values("pk")
        return qs.filter(pk__in=mine).prefetch_related("clinics")

    @admin.display(description="Staff member", ordering="user__last_name")
    def staff_member(self, obj) -> str:
        return person_name(obj.user)

    @admin.display(description="Clinics")
    def clinic_names(self, obj) -> str:
        return ", ".join(c.name for c in obj.clinics.all())

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # A new member of staff is an account that is neither staff nor a client yet.
            kwargs["queryset"] = get_user_model().objects.filter(
                staff_profile__isnull=True, client_profile__isnull=True
            ).order_by("username")
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # Nobody but a superuser changes their own profile (role and clinics).
        own = obj is not None and obj.user_id == request.user.pk
        return super().has_change_permission(request, obj) and (request.user.is_superuser or not own)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        clinics = Clinic.objects.filter(pk__in=form.chosen_clinics())
        if change:
            saved = staff.update_staff(profile=obj, by=request.user, role=obj.role, clinics=clinics,
                                       request=request)
        else:
            saved = staff.create_staff(user=obj.user, by=request.user, role=obj.role, clinics=clinics,
                                       request=request)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass  # the clinics were set by clinic.staff with the role


# --------------------------------------------------------------------------- clients

CLIENT_CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "date_of_birth"]


@admin.register(Client)
class ClientAdmin(ClinicScopedAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "clinic", "paperwork_completed_at"]
    list_filter = ["clinic"]
    search_fields = ["last_name", "first_name", "email", "phone"]
    fields = [*CLIENT_CONTACT_FIELDS, "clinic", "email_consent", "sms_consent", "portal_login",
              "paperwork_completed_at", "paperwork_completed_by"]
    # The portal login is set only by accepting an invitation; paperwork once, on the desk's
    # client page (R2).
    readonly_fields = ["portal_login", "paperwork_completed_at", "paperwork_completed_by"]
    revertible = True

    @admin.display(description="Portal login")
    def portal_login(self, obj) -> str:
        return "yes (set by the client through an invitation)" if obj.user_id else "none"

    def save_model(self, request, obj, form, change):
        save_client(client=obj, by=request.user)

    def revert_to_version(self, request, obj, version) -> None:
        """Contact details only: never the portal login, the paperwork or the consents (a
        client's consent is theirs to give again, not a version to restore)."""
        for name in CLIENT_CONTACT_FIELDS:
            setattr(obj, name, getattr(version, name))
        save_client(client=obj, by=request.user)


# --------------------------------------------------------------------------- plans


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
        help_text="Required when the quoted sessions or price of an existing plan change (R3); "
        "on a version page, the reason recorded for a revert.",
    )

    class Meta:
        model = TreatmentPlan
        fields = ["client", "treatment_area", "quoted_sessions", "price", "starting_shade", "hairline_notes"]

    def clean(self):
        cleaned = super().clean()
        changed = {"quoted_sessions", "price"} & set(self.changed_data)
        if self.instance.pk and changed and not cleaned.get("amendment_reason", "").strip():
            self.add_error("amendment_reason", "Say why the quote changes (R3).")
        return cleaned


PLAN_DESCRIPTION_FIELDS = ["treatment_area", "starting_shade", "hairline_notes"]


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(NoDeleteMixin, ClinicScopedAdmin):
    form = PlanAdminForm
    list_display = ["client", "clinic", "kind", "treatment_area", "quoted_sessions", "price", "status"]
    list_filter = ["clinic", "status", "kind", "treatment_area"]
    list_select_related = ["client", "clinic"]
    search_fields = ["client__last_name", "client__first_name", "client__email"]
    raw_id_fields = ["client"]
    clinical = True  # the hairline design notes
    revertible = True

    def audit_client(self, obj) -> Client:
        return obj.client

    def get_readonly_fields(self, request, obj=None):
        # A plan stays with its client and clinic (its sessions repeat both).
        # A touch-up is made from the recall list (R15), never turned into one here.
        fixed = ["clinic", "kind", "touch_up_of", "currency", "status", "completed_at", "created_by"]
        return ["client", *fixed] if obj is not None else fixed

    def save_model(self, request, obj, form, change):
        if not change:
            obj.clinic, obj.created_by = obj.client.clinic, request.user
            obj.currency = obj.clinic.currency
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

    def revert_to_version(self, request, obj, version) -> None:
        """The quote through booking.amend_quote (R3: recorded with who and why), then the
        plan's description. Status, client and clinic are never reverted."""
        reason = (request.POST.get("amendment_reason") or "").strip() or (
            f"Reverted in the admin to the version of {version.history_date:%d %b %Y %H:%M} UTC"
        )
        with transaction.atomic():
            if (version.quoted_sessions, version.price) != (obj.quoted_sessions, obj.price):
                booking.amend_quote(plan=obj, quoted_sessions=version.quoted_sessions,
                                    price=version.price, by=request.user, reason=reason)
            plan = TreatmentPlan.objects.select_for_update().get(pk=obj.pk)
            for name in PLAN_DESCRIPTION_FIELDS:
                setattr(plan, name, getattr(version, name))
            plan._history_user = request.user
            plan.full_clean()
            plan.save(update_fields=PLAN_DESCRIPTION_FIELDS)


@admin.register(QuoteAmendment)
class QuoteAmendmentAdmin(NoDeleteMixin, ClinicScopedAdmin):
    clinic_lookup = "plan__clinic"
    list_display = ["plan", "previous_sessions", "new_sessions", "reason", "by", "at"]
    list_select_related = ["plan__client", "by"]
    readonly_fields = [f.name for f in QuoteAmendment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The second-factor devices stay out of the admin: their pages show a device's secret key,
# which would let whoever reads it copy a colleague's factor. Resets and unlocks go through
# the managers' Team page (accounts/), where they are scoped and recorded (R18).
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
