"""The admin in a real browser (Debian's Chromium, headless), under the strict CSP: a manager
signs in, books a session through the admin and sees a refusal explained; a front desk is
not let in."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from sessions_app.models import TreatmentSession
from tests.browser import second_step
from tests.factories import PASSWORD, make_client, make_plan, totp_device

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_weekday(weekday: int) -> dt.date:
    """The next given weekday at least a week ahead (clear of 'in the past')."""
    day = timezone.now().date() + dt.timedelta(days=7)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def test_a_manager_books_through_the_admin_in_a_browser(page, live_server, clinic, manager, practitioner):
    plan = make_plan(make_client(clinic, first_name="Robin", last_name="Admin-Test"))
    csp_errors = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security" in msg.text else None)

    device = totp_device(manager)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    second_step(page, device)  # the admin is behind the same second factor
    page.wait_for_selector("#site-name")

    page.goto(f"{live_server.url}/admin/sessions_app/treatmentsession/add/")
    page.fill("#id_plan", str(plan.pk))
    page.select_option("#id_practitioner", str(practitioner.pk))
    sunday = next_weekday(6)
    page.fill("#id_starts_at_0", sunday.isoformat())
    page.fill("#id_starts_at_1", "10:00:00")
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote, .errorlist")
    assert "closed on Sundays" in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin_booking_refused.png"), full_page=True)

    page.fill("#id_starts_at_0", next_weekday(1).isoformat())  # Tuesday 10:00 in Chicago
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert TreatmentSession.objects.filter(plan=plan).count() == 1
    page.screenshot(path=str(SHOTS / "admin_session_list.png"), full_page=True)
    assert csp_errors == []


def test_the_front_desk_is_not_let_into_the_admin_in_a_browser(page, live_server, front_desk):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", front_desk.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector(".errornote")
    assert "/admin/login/" in page.url and "#site-name" not in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin_front_desk_refused.png"), full_page=True)
