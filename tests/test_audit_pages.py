"""The managers' access log (R18): who opened a client's record, what a staff member opened,
and everything at their clinics; filtered on each clinic's local dates (also across a
daylight-saving change), in pages, with a CSV download of exactly the filtered rows that is
itself recorded. Managers see their clinics only; superusers everything; others get 403."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from clinic.audit import AuditEvent, AuditKind, record_event
from tests.clock import LONDON, chicago
from tests.factories import PASSWORD, make_client, make_portal_user, make_staff, sign_in

pytestmark = [pytest.mark.django_db]



def london(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


NOW = chicago(3, 12, 10)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="root", email="root@example.com",
                                                     password=PASSWORD)


@pytest.fixture
def other_manager(other_clinic):
    return make_staff("manager", other_clinic, first_name="Lola", last_name="London")


@pytest.fixture
def london_client(other_clinic):
    return make_client(other_clinic, first_name="Lenny", last_name="Thames")


def event(actor, *, at: dt.datetime | None = None, kind=AuditKind.READ, client=None, clinic=None,
          what="Session log: session 1", address="198.51.100.4", **fields) -> AuditEvent:
    """An audit row written as the application writes it, at `at` (the row's own clock)."""
    request = RequestFactory().get("/practice/sessions/1/", REMOTE_ADDR=address)
    request.user = actor
    with time_machine.travel(at or NOW, tick=False):
        return record_event(kind=kind, request=request, client=client, clinic=clinic, what=what, **fields)


def index_url(**query):
    return _with(reverse("reports:access"), query)


def client_url(client, csv_=False, **query):
    name = "reports:access_client_csv" if csv_ else "reports:access_client"
    return _with(reverse(name, args=[client.pk]), query)


def staff_url(user, csv_=False, **query):
    name = "reports:access_staff_csv" if csv_ else "reports:access_staff"
    return _with(reverse(name, args=[user.pk]), query)


def _with(url, query):
    return f"{url}?{urlencode(query)}" if query else url


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- who may see it


def _all_urls(client_, practitioner):
    return [
        index_url(), reverse("reports:access_csv"), index_url(format="csv"),
        client_url(client_), client_url(client_, csv_=True),
        staff_url(practitioner), staff_url(practitioner, csv_=True),
    ]


def test_anonymous_users_are_sent_to_sign_in(client, client_, practitioner):
    for url in _all_urls(client_, practitioner):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["portal_client", "front_desk", "practitioner"])
def test_clients_front_desk_and_practitioners_get_403(client, request, who, client_, practitioner):
    if who == "portal_client":
        user = make_portal_user(make_client(client_.clinic))
    else:
        user = request.getfixturevalue(who)
    sign_in(client, user)
    for url in _all_urls(client_, practitioner):
        assert client.get(url).status_code == 403, url
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


@pytest.mark.parametrize("who", ["manager", "superuser"])
def test_managers_and_superusers_see_every_page(client, request, who, client_, practitioner):
    sign_in(client, request.getfixturevalue(who))
    for url in _all_urls(client_, practitioner):
        assert client.get(url).status_code == 200, url


def test_another_clinics_manager_gets_404_for_this_clinics_client_and_staff(
    client, other_manager, client_, practitioner, front_desk
):
    sign_in(client, other_manager)
    for url in _all_urls(client_, practitioner)[3:] + [staff_url(front_desk)]:
        assert client.get(url).status_code == 404, url
    assert client.get(index_url()).status_code == 200
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


def test_ids_that_are_no_staff_member_are_404(client, manager, client_, superuser):
    portal_user = make_portal_user(client_)
    sign_in(client, manager)
    for user_id in (portal_user.pk, superuser.pk, 987654):
        assert client.get(reverse("reports:access_staff", args=[user_id])).status_code == 404
    assert client.get(reverse("reports:access_client", args=[987654])).status_code == 404


