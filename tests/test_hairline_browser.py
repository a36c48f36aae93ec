"""R11 on a phone (375 px) in headless Chromium: the client reads the latest hairline version
of their plan in the portal, is asked to tick the box, agrees, and sees "Signed off in the
portal"; the earlier version shows it was signed on paper with the witness."""

import pytest
import time_machine

from sessions_app import records
from sessions_app.models import HairlineDesign, SessionStatus, SignOffWay
from tests.browser import shot, sign_in
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session

PHONE = {"width": 375, "height": 812}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True}


def settled(page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_load_state("networkidle")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_client_signs_off_a_hairline_version_on_a_phone(page, live_server, clinic, practitioner):
    with time_machine.travel(chicago(3, 2, 8), tick=True):
        sam = make_client(clinic, first_name="Sam", last_name="Rivera", email="sam@example.com")
        plan = make_plan(sam, quoted_sessions=3, status="active")
        make_session(plan, number=1, starts_at=chicago(2, 9, 9), practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
        second = make_session(plan, number=2, starts_at=chicago(3, 2, 9), practitioner=practitioner)
        records.save_session_log(session=second, by=practitioner, hairline=records.HairlineInput(
            "Soft and rounded, 8 cm above the brow", signed_off=True))
        records.save_session_log(session=second, by=practitioner, hairline=records.HairlineInput(
            "Lowered 2 mm in the middle, temple points kept, slightly irregular front edge"))
        make_portal_user(sam)

        sign_in(page, live_server, sam.user)
        settled(page)
        hairline = page.locator("section", has=page.locator("#hairline-heading"))
        assert "Lowered 2 mm in the middle" in hairline.inner_text()
        assert "Not signed off yet" in hairline.inner_text()
        assert no_sideways_scroll(page)
        shot(page, "hairline_portal_home_phone")

        page.get_by_role("link", name="Read and agree").click()
        settled(page)
        assert "Lowered 2 mm in the middle" in page.get_by_test_id("hairline-text").inner_text()
        page.get_by_role("button", name="Sign off this design").click()
        page.get_by_text("Tick the box to agree to this hairline design.").wait_for()
        assert no_sideways_scroll(page)
        shot(page, "hairline_sign_off_refused_phone")

        page.get_by_label("I have read this hairline design and I agree to it").check()
        settled(page)
        page.get_by_role("button", name="Sign off this design").click()
        page.get_by_text("Thank you - you have signed off version 2").wait_for()
        status = page.get_by_test_id("hairline-status-2")
        assert status.inner_text().strip().startswith("Signed off in the portal on March 2, 2026")
        assert page.get_by_role("link", name="Read and agree").count() == 0
        page.get_by_text("Earlier versions").click()
        assert "witnessed by Pat" in page.get_by_test_id("hairline-status-1").inner_text()
        assert no_sideways_scroll(page)
        shot(page, "hairline_signed_off_phone")

        latest = HairlineDesign.objects.get(plan=plan, version=2)
        assert latest.signed_off_in == SignOffWay.PORTAL and latest.signed_off_from == "127.0.0.1"
        assert latest.history.first().history_user == sam.user
