"""The front desk in a real browser: from the third-session worklist, take the deposit, book
session 3 in its window, and see the plan's bill follow (R6, R13). Screenshots are kept in
var/screenshots/ for people to look at."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sessions_app import booking
from sessions_app.models import Deposit, DepositState, SessionStatus
from tests.browser import (
    shot,
    sign_in,
)
from tests.clock import chicago
from tests.factories import complete_now, make_client, make_plan, make_session
from tests.money_helpers import plan_after_session_2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]








def test_from_the_worklist_take_the_deposit_book_session_3_and_see_the_bill(
    ticking_monday, page, live_server, clinic, front_desk, practitioner
):
    plan = plan_after_session_2(clinic, practitioner, first_name="Carla", last_name="Waiting")
    plan_after_session_2(clinic, session_2=chicago(2, 24), first_name="Omar", last_name="Early")
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, live_server, front_desk)

    page.goto(f"{live_server.url}{reverse('money:worklist_third_session')}")
    row = page.locator(f"tr[data-plan='{plan.pk}']")
    expect(row).to_contain_text("2 Mar – 9 Mar 2026")
    expect(row).to_contain_text("7 days left")
    expect(row).to_contain_text("None")
    shot(page, "money_worklist_third_session")

    row.get_by_role("link", name=re.compile("Take deposit")).click()
    expect(page.get_by_role("heading", name="Take a booking deposit")).to_be_visible()
    expect(page.get_by_label("Amount")).to_have_value("100.00")
    page.get_by_label("Paid by").select_option("card")
    page.get_by_label("Reference").fill("Visa slip 0042")
    shot(page, "money_take_deposit")
    page.get_by_role("button", name=re.compile("Record deposit")).click()
    page.wait_for_load_state()
    deposit = Deposit.objects.get(plan=plan)
    assert (deposit.state, deposit.reference, deposit.session) == (DepositState.PAID, "Visa slip 0042", None)

    expect(page.get_by_role("heading", name=re.compile("Book session 3"))).to_be_visible()
    page.locator("#id_practitioner").select_option(label=practitioner.get_full_name())
    page.locator("#id_date").fill("2026-03-04")
    page.locator("#id_time").fill("10:00")
    page.locator("#book-button").click()
    page.wait_for_load_state()
    third = plan.sessions.get(number=3)
    assert third.status == SessionStatus.BOOKED and third.starts_at == chicago(3, 4)
    deposit.refresh_from_db()
    assert deposit.session == third

    page.goto(f"{live_server.url}{reverse('money:plan_bill', args=[plan.pk])}")
    expect(page.get_by_test_id("deposits-held")).to_have_text("− $100.00")
    expect(page.get_by_test_id("balance-due")).to_have_text("$2,300.00")  # R6: deducted once paid
    expect(page.get_by_text("Session 3, 4 Mar")).to_be_visible()
    shot(page, "money_bill_deposit_held")

    complete_now(third, practitioner)  # the practitioner's side, on the day, log complete
    page.reload()
    expect(page.get_by_test_id("balance-due")).to_have_text("$2,300.00")
    expect(page.get_by_test_id("deposits-held")).to_have_text("− $0.00")
    expect(page.locator("tbody").first).to_contain_text("Applied")
    shot(page, "money_bill_deposit_applied")

    page.goto(f"{live_server.url}{reverse('money:worklist_third_session')}")
    expect(page.locator(f"tr[data-plan='{plan.pk}']")).to_have_count(0)
    expect(page.get_by_text("Omar Early")).to_be_visible()


def test_a_manager_refunds_a_deposit_prints_its_receipt_and_the_day_sheet(
    ticking_monday, page, live_server, clinic, manager, front_desk, practitioner
):
    plan = plan_after_session_2(clinic, practitioner, first_name="Rita", last_name="Refund")
    deposit = booking.record_deposit(plan=plan, amount="100.00", by=front_desk, method="cash",
                                     reference="R-88")
    booked = plan_after_session_2(clinic, first_name="Theo", last_name="Tomorrow")
    booking.record_deposit(plan=booked, amount="100.00", by=front_desk)
    booking.book_session(plan=booked, starts_at=chicago(3, 3, 13), practitioner=practitioner, by=front_desk)
    new = make_plan(make_client(clinic, first_name="Nora", last_name="New", paperwork_completed_at=None))
    make_session(new, number=1, starts_at=chicago(3, 3, 9), practitioner=practitioner)
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}{reverse('money:worklists')}")
    expect(page.get_by_role("link", name=re.compile("Paperwork missing"))).to_contain_text("1")
    shot(page, "money_followup_home")
    # The front desk's start page includes the counts (templates/money/_home_counts.html).
    page.goto(f"{live_server.url}{reverse('frontdesk:home')}")
    counts = page.locator("section.money-counts")
    expect(counts.get_by_role("link", name=re.compile("Third session to book"))).to_contain_text("1")
    shot(page, "money_frontdesk_home_counts")

    page.goto(f"{live_server.url}{reverse('money:deposit_detail', args=[deposit.pk])}")
    page.get_by_role("button", name="Refund…").click()
    expect(page.locator("#refund-panel.collapse.show")).to_be_visible()  # the panel has finished opening
    page.get_by_label("Why it is refunded").fill("Client moved to another city")
    shot(page, "money_deposit_refund")
    page.get_by_role("button", name="Refund $100.00").click()
    expect(page.get_by_test_id("deposit-state")).to_have_text("Refunded")
    expect(page.get_by_role("alert")).to_contain_text("Deposit of $100.00 refunded.")

    page.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("heading", name="Deposit refund receipt")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    shot(page, "money_receipt_print")

    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}{reverse('money:day_sheet')}")
    expect(page.get_by_role("heading", name=re.compile("Chicago"))).to_contain_text("Tuesday 3 March 2026")
    expect(page.locator("tbody tr")).to_have_count(2)
    shot(page, "money_day_sheet")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    shot(page, "money_day_sheet_print")
