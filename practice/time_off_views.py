"""A practitioner's time off (My day -> Time off): ask for it, see what a manager decided,
withdraw a request. Approval is the manager's (frontdesk rota pages)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import current_clinic, staff_required
from clinic.models import Role, TimeOff
from practice.time_off_forms import TimeOffRequestForm
from sessions_app import rota
from sessions_app.booking import BookingRefused

practitioner_required = staff_required(Role.PRACTITIONER)


@practitioner_required
def mine(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic(request)
    if clinic is None:
        raise Http404("No clinic.")
    form = TimeOffRequestForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            rota.request_time_off(user=request.user, starts_at=c["starts_at"], ends_at=c["ends_at"],
                                  reason=c["reason"], by=request.user)
        except BookingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Time off requested: a manager will approve it.")
            return redirect("time_off:mine")
    rows = TimeOff.objects.filter(user=request.user).select_related("decided_by").order_by("-starts_at")[:50]
    return render(request, "practice/time_off/mine.html", {"clinic": clinic, "form": form, "rows": rows})


@require_POST
@practitioner_required
def withdraw(request: HttpRequest, time_off_id: int) -> HttpResponse:
    off = TimeOff.objects.filter(pk=time_off_id, user=request.user).first()
    if off is None:
        raise Http404("No such request.")
    try:
        rota.withdraw_time_off(time_off=off, by=request.user)
    except BookingRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Request withdrawn.")
    return redirect("time_off:mine")
