"""What every Pigment admin shares (R14, R16): rows, dropdowns, raw ids and history pages
scoped to the user's clinics, and reverts under the rules of the change page.

- Rows: a non-superuser sees the rows of the clinics they work at; any other id is a 404 on
  the change, delete, history and version pages alike.
- Choices: every foreign key and many-to-many field offers, and accepts, only rows of the
  user's clinics (a raw id typed or posted by hand included; its label is looked up in the
  same scope, so an injected id reveals no name).
- History: the list and a version page need the view or change permission on the (scoped)
  object; a page of a clinical model records one read in the audit trail. A revert is a
  POST for the managers of the object's clinic and superusers, and only where the admin
  restores the version through the service layer (`revert_to_version`); elsewhere it is
  refused (docs/rules.md lists which)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from clinic.audit import record_read
from clinic.history import person_name
from clinic.models import Client, Clinic, Role, TreatmentPlan, staff_role
from sessions_app.models import TreatmentSession


def user_clinic_ids(user) -> list[int]:
    profile = getattr(user, "staff_profile", None)
    return list(profile.clinics.values_list("pk", flat=True)) if profile else []


def scoped_choices(db_field, user) -> QuerySet:
    """The rows a relation field of the admin may point to for `user`."""
    model = db_field.related_model
    everything = user.is_superuser
    clinics = None if everything else user_clinic_ids(user)
    if model is Clinic:
        return Clinic.objects.all() if everything else Clinic.objects.filter(pk__in=clinics)
    if model is get_user_model():
        users = model.objects.filter(staff_profile__isnull=False)
        if db_field.name == "practitioner":
            users = users.filter(staff_profile__role=Role.PRACTITIONER)
        if not everything:
            users = users.filter(staff_profile__clinics__in=clinics)
        return users.distinct().order_by("first_name", "last_name", "pk")
    scoped = {Client: "clinic", TreatmentPlan: "clinic", TreatmentSession: "clinic"}
    if model in scoped:
        rows = model._default_manager.all()
        return rows if everything else rows.filter(**{f"{scoped[model]}__in": clinics})
    # A relation nobody scoped yet offers nothing to non-superusers rather than everything.
    return model._default_manager.all() if everything else model._default_manager.none()


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw id input whose label is looked up in the user's scope: Django's own looks the
    id up in the whole table, so a form shown again with another clinic's id would print
    that row's name."""

    def __init__(self, rel, admin_site, queryset, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            in_scope = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            in_scope = False
        return super().label_and_url_for_value(value) if in_scope else ("", "")


class NoDeleteMixin:
    """R16: clinical and financial rows are cancelled, never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


class RequestFormMixin:
    """The admin form gets the request: its choices and checks depend on who is asking."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm


class HostileParamsChangeList(ChangeList):
    """Parameters the database cannot take get the list's "?e=1" answer, as Django gives any
    impossible lookup: a NUL character (PostgreSQL text cannot hold one; the driver raises)
    and a date drill-down that overflows (Django catches only ValueError there)."""

    def get_filters(self, request):
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            raise IncorrectLookupParameters("A NUL character in the parameters.")
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class ClinicScopedAdmin(SimpleHistoryAdmin):
    """Non-superusers see and choose rows of the clinics they work at only. Times are shown
    and typed in the local time of the user's current clinic (clinic.middleware)."""

    clinic_lookup = "clinic"
    # A clinical model: opening its change, history or version page is an audit read.
    clinical = False
    # True where revert_to_version restores a version through the service layer.
    revertible = False

    def get_changelist(self, request, **kwargs):
        return HostileParamsChangeList

    # ------------------------------------------------------------------ rows and choices

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.clinic_lookup}__in": user_clinic_ids(request.user)})

    def clinic_of(self, obj) -> Clinic | None:
        if self.clinic_lookup == "pk":
            return obj
        for step in self.clinic_lookup.split("__"):
            obj = getattr(obj, step, None) if obj is not None else None
        return obj if isinstance(obj, Clinic) else None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = scoped_choices(db_field, request.user)
        if db_field.name in self.raw_id_fields and "widget" not in kwargs:
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, kwargs["queryset"], using=kwargs.get("using")
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model is get_user_model():
            field.label_from_instance = person_name
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = scoped_choices(db_field, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        # A plain related filter lists every row of the table (other clinics' names too).
        return [
            (name, admin.RelatedOnlyFieldListFilter) if self._is_relation(name) else name
            for name in super().get_list_filter(request)
        ]

    def _is_relation(self, name) -> bool:
        if not isinstance(name, str) or "__" in name:
            return False
        try:
            return self.model._meta.get_field(name).is_relation
        except FieldDoesNotExist:
            return False

    # ------------------------------------------------------------------ pages of one object

    def scoped_object(self, request, object_id):
        """The object if it is in the user's scope, else 404 (never a hint that it exists)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No such {self.opts.verbose_name}.")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.scoped_object(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if request.method == "GET":
            self.record_clinical_read(request, obj, "admin page")
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.scoped_object(request, object_id)
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        return super().delete_view(request, object_id, extra_context)

    def record_clinical_read(self, request, obj, page: str) -> None:
        if self.clinical:
            client = self.audit_client(obj)
            record_read(request, client=client, obj=obj,
                        what=f"{self.opts.verbose_name} {obj.pk}: {page}")

    def audit_client(self, obj) -> Client:
        raise NotImplementedError("A clinical admin names the client of its rows.")

    # ------------------------------------------------------------------ history and revert

    def _has_history(self) -> bool:
        return bool(getattr(self.model._meta, "simple_history_manager_attribute", None))

    def history_view(self, request, object_id, extra_context=None):
        obj = self.scoped_object(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if not self._has_history():  # Django's own action log
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        self.record_clinical_read(request, obj, "history")
        extra = {**(extra_context or {}), "revert_disabled": not self.may_revert(request, obj)}
        return super().history_view(request, object_id, extra)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.scoped_object(request, object_id)
        if not self._has_history():
            raise Http404("This model keeps no versions.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        version = self._version(obj, version_id)
        if request.method == "POST":
            if not self.may_revert(request, obj):
                raise PermissionDenied
            return self._revert(request, obj, version)
        self.record_clinical_read(request, obj, f"version {version.history_id}")
        extra = {**(extra_context or {}), "revert_disabled": not self.may_revert(request, obj)}
        return super().history_form_view(request, object_id, version_id, extra)

    def _version(self, obj, version_id):
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        try:
            # On the history table `pk` is the version's own id: match the row's id by name.
            return history.get(**{self.opts.pk.attname: obj.pk, "history_id": int(version_id)})
        except (history.model.DoesNotExist, ValueError, TypeError):
            raise Http404("No such version.") from None

    def revert_disabled(self, request, obj=None):
        return obj is None or not self.may_revert(request, obj)

    def may_revert(self, request, obj) -> bool:
        """Managers of the object's clinic and superusers, where the admin can restore a
        version through the service layer, with the change permission on the object."""
        if not self.revertible or getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False):
            return False
        if not self.has_change_permission(request, obj):
            return False
        user = request.user
        clinic = self.clinic_of(obj)
        return user.is_superuser or (clinic is not None and staff_role(user, clinic) == Role.MANAGER)

    def revert_to_version(self, request, obj, version) -> None:
        """Restore `version` onto `obj` through the service layer; raise ValidationError
        (e.g. BookingRefused) to refuse with a message. Only called when `revertible`."""
        raise PermissionDenied

    def _revert(self, request, obj, version):
        opts = self.opts
        when = version.history_date.strftime("%d %b %Y %H:%M UTC")
        try:
            self.revert_to_version(request, obj, version)
        except ValidationError as error:
            self.message_user(request, f"Nothing was reverted: {' '.join(error.messages)}", messages.ERROR)
            return HttpResponseRedirect(reverse(
                f"admin:{opts.app_label}_{opts.model_name}_simple_history",
                args=[obj.pk, version.history_id], current_app=self.admin_site.name,
            ))
        self.message_user(request, f"{obj} was reverted to the version of {when}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk],
            current_app=self.admin_site.name,
        ))
