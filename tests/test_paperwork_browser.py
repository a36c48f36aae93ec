"""Paperwork online on a phone (375 px) in headless Chromium (R17): the invitation, the three
steps, a signature drawn on the canvas, the PDF downloaded and read; then the front desk sees
"done online - needs review" and no answer, check-in of session 1 is refused until a
practitioner clears the review with a note."""

import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clinic import portal
from sessions_app.models import SessionStatus, TreatmentSession
from tests.browser import shot, sign_in
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session
from tests.paperwork_helpers import pdf_text

PHONE = {"width": 375, "height": 812}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "accept_downloads": True,
    }


def draw_signature(page) -> None:
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + 110)
    page.mouse.down()
    for dx, dy in ((60, 30), (110, 120), (170, 40), (240, 100), (300, 50)):
        page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def settled(page) -> None:
    """Wait until the page and its stylesheets have loaded: leaving it earlier (a download, the
    next sign-in) cancels them, which the accessibility audit reports as a missing stylesheet."""
    page.wait_for_load_state("load")
    page.wait_for_load_state("networkidle")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_paperwork_online_on_a_phone(page, live_server, clinic, practitioner, front_desk):
    with time_machine.travel(chicago(3, 2, 8), tick=True):
        nora = make_client(
            clinic,
            first_name="Nora",
            last_name="Quinn",
            email="nora@example.com",
            paperwork_completed_at=None,
        )
        plan = make_plan(nora)
        first = make_session(plan, number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner)
        portal.invite_client(client=nora, by=front_desk, base_url=live_server.url)
        link = re.search(r"(https?://\S+/portal/invitation/\S+/)", mail.outbox[-1].body).group(1)

        # The invitation: a password, then the portal's home leads with the paperwork.
        page.goto(link)
        page.get_by_label("Choose a password").fill("Scalp-care-2026")
        page.get_by_label("Type it again").fill("Scalp-care-2026")
        settled(page)
        page.get_by_role("button", name="Set password and continue").click()
        page.get_by_test_id("paperwork-needed").wait_for()
        shot(page, "paperwork_portal_home_phone")
        page.get_by_role("link", name="Complete my paperwork").click()

        # Step 1: a date of birth in the future is refused, what was typed stays.
        assert "Step 1 of 3" in page.get_by_test_id("paperwork-progress").inner_text()
        page.get_by_label("Date of birth").fill("2090-01-01")
        page.get_by_label("Home address").fill("12 Lake St, Chicago")
        page.get_by_label("Emergency contact").fill("Kim Quinn, 312 555 0101")
        settled(page)
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_text("Your date of birth cannot be in the future.").wait_for()
        assert page.get_by_label("Home address").input_value() == "12 Lake St, Chicago"
        shot(page, "paperwork_step1_error_phone")
        page.get_by_label("Date of birth").fill("1985-06-15")
        settled(page)
        page.get_by_role("button", name="Save and continue").click()

        # Step 2: the questions; a "yes" to a recent hair transplant needs review.
        assert "Step 2 of 3" in page.get_by_test_id("paperwork-progress").inner_text()
        for radio in page.locator("input[type=radio][value=no]").all():
            radio.check()
        page.locator("input[name=diabetes][value=No]").check()
        page.locator("input[name=transplant][value=yes]").check()
        page.get_by_label("If so, when was it?").fill("2025-11-20")
        assert no_sideways_scroll(page)
        shot(page, "paperwork_step2_phone")
        settled(page)
        page.get_by_role("button", name="Save and continue").click()

        # Step 3: an empty signature is refused; then a drawn one is accepted.
        assert "Step 3 of 3" in page.get_by_test_id("paperwork-progress").inner_text()
        for box in page.locator("input[name=statements]").all():
            box.check()
        page.get_by_label("Your full name").fill("Nora Quinn")
        settled(page)
        page.get_by_role("button", name="Sign and send").click()
        page.get_by_text("Sign with your finger or mouse in the box.").wait_for()
        assert page.get_by_label("Your full name").input_value() == "Nora Quinn"
        for box in page.locator("input[name=statements]").all():
            box.check()
        draw_signature(page)
        assert page.locator("#id_signature").input_value().startswith("data:image/png;base64,")
        assert no_sideways_scroll(page)
        shot(page, "paperwork_step3_signed_phone")
        settled(page)
        page.get_by_role("button", name="Sign and send").click()
        page.get_by_test_id("paperwork-done").wait_for()
        settled(page)
        shot(page, "paperwork_done_phone")

        # The PDF: downloaded and read.
        with page.expect_download() as download:
            page.get_by_test_id("paperwork-pdf").click()
        text = pdf_text(Path(download.value.path()).read_bytes())
        assert "Nora Quinn" in text and "Signed by Nora Quinn" in text
        assert "hair transplant or scalp surgery" in text and "Yes (review)" in text

        # The front desk: the status, never an answer; check-in is refused.
        settled(page)
        page.context.clear_cookies()
        sign_in(page, live_server, front_desk)
        page.goto(f"{live_server.url}{reverse('frontdesk:client_detail', args=[nora.pk])}")
        status = page.get_by_test_id("paperwork-status").inner_text()
        assert "Paperwork done online, 2 March" in status and "needs review" in status
        content = page.content().lower()
        assert "transplant" not in content and "12 lake st" not in content
        assert no_sideways_scroll(page)
        shot(page, "paperwork_front_desk_status_phone")
        page.goto(f"{live_server.url}{reverse('frontdesk:session_check_in', args=[first.pk])}")
        settled(page)
        page.get_by_role("button", name="Check in").click()
        page.get_by_text(re.compile("A practitioner or manager of Chicago must clear it")).wait_for()
        shot(page, "paperwork_check_in_refused_phone")
        assert TreatmentSession.objects.get(pk=first.pk).status == SessionStatus.BOOKED

        # The practitioner reads the answers and clears the review with a note.
        settled(page)
        page.context.clear_cookies()
        sign_in(page, live_server, practitioner)
        page.goto(f"{live_server.url}{reverse('practice:paperwork', args=[nora.pk])}")
        assert "hair transplant" in page.content()
        page.get_by_label("Note (what you checked and agreed)").fill("Transplant healed; surgeon agreed.")
        settled(page)
        page.get_by_role("button", name="Clear the review").click()
        page.get_by_text(re.compile("Review cleared")).first.wait_for()
        shot(page, "paperwork_review_cleared_phone")

        # Now the front desk checks Nora in.
        settled(page)
        page.context.clear_cookies()
        sign_in(page, live_server, front_desk)
        page.goto(f"{live_server.url}{reverse('frontdesk:session_check_in', args=[first.pk])}")
        settled(page)
        page.get_by_role("button", name="Check in").click()
        page.get_by_text(re.compile("is checked in for session 1")).wait_for()
        assert TreatmentSession.objects.get(pk=first.pk).status == SessionStatus.CHECKED_IN
        settled(page)