def test_the_navigation_and_the_client_page_link_to_the_log_for_managers_only(
    client, manager, front_desk, client_
):
    sign_in(client, manager)
    page = client.get(reverse("frontdesk:client_detail", args=[client_.pk])).content.decode()
    assert reverse("reports:access") in page and "Who opened this record" in page
    assert client_url(client_) in page
    sign_in(client, front_desk)
    page = client.get(reverse("frontdesk:client_detail", args=[client_.pk])).content.decode()
    assert reverse("reports:access") not in page and client_url(client_) not in page


# --------------------------------------------------------------------------- what each page shows


def test_the_client_page_lists_who_opened_this_clients_record(
    client, manager, practitioner, front_desk, client_, clinic
):
    event(practitioner, client=client_, what="Session log: session 2",
          at=chicago(3, 10, 9, 15))
    event(front_desk, client=client_, kind=AuditKind.EXPORT, what="Deposit receipt D-000001, printable")
    event(practitioner, client=make_client(clinic), what="Plan progress of someone else")
    sign_in(client, manager)
    page = client.get(client_url(client_)).content.decode()
    assert "Who opened this record" in page and client_.full_name in page
    assert "Session log: session 2" in page and "Deposit receipt D-000001, printable" in page
    assert "someone else" not in page
    assert "Pat Needle" in page and "Practitioner" in page and "198.51.100.4" in page
    assert "Tue 10 Mar 2026, 09:15 CDT" in page  # the clinic's local time
    assert staff_url(practitioner) in page
    assert '<th scope="col">Who</th>' in page


def test_the_staff_page_shows_what_they_opened_at_the_managers_clinics_only(
    client, manager, other_manager, superuser, client_, london_client, clinic, other_clinic
):
    both = make_staff("practitioner", clinic, clinics=(other_clinic,), first_name="Bo", last_name="Th")
    event(both, client=client_, what="Session log: Chicago visit")
    event(both, client=london_client, what="Session log: London visit")
    event(manager, client=client_, what="Opened by someone else")

    sign_in(client, manager)
    page = client.get(staff_url(both)).content.decode()
    assert "Chicago visit" in page and "London visit" not in page and "someone else" not in page
    assert client_.full_name in page and client_url(client_) in page
    sign_in(client, other_manager)
    page = client.get(staff_url(both)).content.decode()
    assert "London visit" in page and "Chicago visit" not in page
    sign_in(client, superuser)
    page = client.get(staff_url(both)).content.decode()
    assert "London visit" in page and "Chicago visit" in page


def test_the_index_shows_the_managers_clinics_only(
    client, manager, practitioner, other_manager, client_, london_client, superuser
):
    event(practitioner, client=client_, what="Chicago read")
    event(other_manager, client=london_client, what="London read")
    sign_in(client, manager)
    page = client.get(index_url()).content.decode()
    assert "Chicago read" in page and "London read" not in page
    assert staff_url(practitioner) in page  # the list of staff to look up
    sign_in(client, superuser)
    page = client.get(index_url()).content.decode()
    assert "Chicago read" in page and "London read" in page


def test_the_kind_filter_keeps_reads_exports_or_account_events(client, manager, practitioner, client_):
    event(practitioner, client=client_, what="A read")
    event(practitioner, client=client_, kind=AuditKind.EXPORT, what="An export")
    event(practitioner, kind=AuditKind.SIGN_IN, clinic=client_.clinic, what="Signed in")
    sign_in(client, manager)
    shown = {
        kind: client.get(index_url(kind=kind)).content.decode() for kind in ("read", "export", "account")
    }
    assert "A read" in shown["read"] and "An export" not in shown["read"] and "Signed in" not in shown["read"]
    assert "An export" in shown["export"] and "A read" not in shown["export"]
    assert "Signed in" in shown["account"] and "A read" not in shown["account"]


def test_an_empty_log_says_so(client, manager, client_):
    sign_in(client, manager)
    assert "Nobody has opened this record yet." in client.get(client_url(client_)).content.decode()
    page = client.get(client_url(client_, date_from="2026-01-01")).content.decode()
    assert "Nothing recorded matches these filters." in page


# --------------------------------------------------------------------------- dates


