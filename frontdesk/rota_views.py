"""A manager's rota pages: working hours per practitioner (a week grid edited in place with
htmx, or as a plain page without script), time off and closures. Each view: role decorator,
the clinic through the access helper (another clinic is a 404), a form, one call to
sessions_app.rota. Time off or a closure over booked sessions lists them first (R21)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import holidays
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from clinic.access import current_clinic, get_clinic_for, get_session_for, staff_required
from clinic.clinic_time import at_local, day_label_long, day_span, local_date
from clinic.models import Clinic, ClosureDay, Role, TimeOff, TimeOffStatus
from clinic.redirects import next_url
from frontdesk.rota_forms import ApproveForm, ClosureForm, DayHoursForm, TimeOffForm
from sessions_app import availability, booking, rota
from sessions_app.booking import BookingRefused
from sessions_app.calendar import practitioners_at

manager_required = staff_required(Role.MANAGER)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clinic(request: HttpRequest, clinic_id) -> Clinic:
    clinic = get_clinic_for(request.user, clinic_id)
    prefetch_related_objects([clinic], "opening_hours")
    return clinic


def _practitioner(clinic: Clinic, user_id):
    found = practitioners_at(clinic).filter(pk=user_id).first()
    if found is None:
        raise Http404("No such practitioner here.")
    return found


@manager_required
def start(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic(request)
    if clinic is None:
        raise Http404("No clinic.")
    return redirect("rota:week", clinic_id=clinic.pk)


@manager_required
def week(request: HttpRequest, clinic_id: int) -> HttpResponse:
    """The week grid: a row per practitioner, a column per open weekday."""
    clinic = _clinic(request, clinic_id)
    rows = [
        {"practitioner": r.practitioner, "own_hours": r.own_hours,
         "cells": [(weekday, WEEKDAYS[weekday], spans) for weekday, spans in r.days]}
        for r in availability.weekly_pattern(clinic, practitioners_at(clinic))
    ]
    pending = rota.time_off_for([clinic]).count()
    return render(request, "frontdesk/rota/week.html", {
        "clinic": clinic, "rows": rows, "pending": pending,
        "weekdays": [(h.weekday, WEEKDAYS[h.weekday]) for h in
                     sorted(clinic.opening_hours.all(), key=lambda h: h.weekday)],
    })


def _cell_context(clinic, practitioner, weekday: int) -> dict:
    row = availability.weekly_pattern(clinic, [practitioner])[0]
    spans = dict(row.days).get(weekday, [])
    return {"clinic": clinic, "practitioner": practitioner, "weekday": weekday,
            "day_name": WEEKDAYS[weekday], "spans": spans, "own_hours": row.own_hours}


@manager_required
def cell(request: HttpRequest, clinic_id: int, user_id: int, weekday: int) -> HttpResponse:
    """One practitioner's hours on one weekday: shown, edited (GET ?edit) and saved (POST).
    With htmx only the cell is swapped; without it this is a page of its own."""
    clinic = _clinic(request, clinic_id)
    practitioner = _practitioner(clinic, user_id)
    if weekday not in {h.weekday for h in clinic.opening_hours.all()}:
        raise Http404("The clinic is closed on that day.")
    context = _cell_context(clinic, practitioner, weekday)
    full = "frontdesk/rota/cell_page.html"
    if request.method == "POST":
        form = DayHoursForm(request.POST)
        if form.is_valid():
            try:
                rota.set_working_hours(user=practitioner, clinic=clinic, by=request.user,
                                       hours={weekday: form.cleaned_data["spans"]})
            except BookingRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                if not request.htmx:
                    name = practitioner.get_full_name()
                    messages.success(request, f"{name}'s {context['day_name']}s saved.")
                    return redirect("rota:week", clinic_id=clinic.pk)
                if not context["own_hours"]:  # the whole row changed from "opening hours"
                    messages.success(request, f"{practitioner.get_full_name()} now has own working hours.")
                    return HttpResponseClientRefresh()
                return render(request, "frontdesk/rota/_cell.html",
                              {**_cell_context(clinic, practitioner, weekday), "saved": True})
        return render(request, "frontdesk/rota/_cell_form.html" if request.htmx else full,
                      {**context, "form": form})
    if "edit" in request.GET or not request.htmx:
        form = DayHoursForm(initial=DayHoursForm.initial_for(context["spans"]))
        return render(request, "frontdesk/rota/_cell_form.html" if request.htmx else full,
                      {**context, "form": form})
    return render(request, "frontdesk/rota/_cell.html", context)


@require_POST
@manager_required
def use_opening_hours(request: HttpRequest, clinic_id: int, user_id: int) -> HttpResponse:
    clinic = _clinic(request, clinic_id)
    practitioner = _practitioner(clinic, user_id)
    rota.use_opening_hours(user=practitioner, clinic=clinic, by=request.user)
    messages.success(request, f"{practitioner.get_full_name()} works {clinic.name}'s opening hours.")
    return redirect("rota:week", clinic_id=clinic.pk)


# --------------------------------------------------------------------------- time off


def _clinic_time_off(clinic: Clinic, time_off_id) -> TimeOff:
    """Time off of a practitioner of this clinic, or 404."""
    off = TimeOff.objects.select_related("user").filter(
        pk=time_off_id, user__in=practitioners_at(clinic)
    ).first()
    if off is None:
        raise Http404("No such time off.")
    return off


@manager_required
def time_off(request: HttpRequest, clinic_id: int) -> HttpResponse:
    """Requests waiting for a decision, time off to come, and a form to enter some."""
    clinic = _clinic(request, clinic_id)
    # Back from moving a listed session, the typed values come in the query: list again.
    data = request.POST if request.method == "POST" else (request.GET if "first_day" in request.GET else None)
    form = TimeOffForm(data, clinic=clinic)
    affected = []
    if data is not None and form.is_valid():
        c = form.cleaned_data
        span = (c["starts_at"], c["ends_at"])
        try:
            if request.method != "POST":
                rota.check_clear(rota.sessions_in_time_off(c["practitioner"], *span), what="this time off")
            else:
                rota.add_time_off(user=c["practitioner"], starts_at=span[0], ends_at=span[1],
                                  reason=c["reason"], by=request.user, cancel_affected=c["cancel_affected"])
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
            if refusal.code == "sessions_affected":
                affected = rota.with_options(
                    rota.sessions_in_time_off(c["practitioner"], *span), clinic, avoid=span
                )
        else:
            if request.method == "POST":
                messages.success(request, f"Time off entered for {c['practitioner'].get_full_name()}.")
                return redirect("rota:time_off", clinic_id=clinic.pk)
    back = _back_url(request, "rota:time_off", clinic, form)
    return render(request, "frontdesk/rota/time_off.html", {
        "clinic": clinic, "form": form, "affected": affected, "back": back,
        "requests": rota.time_off_for([clinic]),
        "upcoming": rota.time_off_for([clinic], statuses=(TimeOffStatus.APPROVED,)),
    })


def _back_url(request: HttpRequest, name: str, clinic: Clinic, form) -> str:
    """This page with what was typed, for the reschedule page to come back to."""
    fields = [f for f in form.fields if f != "cancel_affected"]
    query = {f: form.data.get(f) for f in fields if form.data.get(f)}
    return f"{reverse(name, kwargs={'clinic_id': clinic.pk})}?{urlencode(query)}"


@manager_required
def time_off_review(request: HttpRequest, clinic_id: int, time_off_id: int) -> HttpResponse:
    """Approve (after the sessions inside it are moved or cancelled), decline or remove."""
    clinic = _clinic(request, clinic_id)
    off = _clinic_time_off(clinic, time_off_id)
    form = ApproveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "approve":
                rota.approve_time_off(time_off=off, by=request.user,
                                      cancel_affected=form.cleaned_data["cancel_affected"])
            elif action == "decline":
                rota.decline_time_off(time_off=off, by=request.user)
            elif action == "withdraw":
                rota.withdraw_time_off(time_off=off, by=request.user)
            else:
                raise BookingRefused("Choose approve, decline or remove.", code="invalid_state")
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            done = {"approve": "approved", "decline": "declined", "withdraw": "removed"}[action]
            messages.success(request, f"Time off of {off.user.get_full_name()} {done}.")
            return redirect("rota:time_off", clinic_id=clinic.pk)
    return render(request, "frontdesk/rota/time_off_review.html", {
        "clinic": clinic, "off": off, "form": form, "back": request.get_full_path(),
        "affected": rota.with_options(
            rota.sessions_in_time_off(off.user, off.starts_at, off.ends_at), clinic,
            avoid=(off.starts_at, off.ends_at),
        ) if off.status in (TimeOffStatus.REQUESTED, TimeOffStatus.APPROVED) else [],
    })


# --------------------------------------------------------------------------- closures


def public_holidays(clinic: Clinic, year: int, taken: set[dt.date]) -> list[tuple[dt.date, str]]:
    """The clinic country's public holidays of the year not entered yet (from `holidays`)."""
    try:
        found = holidays.country_holidays(clinic.country, years=year)
    except NotImplementedError:
        return []
    return sorted((day, name) for day, name in found.items() if day not in taken)


