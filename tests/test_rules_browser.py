"""Cancelling session 2 with session 3 booked, in a real browser: the impact is shown first
and both are handled in one step (R8). Screenshots go to var/screenshots/."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sessions_app import booking
from sessions_app.models import SessionStatus, TreatmentSession
from tests.browser import shot, sign_in
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancel_session_2_with_session_3_booked_shows_the_impact_and_handles_both(
    ticking_monday, page, live_server, clinic, front_desk, practitioner
):
    plan = make_plan(make_client(clinic, first_name="Carl", last_name="Client"), quoted_sessions=3)
    make_session(plan, number=1, starts_at=chicago(2, 23), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 5), practitioner=practitioner,
                                  by=front_desk)
    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 26), practitioner=practitioner,
                                 by=front_desk)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, front_desk)
    page.goto(live_server.url + reverse("frontdesk:session_cancel", args=[second.pk]))

    expect(page.get_by_test_id("impact")).to_contain_text("1 later session of this plan is booked")
    later = page.get_by_test_id("later-3")
    expect(later).to_contain_text("Session 3 · Thursday 26 March 2026")
    expect(later).to_contain_text("The deposit of $100.00 stays paid on the plan")
    shot(page, "rules-cancel-impact")

    later.get_by_label("Move it to").check()
    later.get_by_label("New date").fill("2026-03-27")
    later.get_by_label("New time (Chicago)").fill("11:00")
    page.get_by_label("Reason").fill("Client ill")
    page.get_by_role("button", name="Cancel session 2 and handle the later ones").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success")).first).to_contain_text(
        "Session 2 for Carl Client cancelled"
    )
    shot(page, "rules-cancel-done")
    second.refresh_from_db()
    moved = TreatmentSession.objects.get(pk=third.pk)
    assert second.status == SessionStatus.CANCELLED
    assert moved.status == SessionStatus.BOOKED and moved.starts_at == chicago(3, 27, 11)
