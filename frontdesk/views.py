"""Front desk: the start page, clients and plans (bookings: frontdesk/booking_views.py).
Front desk and managers only (R14); everything is fetched through the access helpers, so
another clinic's rows are a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import paperwork
from clinic.access import current_clinic, get_client_for, get_plan_for, staff_clinics, staff_required
from clinic.clients import save_client, search_clients
from clinic.clinic_time import local_date
from clinic.models import Client, Role
from frontdesk.forms import AmendQuoteForm, CancelPlanForm, ClientForm, ClientSearchForm, PlanForm
from sessions_app import booking, slots
from sessions_app.booking import BookingRefused
from sessions_app.calendar import decorate, sessions_between
from sessions_app.client_history import client_history
from sessions_app.models import Deposit, DepositState, SessionStatus, TreatmentSession

desk_required = staff_required(Role.FRONT_DESK, Role.MANAGER)
CLIENTS_PER_PAGE = 25
HISTORY_PER_PAGE = 15


# --------------------------------------------------------------------------- start page


@desk_required
def home(request: HttpRequest) -> HttpResponse:
    """Today at the current clinic: who comes when, and what to do at the desk."""
    clinic = current_clinic(request)
    today = local_date(timezone.now(), clinic.tz) if clinic else timezone.localdate()
    sessions = [decorate(s, clinic) for s in sessions_between(clinic, today, today)] if clinic else []
    return render(request, "frontdesk/home.html", {
        "clinic": clinic, "today": today, "sessions": sessions,
        "search_form": ClientSearchForm(),
        "waiting": sum(1 for s in sessions if s.status == SessionStatus.BOOKED),
        "in_chair": sum(1 for s in sessions if s.status == SessionStatus.CHECKED_IN),
        "done": sum(1 for s in sessions if s.status == SessionStatus.COMPLETED),
    })


# --------------------------------------------------------------------------- clients

@desk_required
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientSearchForm(request.GET)
    query = form.terms()
    next_session = (
        TreatmentSession.objects.filter(
            client=OuterRef("pk"), status=SessionStatus.BOOKED, starts_at__gte=timezone.now()
        ).order_by("starts_at").values("starts_at")[:1]
    )
    clinics = list(staff_clinics(request.user))
    clients = (
        search_clients(Client.objects.filter(clinic__in=clinics), query)
        .select_related("clinic")
        .annotate(next_session=Subquery(next_session))
    )
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form, "query": query, "page": page, "clinic": current_clinic(request),
        "many_clinics": len(clinics) > 1,
    }
    if request.htmx and request.htmx.target == "client-results":
        return render(request, "frontdesk/_client_results.html", context)
    return render(request, "frontdesk/client_list.html", context)


@desk_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(
        request.POST or None, clinics=staff_clinics(request.user),
        initial={"clinic": current_clinic(request)},
    )
    return _client_form(request, form, None, current_clinic(request), "{name} added.")


@desk_required
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for(request.user, client_id)
    form = ClientForm(request.POST or None, instance=client, clinics=staff_clinics(request.user))
    return _client_form(request, form, client, client.clinic, "{name}'s details saved.")


def _client_form(request: HttpRequest, form: ClientForm, client, clinic, done: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            client = form.save(commit=False)
            # R2: completed once, with who and when; the form never un-ticks it.
            if form.cleaned_data.get("paperwork_done") and not client.paperwork_completed_at:
                client.paperwork_completed_at = timezone.now()
                client.paperwork_completed_by = request.user
            save_client(client=client, by=request.user)
        messages.success(request, done.format(name=client.full_name))
        return redirect("frontdesk:client_detail", client_id=client.pk)
    return render(request, "frontdesk/client_form.html", {"form": form, "client": client, "clinic": clinic})


@desk_required
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for(request.user, client_id)
    plans = list(
        client.plans.select_related("clinic")
        .annotate(done=Count("sessions", filter=Q(sessions__status=SessionStatus.COMPLETED)))
        .order_by("-created_at")
    )
    sessions = list(
        client.sessions.select_related("practitioner", "plan", "clinic").order_by("-starts_at")
    )
    deposits = list(
        Deposit.objects.filter(plan__client=client).select_related("session", "plan").order_by("-id")
    )
    history = client_history(client)
    page = Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("history"))
    return render(request, "frontdesk/client_detail.html", {
        "client": client, "clinic": client.clinic, "plans": plans, "sessions": sessions, "deposits": deposits,
        "history": page, "open_plans": [p for p in plans if p.is_open],
        "paperwork_status": paperwork.status_of(client),
    })


# --------------------------------------------------------------------------- plans


@desk_required
def plan_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for(request.user, client_id)
    form = PlanForm(request.POST or None, clinic=client.clinic)
    if request.method == "POST" and form.is_valid():
        plan = form.save(commit=False)
        plan.client, plan.clinic, plan.currency = client, client.clinic, client.clinic.currency
        plan.created_by = request.user
        plan.save()
        messages.success(
            request, f"Quote of {plan.quoted_sessions} sessions created for {client.full_name}. "
            "Book session 1 when the client is ready."
        )
        return redirect("frontdesk:plan_detail", plan_id=plan.pk)
    return render(request, "frontdesk/plan_form.html", {
        "form": form, "client": client, "clinic": client.clinic,
    })


@desk_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for(request.user, plan_id)
    sessions = list(plan.sessions.select_related("practitioner").order_by("number", "starts_at"))
    for session in sessions:
        session.clinic = plan.clinic
    deposits = list(plan.deposits.select_related("session").order_by("-id"))
    number = booking.next_number(plan)
    bookable = plan.is_open and number <= plan.quoted_sessions
    return render(request, "frontdesk/plan_detail.html", {
        "plan": plan, "client": plan.client, "clinic": plan.clinic, "sessions": sessions,
        "deposits": deposits,
        "amendments": plan.amendments.select_related("by"),
        "touch_ups": plan.touch_ups.order_by("pk"),  # R15: the touch-up plans of this plan
        "next_number": number, "bookable": bookable,
        "window": slots.window(plan, number) if bookable else None,
        "held_deposit": booking.held_deposit(plan),
        "done": sum(1 for s in sessions if s.status == SessionStatus.COMPLETED),
        "live": [s for s in sessions if s.is_live],
        "is_open": plan.is_open,
        "paid_deposits": [d for d in deposits if d.state == DepositState.PAID],
    })


@desk_required
def plan_amend(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for(request.user, plan_id)
    form = AmendQuoteForm(request.POST or None, initial={"quoted_sessions": plan.quoted_sessions},
                          touch_up=plan.is_touch_up)
    if request.method == "POST" and form.is_valid():
        try:
            booking.amend_quote(
                plan=plan, quoted_sessions=form.cleaned_data["quoted_sessions"], by=request.user,
                reason=form.cleaned_data["reason"], price=form.cleaned_data["price"],
            )
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"Quote amended: {form.cleaned_data['quoted_sessions']} sessions.")
            return redirect("frontdesk:plan_detail", plan_id=plan.pk)
    return render(request, "frontdesk/plan_amend.html", {
        "form": form, "plan": plan, "client": plan.client, "clinic": plan.clinic,
    })


@desk_required
def plan_cancel(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for(request.user, plan_id)
    form = CancelPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking.cancel_plan(plan=plan, by=request.user, reason=form.cleaned_data["reason"])
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Plan cancelled; its booked sessions were cancelled with it.")
            return redirect("frontdesk:plan_detail", plan_id=plan.pk)
    booked = list(plan.sessions.filter(status=SessionStatus.BOOKED).select_related("practitioner"))
    for session in booked:
        session.clinic = plan.clinic
    outcomes = [(s, booking.cancellation_outcome(s)) for s in booked]
    return render(request, "frontdesk/plan_cancel.html", {
        "form": form, "plan": plan, "client": plan.client, "clinic": plan.clinic, "outcomes": outcomes,
        "is_open": plan.is_open,
    })
