"""The access log in a real browser: a practitioner opens a session log (whose photo
thumbnail the browser fetches), then the manager goes from the client's page to "Who opened
this record", filters by date and downloads the CSV. Screenshots in var/screenshots/."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clinic.audit import AuditEvent, AuditKind
from sessions_app import photos, records
from tests.browser import shot, sign_in
from tests.practice_helpers import jpeg_with_gps, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_who_opened_a_record_and_downloads_it(
    ticking_monday, page, live_server, practitioner, manager, second_session, first_log, client_
):
    records.save_session_log(session=second_session, by=practitioner, new_photos=[
        (photos.prepare(upload(jpeg_with_gps())), "before", "Crown before"),
    ])
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, live_server, practitioner)
    page.goto(f"{live_server.url}{reverse('practice:session_log', args=[second_session.pk])}")
    thumbnail = page.get_by_role("img", name=re.compile("Before photo"))
    thumbnail.scroll_into_view_if_needed()
    expect(thumbnail).to_have_js_property("complete", True)
    page.context.clear_cookies()

    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}{reverse('frontdesk:client_detail', args=[client_.pk])}")
    page.get_by_role("link", name="Who opened this record").click()
    expect(page.get_by_role("heading", name="Who opened this record")).to_be_visible()
    table = page.get_by_role("table", name="Who opened this record")
    expect(table).to_contain_text("Session log: session 2")
    expect(table).to_contain_text("Photo: session 2, before (thumbnail)")
    expect(table).to_contain_text("Pat Needle")
    expect(table).to_contain_text("Mon 2 Mar 2026")
    expect(table).to_contain_text("CST")
    shot(page, "audit_who_opened_this_record")

    page.get_by_label("From").fill("2026-03-02")
    page.get_by_label("To").fill("2026-03-02")
    page.get_by_label("Show").select_option("read")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"date_from=2026-03-02"))
    expect(table).to_contain_text("Session log: session 2")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert {r["What"] for r in rows} == {"Session log: session 2", "Photo: session 2, before (thumbnail)"}
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, actor=manager).count() == 1

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "audit_who_opened_this_record_phone")
    page.goto(f"{live_server.url}{reverse('reports:access')}")
    page.set_viewport_size({"width": 1280, "height": 860})
    expect(page.get_by_role("heading", name="Access log")).to_be_visible()
    shot(page, "audit_access_log")
