"""Undoing a completion recorded by mistake: a manager's page, with a reason (the booking
service's uncomplete_session does the work and cancels the aftercare not sent yet)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.access import get_session_for, role_of, staff_required
from clinic.models import Role
from sessions_app import booking
from sessions_app.models import SessionStatus


class UncompleteForm(forms.Form):
    reason = forms.CharField(
        label="Why is the completion undone?", max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


@require_http_methods(["GET", "POST"])
@staff_required()
def uncomplete_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)  # 404 outside the user's clinics
    if role_of(request.user) != Role.MANAGER:
        raise PermissionDenied("Only a manager can undo a completion.")
    if session.status != SessionStatus.COMPLETED:
        messages.info(request, f"Session {session.number} is not completed.")
        return redirect("practice:session_log", session_id=session.pk)
    form = UncompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking.uncomplete_session(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except booking.BookingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, f"Session {session.number} is back to checked in; aftercare not sent yet "
                "is cancelled."
            )
            return redirect("practice:session_log", session_id=session.pk)
    return render(request, "practice/uncomplete.html", {"session": session, "form": form})
