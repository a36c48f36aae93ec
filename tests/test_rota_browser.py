"""Who works when in a real browser (Chromium, headless, strict CSP): a manager edits the rota
in place; the front desk books around a practitioner's day off. Screenshots go to
var/screenshots/."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser import shot, sign_in
from tests.clock import chicago
from tests.factories import add_time_off, make_client, make_plan
from tests.frontdesk_helpers import session_one_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_watch(page) -> list:
    blocked = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and blocked.append(msg.text))
    return blocked


def test_a_manager_edits_a_split_day_in_place_on_the_rota(
    ticking_monday, page, live_server, clinic, manager, practitioner, second_practitioner
):
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = csp_watch(page)
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Rota").click()
    page.wait_for_load_state()
    grid = page.locator("#rota-week")
    expect(grid).to_contain_text("Pat Needle")
    address = page.url
    cell = page.locator(f"#cell-{practitioner.pk}-0")
    cell.get_by_role("link", name=re.compile("Change Pat Needle's hours on Monday")).click()
    cell.get_by_label("From (1)").fill("09:00")
    cell.get_by_label("To (1)").fill("13:00")
    cell.get_by_label("From (2)").fill("14:00")
    cell.get_by_label("To (2)").fill("18:00")
    cell.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Pat Needle now has own working hours")
    expect(cell).to_contain_text("09:00–13:00")
    expect(cell).to_contain_text("14:00–18:00")
    assert page.url == address
    friday = page.locator(f"#cell-{practitioner.pk}-4")
    friday.get_by_role("link").click()
    friday.get_by_label("From (1)").fill("")
    friday.get_by_label("To (1)").fill("")
    friday.get_by_role("button", name="Save").click()
    expect(friday).to_contain_text("Saved")  # swapped in place
    expect(friday).to_contain_text("Off")
    tuesday = page.locator(f"#cell-{practitioner.pk}-1")
    tuesday.get_by_role("link").click()
    tuesday.get_by_label("From (1)").fill("07:00")
    tuesday.get_by_label("To (1)").fill("12:00")
    tuesday.get_by_role("button", name="Save").click()
    expect(tuesday).to_contain_text("Chicago is open 09:00-18:00 on Tuesdays")
    shot(page, "rota_week_edit_in_place")
    page.goto(f"{live_server.url}/desk/calendar/?clinic={clinic.pk}&date=2026-03-04&view=week")
    expect(page.locator(".cal-week")).to_contain_text("09:00-13:00, 14:00-18:00")
    expect(page.locator(".cal-week")).to_contain_text("Off")
    shot(page, "rota_calendar_week_who_works")
    assert blocked == []


def test_the_front_desk_books_around_a_practitioners_day_off(
    ticking_monday, page, live_server, clinic, front_desk, practitioner
):
    carl = make_client(clinic, first_name="Carl", last_name="Client")
    plan = make_plan(carl, quoted_sessions=3)
    session_one_done(plan, practitioner)  # the usual target for session 2 is 5-9 March
    add_time_off(practitioner, chicago(3, 5, 0), chicago(3, 6, 0), reason="Holiday")
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = csp_watch(page)
    sign_in(page, live_server, front_desk)
    page.goto(f"{live_server.url}/desk/plans/{plan.pk}/book/")
    expect(page.get_by_role("heading", name="Book session 2 of 3")).to_be_visible()
    first = page.locator("[data-slot-date]").first
    expect(first).to_contain_text("Fri 6 Mar")  # Thursday 5 March is the day off
    expect(page.locator("[data-slot-date='2026-03-05']")).to_have_count(0)
    page.get_by_label("Date").fill("2026-03-05")
    page.get_by_label(re.compile("Start time")).fill("10:00")
    page.get_by_label("Date").dispatch_event("change")
    expect(page.locator("#booking-check")).to_contain_text("Pat Needle is off from 5 March 00:00")
    expect(page.locator("#booking-check")).to_contain_text("next works there Friday 6 March")
    shot(page, "rota_booking_around_day_off")
    first.click()
    page.get_by_role("button", name="Book session 2").click()
    expect(page.locator(".alert-success")).to_contain_text("Friday 6 March 2026")
    page.goto(f"{live_server.url}/desk/calendar/?clinic={clinic.pk}&date=2026-03-05")
    expect(page.locator(".cal-away")).to_contain_text("Pat Needle is off")
    expect(page.locator(".cal-free")).to_have_count(0)
    shot(page, "rota_calendar_day_off")
    assert blocked == []
    booked = plan.sessions.get(number=2).starts_at.astimezone(chicago(3, 6).tzinfo)
    assert booked.date() == dt.date(2026, 3, 6)


def test_a_closure_over_a_booked_session_lists_it_and_moves_it_first(
    ticking_monday, page, live_server, clinic, manager, front_desk, practitioner, second_practitioner
):
    from sessions_app import booking

    carl = make_client(clinic, first_name="Carl", last_name="Client")
    plan = make_plan(carl, quoted_sessions=3)
    session = booking.book_session(plan=plan, starts_at=chicago(3, 12, 10), practitioner=practitioner,
                                   by=front_desk)
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = csp_watch(page)
    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}/desk/rota/{clinic.pk}/closures/")
    expect(page.locator("#holiday-list")).to_contain_text("Independence Day")
    form = page.locator("#closure-form")
    form.get_by_label("Date").fill("2026-03-12")
    form.get_by_label("Reason").fill("Refit")
    form.get_by_role("button", name="Close that day").click()
    affected = page.locator("#affected")
    expect(affected).to_contain_text("1 booked session inside the closure")
    expect(affected).to_contain_text("Carl Client")
    expect(affected).to_contain_text("No deposit is held for this session.")
    shot(page, "rota_closure_affected_sessions")
    affected.locator(".move-options button").first.click()
    expect(page.locator(".alert-success")).to_contain_text("Carl Client's session moved to")
    expect(page.locator("#affected")).to_have_count(0)
    expect(page.locator("#closure-form").get_by_label("Reason")).to_have_value("Refit")
    page.locator("#closure-form").get_by_role("button", name="Close that day").click()
    expect(page.locator("#closure-list")).to_contain_text("Thu 12 March 2026")
    shot(page, "rota_closures")
    session.refresh_from_db()
    assert session.starts_at.astimezone(chicago(3, 12).tzinfo).date() != dt.date(2026, 3, 12)
    assert blocked == []
