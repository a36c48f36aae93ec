"""The client portal on a phone (375 px wide) in headless Chromium, on a fixed clock: accept
the invitation, set a password, see the plan with the aftercare countdown, request a third-
session slot; once the front desk books it, download the session's .ics."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail

from clinic import portal
from clinic.models import SlotRequest
from sessions_app import booking
from sessions_app.models import SessionStatus
from tests.clock import CHICAGO, chicago
from tests.factories import make_client, make_plan, make_session

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
PHONE = {"width": 375, "height": 812}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True,
            "accept_downloads": True}


def test_a_client_uses_the_portal_on_a_phone(page, live_server, clinic, practitioner, front_desk):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(chicago(3, 11, 10), tick=True):
        sam = make_client(clinic, first_name="Sam", last_name="Rivera", email="sam@example.com")
        plan = make_plan(sam, quoted_sessions=3, status="active")
        make_session(plan, number=1, starts_at=chicago(2, 17), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        make_session(plan, number=2, starts_at=chicago(3, 10, 14), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        portal.invite_client(client=sam, by=front_desk, base_url=live_server.url)
        link = re.search(r"(https?://\S+/portal/invitation/\S+/)", mail.outbox[-1].body).group(1)

        page.goto(link)
        page.get_by_label("Choose a password").fill("Scalp-care-2026")
        page.get_by_label("Type it again").fill("Scalp-care-2026")
        page.get_by_role("button", name="Set password and continue").click()

        aftercare = page.get_by_test_id("aftercare-now")
        aftercare.wait_for()
        assert "until Saturday 14 March, 5 pm" in aftercare.inner_text()
        assert "day 2 of 4" in page.inner_text("#aftercare-heading")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        page.screenshot(path=str(SHOTS / "portal_home_phone.png"), full_page=True)

        page.get_by_role("link", name="Choose a time").click()
        page.locator(".slot-choice input[type=radio]").first.check()
        page.screenshot(path=str(SHOTS / "portal_third_session_phone.png"), full_page=True)
        page.get_by_role("button", name="Request this time").click()
        page.get_by_text("Thank you - we have your request").wait_for()
        request = SlotRequest.objects.get(plan=plan)

        # The front desk takes the deposit and books the requested time through the service.
        booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
        booking.book_session(plan=plan, starts_at=request.starts_at,
                             practitioner=request.practitioner, by=front_desk)

        page.reload()
        with page.expect_download() as download:
            page.get_by_role("link", name="Add to my calendar").click()
        ics = Path(download.value.path()).read_text()
        local = request.starts_at.astimezone(CHICAGO)
        assert f"DTSTART;TZID=America/Chicago:{local:%Y%m%dT%H%M%S}" in ics
        page.screenshot(path=str(SHOTS / "portal_next_session_phone.png"), full_page=True)
