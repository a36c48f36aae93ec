"""The touch-up recall list (R15) and "Book a touch-up". Front desk and managers of the
plan's clinic (R14); the list and the touch-up plan come from the domain
(sessions_app.recalls, booking.create_touch_up_plan), so this module only shows and asks."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import get_clinic_for, get_plan_for, staff_clinics, staff_required
from clinic.models import Role
from frontdesk.money_forms import WorklistFilterForm
from sessions_app import booking, recalls
from sessions_app.booking import BookingRefused

desk_required = staff_required(Role.FRONT_DESK, Role.MANAGER)
PAGE_SIZE = 25


@desk_required
def recall_list(request: HttpRequest) -> HttpResponse:
    """Completed plans whose touch-up recall is overdue or due in the next 60 days, at the
    user's clinics or the one chosen in ?clinic= (another clinic's id is a 404)."""
    mine = staff_clinics(request.user)
    chosen = request.GET.get("clinic")
    clinics = [get_clinic_for(request.user, chosen)] if chosen else list(mine)
    filter_form = WorklistFilterForm(initial={"clinic": clinics[0].pk if chosen else None}, clinics=mine)
    now = timezone.now()
    page = Paginator(recalls.recalls_due(clinics, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontdesk/recalls.html", {
        "page": page,
        "rows": recalls.recall_rows(page.object_list, now=now),
        "filter_form": filter_form,
        "many_clinics": len(clinics) > 1 or len(filter_form.fields["clinic"].queryset) > 1,
        "days_ahead": recalls.RECALL_DAYS_AHEAD,
    })


@require_POST
@desk_required
def recall_touch_up(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Make the touch-up plan of a completed plan and open its booking page."""
    plan = get_plan_for(request.user, plan_id)
    try:
        touch_up = booking.create_touch_up_plan(plan=plan, by=request.user)
    except BookingRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("frontdesk:recalls")
    messages.success(
        request, f"Touch-up plan #{touch_up.pk} made for {plan.client.full_name} (touch-up of "
        f"plan #{plan.pk}, 1 session). Book its session now.",
    )
    return redirect("frontdesk:book_session", plan_id=touch_up.pk)
