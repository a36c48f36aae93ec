"""The practitioner's pages: my day, the session log, completing, plan progress, photos.

Clinical content is for practitioners and managers of the session's clinic (R14). Object
pages look the object up in the user's clinics first, so staff of another clinic get 404
whatever their role; then this clinic's front desk gets 403. Clients get 403, anonymous
users the sign-in page. Writes go through sessions_app.records; completing through the
booking service. Each page that shows clinical content leaves one read in the audit trail
(clinic.audit); the live shade suggestion is part of the log already read."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit
from clinic.access import (
    current_clinic,
    get_plan_for,
    get_session_for,
    role_of,
    staff_clinics,
    staff_required,
)
from clinic.clinic_time import local_date
from clinic.models import Role
from clinic.report_sql import Period
from practice import week
from practice.forms import RatingsForm, SessionLogForm, initial_for
from practice.glass_views import require_record
from sessions_app import booking, figures, glass, photos, records
from sessions_app.models import Density, Retention, SessionRecord, SessionStatus, TreatmentSession, Zone

CLINICAL = records.CLINICAL_ROLES


def _require_clinical(user) -> None:
    """Call after the object was found in the user's clinics: the role then decides."""
    if role_of(user) not in CLINICAL:
        raise PermissionDenied("Clinical records are for the clinic's practitioners and managers.")


@staff_required(*CLINICAL)
def my_day(request: HttpRequest) -> HttpResponse:
    """Today's and tomorrow's sessions: the practitioner's own, or the whole clinic's."""
    default = "clinic" if role_of(request.user) == Role.MANAGER else "mine"
    who = request.GET.get("who", default)
    everyone = who == "clinic"
    clinic = current_clinic(request)
    today = local_date(timezone.now(), clinic.tz) if clinic else timezone.localdate()
    span = week.span_of(request.GET, today)
    sessions = records.sessions_for_days(
        request.user, everyone=everyone, days=span.days, start=span.first
    )
    days = [
        {
            "title": week.day_title(span.first + dt.timedelta(days=offset), today),
            "date": span.first + dt.timedelta(days=offset),
            "sessions": [s for s in sessions if s.day_offset == offset],
        }
        for offset in range(span.days)
    ]
    clinic_names = {s.clinic.name for s in sessions}
    if sessions:  # each card shows the client's last shade, from the session records
        audit.record_list_read(request, clinic=clinic, what="My day: today's and tomorrow's sessions",
                               clients=[s.client for s in sessions])
    return render(request, "practice/my_day.html", {
        "days": days, "everyone": everyone, "span": span,
        "who": "clinic" if everyone else "mine", "show_clinic": len(clinic_names) > 1,
        "show_practitioner": everyone,
    })


MY_RETENTION_DAYS = 90


@require_GET
@staff_required(Role.PRACTITIONER)
def my_retention(request: HttpRequest) -> HttpResponse:
    """A practitioner's own retention figure (R19): the share of zones they rated "held" at
    second sessions of the last 90 days, at their clinics; nobody else's. My day loads it
    after the page (htmx), so the day's list keeps its own small number of queries."""
    clinic = current_clinic(request)
    today = local_date(timezone.now(), clinic.tz) if clinic else timezone.localdate()
    period = Period(today - dt.timedelta(days=MY_RETENTION_DAYS - 1), today)
    figure = figures.retention_totals(staff_clinics(request.user), period, practitioner=request.user)
    template = "practice/_my_retention.html" if request.htmx else "practice/my_retention.html"
    return render(request, template, {"my_retention": {**figure, "days": MY_RETENTION_DAYS}})


