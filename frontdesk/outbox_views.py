"""Staff pages of the outbox: a client's messages (with resend of a failed one) and the
clinic's messages needing attention. Front desk and managers of the client's clinic (R14)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftercare import services
from aftercare.models import Reminder, ReminderStatus
from clinic.access import current_clinic, get_client_for, staff_clinics, staff_required
from clinic.models import Role
from frontdesk.forms import OutboxFilterForm

DESK_ROLES = (Role.FRONT_DESK, Role.MANAGER)
PAGE_SIZE = 25


def get_reminder_for(user, reminder_id) -> Reminder:
    """A message to a client of one of the user's clinics, or 404."""
    try:
        return Reminder.objects.select_related("client").get(
            pk=reminder_id, client__clinic__in=staff_clinics(user)
        )
    except (Reminder.DoesNotExist, ValueError, TypeError):
        raise Http404("No such message.") from None


def _rows(queryset):
    return queryset.select_related("step", "session", "client__clinic")


@staff_required(*DESK_ROLES)
def client_messages(request, client_id: int):
    client = get_client_for(request.user, client_id)
    reminders = _rows(client.reminders.order_by("-due_at", "-id"))
    page = Paginator(reminders, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = client.reminders.status_counts()
    return render(request, "aftercare/client_messages.html", {
        "client": client, "clinic": client.clinic, "page": page, "counts": counts,
    })


@require_POST
@staff_required(*DESK_ROLES)
def resend(request, reminder_id: int):
    reminder = get_reminder_for(request.user, reminder_id)
    try:
        services.resend_reminder(reminder=reminder, by=request.user)
    except services.ResendRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "The message is being sent again. Its status updates here in a moment.")
    return redirect("aftercare:client_messages", client_id=reminder.client_id)


@staff_required(*DESK_ROLES)
def outbox(request):
    """The current clinic's messages by status: failed ones first, for follow-up."""
    clinic = current_clinic(request)
    form = OutboxFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ReminderStatus.FAILED
    reminders = Reminder.objects.filter(client__clinic=clinic)
    counts = reminders.status_counts()
    ordering = ("due_at", "id") if status == ReminderStatus.SCHEDULED else ("-due_at", "-id")
    page = Paginator(_rows(reminders.filter(status=status).order_by(*ordering)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tabs = [(value, label, counts[value]) for value, label in ReminderStatus.choices]
    return render(request, "aftercare/outbox.html", {
        "clinic": clinic, "page": page, "tabs": tabs, "status": status,
    })