def test_dates_are_the_clinics_local_dates_across_the_change_to_summer_time(
    client, superuser, practitioner, other_manager, client_, london_client
):
    """Chicago moves its clocks on Sunday 8 March 2026: that day lasts 23 hours."""
    rows = {
        "saturday late": chicago(3, 7, 23, 30),  # 8 March in UTC
        "sunday early": chicago(3, 8, 0, 30),
        "sunday late": chicago(3, 8, 23, 30),  # 9 March in UTC
        "monday early": chicago(3, 9, 0, 30),  # before 06:00 UTC
    }
    for what, at in rows.items():
        event(practitioner, client=client_, what=f"Chicago {what}", at=at)
    # London's rows are judged on London's dates, whatever the viewer's clinic.
    event(other_manager, client=london_client, what="London sunday", at=london(3, 8, 0, 30))
    event(other_manager, client=london_client, what="London monday", at=london(3, 9, 0, 30))

    sign_in(client, superuser)
    page = client.get(index_url(date_from="2026-03-08", date_to="2026-03-08")).content.decode()
    shown = {w for w in [f"Chicago {k}" for k in rows] + ["London sunday", "London monday"] if w in page}
    assert shown == {"Chicago sunday early", "Chicago sunday late", "London sunday"}
    assert "Sun 8 Mar 2026, 00:30 CST" in page and "Sun 8 Mar 2026, 23:30 CDT" in page
    assert "Sun 8 Mar 2026, 00:30 GMT" in page

    only_from = client.get(client_url(client_, date_from="2026-03-09")).content.decode()
    assert "Chicago monday early" in only_from and "Chicago sunday late" not in only_from
    only_to = client.get(client_url(client_, date_to="2026-03-07")).content.decode()
    assert "Chicago saturday late" in only_to and "Chicago sunday early" not in only_to


def test_bad_dates_get_a_clear_error_and_no_rows(client, manager, practitioner, client_):
    event(practitioner, client=client_, what="Session log: session 2")
    sign_in(client, manager)
    response = client.get(client_url(client_, date_from="2026-03-09", date_to="2026-03-01"))
    page = response.content.decode()
    assert response.status_code == 200 and "The end date comes before the start date." in page
    assert "Session log: session 2" not in page and 'value="2026-03-09"' in page  # what was typed stays
    assert "Choose a date between" in client.get(client_url(client_, date_from="9999-12-31")).content.decode()
    assert "Enter a valid date" in client.get(client_url(client_, date_to="not-a-date")).content.decode()
    response = client.get(client_url(client_, csv_=True, date_from="2026-03-09", date_to="2026-03-01"))
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


# --------------------------------------------------------------------------- CSV


def test_the_csv_holds_exactly_the_filtered_rows_and_is_itself_recorded(
    client, manager, practitioner, front_desk, client_, clinic
):
    event(practitioner, client=client_, what="Before the period", at=chicago(3, 1, 12))
    event(practitioner, client=client_, what="Session log: session 2", at=chicago(3, 3, 9))
    event(front_desk, client=client_, kind=AuditKind.EXPORT, what="Deposit receipt D-000001, printable",
          at=chicago(3, 4, 18, 5), detail="Sent to carl@example.com")
    event(practitioner, client=make_client(clinic), what="Another client's log",
          at=chicago(3, 3, 10))
    sign_in(client, manager)

    rows = csv_rows(client.get(client_url(client_, csv_=True, date_from="2026-03-02", date_to="2026-03-12"),
                               REMOTE_ADDR="192.0.2.50"))
    assert [r["What"] for r in rows] == ["Deposit receipt D-000001, printable", "Session log: session 2"]
    receipt = rows[0]
    assert receipt["Local time"] == "2026-03-04T18:05:00-06:00" and receipt["Time zone"] == "America/Chicago"
    assert receipt["UTC time"] == "2026-03-05T00:05:00+00:00"
    assert (receipt["Who"], receipt["Role"], receipt["Client"], receipt["Client id"]) == (
        "Fran Desk", "Front desk", "Carl Client", str(client_.pk))
    assert (receipt["Event"], receipt["Clinic"], receipt["Address"]) == ("Export or download", "Chicago",
                                                                        "198.51.100.4")

    export = AuditEvent.objects.filter(kind=AuditKind.EXPORT, actor=manager).get()
    assert (export.client, export.actor_role, export.ip) == (client_, "manager", "192.0.2.50")
    assert export.what == "Access log (CSV): who opened this record"
    assert export.detail == "Filters: from 2026-03-02, to 2026-03-12"
    # The next download of the same rows shows the first one.
    again = csv_rows(client.get(client_url(client_, csv_=True, date_from="2026-03-02", date_to="2026-03-12")))
    assert again[0]["What"] == "Access log (CSV): who opened this record" and len(again) == 3


