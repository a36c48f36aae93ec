"""Who read what (R18): every page that shows clinical content leaves exactly one read in
the audit trail (who, role, which client, what, from where), each photo file served one of
its own, every export or download one export row; refusals, redirects and the live shade
suggestion leave none. The front desk sees no clinical content, so its pages leave no read."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from clinic.access import client_profile, role_of
from clinic.audit import AuditEvent, AuditKind, record_read
from sessions_app import booking, photos, records
from sessions_app.models import SessionPhoto
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session, make_staff, sign_in
from tests.practice_helpers import MARKER, jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ADDRESS = "203.0.113.9"


def reads():
    return AuditEvent.objects.filter(kind=AuditKind.READ)


def exports():
    return AuditEvent.objects.filter(kind=AuditKind.EXPORT)


def the_one(rows):
    """The single row of `rows` (fails loudly when there are none or several)."""
    found = list(rows)
    assert len(found) == 1, [str(r) for r in found]
    return found[0]


@pytest.fixture
def logged_second(second_session, first_log, practitioner):
    """Session 2 with a log of its own (notes carry the marker) and one photo."""
    records.save_session_log(
        session=second_session, by=practitioner,
        log=records.LogInput(shade_used=5, notes=f"Crown faded. {MARKER}"),
        new_photos=[(photos.prepare(upload(jpeg_with_gps())), "before", "Crown before")],
    )
    return second_session


@pytest.fixture
def photo(logged_second):
    return SessionPhoto.objects.get(session=logged_second)


@pytest.fixture
def paid_deposit(plan, front_desk):
    return booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk, method="card",
                                  reference="slip 7")


# --------------------------------------------------------------------------- practice pages


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_opening_a_session_log_leaves_one_read_with_who_role_client_what_and_address(
    client, request, who, logged_second, client_
):
    user = request.getfixturevalue(who)
    sign_in(client, user)
    url = reverse("practice:session_log", args=[logged_second.pk])
    assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 200

    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor, row.actor_role) == (AuditKind.READ, user, who)
    assert (row.client, row.clinic) == (client_, client_.clinic)
    assert row.what == "Session log: session 2"
    assert row.object_ref == f"treatmentsession:{logged_second.pk}"
    assert (row.ip, row.path) == (ADDRESS, url)


def test_the_live_shade_suggestion_is_part_of_the_log_already_read(client, practitioner, logged_second):
    sign_in(client, practitioner)
    url = reverse("practice:session_log", args=[logged_second.pk])
    response = client.get(url, {"partial": "suggestion", "retention_crown": "2"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_saving_a_log_is_no_read_but_the_page_it_returns_to_is_one(client, practitioner, second_session):
    sign_in(client, practitioner)
    url = reverse("practice:session_log", args=[second_session.pk])
    response = client.post(url, {"revision": "0", "notes": "Fine", "shade_used": "", "photo_kind": "before"})
    assert response.status_code == 302 and not reads().exists()
    client.get(response.url)
    assert the_one(reads()).what == "Session log: session 2"


def test_a_log_shown_again_with_its_errors_is_one_read(client, practitioner, second_session):
    sign_in(client, practitioner)
    url = reverse("practice:session_log", args=[second_session.pk])
    response = client.post(url, {"revision": "0", "shade_used": "99", "photo_kind": "before"})
    assert response.status_code == 200 and "not saved" in response.content.decode()
    assert the_one(reads()).what == "Session log: session 2"


def test_plan_progress_leaves_one_read(client, manager, logged_second, plan, client_):
    sign_in(client, manager)
    response = client.get(reverse("practice:plan_progress", args=[plan.pk]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor, row.actor_role, row.client) == (AuditKind.READ, manager, "manager", client_)
    assert row.what == "Plan progress: Full scalp"
    assert (row.object_ref, row.ip) == (f"treatmentplan:{plan.pk}", ADDRESS)


@pytest.mark.parametrize("variant,size", [("full", "full size"), ("thumb", "thumbnail")])
def test_each_photo_file_served_leaves_one_read(client, practitioner, photo, client_, variant, size):
    sign_in(client, practitioner)
    url = reverse("practice:photo", args=[photo.pk, variant])
    response = client.get(url, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor, row.actor_role, row.client) == (AuditKind.READ, practitioner, "practitioner",
                                                                 client_)
    assert row.what == f"Photo: session 2, before ({size})"
    assert (row.object_ref, row.ip, row.path) == (f"sessionphoto:{photo.pk}", ADDRESS, url)


def test_a_log_with_photos_is_one_read_and_each_thumbnail_the_browser_fetches_one_more(
    client, practitioner, photo, logged_second
):
    sign_in(client, practitioner)
    page = client.get(reverse("practice:session_log", args=[logged_second.pk])).content.decode()
    thumb = reverse("practice:photo", args=[photo.pk, "thumb"])
    assert thumb in page
    assert reads().count() == 1
    for _ in range(2):  # the browser fetches it again: each file request is a read
        client.get(thumb)
    assert Counter(reads().values_list("what", flat=True)) == {
        "Session log: session 2": 1, "Photo: session 2, before (thumbnail)": 2,
    }


def test_my_day_is_one_read_about_the_clinic_naming_the_clients_shown(
    client, practitioner, second_session, first_log, clinic, client_
):
    tomorrow = make_session(make_plan(make_client(clinic)), number=1, starts_at=chicago(3, 3, 13),
                            practitioner=practitioner)
    sign_in(client, practitioner)
    assert client.get(reverse("practice:my_day")).status_code == 200
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor_role) == (AuditKind.READ, "practitioner")
    assert (row.client, row.clinic) == (None, clinic)
    assert row.what == "My day: today's and tomorrow's sessions"
    assert row.detail == f"Clients shown: #{client_.pk}, #{tomorrow.client_id}"


def test_an_empty_day_shows_no_clinical_content_and_is_no_read(client, practitioner):
    sign_in(client, practitioner)
    assert client.get(reverse("practice:my_day")).status_code == 200
    assert not AuditEvent.objects.exists()


def test_refused_attempts_at_clinical_pages_leave_no_read(
    client, front_desk, other_practitioner, logged_second, photo, plan
):
    urls = [
        reverse("practice:session_log", args=[logged_second.pk]),
        reverse("practice:plan_progress", args=[plan.pk]),
        reverse("practice:photo", args=[photo.pk]),
        reverse("practice:photo", args=[photo.pk, "thumb"]),
    ]
    make_portal_user(plan.client)
    for user, status in ((front_desk, 403), (other_practitioner, 404), (plan.client.user, 403)):
        sign_in(client, user)
        assert [client.get(url).status_code for url in urls] == [status] * 4
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)
    assert not AuditEvent.objects.exists()


# --------------------------------------------------------------------------- the portal


def test_a_client_reading_their_own_plan_is_one_read_with_role_client(client, plan, client_):
    user = make_portal_user(client_)
    make_session(plan, number=1, starts_at=chicago(2, 16, 9), status="completed",
                 practitioner=make_staff("practitioner", plan.clinic))
    sign_in(client, user)
    assert client.get(reverse("portal:home"), REMOTE_ADDR=ADDRESS).status_code == 200
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor, row.actor_role, row.client) == (AuditKind.READ, user, "client", client_)
    assert (row.what, row.object_ref, row.ip) == ("Own plan in the portal: Full scalp",
                                                  f"treatmentplan:{plan.pk}", ADDRESS)


def test_the_portal_without_a_plan_shows_nothing_clinical_and_records_nothing(client, client_):
    sign_in(client, make_portal_user(client_))
    assert client.get(reverse("portal:home")).status_code == 200
    assert not AuditEvent.objects.exists()


def test_asking_the_portal_for_another_clients_plan_is_refused_and_not_recorded(client, plan, clinic):
    stranger = make_client(clinic)
    sign_in(client, make_portal_user(stranger))
    assert client.get(reverse("portal:home"), {"plan": plan.pk}).status_code == 404
    assert not AuditEvent.objects.exists()


# --------------------------------------------------------------------------- exports and downloads


def test_a_calendar_file_download_is_an_export(client, second_session, client_):
    user = make_portal_user(client_)
    sign_in(client, user)
    response = client.get(reverse("portal:session_ics", args=[second_session.pk]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor, row.actor_role, row.client) == (AuditKind.EXPORT, user, "client", client_)
    assert (row.what, row.object_ref, row.ip) == ("Calendar file (.ics): session 2",
                                                  f"treatmentsession:{second_session.pk}", ADDRESS)


def test_the_printable_receipt_is_an_export(client, front_desk, paid_deposit, client_):
    sign_in(client, front_desk)
    response = client.get(reverse("money:deposit_receipt", args=[paid_deposit.pk]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor, row.actor_role, row.client) == (AuditKind.EXPORT, front_desk, "front_desk",
                                                                 client_)
    assert row.what == f"Deposit receipt D-{paid_deposit.pk:06d}, printable"
    assert (row.object_ref, row.ip) == (f"deposit:{paid_deposit.pk}", ADDRESS)


def test_an_emailed_receipt_is_an_export_naming_the_address(client, manager, paid_deposit, client_):
    sign_in(client, manager)
    assert client.post(reverse("money:deposit_receipt", args=[paid_deposit.pk])).status_code == 302
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor_role, row.client) == (AuditKind.EXPORT, "manager", client_)
    assert row.what == f"Deposit receipt D-{paid_deposit.pk:06d}, e-mailed"
    assert row.detail == f"Sent to {client_.email}"


def test_a_receipt_that_could_not_be_emailed_is_no_export(client, front_desk, paid_deposit, client_):
    client_.email_consent = False
    client_.save()
    sign_in(client, front_desk)
    client.post(reverse("money:deposit_receipt", args=[paid_deposit.pk]))
    assert not AuditEvent.objects.exists()


def test_the_day_sheet_is_an_export_of_the_clinic(client, front_desk, clinic):
    make_session(make_plan(make_client(clinic)), number=1, starts_at=chicago(3, 3, 10),
                 practitioner=make_staff("practitioner", clinic))
    sign_in(client, front_desk)
    assert client.get(reverse("money:day_sheet"), REMOTE_ADDR=ADDRESS).status_code == 200
    row = the_one(AuditEvent.objects.all())
    assert (row.kind, row.actor_role) == (AuditKind.EXPORT, "front_desk")
    assert (row.client, row.clinic) == (None, clinic)
    assert (row.what, row.detail, row.ip) == ("Day sheet", "Chicago 2026-03-03: 1 sessions", ADDRESS)


# --------------------------------------------------------------------------- cost


def test_recording_a_read_costs_one_insert_and_nothing_else(
    rf, practitioner, client_, django_assert_num_queries
):
    request = rf.get("/practice/")
    request.user = type(practitioner).objects.get(pk=practitioner.pk)
    role_of(request.user)  # what the view's access check has loaded already
    with django_assert_num_queries(1) as queries:
        record_read(request, client=client_, what="Session log: session 1")
    assert queries.captured_queries[0]["sql"].startswith('INSERT INTO "clinic_auditevent"')

    request.user = make_portal_user(client_)
    request.user = type(request.user).objects.get(pk=request.user.pk)
    role_of(request.user)
    client_profile(request.user)  # the portal's client_required
    with django_assert_num_queries(1):
        record_read(request, client=client_, what="Own plan in the portal")


# --------------------------------------------------------------------------- the front desk


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


SKIPPED_PREFIXES = ("/admin/", "/accounts/", "/static/", "/media/")


def crawl(client, start: list[str], *, per_view: int = 2, limit: int = 120) -> dict[str, str]:
    """GET every page reachable by links from `start` (at most `per_view` URLs per view,
    so the calendar's hundreds of slot links count once or twice): {url: url_name}."""
    seen: dict[str, str] = {}
    per_name: Counter = Counter()
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or path.startswith(SKIPPED_PREFIXES):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if per_name[match.view_name] >= per_view:
            continue
        per_name[match.view_name] += 1
        response = client.get(url)
        seen[url] = match.view_name
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            page = response.content.decode()
            assert MARKER not in page, f"{url} shows clinical notes"
            parser = _Links()
            parser.feed(page)
            queue += [urljoin(url, h) for h in parser.hrefs if not h.startswith(("#", "mailto:", "tel:"))]
    return seen


def test_a_front_desk_crawl_of_their_pages_reads_no_clinical_content(
    client, front_desk, logged_second, photo, plan, paid_deposit
):
    sign_in(client, front_desk)
    seen = crawl(client, [
        reverse("home"), reverse("frontdesk:client_detail", args=[plan.client_id]),
        reverse("frontdesk:plan_detail", args=[plan.pk]),
        reverse("money:deposit_detail", args=[paid_deposit.pk]),
        reverse("frontdesk:calendar") + f"?date={logged_second.starts_at.date():%Y-%m-%d}",
    ])
    visited = set(seen.values())
    for name in ("frontdesk:home", "frontdesk:calendar", "frontdesk:client_list", "frontdesk:client_detail",
                 "frontdesk:plan_detail", "frontdesk:book_session", "frontdesk:session_reschedule",
                 "money:plan_bill", "money:deposit_detail", "money:deposit_receipt", "money:worklists",
                 "money:day_sheet", "aftercare:outbox", "aftercare:client_messages"):
        assert name in visited, f"the crawl never reached {name}"
    assert not reads().exists()
    # The receipt and the day sheet it reached are downloads, recorded as such.
    assert set(exports().values_list("actor_role", flat=True)) == {"front_desk"}
    # Typed by hand, the clinical pages are refused and leave nothing either.
    for url in (reverse("practice:session_log", args=[logged_second.pk]),
                reverse("practice:plan_progress", args=[plan.pk]),
                reverse("practice:photo", args=[photo.pk, "thumb"]), reverse("practice:my_day")):
        assert client.get(url).status_code == 403
    assert not reads().exists()


def test_a_booked_session_shown_to_the_front_desk_leaves_its_log_unread(client, front_desk, logged_second):
    sign_in(client, front_desk)
    day = logged_second.starts_at.astimezone(logged_second.clinic.tz).date()
    for url in (reverse("frontdesk:home"), reverse("frontdesk:calendar") + f"?date={day:%Y-%m-%d}",
                reverse("frontdesk:calendar") + f"?date={day:%Y-%m-%d}&view=week"):
        assert client.get(url).status_code == 200
    assert not AuditEvent.objects.exists()
