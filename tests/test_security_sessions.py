"""Idle logoff: staff after their clinic's idle minutes (the strictest of their clinics),
clients after 30, staff at most 12 hours; the session is written at most once a minute."""

import datetime as dt
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.audit import AuditEvent, AuditKind
from tests.factories import make_client, make_portal_user, make_staff, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def my_day(client):
    return client.get(reverse("practice:my_day"))


def assert_signed_out(response, page: str, text: str):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert response["Location"] == reverse("login") + "?next=" + quote(page, safe="")
    follow = response.client.get(response["Location"])
    assert text in follow.content.decode()
    # Signed out for good: the page asks to sign in again.
    again = response.client.get(page)
    assert again.status_code == 302 and again["Location"].startswith(reverse("login"))


def session_writes(queries) -> int:
    return sum(
        1 for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_an_idle_staff_session_ends_after_the_clinics_15_minutes(client, clock, practitioner):
    sign_in(client, practitioner)
    assert my_day(client).status_code == 200
    clock.shift(dt.timedelta(minutes=14, seconds=50))
    assert my_day(client).status_code == 200  # 14:50 idle: still signed in
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    response = my_day(client)
    assert_signed_out(response, reverse("practice:my_day"), "signed out after 15 idle minutes")
    event = AuditEvent.objects.get(kind=AuditKind.SIGN_OUT)
    assert event.actor == practitioner and event.detail.startswith("idle")


def test_a_busy_staff_session_does_not_end(client, clock, practitioner):
    sign_in(client, practitioner)
    for _ in range(24):  # two hours, a page every five minutes
        clock.shift(dt.timedelta(minutes=5))
        assert my_day(client).status_code == 200
    assert not AuditEvent.objects.filter(kind=AuditKind.SIGN_OUT).exists()


def test_the_clinic_setting_is_respected(client, clock, clinic, front_desk):
    clinic.staff_idle_minutes = 5
    clinic.save()
    sign_in(client, front_desk)
    page = reverse("frontdesk:home")
    clock.shift(dt.timedelta(minutes=4, seconds=30))
    assert client.get(page).status_code == 200
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    assert_signed_out(client.get(page), page, "signed out after 5 idle minutes")


def test_staff_of_several_clinics_get_the_strictest(client, clock, clinic, other_clinic):
    other_clinic.staff_idle_minutes = 3
    other_clinic.save()
    desk = make_staff("front_desk", clinics=[clinic, other_clinic])
    sign_in(client, desk)
    clock.shift(dt.timedelta(minutes=3, seconds=1))
    page = reverse("frontdesk:home")
    assert_signed_out(client.get(page), page, "signed out after 3 idle minutes")


def test_a_changed_clinic_setting_applies_within_a_minute(client, clock, clinic, practitioner):
    sign_in(client, practitioner)
    clinic.staff_idle_minutes = 2
    clinic.save()
    clock.shift(dt.timedelta(minutes=1, seconds=1))
    assert my_day(client).status_code == 200  # activity written: the new limit read with it
    clock.shift(dt.timedelta(minutes=2, seconds=1))
    assert_signed_out(my_day(client), reverse("practice:my_day"), "signed out after 2 idle minutes")


def test_a_staff_session_lasts_at_most_12_hours_however_busy(client, clock, practitioner):
    sign_in(client, practitioner)
    for _ in range(71):  # 11 h 50 min of a page every ten minutes
        clock.shift(dt.timedelta(minutes=10))
        assert client.post(reverse("idle_ping")).status_code == 200
    assert my_day(client).status_code == 200
    clock.shift(dt.timedelta(minutes=10, seconds=1))
    response = my_day(client)
    assert_signed_out(response, reverse("practice:my_day"), "at most 12 hours")
    assert AuditEvent.objects.get(kind=AuditKind.SIGN_OUT).detail.startswith("maximum")


def test_a_clients_session_ends_after_30_idle_minutes_and_has_no_cap(client, clock, clinic):
    customer = make_client(clinic)
    user = make_portal_user(customer)
    sign_in(client, user)
    page = reverse("portal:home")
    for _ in range(14):  # 14 hours of a page every hour would be idle: every 29 minutes instead
        for _ in range(2):
            clock.shift(dt.timedelta(minutes=29))
            assert client.get(page).status_code == 200
    assert not AuditEvent.objects.filter(kind=AuditKind.SIGN_OUT).exists()
    clock.shift(dt.timedelta(minutes=30, seconds=1))
    assert_signed_out(client.get(page), page, "signed out after 30 idle minutes")


def test_the_session_is_written_at_most_once_a_minute(client, clock, practitioner):
    sign_in(client, practitioner)
    with CaptureQueriesContext(connection) as within_a_minute:
        for _ in range(10):
            clock.shift(dt.timedelta(seconds=5))
            assert my_day(client).status_code == 200
    assert session_writes(within_a_minute) == 0
    clock.shift(dt.timedelta(seconds=11))  # 61 s after the sign-in's write
    with CaptureQueriesContext(connection) as after_a_minute:
        for _ in range(5):
            assert my_day(client).status_code == 200
    assert session_writes(after_a_minute) == 1


def test_the_idle_status_check_and_background_requests_are_not_activity(client, clock, practitioner):
    sign_in(client, practitioner)
    for _ in range(14):
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        status = client.get(reverse("idle_ping"))
        assert status.status_code == 200 and status.json()["signed_in"] is True
        client.get(reverse("practice:my_day"), headers={"X-Pigment-Background": "1"})
    clock.shift(dt.timedelta(seconds=50))
    status = client.get(reverse("idle_ping"), headers={"Referer": "http://testserver/practice/"})
    assert status.status_code == 401
    assert status.json()["signed_in"] is False
    assert status.json()["sign_in"] == reverse("login") + "?next=%2Fpractice%2F"


def test_stay_signed_in_refreshes_the_session(client, clock, practitioner):
    sign_in(client, practitioner)
    clock.shift(dt.timedelta(minutes=14))
    assert client.get(reverse("idle_ping")).json()["seconds_left"] == 60
    stay = client.post(reverse("idle_ping"))
    assert stay.status_code == 200 and stay.json()["seconds_left"] == 15 * 60
    clock.shift(dt.timedelta(minutes=14))
    assert my_day(client).status_code == 200


def test_an_expired_htmx_request_sends_the_page_to_sign_in(client, clock, practitioner):
    sign_in(client, practitioner)
    clock.shift(dt.timedelta(minutes=16))
    response = client.get(reverse("practice:my_day"), headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/practice/?day=2026-03-02",
    })
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login") + "?next=%2Fpractice%2F%3Fday%3D2026-03-02"