def test_each_page_downloads_its_own_rows(client, manager, practitioner, front_desk, client_):
    event(practitioner, client=client_, what="By the practitioner")
    event(front_desk, client=client_, kind=AuditKind.EXPORT, what="By the desk")
    sign_in(client, manager)
    rows = csv_rows(client.get(staff_url(practitioner, csv_=True)))
    assert [r["What"] for r in rows] == ["By the practitioner"]
    assert AuditEvent.objects.get(actor=manager, subject_user=practitioner).what == (
        "Access log (CSV): what a staff member opened")
    everything = csv_rows(client.get(index_url(format="csv", kind="export")))
    assert [r["What"] for r in everything] == ["Access log (CSV): what a staff member opened", "By the desk"]


def test_the_csv_never_hands_a_spreadsheet_a_formula(client, manager, practitioner, clinic):
    sneaky = make_client(clinic, first_name="=HYPERLINK(\"http://evil\")", last_name="x")
    event(practitioner, client=sneaky, what="Session log: session 1", detail="+1 and -1 and @sum")
    sign_in(client, manager)
    row = csv_rows(client.get(client_url(sneaky, csv_=True)))[0]
    assert row["Client"] == "'=HYPERLINK(\"http://evil\") x" and row["Detail"] == "'+1 and -1 and @sum"


# --------------------------------------------------------------------------- pages and cost


def test_the_log_is_paginated_newest_first_keeping_the_filters(client, manager, practitioner, client_):
    for n in range(120):
        event(practitioner, client=client_, what=f"Read number {n:03d}")
    sign_in(client, manager)
    first = client.get(client_url(client_, kind="read")).content.decode()
    assert "Read number 119" in first and "Read number 070" in first and "Read number 069" not in first
    assert "Page 1 of 3 · 120 rows" in first and "?kind=read&amp;page=2" in first
    last = client.get(client_url(client_, kind="read", page=3)).content.decode()
    assert "Read number 019" in last and "Read number 000" in last and "Read number 020" not in last
    beyond = client.get(client_url(client_, kind="read", page=99)).content.decode()
    assert "Page 3 of 3" in beyond  # a page past the end shows the last one


def test_pages_run_the_same_queries_for_ten_times_the_rows(
    client, manager, practitioner, front_desk, client_, clinic, django_assert_max_num_queries
):
    def add_rows(count):
        for n in range(count):
            who = practitioner if n % 2 else front_desk
            event(who, client=client_ if n % 3 else make_client(clinic), what=f"Row {n}")

    urls = [index_url(), index_url(date_from="2026-03-01", kind="read"), client_url(client_),
            client_url(client_, date_to="2026-03-31"), staff_url(practitioner, date_from="2026-03-01")]
    sign_in(client, manager)
    add_rows(6)
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(20) as few:
            assert client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    add_rows(60)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_pages_count_rows_up_to_a_limit_and_point_to_dates_and_the_csv_beyond(
    client, manager, practitioner, client_, monkeypatch
):
    from reports import views

    monkeypatch.setattr(views, "COUNT_LIMIT", 60)
    for n in range(120):
        event(practitioner, client=client_, what=f"Read number {n:03d}")
    sign_in(client, manager)
    first = client.get(client_url(client_)).content.decode()
    assert "Page 1 of 2 · more than 60 rows" in first and "Read number 119" in first
    last = client.get(client_url(client_, page=2)).content.decode()
    assert "Read number 069" in last and "Read number 059" in last and "Read number 058" not in last
    assert "choose dates above, or download the CSV" in last
    assert len(csv_rows(client.get(client_url(client_, csv_=True)))) == 120