@manager_required
def closures(request: HttpRequest, clinic_id: int) -> HttpResponse:
    clinic = _clinic(request, clinic_id)
    today = local_date(timezone.now(), clinic.tz)
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, today.year - 1), today.year + 5)
    data = request.POST if request.method == "POST" else (request.GET if "date" in request.GET else None)
    form = ClosureForm(data)
    affected = []
    if data is not None and form.is_valid():
        c = form.cleaned_data
        try:
            if request.method != "POST":
                rota.check_clear(rota.sessions_on_closure(clinic, c["date"]), what="the closure")
            else:
                rota.add_closure(clinic=clinic, date=c["date"], reason=c["reason"], by=request.user,
                                 cancel_affected=c["cancel_affected"])
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
            if refusal.code == "sessions_affected":
                affected = rota.with_options(
                    rota.sessions_on_closure(clinic, c["date"]), clinic,
                    avoid=day_span(c["date"], c["date"], clinic.tz), closure=True,
                )
        else:
            if request.method == "POST":
                messages.success(request, f"{clinic.name} is closed on {day_label_long(c['date'])}.")
                return redirect(f"{reverse('rota:closures', args=[clinic.pk])}?year={c['date'].year}")
    rows = list(ClosureDay.objects.filter(clinic=clinic, date__year=year))
    return render(request, "frontdesk/rota/closures.html", {
        "clinic": clinic, "form": form, "affected": affected, "year": year, "closures": rows,
        "holidays": public_holidays(clinic, year, {c.date for c in rows}), "today": today,
        "back": _back_url(request, "rota:closures", clinic, form),
    })


