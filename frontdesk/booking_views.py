"""Front desk: the calendar and every change to a session, through the booking service.

Each view: role decorator, access helper (another clinic's rows are a 404), form, one call
to sessions_app.booking, a flash message and a redirect. A BookingRefused becomes a form
error that says what would be allowed, with the typed values kept.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import (
    current_clinic,
    get_clinic_for,
    get_plan_for,
    get_session_for,
    role_of,
    staff_required,
)
from clinic.clients import search_clients
from clinic.clinic_time import at_local, day_label_long, local_date
from clinic.models import Client, Clinic, Role, TreatmentPlan
from clinic.redirects import next_url
from frontdesk.booking_forms import BookingForm, CancelSessionForm, RescheduleForm
from frontdesk.forms import ClientSearchForm
from frontdesk.later_forms import LaterSessionsForm
from sessions_app import booking, slots
from sessions_app.booking import BookingRefused
from sessions_app.calendar import (
    day_grid,
    practitioners_at,
    sessions_between,
    week_grid,
    week_start,
)
from sessions_app.models import DepositState, SessionStatus, TreatmentSession
from sessions_app.rules import LIVE_STATUSES, OPEN_PLAN_STATUSES, OPEN_STATUSES

desk_required = staff_required(Role.FRONT_DESK, Role.MANAGER)


# --------------------------------------------------------------------------- helpers


def _parse_day(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else None


def _parse_local(value: str | None) -> tuple[dt.date, dt.time] | None:
    """'2026-03-12T10:30' (a wall-clock time of the clinic) from a calendar link."""
    try:
        moment = dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if moment.tzinfo is not None or _parse_day(moment.date().isoformat()) is None:
        return None
    return moment.date(), moment.time().replace(second=0, microsecond=0)


def _calendar_clinic(request: HttpRequest) -> Clinic | None:
    if request.GET.get("clinic"):
        clinic = get_clinic_for(request.user, request.GET["clinic"])
    else:
        clinic = current_clinic(request)
    if clinic is not None:
        prefetch_related_objects([clinic], "opening_hours")
    return clinic


def _with_hours(clinic: Clinic) -> Clinic:
    prefetch_related_objects([clinic], "opening_hours")
    return clinic


def calendar_url(clinic: Clinic, day: dt.date, view: str = "day", **extra) -> str:
    query = {"clinic": clinic.pk, "date": day.isoformat(), "view": view, **extra}
    return f"{reverse('frontdesk:calendar')}?{urlencode(query)}"



def _is_manager(request: HttpRequest) -> bool:
    return role_of(request.user) == Role.MANAGER


def _plan_url(plan_id: int) -> str:
    return reverse("frontdesk:plan_detail", kwargs={"plan_id": plan_id})


# --------------------------------------------------------------------------- calendar


@desk_required
def calendar(request: HttpRequest) -> HttpResponse:
    """Day view (a column per practitioner, chairs in use per row) or week view, in the
    clinic's local time. Two queries for the sessions and the practitioners, however full."""
    clinic = _calendar_clinic(request)
    if clinic is None:
        return render(request, "frontdesk/calendar.html", {"clinic": None})
    today = local_date(timezone.now(), clinic.tz)
    day = _parse_day(request.GET.get("date")) or today
    view = "week" if request.GET.get("view") == "week" else "day"
    practitioners = list(practitioners_at(clinic))
    context = {
        "clinic": clinic, "day": day, "today": today, "view": view,
        "highlight": request.GET.get("highlight", ""),
        "today_url": calendar_url(clinic, today, view),
        "day_url": calendar_url(clinic, day, "day"), "week_url": calendar_url(clinic, day, "week"),
    }
    if view == "day":
        context["grid"] = day_grid(clinic, day, practitioners, list(sessions_between(clinic, day, day)))
        step = dt.timedelta(days=1)
    else:
        monday = week_start(day)
        sessions = list(sessions_between(clinic, monday, monday + dt.timedelta(days=6)))
        context["week"] = week_grid(clinic, monday, practitioners, sessions)
        context["monday"], context["sunday"] = monday, monday + dt.timedelta(days=6)
        step = dt.timedelta(days=7)
    context["prev_url"] = calendar_url(clinic, day - step, view)
    context["next_url"] = calendar_url(clinic, day + step, view)
    return render(request, "frontdesk/calendar.html", context)


