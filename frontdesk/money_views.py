"""Front desk money pages: deposits, the plan's bill, receipts, worklists and the
day sheet. Only front desk and managers of the plan's clinic reach them (R14); every write
is a call to sessions_app.booking, whose refusals are shown on the form."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.access import current_clinic, get_clinic_for, get_plan_for, staff_clinics, staff_required
from clinic.clinic_time import day_label_long, day_span, local_date
from clinic.history import person_name
from clinic.models import Clinic, Role, TreatmentPlan, staff_role
from frontdesk.money_forms import (
    DepositRequestForm,
    ForfeitForm,
    MoneyForm,
    RefundForm,
    WorklistFilterForm,
)
from sessions_app import booking, worklists
from sessions_app.billing import format_money, plan_bill
from sessions_app.booking import BookingRefused
from sessions_app.models import (
    Deposit,
    DepositState,
    SessionStatus,
    TreatmentSession,
)
from sessions_app.receipts import ReceiptNotSent, deposit_receipt, send_deposit_receipt

money_staff = staff_required(Role.FRONT_DESK, Role.MANAGER)
PAGE_SIZE = 25


# --------------------------------------------------------------------------- helpers


def _deposit_for(user, deposit_id) -> Deposit:
    """A deposit of a plan at one of the user's clinics, or 404."""
    try:
        return Deposit.objects.select_related(
            "plan__client", "plan__clinic", "session", "requested_by", "received_by", "closed_by"
        ).get(pk=deposit_id, plan__clinic__in=staff_clinics(user))
    except (Deposit.DoesNotExist, ValueError, TypeError):
        raise Http404("No such deposit.") from None


def form_key(plan: TreatmentPlan, kind: str) -> uuid.UUID:
    """The idempotency key of a deposit or payment form: an HMAC (the server's secret) of
    the plan, the form and what the plan has received so far. Every rendering of the form
    at the same state (two tabs, two desks, a reload) carries the same key, so only the
    first submit records money; once money is recorded the state moves on and a fresh form
    gets a fresh key. A random key per rendering would let two open tabs record the money
    twice. Nobody can compute a key without the secret, and the service looks a key up on
    its own plan only, so a key seen at one clinic neither blocks nor reveals anything at
    another."""
    if kind == "deposit":
        # Each recorded deposit adds a row or turns a requested one paid: the pair grows.
        state = plan.deposits.aggregate(
            rows=Count("id"), received=Count("id", filter=~Q(state=DepositState.REQUESTED))
        )
        token = f"{state['rows']}:{state['received']}"
    else:
        token = str(plan.payments.count())
    return _keyed(f"plan:{plan.pk}:{kind}:{token}")


def _keyed(value: str) -> uuid.UUID:
    return uuid.UUID(salted_hmac("pigment.money-form-key", value, algorithm="sha256").hexdigest()[:32])


def _already_recorded(request, what: str, row) -> None:
    who = person_name(row.received_by)
    when = (row.paid_at if isinstance(row, Deposit) else row.received_at).astimezone(row.plan.clinic.tz)
    messages.info(
        request,
        f"A {what} of {format_money(row.amount, row.currency)} was already recorded from this form "
        f"by {who} at {when:%H:%M}; nothing was recorded twice. Open the form again to record "
        f"another {what}.",
    )


def _refusal_on_form(form, refusal: BookingRefused) -> None:
    """Put the service's message where the user looks: the amount or the whole form."""
    if refusal.code == "not_permitted":
        raise PermissionDenied(refusal.message)
    field = "amount" if refusal.code == "invalid_amount" and "amount" in form.fields else None
    if field is None and refusal.code == "reason_required" and "reason" in form.fields:
        field = "reason"
    form.add_error(field, refusal.message)


# --------------------------------------------------------------------------- the plan's bill


@money_staff
def plan_bill_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for(request.user, plan_id)
    bill = plan_bill(plan)
    is_open = plan.is_open
    return render(request, "money/plan_bill.html", {
        "plan": plan,
        "bill": bill,
        "is_open": is_open,
        # A deposit is what the desk most likely comes for while session 3+ is unbooked.
        "needs_deposit": is_open and plan.quoted_sessions >= 3 and not bill.deposits_held,
        "deposits": plan.deposits.select_related("session").order_by("-id"),
        "payments": plan.payments.select_related("received_by").order_by("-received_at"),
        "sessions": plan.sessions.select_related("practitioner").order_by("number", "starts_at"),
        "links": _plan_links(plan),
    })