@require_POST
@manager_required
def closure_remove(request: HttpRequest, clinic_id: int, closure_id: int) -> HttpResponse:
    clinic = _clinic(request, clinic_id)
    closure = ClosureDay.objects.filter(pk=closure_id, clinic=clinic).first()
    if closure is None:
        raise Http404("No such closure.")
    rota.remove_closure(closure=closure, by=request.user)
    messages.success(request, f"{clinic.name} opens again on {day_label_long(closure.date)}.")
    return redirect(f"{reverse('rota:closures', args=[clinic.pk])}?year={closure.date.year}")


@require_POST
@manager_required
def move_affected(request: HttpRequest, clinic_id: int, session_id: int) -> HttpResponse:
    """Move a listed session to one of the offered times, through the booking service (which
    checks every rule again); back to the list either way."""
    clinic = _clinic(request, clinic_id)
    session = get_session_for(request.user, session_id)
    if session.clinic_id != clinic.pk:
        raise Http404("No such session here.")
    back = next_url(request, reverse("rota:week", args=[clinic.pk]))
    practitioner = practitioners_at(clinic).filter(pk=_int(request.POST.get("practitioner"))).first()
    try:
        wall = dt.datetime.fromisoformat(request.POST.get("starts_at", ""))
    except ValueError:
        wall = None
    if practitioner is None or wall is None or wall.tzinfo is not None:
        messages.error(request, "Choose one of the times offered.")
        return redirect(back)
    try:
        moved = booking.reschedule_session(
            session=session, starts_at=at_local(wall.date(), wall.time(), clinic.tz), by=request.user,
            practitioner=practitioner,
        )
    except BookingRefused as refusal:
        messages.error(request, f"Not moved: {refusal.message}")
    else:
        local = moved.starts_at.astimezone(clinic.tz)
        messages.success(request, (
            f"{moved.client.full_name}'s session moved to {day_label_long(local.date())} at "
            f"{local:%H:%M} with {practitioner.get_full_name()}."
        ))
    return redirect(back)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
