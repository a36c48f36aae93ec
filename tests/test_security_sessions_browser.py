"""Idle logoff in a real browser: the warning comes before the end, "Stay signed in" keeps
the session, the end lands on the sign-in page with the reason, and what was typed in the
session log comes back after signing in again. The server's clock is moved with
time-machine (the live server runs in this process); the browser keeps the real one, and the
page counts down from the seconds the server says are left."""

import datetime as dt
import re
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clinic.clinic_time import at_local, local_date
from clinic.second_factor import factor_required
from tests.browser import second_step, shot, sign_in
from tests.factories import PASSWORD, make_session, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Page loads with this header do not count as activity (as a background request would not),
# so moving the server's clock brings the end of the session near without resetting it.
BACKGROUND = {"X-Pigment-Background": "1"}


@pytest.fixture
def server_clock():
    with time_machine.travel(time.time(), tick=True) as traveller:
        yield traveller


def sign_in_here(page, user) -> None:
    """On the sign-in page the browser was sent to (keeping its ?next=): the password, then
    the code of their authenticator app where their role needs one."""
    device = totp_device(user) if factor_required(user) else None
    page.get_by_label(re.compile("username|e-mail", re.I)).first.fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()
    if device is not None:
        second_step(page, device)


def ping(page) -> dict:
    return page.evaluate("fetch('/session/ping/').then((r) => r.json())")


def test_the_warning_comes_and_stay_signed_in_keeps_the_session(
    page, live_server, server_clock, clinic, practitioner
):
    clinic.staff_idle_minutes = 1  # the warning then comes 30 s before the end
    clinic.save()
    sign_in(page, live_server, practitioner)
    page.set_extra_http_headers(BACKGROUND)
    server_clock.shift(dt.timedelta(seconds=40))
    page.goto(f"{live_server.url}{reverse('practice:my_day')}")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("you will be signed out in")
    expect(warning).to_have_class(re.compile(r"\bshow\b"))
    page.wait_for_timeout(400)  # the fade-in, for the screenshot
    shot(page, "idle_warning")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    assert ping(page)["seconds_left"] >= 55
    page.wait_for_timeout(1500)
    expect(warning).to_be_hidden()

    # Left alone: the warning counts down, then the page goes to the sign-in page with the reason.
    server_clock.shift(dt.timedelta(seconds=48))  # about ten seconds left
    page.reload()
    expect(warning).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fpractice%2F"), timeout=30000)
    expect(page.get_by_role("alert")).to_contain_text("signed out after 1 idle minute")
    shot(page, "idle_signed_out")


def test_what_was_typed_in_the_session_log_survives_an_idle_logoff(
    page, live_server, server_clock, clinic, plan, practitioner
):
    start = at_local(local_date(timezone.now(), clinic.tz), dt.time(9), clinic.tz)
    session = make_session(plan, number=1, starts_at=start, practitioner=practitioner)
    log_url = f"{live_server.url}{reverse('practice:session_log', args=[session.pk])}"
    sign_in(page, live_server, practitioner)
    page.goto(log_url)
    notes = "Crown a little oily today: went one needle size finer. Client wants a softer front."
    page.locator("#id_notes").fill(notes)

    server_clock.shift(dt.timedelta(minutes=16))  # gone for a coffee, the tab left open
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("alert")).to_contain_text("signed out after 15 idle minutes")
    sign_in_here(page, practitioner)

    expect(page).to_have_url(log_url)
    expect(page.locator("#id_notes")).to_have_value(notes)
    expect(page.locator("[data-draft-notice]")).to_contain_text("has been restored")
    page.locator("[data-draft-notice]").scroll_into_view_if_needed()
    page.screenshot(path=str(_screens() / "idle_draft_restored_notice.png"))
    page.locator("#id_notes").scroll_into_view_if_needed()
    page.screenshot(path=str(_screens() / "idle_draft_restored.png"))

    # Saved: the server has it now, so the draft is dropped.
    page.get_by_role("button", name="Save log").click()
    page.wait_for_load_state()
    expect(page.locator("#id_notes")).to_have_value(notes)
    expect(page.locator("[data-draft-notice]")).to_have_count(0)
    assert page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('pigment-draft:'))") == []
    page.locator("#id_notes").fill(notes + " More to say.")

    # A deliberate sign-out forgets the drafts: nothing stays for the next person at this tab.
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_load_state()
    assert page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('pigment-draft:'))") == []


def _screens():
    from tests.browser import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