def _plan_links(plan: TreatmentPlan) -> dict[str, str]:
    return {
        "plan": reverse("frontdesk:plan_detail", args=[plan.pk]),
        "client": reverse("frontdesk:client_detail", args=[plan.client_id]),
        "book": reverse("frontdesk:book_session", args=[plan.pk]),
    }


# --------------------------------------------------------------------------- deposits


@money_staff
def take_deposit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Record a deposit paid now (the requested one, if any) or request one to be paid later.
    With ?next=book (the worklist's one-click path) a recorded deposit leads to booking."""
    plan = get_plan_for(request.user, plan_id)
    requested = _requested_deposit(plan, request.GET.get("deposit"))
    if request.method == "POST" and request.POST.get("action") == "request":
        return _request_deposit(request, plan, requested)
    if request.method == "POST":
        return _record_deposit(request, plan, requested)
    return _deposit_page(request, plan, requested)


def _request_deposit(request: HttpRequest, plan: TreatmentPlan, requested: Deposit | None) -> HttpResponse:
    form = DepositRequestForm(request.POST, prefix="request")
    if form.is_valid() and form.cleaned_data["seen"] != form_key(plan, "deposit"):
        messages.info(request, "The plan's deposits changed since that form was opened (a second click "
                      "or a colleague): nothing more was requested. Check the deposits below.")
        return redirect("money:plan_bill", plan.pk)
    if form.is_valid():
        try:
            deposit = booking.request_deposit(
                plan=plan, by=request.user, amount=form.cleaned_data["amount"],
                # Two posts at the same instant carry the same state: one request.
                idempotency_key=_keyed(f"plan:{plan.pk}:request:{form.cleaned_data['seen']}"),
            )
        except BookingRefused as refusal:
            _refusal_on_form(form, refusal)
        else:
            messages.success(request, f"Deposit of {format_money(deposit.amount, deposit.currency)} "
                             f"requested from {plan.client.full_name}.")
            return redirect("money:deposit_detail", deposit.pk)
    return _deposit_page(request, plan, requested, request_form=form)


def _record_deposit(request: HttpRequest, plan: TreatmentPlan, requested: Deposit | None) -> HttpResponse:
    form = MoneyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # Only for the message: the service itself makes the second submit a no-op.
        repeat = plan.deposits.filter(idempotency_key=data["idempotency_key"]).exists()
        try:
            deposit = booking.record_deposit(
                plan=plan, amount=data["amount"], by=request.user, method=data["method"],
                reference=data["reference"].strip(), deposit=requested,
                idempotency_key=data["idempotency_key"],
            )
        except BookingRefused as refusal:
            _refusal_on_form(form, refusal)
        else:
            if repeat:
                _already_recorded(request, "deposit", deposit)
            else:
                messages.success(request, f"Deposit of {format_money(deposit.amount, deposit.currency)} "
                                 f"recorded for {plan.client.full_name}.")
            if request.GET.get("next") == "book" and deposit.session_id is None:
                return redirect("frontdesk:book_session", plan.pk)
            return redirect("money:deposit_detail", deposit.pk)
    return _deposit_page(request, plan, requested, form=form)


def _deposit_page(request, plan: TreatmentPlan, requested: Deposit | None, *, form=None, request_form=None):
    """The two forms of the page: pay a deposit now (`form`), or request one (`request_form`)."""
    pending = requested or plan.deposits.filter(state=DepositState.REQUESTED).order_by("id").first()
    part_paid = booking.held_total(plan)
    short = plan.clinic.deposit_amount - part_paid
    # A part payment made: propose what is still needed.
    full = plan.clinic.deposit_amount
    amount = pending.amount if pending else (short if 0 < short < full else full)
    key = form_key(plan, "deposit")
    form = form or MoneyForm(initial={"amount": amount, "idempotency_key": key})
    request_form = request_form or DepositRequestForm(
        initial={"amount": plan.clinic.deposit_amount, "seen": key}, prefix="request"
    )
    return render(request, "money/take_deposit.html", {
        "plan": plan,
        "form": form,
        "request_form": request_form,
        "requested": requested,
        "pending": pending,
        "held": booking.held_deposit(plan),
        "part_paid": part_paid if 0 < short else None,
        "still_needed": short,
        "window": _third_window(plan),
        "show_request": request_form.is_bound,
        "links": _plan_links(plan),
    })


def _requested_deposit(plan: TreatmentPlan, deposit_id: str | None) -> Deposit | None:
    if not deposit_id:
        return None
    try:
        return plan.deposits.get(pk=deposit_id, state=DepositState.REQUESTED)
    except (Deposit.DoesNotExist, ValueError, TypeError):
        raise Http404("No such requested deposit on this plan.") from None


def _third_window(plan: TreatmentPlan) -> worklists.ThirdSessionRow | None:
    """The plan's third-session window when it is waiting for session 3 (one query)."""
    due = worklists.third_session_due([plan.clinic]).filter(pk=plan.pk)
    rows = worklists.third_session_rows(due)
    return rows[0] if rows else None


@money_staff
def deposit_detail(request: HttpRequest, deposit_id: int) -> HttpResponse:
    deposit = _deposit_for(request.user, deposit_id)
    return _render_deposit(request, deposit)


def _render_deposit(request, deposit: Deposit, *, refund_form=None, forfeit_form=None) -> HttpResponse:
    plan, clinic = deposit.plan, deposit.plan.clinic
    session = deposit.session
    outcome = deadline = None
    if session is not None and session.status == SessionStatus.BOOKED:
        outcome = booking.cancellation_outcome(session)
        deadline = outcome.deadline
    return render(request, "money/deposit_detail.html", {
        "deposit": deposit,
        "plan": plan,
        "clinic": clinic,
        "history": deposit.history.select_related("history_user").order_by("history_date", "history_id"),
        "outcome": outcome,
        "deadline": deadline,
        "may_refund": booking.may_refund(request.user, clinic),
        "may_forfeit": staff_role(request.user, clinic) == Role.MANAGER,
        "refund_form": refund_form or RefundForm(prefix="refund"),
        "forfeit_form": forfeit_form or ForfeitForm(prefix="forfeit"),
        "open_action": "refund" if refund_form else "forfeit" if forfeit_form else "",
        "links": _plan_links(plan),
    })


@require_POST
@money_staff
def refund_deposit(request: HttpRequest, deposit_id: int) -> HttpResponse:
    return _close_deposit(request, deposit_id, RefundForm, booking.refund_deposit, "refunded")


@require_POST
@money_staff
def forfeit_deposit(request: HttpRequest, deposit_id: int) -> HttpResponse:
    return _close_deposit(request, deposit_id, ForfeitForm, booking.forfeit_deposit, "forfeited")


def _close_deposit(request, deposit_id: int, form_class, service, done: str) -> HttpResponse:
    deposit = _deposit_for(request.user, deposit_id)
    action = "refund" if form_class is RefundForm else "forfeit"
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            service(deposit=deposit, by=request.user, reason=form.cleaned_data["reason"])
        except BookingRefused as refusal:
            _refusal_on_form(form, refusal)
        else:
            amount = format_money(deposit.amount, deposit.currency)
            messages.success(request, f"Deposit of {amount} {done}.")
            return redirect("money:deposit_detail", deposit.pk)
    return _render_deposit(request, deposit, **{f"{action}_form": form})


@money_staff
def deposit_receipt_view(request: HttpRequest, deposit_id: int) -> HttpResponse:
    """GET: the printable receipt. POST: e-mail it to the client."""
    deposit = _deposit_for(request.user, deposit_id)
    receipt = deposit_receipt(deposit)
    if request.method == "POST":
        try:
            address = send_deposit_receipt(deposit)
        except ReceiptNotSent as problem:
            messages.error(request, str(problem))
        else:
            audit.record_export(request, what=f"Deposit receipt {receipt.number}, e-mailed",
                                client=deposit.plan.client, obj=deposit, detail=f"Sent to {address}")
            messages.success(request, f"Receipt e-mailed to {address}.")
        return redirect("money:deposit_receipt", deposit.pk)
    audit.record_export(request, what=f"Deposit receipt {receipt.number}, printable",
                        client=deposit.plan.client, obj=deposit)
    return render(request, "money/deposit_receipt.html", {
        "receipt": receipt,
        "clinic": deposit.plan.clinic,
        "client": deposit.plan.client,
    })


# --------------------------------------------------------------------------- payments


@money_staff
def record_payment(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for(request.user, plan_id)
    bill = plan_bill(plan)
    form = MoneyForm(initial={
        "amount": bill.due_after_held or "", "idempotency_key": form_key(plan, "payment"),
    })
    if request.method == "POST":
        form = MoneyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            repeat = plan.payments.filter(idempotency_key=data["idempotency_key"]).exists()
            try:
                payment = booking.record_payment(
                    plan=plan, amount=data["amount"], by=request.user, method=data["method"],
                    reference=data["reference"].strip(), idempotency_key=data["idempotency_key"],
                )
            except BookingRefused as refusal:
                _refusal_on_form(form, refusal)
            else:
                if repeat:
                    _already_recorded(request, "payment", payment)
                else:
                    messages.success(request, f"Payment of {format_money(payment.amount, payment.currency)} "
                                     f"recorded for {plan.client.full_name}.")
                return redirect("money:plan_bill", plan.pk)
    return render(request, "money/record_payment.html", {
        "plan": plan, "bill": bill, "form": form, "links": _plan_links(plan),
    })


# --------------------------------------------------------------------------- worklists


def _chosen_clinics(request) -> tuple[list[Clinic], WorklistFilterForm]:
    """The user's clinics, or the one chosen in ?clinic= (another clinic's id is a 404)."""
    mine = staff_clinics(request.user)
    chosen = request.GET.get("clinic")
    clinics = [get_clinic_for(request.user, chosen)] if chosen else list(mine)
    form = WorklistFilterForm(initial={"clinic": clinics[0].pk if chosen else None}, clinics=mine)
    return clinics, form


def _worklist(request, key: str, rows_of: Callable[[list[Clinic]], object], decorate=None) -> HttpResponse:
    clinics, filter_form = _chosen_clinics(request)
    page = Paginator(rows_of(clinics), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = worklists.worklist_counts(clinics)
    current = next(w for w in worklists.WORKLISTS if w.key == key)
    return render(request, f"money/worklist_{key}.html", {
        "worklist": current,
        "tabs": [(w, counts[w.key]) for w in worklists.WORKLISTS],
        "count": counts[key],
        "page": page,
        "rows": decorate(page.object_list) if decorate else page.object_list,
        "filter_form": filter_form,
        "clinic_id": clinics[0].pk if request.GET.get("clinic") else None,
        "many_clinics": len(filter_form.fields["clinic"].queryset) > 1,
    })


@money_staff
def worklists_home(request: HttpRequest) -> HttpResponse:
    return render(request, "money/worklists.html")


@money_staff
def worklist_third_session(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "third_session", worklists.third_session_due,
                     decorate=worklists.third_session_rows)


@money_staff
def worklist_unpaid_deposits(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "unpaid_deposits", worklists.unpaid_deposits)


@money_staff
def worklist_paperwork(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "paperwork", worklists.paperwork_missing)


@money_staff
def worklist_no_shows(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "no_shows", worklists.no_shows_to_follow_up)


@money_staff
def worklist_unsettled(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "unsettled", worklists.unsettled_plans)


# --------------------------------------------------------------------------- day sheet


@money_staff
def day_sheet(request: HttpRequest) -> HttpResponse:
    """Tomorrow's sessions (each clinic's calendar) per clinic, or those of ?day=YYYY-MM-DD,
    with paperwork and deposit flags, to print."""
    clinics, filter_form = _chosen_clinics(request)
    try:
        chosen_day = dt.date.fromisoformat(request.GET["day"]) if request.GET.get("day") else None
    except ValueError:
        chosen_day = None
        messages.error(request, "That is not a date; showing tomorrow.")
    now = timezone.now()
    days = {c.pk: chosen_day or local_date(now, c.tz) + dt.timedelta(days=1) for c in clinics}
    sessions = _sessions_on(clinics, days)
    sheets = [
        {"clinic": c, "day": days[c.pk], "day_label": day_label_long(days[c.pk]),
         "sessions": [s for s in sessions if s.clinic_id == c.pk]}
        for c in clinics
    ]
    # The page is the printable sheet (names and phones of the day's clients): an export.
    audit.record_export(
        request, what="Day sheet", clinic=clinics[0] if len(clinics) == 1 else current_clinic(request),
        detail="; ".join(f"{s['clinic'].name} {s['day']:%Y-%m-%d}: {len(s['sessions'])} sessions"
                         for s in sheets),
    )
    return render(request, "money/day_sheet.html", {
        "sheets": sheets,
        "filter_form": filter_form,
        "chosen_day": chosen_day,
        "shown_day": chosen_day or (sheets[0]["day"] if sheets else None),
        "many_clinics": len(filter_form.fields["clinic"].queryset) > 1,
        "printed_at": now,
    })


def _sessions_on(clinics: list[Clinic], days: dict[int, dt.date]) -> list[TreatmentSession]:
    """Live sessions starting on each clinic's local day, in one query, with flags."""
    on_day = Q(pk__in=[])
    for clinic in clinics:
        start, end = day_span(days[clinic.pk], days[clinic.pk], clinic.tz)
        on_day |= Q(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
    paid = Deposit.objects.filter(session=OuterRef("pk"), state=DepositState.PAID)
    return list(
        TreatmentSession.objects.live().filter(on_day)
        .annotate(deposit_paid=Exists(paid))
        .select_related("client", "plan", "practitioner", "clinic")
        .order_by("starts_at", "pk")
    )
