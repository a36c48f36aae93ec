"""Breaking the glass (R14): a practitioner opens the record of a client who is not theirs
by typing a reason, which the managers see in the access log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clinic.access import get_session_for, staff_required
from clinic.models import Role, staff_role
from clinic.redirects import next_url
from sessions_app import glass


class GlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need this client's record?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def require_record(request: HttpRequest, client, clinic):
    """None when the user may read this client's record, else where to go (or 403)."""
    if glass.may_read_record(request.user, client, clinic):
        return None
    return _to_glass(request, client, clinic)


def _to_glass(request: HttpRequest, client, clinic):
    if staff_role(request.user, clinic) != Role.PRACTITIONER:
        raise PermissionDenied("Clinical records are for the clinic's practitioners and managers.")
    session = client.sessions.filter(clinic=clinic).order_by("-starts_at").first()
    if session is None:
        raise PermissionDenied("No session of this client at your clinic.")
    url = reverse("practice:break_glass", args=[session.pk])
    return redirect(f"{url}?next={request.get_full_path()}")


@require_http_methods(["GET", "POST"])
@staff_required()
def break_glass(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)  # 404 outside the user's clinics
    client, clinic = session.client, session.clinic
    back = next_url(request, reverse("practice:session_log", args=[session.pk]))
    if glass.may_read_record(request.user, client, clinic):
        return redirect(back)
    if staff_role(request.user, clinic) != Role.PRACTITIONER:
        raise PermissionDenied("Only practitioners break the glass.")
    form = GlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            glass.break_glass(request, client=client, clinic=clinic, reason=form.cleaned_data["reason"])
        except glass.GlassRefused as refusal:
            form.add_error("reason", str(refusal))
        else:
            messages.warning(
                request, f"You opened {client.full_name}'s record for {glass.GLASS_HOURS} hours; "
                "your reason is shown to the managers."
            )
            return redirect(back)
    return render(request, "practice/break_glass.html", {
        "client": client, "clinic": clinic, "form": form, "next": back, "hours": glass.GLASS_HOURS,
    })