@desk_required
def calendar_slot(request: HttpRequest) -> HttpResponse:
    """An empty calendar slot was clicked: find the client, then book one of their plans."""
    clinic = _calendar_clinic(request)
    picked = _parse_local(request.GET.get("starts_at"))
    if clinic is None or picked is None:
        messages.info(request, "Choose an empty slot on the calendar first.")
        return redirect("frontdesk:calendar")
    practitioner = practitioners_at(clinic).filter(pk=_int(request.GET.get("practitioner"))).first()
    form = ClientSearchForm(request.GET)
    query = form.terms()
    page = None
    if query:
        open_plans = TreatmentPlan.objects.filter(status__in=OPEN_PLAN_STATUSES).annotate(
            booked=Count("sessions", filter=Q(sessions__status__in=LIVE_STATUSES))
        ).order_by("-created_at")
        clients = search_clients(Client.objects.filter(clinic=clinic), query).prefetch_related(
            Prefetch("plans", queryset=open_plans, to_attr="open_plans")
        )
        page = Paginator(clients, 10).get_page(request.GET.get("page"))
    starts_at = at_local(picked[0], picked[1], clinic.tz)
    book_query = urlencode({
        "starts_at": f"{picked[0].isoformat()}T{picked[1]:%H:%M}",
        **({"practitioner": practitioner.pk} if practitioner else {}),
    })
    return render(request, "frontdesk/calendar_slot.html", {
        "clinic": clinic, "form": form, "query": query, "page": page, "starts_at": starts_at,
        "practitioner": practitioner, "book_query": book_query,
        "back_url": calendar_url(clinic, picked[0]),
    })


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- booking


def _booking_form(request: HttpRequest, plan: TreatmentPlan, number: int, data=None) -> BookingForm:
    clinic = plan.clinic
    initial = {"length": clinic.default_session_minutes, "number": number}
    picked = _parse_local(request.GET.get("starts_at"))
    if picked:
        initial["date"], initial["time"] = picked
    form = BookingForm(data, clinic=clinic, allow_override=_is_manager(request), initial=initial)
    choices = list(form.fields["practitioner"].queryset)
    wanted = _int(request.GET.get("practitioner"))
    previous = plan.sessions.live().filter(number=number - 1).first()
    for candidate in (wanted, previous.practitioner_id if previous else None):
        if any(p.pk == candidate for p in choices):
            form.initial["practitioner"] = candidate
            break
    else:
        if choices:
            form.initial["practitioner"] = choices[0].pk
    form.practitioner_choices = choices
    return form


def _chosen_practitioner(form: BookingForm):
    """The practitioner the page is about: the one picked in the form, else its default."""
    wanted = _int(form["practitioner"].value())
    return next((p for p in form.practitioner_choices if p.pk == wanted), None)


def _chosen_length(form: BookingForm, clinic: Clinic) -> dt.timedelta:
    minutes = _int(form["length"].value())
    if minutes not in dict(form.fields["length"].choices):
        minutes = clinic.default_session_minutes
    return dt.timedelta(minutes=minutes)