def test_the_page_carries_the_idle_timeout_for_its_warning(client, clock, practitioner):
    sign_in(client, practitioner)
    clock.shift(dt.timedelta(seconds=30))
    html = my_day(client).content.decode()
    assert 'data-idle-seconds-left="870"' in html and 'data-idle-minutes="15"' in html
    assert 'id="idle-warning"' in html and "Stay signed in" in html


# ------------------------------------------------------------------ the ping URL, by role

@pytest.mark.parametrize("method", ["get", "post"])
def test_the_idle_ping_by_role(client, clinic, other_clinic, superuser, method):
    assert getattr(client, method)(reverse("idle_ping")).status_code == 401  # anonymous
    customer = make_client(clinic)
    users = [make_portal_user(customer)] + [
        make_staff(role, clinic) for role in ("front_desk", "practitioner", "manager")
    ] + [make_staff("front_desk", other_clinic), superuser]
    for user in users:
        sign_in(client, user)
        response = getattr(client, method)(reverse("idle_ping"))
        assert response.status_code == 200 and response.json()["signed_in"] is True
        client.logout()


def test_the_idle_ping_refuses_other_methods(client, practitioner):
    sign_in(client, practitioner)
    assert client.put(reverse("idle_ping")).status_code == 405
    assert client.delete(reverse("idle_ping")).status_code == 405
