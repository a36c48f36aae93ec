"""The front desk in a real browser (Chromium, headless): find a client, book session 2 from
the proposed slots and see it on the calendar; a refused third session shows its window; a
reschedule shows its impact first. Screenshots go to var/screenshots/ for people to look at."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sessions_app import booking
from sessions_app.models import TreatmentSession
from tests.browser import (
    shot,
    sign_in,
)
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session
from tests.frontdesk_helpers import pay_deposit, session_one_done, sessions_one_and_two_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]








def test_find_a_client_book_session_2_from_a_proposed_slot_and_see_it_on_the_calendar(
    ticking_monday, page, live_server, clinic, front_desk, practitioner, second_practitioner
):
    carl = make_client(clinic, first_name="Carl", last_name="Client")
    plan = make_plan(carl, quoted_sessions=3)
    session_one_done(plan, practitioner)  # Monday 23 February: the usual target is 5-9 March
    dana = make_client(clinic, first_name="Dana", last_name="Brooks", paperwork_completed_at=None)
    other = make_plan(dana)
    make_session(other, number=1, starts_at=chicago(3, 5, 13), practitioner=second_practitioner)
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = []  # the strict CSP must not have to block anything on these pages
    page.on("console", lambda msg: "Content Security Policy" in msg.text and blocked.append(msg.text))
    sign_in(page, live_server, front_desk)

    page.get_by_role("link", name="Clients").click()
    page.wait_for_load_state()
    page.get_by_placeholder("Name, e-mail or phone").fill("carl cl")
    results = page.locator("#client-results")
    expect(results).to_contain_text("1 client matching “carl cl”")
    results.get_by_role("link", name="Client, Carl").click()
    page.get_by_role("link", name="Book", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Book session 2 of 3")).to_be_visible()
    expect(page.locator("#window")).to_contain_text("usual target 5 March–9 March")
    first = page.locator("[data-slot-date]").first
    expect(first).to_contain_text("Thu 5 Mar")
    first.click()
    expect(page.locator("#booking-check")).to_contain_text(
        "Available: Thursday 5 March, 09:00–12:00 with Pat Needle."
    )
    expect(page.get_by_label("Date")).to_have_value("2026-03-05")
    shot(page, "frontdesk_booking_form")

    page.get_by_role("button", name="Book session 2").click()
    expect(page.locator(".alert-success")).to_contain_text("Session 2 of 3 booked for Carl Client")
    second = TreatmentSession.objects.get(plan=plan, number=2)
    block = page.locator(f"#cal-session-{second.pk}")
    expect(block).to_contain_text("09:00–12:00")
    expect(block).to_contain_text("Session 2 of 3")
    expect(page.locator(".cal-session", has_text="Dana Brooks")).to_contain_text("Paperwork")
    page.set_viewport_size({"width": 1024, "height": 900})
    shot(page, "frontdesk_calendar_day_tablet")
    page.get_by_role("link", name="Week").click()
    expect(page.locator(f"#cal-session-{second.pk}")).to_contain_text("Carl Client")
    shot(page, "frontdesk_calendar_week_tablet")
    assert blocked == []


def test_a_refused_third_session_shows_its_window(ticking_monday, page, live_server, client_, plan,
                                                   front_desk, practitioner):
    sessions_one_and_two_done(plan, practitioner)  # window 17-24 March
    pay_deposit(plan, front_desk)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, front_desk)
    page.goto(f"{live_server.url}{reverse('frontdesk:book_session', args=[plan.pk])}")

    expect(page.locator("#window")).to_contain_text("From Tue 17 March to Tue 24 March")
    page.get_by_label("Date").fill("2026-03-16")
    page.get_by_label(re.compile("Start time")).fill("10:00")
    check = page.locator("#booking-check")
    expect(check).to_contain_text(
        "A third session can start from 17 March (21 days after session 2) to 24 March."
    )
    page.get_by_role("button", name="Book session 3").click()
    expect(page.locator(".refusal")).to_contain_text("A third session can start from 17 March")
    expect(page.get_by_label("Date")).to_have_value("2026-03-16")
    shot(page, "frontdesk_booking_refused_third")
    assert not TreatmentSession.objects.filter(plan=plan, number=3).exists()


def test_a_reschedule_shows_its_impact_before_confirming(ticking_monday, page, live_server, plan,
                                                        front_desk, practitioner):
    session_one_done(plan, practitioner)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 5), practitioner=practitioner,
                                  by=front_desk)
    pay_deposit(plan, front_desk)
    booking.book_session(plan=plan, starts_at=chicago(3, 26), practitioner=practitioner,
                         by=front_desk)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, front_desk)
    page.goto(f"{live_server.url}{reverse('frontdesk:plan_detail', args=[plan.pk])}")
    page.locator(f"#session-{second.pk}").get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name="Move session 2 of 3")).to_be_visible()
    page.wait_for_load_state()  # htmx listens once the page has loaded

    page.get_by_label("Date").fill("2026-03-12")
    preview = page.locator("#reschedule-preview")
    expect(preview).to_contain_text("This would put later bookings outside their rules")
    expect(preview).to_contain_text("Session 3 (booked Thu 26 Mar, 10:00)")
    expect(page.get_by_role("button", name="Confirm the move")).to_be_disabled()
    shot(page, "frontdesk_reschedule_impact")

    page.get_by_label("Date").fill("2026-03-04")
    expect(preview).to_contain_text("No other session of this plan is affected.")
    page.get_by_role("button", name="Confirm the move").click()
    expect(page.locator(".alert-success")).to_contain_text("moved to Wednesday 4 March 2026 at 10:00")
    second.refresh_from_db()
    assert second.starts_at == chicago(3, 4)