@desk_required
def book_session(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Book the plan's next session: proposed slots for the chosen practitioner, a live
    check as the user picks, and the service's refusal (with the allowed dates) on submit."""
    plan = get_plan_for(request.user, plan_id)
    _with_hours(plan.clinic)
    number = booking.next_number(plan)
    form = _booking_form(request, plan, number, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        shown = form.cleaned_data.get("number")
        if shown is not None and shown != number:
            form.add_error(None, (
                f"Session {shown} has just been booked (a second click, or a colleague). "
                f"This form now books session {number}: check the plan before booking again."
            ))
        else:
            try:
                session = booking.book_session(
                    plan=plan, starts_at=form.starts_at(), ends_at=form.ends_at(),
                    practitioner=form.cleaned_data["practitioner"], by=request.user,
                    override_reason=form.override_text(),
                )
            except BookingRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                local = session.starts_at.astimezone(plan.clinic.tz)
                messages.success(request, (
                    f"Session {session.number} of {plan.quoted_sessions} booked for "
                    f"{plan.client.full_name}: {day_label_long(local.date())}, "
                    f"{local:%H:%M}-{session.ends_at.astimezone(plan.clinic.tz):%H:%M} with "
                    f"{session.practitioner.get_full_name()}."
                ))
                return redirect(calendar_url(plan.clinic, local.date(), highlight=session.pk))
    return render(request, "frontdesk/book.html", _booking_context(request, plan, number, form))


def _booking_context(request, plan: TreatmentPlan, number: int, form: BookingForm) -> dict:
    practitioner = _chosen_practitioner(form)
    proposal = slots.propose_slots(
        plan=plan, practitioner=practitioner, by=request.user, length=_chosen_length(form, plan.clinic)
    )
    return {
        "plan": plan, "client": plan.client, "clinic": plan.clinic, "number": number, "form": form,
        "proposal": proposal, "practitioner": practitioner,
        "held_deposit": booking.held_deposit(plan) if number >= 3 else None,
        "exceeds_quote": number > plan.quoted_sessions,
        "is_open": plan.is_open,
    }


@require_POST
@desk_required
def book_check(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The live check (htmx): what the service would say about the typed booking."""
    plan = get_plan_for(request.user, plan_id)
    _with_hours(plan.clinic)
    number = booking.next_number(plan)
    form = _booking_form(request, plan, number, request.POST)
    return render(request, "frontdesk/_booking_check.html", _check(form, plan, request.user))


def _check(form: BookingForm, plan: TreatmentPlan, user) -> dict:
    if not form.is_valid():
        return {"state": "incomplete", "form": form}
    arguments = dict(
        plan=plan, starts_at=form.starts_at(), ends_at=form.ends_at(),
        practitioner=form.cleaned_data["practitioner"], by=user,
        override_reason=form.override_text(),
    )
    local = form.starts_at()
    context = {"form": form, "starts_at": local, "ends_at": form.ends_at()}
    try:
        check = booking.check_booking(**arguments)
    except BookingRefused as refusal:
        if refusal.code != "deposit_required":
            return {**context, "state": "refused", "refusal": refusal}
        try:  # the time itself may be fine: say so, with the deposit still to take
            check = booking.check_booking(**arguments, require_deposit=False)
        except BookingRefused as other:
            return {**context, "state": "refused", "refusal": other}
        return {**context, "state": "needs_deposit", "refusal": refusal, "check": check}
    return {**context, "state": "ok", "check": check}


@desk_required
def book_slots(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The proposed slots for another practitioner or length (htmx)."""
    plan = get_plan_for(request.user, plan_id)
    _with_hours(plan.clinic)
    number = booking.next_number(plan)
    form = _booking_form(request, plan, number, request.GET if "practitioner" in request.GET else None)
    practitioner = _chosen_practitioner(form)
    proposal = slots.propose_slots(
        plan=plan, practitioner=practitioner, by=request.user, length=_chosen_length(form, plan.clinic)
    )
    return render(request, "frontdesk/_slots.html", {
        "proposal": proposal, "practitioner": practitioner, "clinic": plan.clinic, "plan": plan,
    })


# --------------------------------------------------------------------------- changes to a session


def _session_or_redirect(request: HttpRequest, session_id: int, allowed: tuple[str, ...], action: str):
    session = get_session_for(request.user, session_id)
    _with_hours(session.clinic)
    session.plan.clinic = session.clinic
    if session.status not in allowed:
        messages.error(
            request, f"Session {session.number} is {session.get_status_display().lower()}: "
            f"it cannot be {action}."
        )
        return session, redirect(_plan_url(session.plan_id))
    return session, None


@desk_required
def session_reschedule(request: HttpRequest, session_id: int) -> HttpResponse:
    """Move a session. The impact on later sessions (R8) is shown before the move is
    confirmed: the confirm button only comes with a preview of the same values."""
    session, refused = _session_or_redirect(request, session_id, (SessionStatus.BOOKED,), "moved")
    if refused:
        return refused
    local = session.starts_at.astimezone(session.clinic.tz)
    form = RescheduleForm(
        request.POST or None, clinic=session.clinic, allow_override=_is_manager(request),
        initial={"date": local.date(), "time": local.time(), "practitioner": session.practitioner_id,
                 "override_reason": session.override_reason},
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        preview = _preview(form, session, request.user)
        if request.POST.get("confirm") == "1":
            try:
                moved = booking.reschedule_session(
                    session=session, starts_at=form.starts_at(), by=request.user,
                    practitioner=form.cleaned_data["practitioner"], override_reason=form.override_text(),
                )
            except BookingRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                new = moved.starts_at.astimezone(moved.clinic.tz)
                messages.success(request, (
                    f"Session {moved.number} for {moved.client.full_name} moved to "
                    f"{day_label_long(new.date())} at {new:%H:%M}."
                ))
                return redirect(calendar_url(moved.clinic, new.date(), highlight=moved.pk))
    return render(request, "frontdesk/reschedule.html", {
        "session": session, "plan": session.plan, "client": session.client, "form": form,
        "preview": preview, "local": local, "clinic": session.clinic,
    })


def _preview(form: RescheduleForm, session: TreatmentSession, user) -> dict:
    problems = booking.reschedule_preview(
        session=session, starts_at=form.starts_at(), override_reason=form.override_text(), by=user
    )
    numbers = {p.number for p in problems}
    affected = {
        s.number: s for s in session.plan.sessions.live().filter(number__in=numbers)
    }
    for s in affected.values():
        s.clinic = session.clinic
    return {
        "starts_at": form.starts_at(),
        "problems": [(p, affected.get(p.number)) for p in problems],
    }


@require_POST
@desk_required
def session_reschedule_preview(request: HttpRequest, session_id: int) -> HttpResponse:
    """The impact preview as the user picks a new time (htmx)."""
    session, refused = _session_or_redirect(request, session_id, (SessionStatus.BOOKED,), "moved")
    if refused:
        return refused
    form = RescheduleForm(request.POST, clinic=session.clinic, allow_override=_is_manager(request))
    preview = _preview(form, session, request.user) if form.is_valid() else None
    return render(request, "frontdesk/_reschedule_preview.html", {
        "session": session, "form": form, "preview": preview,
    })


@desk_required
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    """Cancel a booked session, with the deposit outcome (R6) and the later sessions it
    affects (R8) shown first; those are cancelled or moved in the same step."""
    session, refused = _session_or_redirect(request, session_id, (SessionStatus.BOOKED,), "cancelled")
    if refused:
        return refused
    later = booking.later_sessions(session)
    form = CancelSessionForm(request.POST or None)
    later_form = LaterSessionsForm(
        request.POST if request.method == "POST" else None, sessions=later, clinic=session.clinic
    )
    if request.method == "POST" and form.is_valid() and later_form.is_valid():
        clinic_initiated = form.cleaned_data["clinic_initiated"]
        outcome = booking.cancellation_outcome(session, clinic_initiated=clinic_initiated)
        try:
            booking.cancel_session(
                session=session, by=request.user, reason=form.cleaned_data["reason"],
                clinic_initiated=clinic_initiated, later=later_form.later(),
            )
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            also = f" Sessions after it handled: {len(later)}." if later else ""
            messages.success(
                request, f"Session {session.number} for {session.client.full_name} cancelled. "
                f"{outcome.message}{also}"
            )
            return redirect(next_url(request, _plan_url(session.plan_id)))
    return render(request, "frontdesk/cancel.html", {
        "session": session, "plan": session.plan, "client": session.client, "form": form,
        "clinic": session.clinic, "outcome": booking.cancellation_outcome(session),
        "clinic_outcome": booking.cancellation_outcome(session, clinic_initiated=True),
        "later_form": later_form, "impact": _impact(later_form),
        "next": next_url(request, ""),
    })


def _impact(later_form: LaterSessionsForm) -> list[dict]:
    """Each later session with what cancelling it now would do to its deposit (R6, R8)."""
    return [
        row | {"outcome": booking.cancellation_outcome(row["session"])}
        for row in later_form.rows()
    ]


def _act(request: HttpRequest, session: TreatmentSession, service, done: str) -> HttpResponse:
    """A day-of-session change through the booking service: `done` or its refusal is the
    flash message, then back where the desk came from."""
    try:
        service(session=session, by=request.user)
    except BookingRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect(next_url(request, _plan_url(session.plan_id)))


@desk_required
def session_check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    """Check the client in; session 1 is refused while the paperwork is missing (R2)."""
    session, refused = _session_or_redirect(request, session_id, (SessionStatus.BOOKED,), "checked in")
    if refused:
        return refused
    if request.method == "POST":
        return _act(request, session, booking.check_in_session,
                    f"{session.client.full_name} is checked in for session {session.number}.")
    return render(request, "frontdesk/session_action.html", {
        "session": session, "clinic": session.clinic, "action": "check_in",
        "next": next_url(request, ""),
    })


@desk_required
def session_no_show(request: HttpRequest, session_id: int) -> HttpResponse:
    """Record a no-show: a deposit held for the session is forfeited (R6)."""
    session, refused = _session_or_redirect(
        request, session_id, OPEN_STATUSES, "marked as a no-show"
    )
    if refused:
        return refused
    later_form = LaterSessionsForm(
        request.POST if request.method == "POST" else None,
        sessions=booking.later_sessions(session), clinic=session.clinic,
    )
    if request.method == "POST":
        if not later_form.is_valid():
            messages.error(request, "Say what happens to each later session.")
            return redirect(request.path)
        later = later_form.later()
        return _act(request, session, lambda **kw: booking.mark_no_show(**kw, later=later),
                    f"Session {session.number} for {session.client.full_name}: no-show recorded.")
    held = list(session.deposits.filter(state=DepositState.PAID))
    return render(request, "frontdesk/session_action.html", {
        "session": session, "clinic": session.clinic, "action": "no_show", "held": held,
        "impact": _impact(later_form), "next": next_url(request, ""),
    })
