"""The touch-up recall list (R15) in a real browser: the front desk opens it from the
navigation, sees who is overdue and whom to call, books a touch-up and lands on the booking
page of the new one-session touch-up plan. Screenshots go to var/screenshots/."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clinic.models import PlanKind, TreatmentPlan
from tests.browser import shot, sign_in
from tests.test_recalls import completed_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_front_desk_books_a_touch_up_from_the_recall_list(
    ticking_monday, page, live_server, clinic, front_desk, practitioner
):
    overdue = completed_plan(clinic, practitioner, done_on=dt.date(2022, 12, 1), shades=(4, 6),
                             first_name="Olivia", last_name="Overdue")
    completed_plan(clinic, practitioner, done_on=dt.date(2023, 4, 20), email_consent=False,
                   first_name="Carl", last_name="Caller")
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, live_server, front_desk)

    page.get_by_role("link", name="Recalls").click()
    expect(page.get_by_role("heading", name=re.compile("Touch-up recalls"))).to_be_visible()
    row = page.locator(f"tr[data-plan='{overdue.pk}']")
    expect(row).to_contain_text("Overdue")
    expect(row).to_contain_text("6 - Dark")
    expect(page.get_by_test_id("call-badge")).to_have_count(1)
    shot(page, "recalls_list")

    row.get_by_role("button", name=re.compile("Book a touch-up")).click()
    page.wait_for_load_state()
    touch_up = TreatmentPlan.objects.get(touch_up_of=overdue)
    assert (touch_up.kind, touch_up.quoted_sessions, touch_up.starting_shade) == (PlanKind.TOUCH_UP, 1, 6)
    expect(page).to_have_url(re.compile(reverse("frontdesk:book_session", args=[touch_up.pk]) + "$"))
    expect(page.get_by_role("heading", name=re.compile("Book session 1 of 1"))).to_be_visible()
    expect(page.get_by_text(f"Touch-up plan #{touch_up.pk} made")).to_be_visible()
    shot(page, "recalls_touch_up_booking")

    page.goto(f"{live_server.url}{reverse('frontdesk:recalls')}")
    expect(page.locator(f"tr[data-plan='{overdue.pk}']")).to_have_count(0)


def test_the_recall_list_on_a_phone(ticking_monday, page, live_server, clinic, front_desk, practitioner):
    completed_plan(clinic, practitioner, done_on=dt.date(2023, 1, 5), first_name="Pia", last_name="Phone")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, front_desk)
    page.goto(f"{live_server.url}{reverse('frontdesk:recalls')}")
    button = page.get_by_role("button", name=re.compile("Book a touch-up for Pia Phone"))
    expect(button).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing spills sideways
    shot(page, "recalls_list_phone")

