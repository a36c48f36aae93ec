"""Plans at the front desk: a quote of at least two sessions (R1), amending it with a reason
(R3), cancelling it with its booked sessions; the plan page shows what comes next."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clinic.models import PlanStatus, QuoteAmendment, TreatmentPlan
from sessions_app import booking
from sessions_app.models import SessionStatus
from tests.clock import chicago
from tests.frontdesk_helpers import pay_deposit, session_one_done, sessions_one_and_two_done

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def quote(**fields) -> dict:
    return {"treatment_area": "full_scalp", "quoted_sessions": 3, "price": "2400.00", "starting_shade": 4,
            "hairline_notes": "Soft hairline", **fields}


def test_a_quote_is_created_for_the_client_in_the_clinics_currency(desk, client_, front_desk):
    response = desk.post(reverse("frontdesk:plan_create", args=[client_.pk]), quote())
    plan = TreatmentPlan.objects.get(client=client_)
    assert response["Location"] == reverse("frontdesk:plan_detail", args=[plan.pk])
    assert (plan.quoted_sessions, plan.price, plan.currency, plan.status) == (
        3, Decimal("2400.00"), "USD", PlanStatus.QUOTED
    )
    assert plan.created_by == front_desk and plan.clinic == client_.clinic


@pytest.mark.parametrize("sessions", ["1", "0", "-2"])
def test_a_single_session_quote_is_refused_with_the_reason(desk, client_, sessions):
    response = desk.post(reverse("frontdesk:plan_create", args=[client_.pk]), quote(quoted_sessions=sessions))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A plan quotes at least two sessions (R1)" in html
    assert html.count("at least two sessions (R1):") == 1
    assert 'value="2400.00"' in html  # what was typed is kept
    assert not TreatmentPlan.objects.exists()


def test_amending_the_quote_records_who_and_why(desk, plan, front_desk):
    response = desk.post(reverse("frontdesk:plan_amend", args=[plan.pk]), {
        "quoted_sessions": 4, "price": "3000.00", "reason": "More density at the crown",
    })
    assert response.status_code == 302
    amendment = QuoteAmendment.objects.get(plan=plan)
    assert (amendment.new_sessions, amendment.new_price, amendment.by) == (4, Decimal("3000.00"), front_desk)
    plan.refresh_from_db()
    assert plan.quoted_sessions == 4
    page = desk.get(reverse("frontdesk:plan_detail", args=[plan.pk])).content.decode()
    assert "More density at the crown" in page and "Quote amended: 4 sessions." in page


def test_an_amendment_without_a_reason_or_below_a_booked_session_is_refused(
    desk, plan, practitioner, front_desk
):
    url = reverse("frontdesk:plan_amend", args=[plan.pk])
    no_reason = desk.post(url, {"quoted_sessions": 4, "reason": "  "}).content.decode()
    assert "Say why the quote changes." in no_reason
    sessions_one_and_two_done(plan, practitioner)
    pay_deposit(plan, front_desk)
    booking.book_session(plan=plan, starts_at=chicago(3, 17), practitioner=practitioner, by=front_desk)
    response = desk.post(url, {"quoted_sessions": 2, "reason": "Client is happy"})
    assert response.status_code == 200
    assert "Session 3 is booked or done: the quote cannot go below 3." in response.content.decode()
    assert not QuoteAmendment.objects.exists()


def test_cancelling_a_plan_shows_each_booked_sessions_deposit_outcome_first(
    desk, plan, practitioner, front_desk
):
    sessions_one_and_two_done(plan, practitioner)
    pay_deposit(plan, front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 17), practitioner=practitioner,
                                 by=front_desk)
    url = reverse("frontdesk:plan_cancel", args=[plan.pk])
    page = desk.get(url).content.decode()
    assert "Session 3</strong>, Tue 17 Mar, 10:00" in page
    assert "The deposit of $100.00 stays paid on the plan" in page
    assert "Say why the plan is cancelled." in desk.post(url, {"reason": ""}).content.decode()
    response = desk.post(url, {"reason": "Moving abroad"})
    assert response.status_code == 302
    plan.refresh_from_db()
    third.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED and third.status == SessionStatus.CANCELLED


def test_the_plan_page_shows_the_next_sessions_window_and_links_to_the_bill(desk, plan, practitioner):
    sessions_one_and_two_done(plan, practitioner)
    html = desk.get(reverse("frontdesk:plan_detail", args=[plan.pk])).content.decode()
    assert "can start from <strong>Tuesday 17 March</strong> to <strong>Tuesday 24 March</strong>" in html
    assert "A booking deposit of $100.00 is needed" in html
    assert "Book session 3" in html
    assert reverse("money:plan_bill", args=[plan.pk]) in html


def test_the_plan_page_shows_session_2s_usual_target(desk, plan, practitioner):
    session_one_done(plan, practitioner)
    html = desk.get(reverse("frontdesk:plan_detail", args=[plan.pk])).content.decode()
    assert "can start from <strong>Monday 2 March</strong>" in html
    assert "usual target is <strong>5 March–9 March</strong>" in html
