"""The access log (R18): who opened a client's record, what a staff member opened, and
everything recorded at a manager's clinics; each filtered by the clinic's local dates, in
pages, and as a CSV download that is itself recorded.

Managers see the rows of their clinics, and only their clinics' clients and staff;
superusers see everything. Other signed-in users get 403; a client or staff id outside the
manager's clinics is a 404, so ids of other clinics reveal nothing."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property

from clinic import audit
from clinic.access import current_clinic, role_of, staff_clinics
from clinic.audit import AuditEvent, AuditEventQuerySet
from clinic.models import Client, Clinic, Role, StaffProfile
from reports.forms import AccessFilterForm

PAGE_SIZE = 50
# Pages count at most this many rows: counting a year of a busy clinic's reads on every page
# costs more than the page. Older rows are reached by dates; the CSV holds them all.
COUNT_LIMIT = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return self.object_list[: COUNT_LIMIT + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_LIMIT


def managers_only(view):
    """Managers and superusers; anonymous users sign in first, anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if role_of(request.user) != Role.MANAGER and not request.user.is_superuser:
            raise PermissionDenied("The access log is for managers.")
        return view(request, *args, **kwargs)

    return wrapper


def _clinics(user) -> QuerySet[Clinic]:
    return Clinic.objects.all() if user.is_superuser else staff_clinics(user)


def _client_for(user, client_id) -> Client:
    try:
        return Client.objects.select_related("clinic").get(pk=client_id, clinic__in=_clinics(user))
    except (Client.DoesNotExist, ValueError, TypeError):
        raise Http404("No such client.") from None


def _staff_member_for(user, user_id):
    """A staff member of one of the manager's clinics (any staff member or superuser for a
    superuser), or 404."""
    people = get_user_model().objects.select_related("staff_profile")
    if user.is_superuser:
        people = people.filter(Q(staff_profile__isnull=False) | Q(is_superuser=True))
    else:
        people = people.filter(staff_profile__clinics__in=staff_clinics(user)).distinct()
    try:
        return people.get(pk=user_id)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        raise Http404("No such staff member.") from None


@dataclass
class AccessLog:
    """One access-log page: its rows before filtering, and how a CSV download is recorded."""

    events: AuditEventQuerySet
    template: str
    context: dict
    csv_name: str
    csv_what: str
    record: dict = field(default_factory=dict)  # client=, clinic= or subject_user= of the export


@managers_only
def access_index(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    """Everything recorded at the manager's clinics, newest first."""
    user = request.user
    clinics = _clinics(user)
    events = AuditEvent.objects.all() if user.is_superuser else AuditEvent.objects.at_clinics(clinics)
    staff = StaffProfile.objects.filter(clinics__in=clinics).distinct().select_related("user")
    return _access_log(request, AccessFilterForm(request.GET, clinics=clinics), AccessLog(
        events=events, template="reports/access_index.html",
        context={"staff": staff.order_by("user__last_name", "user__first_name")},
        csv_name="access-log.csv", csv_what="Access log (CSV): events at the clinics",
        record={"clinic": current_clinic(request)},
    ), as_csv)


@managers_only
def access_client(request: HttpRequest, client_id: int, as_csv: bool = False) -> HttpResponse:
    """Who opened this client's record: every row about the client, whoever wrote it."""
    client = _client_for(request.user, client_id)
    return _access_log(request, AccessFilterForm(request.GET), AccessLog(
        events=AuditEvent.objects.about_client(client), template="reports/access_client.html",
        context={"client": client}, csv_name=f"access-log-client-{client.pk}.csv",
        csv_what="Access log (CSV): who opened this record", record={"client": client},
    ), as_csv)


@managers_only
def access_staff(request: HttpRequest, user_id: int, as_csv: bool = False) -> HttpResponse:
    """What a staff member opened (and their account events), at the manager's clinics."""
    member = _staff_member_for(request.user, user_id)
    events = AuditEvent.objects.by_actor(member)
    if not request.user.is_superuser:
        # Their work at another clinic is that clinic's managers' business.
        events = events.filter(Q(clinic__in=staff_clinics(request.user)) | Q(clinic__isnull=True))
    return _access_log(request, AccessFilterForm(request.GET), AccessLog(
        events=events, template="reports/access_staff.html",
        context={"member": member, "profile": getattr(member, "staff_profile", None)},
        csv_name=f"access-log-staff-{member.pk}.csv",
        csv_what="Access log (CSV): what a staff member opened",
        record={"subject_user": member, "clinic": current_clinic(request)},
    ), as_csv)


def _access_log(request: HttpRequest, form: AccessFilterForm, log: AccessLog, as_csv: bool) -> HttpResponse:
    as_csv = as_csv or request.GET.get("format") == "csv"
    context = {**log.context, "form": form, "page": None, "rows": []}
    if not form.is_valid():  # the page says what is wrong; a download of the wrong rows is refused
        return render(request, log.template, context, status=400 if as_csv else 200)
    events = _filtered(log.events, form.cleaned_data)
    if as_csv:
        record = {**log.record, "clinic": form.cleaned_data.get("clinic") or log.record.get("clinic")}
        export = audit.record_export(request, what=log.csv_what, detail=form.description(), **record)
        # The rows as they stood when the download was asked for, without its own record.
        return _csv_response(events.filter(pk__lt=export.pk), log.csv_name)
    page = CappedPaginator(events.for_listing(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(request, log.template, {
        **context, "page": page, "rows": _with_zones(page.object_list),
        "query": query.urlencode(), "filtered": any(form.cleaned_data.values()),
    })


def _filtered(events: AuditEventQuerySet, data: dict) -> AuditEventQuerySet:
    if data.get("clinic"):
        events = events.filter(clinic=data["clinic"])
    if data.get("kind"):
        events = events.of_kind_group(data["kind"])
    return events.on_local_dates(
        data.get("date_from"), data.get("date_to"), default_zone=timezone.get_current_timezone_name()
    )


def _with_zones(events) -> list[AuditEvent]:
    """Each row shown in its clinic's local time (a row without a clinic: the viewer's)."""
    viewer = timezone.get_current_timezone_name()
    rows = list(events)
    for row in rows:
        row.zone = row.clinic.time_zone if row.clinic_id else viewer
    return rows


# --------------------------------------------------------------------------- CSV

CSV_HEADER = [
    "Local time", "Time zone", "UTC time", "Event", "Who", "Role", "Client", "Client id", "Clinic",
    "What", "Object", "Detail", "Address", "Page",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(events: AuditEventQuerySet, filename: str) -> StreamingHttpResponse:
    """Streamed, so a year of rows never sits in memory."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in _csv_rows(events))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _csv_rows(events: AuditEventQuerySet):
    yield CSV_HEADER
    viewer = timezone.get_current_timezone()
    for event in events.for_listing().iterator(chunk_size=2000):
        zone = event.clinic.tz if event.clinic_id else viewer
        yield [_cell(value) for value in (
            event.at.astimezone(zone).isoformat(timespec="seconds"), str(zone),
            event.at.astimezone(dt.UTC).isoformat(timespec="seconds"), event.get_kind_display(),
            event.actor_name, event.actor_role_label, event.client.full_name if event.client_id else "",
            event.client_id or "", event.clinic.name if event.clinic_id else "", event.what,
            event.object_ref, event.detail, event.ip or "", event.path,
        )]


def _cell(value) -> str:
    """Text a spreadsheet would run as a formula (a name typed as '=HYPERLINK(...)') is
    prefixed with an apostrophe, so it is shown, never evaluated."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