@require_http_methods(["GET", "POST"])
@staff_required()
def session_log(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    _require_clinical(request.user)
    if (elsewhere := require_record(request, session.client, session.clinic)) is not None:
        return elsewhere
    if request.htmx and request.GET.get("partial") == "suggestion":
        return _suggestion(request, session)  # the suggestion's address before it had its own
    record = records.record_of(session)
    designs = list(session.plan.hairline_designs.select_related("signed_off_witness"))
    current_design = designs[-1] if designs else None
    form_kwargs = {
        "rate_retention": session.number > 1, "current_design": current_design,
        "pending": list(records.pending_alterations(session.plan)),
    }
    if request.method == "POST":
        form = SessionLogForm(request.POST, request.FILES, **form_kwargs)
        saved = _save_log(request, session, form)
        if saved is not None:
            return saved
    else:
        form = SessionLogForm(initial=initial_for(record), **form_kwargs)
    return _log_page(request, session, record, form, current_design)


@require_GET
@staff_required()
def session_suggestion(request: HttpRequest, session_id: int) -> HttpResponse:
    """The live shade suggestion of the session log, re-rendered as the ratings change (htmx)."""
    session = get_session_for(request.user, session_id)
    _require_clinical(request.user)
    if not glass.may_read_record(request.user, session.client, session.clinic):
        raise PermissionDenied("Break the glass on the session log first.")
    return _suggestion(request, session)


def _save_log(request: HttpRequest, session: TreatmentSession, form: SessionLogForm) -> HttpResponse | None:
    """Save through sessions_app.records; None when the form goes back to the user."""
    if form.is_valid():
        try:
            records.save_session_log(
                session=session, by=request.user, log=form.log_input(),
                expected_revision=form.cleaned_data["revision"],
                alteration=form.alteration_input(), decisions=form.decisions(),
                hairline=form.hairline_input(), sign_off_version=form.sign_off_version(),
                new_photos=form.new_photos(),
            )
        except records.LogRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if request.POST.get("complete"):
                return _complete(request, session, saved=True)
            messages.success(request, f"Session {session.number} log saved.")
            return redirect("practice:session_log", session_id=session.pk)
    messages.error(request, "The log was not saved: see the highlighted fields.")
    return None


def _log_page(request: HttpRequest, session: TreatmentSession, record, form, current_design) -> HttpResponse:
    rate_retention = session.number > 1
    previous = records.previous_record(session) if rate_retention else None
    ratings = _shown_ratings(form) if rate_retention else {}
    zone_shades = [row["shade"].value() for row in form.zone_rows()]
    audit.record_read(request, client=session.client, what=f"Session log: session {session.number}",
                      obj=session)
    return render(request, "practice/session_log.html", {
        "session": session,
        "plan": session.plan,
        "client": session.client,
        "record": record,
        "form": form,
        "previous": previous,
        "earlier": records.earlier_sessions(session),
        "suggestion": records.suggestion_for(session, ratings, previous) if rate_retention else None,
        "starting_shade": session.plan.get_starting_shade_display(),
        "current_design": current_design,
        "alterations": list(session.alterations.select_related("decided_by")),
        "photos": list(session.photos.all()),
        "versions": _versions(record),
        "can_complete": session.is_open,
        "missing": records.log_missing(session) if session.is_open else [],
        "is_manager": role_of(request.user) == Role.MANAGER,
        "locked": not session.is_live,
        "retention_cells": scalp_cells("retention", ratings),
        "previous_density_cells": scalp_cells(
            "density", {z.zone: z.density for z in previous.zones.all()} if previous else {}
        ),
        "zone_shades_open": any(zone_shades),
    })


def _shown_ratings(form: SessionLogForm) -> dict[str, int | None]:
    """The ratings on screen: what was typed (even when the form has errors) or saved."""
    if not form.is_bound:
        return {z: form.initial.get(f"retention_{z}") for z in Zone.values}
    ratings = {}
    for zone in Zone.values:
        value = form[f"retention_{zone}"].value()
        ratings[zone] = int(value) if value and str(value).isdigit() else None
    return ratings


def scalp_cells(kind: str, values: dict[str, int | None]) -> dict[str, dict]:
    """Per zone: the CSS class and the text of a scalp map (templates/practice/_scalp.html)."""
    scale, empty = (Retention, "Not rated") if kind == "retention" else (Density, "Not worked")
    prefix = kind[:3]  # "ret-3", "den-none": never Bootstrap's "d-none"
    cells = {}
    for zone, label in Zone.choices:
        value = values.get(zone)
        text = scale(value).label if value in scale.values else empty
        cells[zone] = {
            "cls": f"{prefix}-{value}" if value in scale.values else f"{prefix}-none",
            "title": f"{label}: {text}",
            "label": label,
        }
    return cells


def _suggestion(request: HttpRequest, session: TreatmentSession) -> HttpResponse:
    """The shade suggestion alone, for the ratings in the query string."""
    previous = records.previous_record(session) if session.number > 1 else None
    form = RatingsForm(request.GET, rate_retention=session.number > 1)
    ratings = form.ratings() if form.is_valid() else {}
    return render(request, "practice/session_log.html#suggestion", {
        "session": session,
        "suggestion": records.suggestion_for(session, ratings, previous),
    })


def _versions(record) -> list:
    """Versions of the log, newest first: who, when, which fields changed, and the notes
    as they were before a later version replaced them."""
    if record is None:
        return []
    history = list(record.history.select_related("history_user").order_by("-history_id")[:20])
    names = {f.name: f.verbose_name for f in SessionRecord._meta.fields}
    hidden = {"revision", "updated_at", "updated_by", "suggested_shade"}
    for newer, older in zip(history, history[1:] + [None]):
        changed = newer.diff_against(older).changed_fields if older else []
        newer.changed = [names.get(f, f) for f in changed if f not in hidden]
        if older is not None and not newer.changed:
            newer.changed = ["zone ratings"]  # only ZoneAssessment rows changed
        if older is not None:
            older.notes_replaced = "notes" in changed
    return history


@require_POST
@staff_required()
def complete_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    _require_clinical(request.user)
    return _complete(request, session)


def _complete(request: HttpRequest, session: TreatmentSession, *, saved: bool = False) -> HttpResponse:
    """Completing is the booking service's (aftercare starts there); a refusal is shown on
    the log, whose saved content stays."""
    try:
        booking.complete_session(session=session, by=request.user)
    except booking.BookingRefused as refusal:
        kept = " The log is saved." if saved else ""
        messages.error(request, f"Session {session.number} was not completed: {refusal.message}{kept}")
        return redirect("practice:session_log", session_id=session.pk)
    messages.success(
        request,
        f"Session {session.number} of {session.plan.quoted_sessions} is completed"
        f"{' and its log saved' if saved else ''}. {session.client.first_name}'s aftercare starts now.",
    )
    return redirect("practice:plan_progress", plan_id=session.plan_id)


@staff_required()
def plan_progress(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for(request.user, plan_id)
    _require_clinical(request.user)
    if (elsewhere := require_record(request, plan.client, plan.clinic)) is not None:
        return elsewhere
    progress = records.plan_progress(plan)
    for session in progress.sessions:
        zones = session.zone_map
        session.retention_cells = scalp_cells("retention", {z: r.retention for z, r in zones.items()})
        session.density_cells = scalp_cells("density", {z: r.density for z, r in zones.items()})
        session.retention_uid, session.density_uid = f"ret{session.pk}", f"den{session.pk}"
    table = [
        {
            "label": Zone(zone).label,
            "cells": [session.zone_map.get(zone) for session in progress.sessions],
        }
        for zone in progress.zones
    ]
    logged = [s for s in progress.sessions if s.log is not None]
    audit.record_read(request, client=plan.client, what=f"Plan progress: {plan.get_treatment_area_display()}",
                      obj=plan)
    return render(request, "practice/plan_progress.html", {
        "plan": plan, "client": plan.client, "progress": progress, "table": table,
        "logged": logged,
        "done": sum(s.status == SessionStatus.COMPLETED for s in progress.sessions),
        "has_photos": any(s.photos.all() for s in progress.sessions),
        "unbooked": [
            n for n in range(1, plan.quoted_sessions + 1)
            if n not in {s.number for s in progress.sessions if s.is_live}
        ],
    })


@staff_required()
def photo(request: HttpRequest, photo_id: int, variant: str = "full") -> FileResponse:
    """A clinical photo, after the access check; never cached by shared devices."""
    if variant not in photos.VARIANTS:
        raise Http404("No such photo size.")
    item = records.get_photo_for(request.user, photo_id)
    _require_clinical(request.user)
    if not glass.may_read_record(request.user, item.session.client, item.session.clinic):
        raise PermissionDenied("Break the glass on the session log first.")
    try:
        handle = photos.open_photo(item, variant)  # FileResponse closes it
    except (OSError, ValueError):
        raise Http404("The photo file is missing.") from None
    size = "full size" if variant == "full" else "thumbnail"
    what = f"Photo: session {item.session.number}, {item.get_kind_display().lower()} ({size})"
    audit.record_read(request, client=item.session.client, what=what, obj=item)
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="photo-{item.pk}-{variant}.jpg"'
    return response
