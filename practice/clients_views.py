"""'My clients': the clients a practitioner holds a session with (R14), searchable, each
opening the plan's progress and its session logs."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, Max, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.access import staff_clinics, staff_required
from clinic.clients import search_clients
from clinic.models import Client, TreatmentPlan
from sessions_app.models import SessionStatus, TreatmentSession

PER_PAGE = 25


def my_clients_queryset(user, query: str):
    mine = TreatmentSession.objects.filter(
        client=OuterRef("pk"), practitioner=user, clinic__in=staff_clinics(user)
    ).exclude(status=SessionStatus.CANCELLED)
    clients = Client.objects.filter(Exists(mine)).annotate(
        last_seen=Max("sessions__starts_at", filter=Q(sessions__practitioner=user))
    )
    return search_clients(clients, query).prefetch_related(
        Prefetch("plans", queryset=TreatmentPlan.objects.order_by("-pk"), to_attr="plan_list")
    )


class SearchForm(forms.Form):
    # A CharField refuses NUL characters (which PostgreSQL cannot compare) and trims spaces.
    q = forms.CharField(required=False, max_length=100)


@staff_required("practitioner")
def my_clients(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(my_clients_queryset(request.user, query), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "practice/my_clients.html", {"page": page, "query": query})
