"""A manager erases a client on request (R20), in two steps: the reason, then a confirmation
that says what will go and what stays. The rules are in clinic/erasure.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinic.access import get_client_for, staff_required
from clinic.erasure import ClientErasure, ErasureRefused, erase_client
from clinic.models import Role

manager_required = staff_required(Role.MANAGER)


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label="Why is this client erased?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the record of the erasure, e.g. 'the client asked by e-mail on 2 December'.",
    )
    confirm = forms.BooleanField(
        required=False, label="I understand that this cannot be undone",
    )


@manager_required
def client_erase(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for(request.user, client_id)
    erasure = ClientErasure.objects.filter(client=client).select_related("by").first()
    form = ErasureForm(request.POST or None)
    step = 1
    if erasure is None and request.method == "POST" and form.is_valid():
        step = 2
        if form.cleaned_data["confirm"] and request.POST.get("step") == "2":
            try:
                erase_client(client=client, by=request.user, reason=form.cleaned_data["reason"])
            except ErasureRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "The client is erased: contact details and login are gone.")
                return redirect("frontdesk:client_detail", client.pk)
        elif request.POST.get("step") == "2":
            form.add_error("confirm", "Tick the box to confirm the erasure.")
    return render(request, "frontdesk/client_erase.html", {
        "client": client, "clinic": client.clinic, "form": form, "step": step, "erasure": erasure,
    })
