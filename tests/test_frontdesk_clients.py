"""Clients at the front desk: search by name, e-mail or phone (paginated), create and edit
with consents and the once-only paperwork (R2), and a client page with plans, sessions,
deposits and history - never the practitioner's clinical notes (R14)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.clients import search_clients
from clinic.models import Client
from sessions_app import booking
from sessions_app.models import SessionRecord, SessionStatus
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session, sign_in
from tests.frontdesk_helpers import pay_deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CLIENTS = reverse("frontdesk:client_list")
NEW = reverse("frontdesk:client_create")


def found(desk, query: str) -> list[str]:
    response = desk.get(CLIENTS, {"q": query})
    assert response.status_code == 200
    return [c.full_name for c in response.context["page"].object_list]


@pytest.fixture
def people(clinic, other_clinic):
    make_client(clinic, first_name="Marcus", last_name="Oyelaran", email="marcus.o@example.com",
                phone="+1 (312) 555-0142")
    make_client(clinic, first_name="Maria", last_name="Lopez", email="maria@lopez.example",
                phone="773 555 0199")
    make_client(clinic, first_name="Dev", last_name="Marsh", email="dev@example.com", phone="+13125550000")
    make_client(other_clinic, first_name="Marcus", last_name="Elsewhere", email="m@elsewhere.example")


@pytest.mark.parametrize("query,expected", [
    ("marcus", ["Marcus Oyelaran"]),
    ("OYEL", ["Marcus Oyelaran"]),
    ("mar", ["Maria Lopez", "Dev Marsh", "Marcus Oyelaran"]),
    ("maria lop", ["Maria Lopez"]),
    ("lopez.example", ["Maria Lopez"]),
    ("312 555 0142", ["Marcus Oyelaran"]),
    ("3125550142", ["Marcus Oyelaran"]),
    ("(773) 555-0199", ["Maria Lopez"]),
    ("nobody", []),
])
def test_search_finds_clients_by_name_email_or_phone(desk, people, query, expected):
    assert found(desk, query) == expected


def test_search_never_lists_another_clinics_clients(desk, people):
    assert "Marcus Elsewhere" not in found(desk, "marcus")
    assert "Marcus Elsewhere" not in found(desk, "")


def test_the_list_is_paginated(desk, clinic):
    for n in range(30):
        make_client(clinic, first_name="Pat", last_name=f"Page{n:02d}")
    first = desk.get(CLIENTS, {"q": "page"})
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.count == 30
    second = desk.get(CLIENTS, {"q": "page", "page": 2})
    assert [c.last_name for c in second.context["page"].object_list] == [f"Page{n}" for n in range(25, 30)]
    assert "Page 2 of 2" in second.content.decode()


def test_live_search_answers_with_the_results_only(desk, people):
    response = desk.get(CLIENTS, {"q": "maria"},
                        headers={"HX-Request": "true", "HX-Target": "client-results"})
    html = response.content.decode()
    assert "Lopez, Maria" in html
    assert "<html" not in html


def test_an_empty_search_says_so_and_offers_a_new_client(desk, people):
    html = desk.get(CLIENTS, {"q": "zzzz"}).content.decode()
    assert "No client matches “zzzz”" in html
    assert NEW in html


def test_the_client_list_costs_the_same_queries_for_5_or_200_clients(
    client, clinic, front_desk, practitioner
):
    sign_in(client, front_desk)

    def add(count: int, offset: int) -> None:
        for n in range(offset, offset + count):
            plan = make_plan(make_client(clinic, last_name=f"Count{n:03d}"))
            if n % 2:  # half of them have a next session to show
                make_session(plan, number=1, starts_at=chicago(3, 10, 9) + dt.timedelta(hours=3 * n),
                             practitioner=practitioner)

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CLIENTS, params).status_code == 200
        return len(queries)

    add(5, 0)
    few, few_search = count(), count(q="count")
    add(195, 5)
    assert (count(), count(q="count")) == (few, few_search)
    assert few <= 10  # 9 for the page, 1 for django-otp to check the session's second factor


def test_a_new_client_is_saved_with_paperwork_recorded_by_the_desk(desk, clinic, front_desk):
    response = desk.post(NEW, {
        "first_name": " Ada ", "last_name": "Lovelace", "email": "ADA@Example.com",
        "phone": "+1 312 555 0101",
        "date_of_birth": "1985-12-10", "clinic": clinic.pk, "email_consent": "on", "paperwork_done": "on",
    })
    ada = Client.objects.get(last_name="Lovelace")
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:client_detail", args=[ada.pk])
    assert (ada.first_name, ada.email, ada.clinic) == ("Ada", "ada@example.com", clinic)
    assert ada.paperwork_completed_by == front_desk and ada.paperwork_done
    assert ada.history.first().history_user == front_desk
    assert "Ada Lovelace added." in desk.get(response["Location"]).content.decode()


def test_bad_input_keeps_what_was_typed_and_saves_nothing(desk, clinic):
    response = desk.post(NEW, {
        "first_name": "Grace", "last_name": "", "email": "grace@example.com", "phone": "call me",
        "clinic": clinic.pk, "sms_consent": "on",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the client&#x27;s last name." in html
    assert "Give a phone number with digits" in html
    assert 'value="Grace"' in html and 'value="grace@example.com"' in html
    assert not Client.objects.filter(first_name="Grace").exists()


def test_a_client_cannot_be_filed_at_a_clinic_the_desk_does_not_work_at(desk, other_clinic):
    response = desk.post(NEW, {"first_name": "Ola", "last_name": "Nordmann", "clinic": other_clinic.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Client.objects.filter(last_name="Nordmann").exists()


def test_editing_keeps_paperwork_done_once_done(desk, client_, clinic):
    before = client_.paperwork_completed_at
    response = desk.post(reverse("frontdesk:client_edit", args=[client_.pk]), {
        "first_name": "Carl", "last_name": "Client", "email": "carl@example.com", "phone": "",
        "clinic": clinic.pk, "email_consent": "on",  # paperwork_done left out: unticked
    })
    assert response.status_code == 302
    client_.refresh_from_db()
    assert client_.email == "carl@example.com"
    assert client_.paperwork_completed_at == before


def test_ticking_paperwork_on_edit_records_who_and_when(desk, clinic, front_desk):
    newcomer = make_client(clinic, paperwork_completed_at=None)
    desk.post(reverse("frontdesk:client_edit", args=[newcomer.pk]), {
        "first_name": newcomer.first_name, "last_name": newcomer.last_name, "email": newcomer.email,
        "phone": newcomer.phone, "clinic": clinic.pk, "paperwork_done": "on",
    })
    newcomer.refresh_from_db()
    assert newcomer.paperwork_done and newcomer.paperwork_completed_by == front_desk


def test_the_client_page_shows_plans_sessions_deposits_and_history(
    desk, client_, plan, practitioner, front_desk
):
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(2, 24), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    pay_deposit(plan, front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 17), practitioner=practitioner,
                                 by=front_desk)
    booking.reschedule_session(session=third, starts_at=chicago(3, 18), by=front_desk)
    html = desk.get(reverse("frontdesk:client_detail", args=[client_.pk])).content.decode()
    assert "Full scalp" in html and "2 of 3 sessions done" in html
    assert "Wed 18 Mar 2026, 10:00" in html  # local time of session 3
    assert "$100.00 · session 3" in html
    assert "Session 3</strong> changed by Fran Desk" in html
    assert "Start: 17 Mar 2026 10:00" in html and "18 Mar 2026 10:00" in html


def test_history_is_paginated_and_costs_the_same_queries_however_long(desk, client_, clinic):
    url = reverse("frontdesk:client_detail", args=[client_.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(url).status_code == 200
        return len(queries)

    short = count()
    for n in range(40):
        client_.phone = f"+1312555{n:04d}"
        client_.save()
    assert count() == short
    response = desk.get(url, {"history": 2})
    assert response.context["history"].number == 2
    assert "Phone:" in response.content.decode()


def test_the_client_page_never_shows_clinical_notes(desk, client_, plan, practitioner):
    session = make_session(plan, number=1, starts_at=chicago(2, 2), practitioner=practitioner,
                           status=SessionStatus.COMPLETED)
    secret = "SECRET-CLINICAL-NOTE scar tissue on the crown"
    SessionRecord.objects.create(
        session=session, notes=secret, blending_notes=secret, assessment=secret,
        created_by=practitioner, updated_by=practitioner,
    )
    html = desk.get(reverse("frontdesk:client_detail", args=[client_.pk])).content.decode()
    assert "SECRET-CLINICAL-NOTE" not in html


@pytest.mark.parametrize("query,index", [
    ("smith", "client_search_trgm"),
    ("ada lovel", "client_search_trgm"),
    ("(312) 555-01", "client_phone_digits_trgm"),
])
def test_searches_are_served_by_the_trigram_indexes_on_postgresql(db, query, index):
    """The expressions indexed by migration clinic/0004 are exactly the ones searched."""
    sql, params = search_clients(Client.objects.all(), query).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show its options
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan
