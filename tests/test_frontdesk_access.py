"""Who reaches the front-desk pages (R14): front desk and managers of the clinic; not
practitioners or clients (403); anonymous users sign in first; another clinic's staff get a
404 for this clinic's clients, plans and sessions."""

import pytest
from django.urls import reverse

from sessions_app import booking
from tests.clock import chicago
from tests.factories import make_portal_user, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# (url name, which object it takes, method)
PAGES = [
    ("frontdesk:home", None, "get"),
    ("frontdesk:calendar", None, "get"),
    ("frontdesk:calendar_slot", None, "get"),
    ("frontdesk:client_list", None, "get"),
    ("frontdesk:client_create", None, "get"),
    ("frontdesk:client_detail", "client", "get"),
    ("frontdesk:client_edit", "client", "get"),
    ("frontdesk:plan_create", "client", "get"),
    ("frontdesk:plan_detail", "plan", "get"),
    ("frontdesk:plan_amend", "plan", "get"),
    ("frontdesk:plan_cancel", "plan", "get"),
    ("frontdesk:book_session", "plan", "get"),
    ("frontdesk:book_slots", "plan", "get"),
    ("frontdesk:book_check", "plan", "post"),
    ("frontdesk:session_reschedule", "session", "get"),
    ("frontdesk:session_reschedule_preview", "session", "post"),
    ("frontdesk:session_cancel", "session", "get"),
    ("frontdesk:session_check_in", "session", "get"),
    ("frontdesk:session_no_show", "session", "get"),
]
OBJECT_PAGES = [page for page in PAGES if page[1]]
IDS = [name.split(":")[1] for name, _, _ in PAGES]


@pytest.fixture
def booked(plan, practitioner, front_desk):
    """Session 1 of `plan`, booked for Tuesday 3 March."""
    return booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                by=front_desk)


def url_for(name: str, kind: str | None, booked) -> str:
    kwargs = {
        None: {},
        "client": {"client_id": booked.client_id},
        "plan": {"plan_id": booked.plan_id},
        "session": {"session_id": booked.pk},
    }[kind]
    url = reverse(name, kwargs=kwargs)
    if name == "frontdesk:calendar_slot":
        url += f"?clinic={booked.clinic_id}&starts_at=2026-03-04T10:00"
    return url


def fetch(client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {})


@pytest.mark.parametrize("role", ["front_desk", "manager"])
@pytest.mark.parametrize("name,kind,method", PAGES, ids=IDS)
def test_front_desk_and_managers_reach_every_page(client, request, booked, role, name, kind, method):
    sign_in(client, request.getfixturevalue(role))
    response = fetch(client, method, url_for(name, kind, booked))
    assert response.status_code == 200


@pytest.mark.parametrize("name,kind,method", PAGES, ids=IDS)
def test_practitioners_get_403(client, practitioner, booked, name, kind, method):
    sign_in(client, practitioner)
    assert fetch(client, method, url_for(name, kind, booked)).status_code == 403


@pytest.mark.parametrize("name,kind,method", PAGES, ids=IDS)
def test_clients_of_the_portal_get_403(client, booked, name, kind, method):
    sign_in(client, make_portal_user(booked.client))
    assert fetch(client, method, url_for(name, kind, booked)).status_code == 403


@pytest.mark.parametrize("name,kind,method", PAGES, ids=IDS)
def test_anonymous_users_are_sent_to_sign_in(client, booked, name, kind, method):
    url = url_for(name, kind, booked)
    response = fetch(client, method, url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("name,kind,method", OBJECT_PAGES, ids=[n.split(":")[1] for n, _, _ in OBJECT_PAGES])
def test_staff_of_another_clinic_get_404_for_this_clinics_rows(client, outsider, booked, name, kind, method):
    sign_in(client, outsider)
    assert fetch(client, method, url_for(name, kind, booked)).status_code == 404


def test_staff_of_another_clinic_get_404_for_this_clinics_calendar(client, outsider, booked):
    sign_in(client, outsider)
    response = client.get(reverse("frontdesk:calendar"), {"clinic": booked.clinic_id})
    assert response.status_code == 404


def test_staff_of_another_clinic_never_see_this_clinics_clients_or_sessions(client, outsider, booked):
    sign_in(client, outsider)
    listing = client.get(reverse("frontdesk:client_list"), {"q": booked.client.first_name})
    assert list(listing.context["page"].object_list) == []
    assert booked.client.email not in listing.content.decode()
    calendar = client.get(reverse("frontdesk:calendar"), {"date": "2026-03-03"})
    assert calendar.status_code == 200
    assert booked.client.full_name not in calendar.content.decode()


def test_posts_that_change_sessions_are_refused_to_practitioners(client, practitioner, booked):
    sign_in(client, practitioner)
    for name in ("frontdesk:session_check_in", "frontdesk:session_no_show", "frontdesk:session_cancel"):
        assert client.post(reverse(name, args=[booked.pk])).status_code == 403
    booked.refresh_from_db()
    assert booked.status == "booked"
