"""The plan's bill (R6): price, payments, deposits held, applied, refunded and forfeited, and
the balance due, in Decimal and the plan's currency, computed by the database."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clinic.models import TreatmentPlan
from sessions_app import booking
from sessions_app.billing import format_money, plan_bill, with_bill
from tests.clock import chicago
from tests.factories import complete_now, make_client, make_plan, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def pay(plan, amount, by):
    return booking.record_payment(plan=plan, amount=Decimal(amount), by=by)


def test_a_new_plan_owes_its_price(plan):
    bill = plan_bill(plan)
    assert bill.price == bill.balance_due == Decimal("2400.00")
    assert bill.currency == "USD"
    assert not bill.settled
    assert all(isinstance(v, Decimal) for v in (bill.payments, bill.deposits_held, bill.balance_due))


def test_payments_are_deducted_from_the_balance(plan, front_desk):
    pay(plan, "1000.00", front_desk)
    pay(plan, "400.10", front_desk)
    bill = plan_bill(plan)
    assert bill.payments == Decimal("1400.10")
    assert bill.balance_due == Decimal("999.90")


def test_a_paid_deposit_lowers_the_balance_at_once_and_applying_it_changes_nothing(
    waiting_plan, paid_deposit, practitioner, front_desk
):
    """R6: the balance due falls as soon as a deposit is paid (held or applied)."""
    held = plan_bill(waiting_plan)
    assert held.deposits_held == Decimal("100.00")
    assert held.balance_due == Decimal("2300.00")
    assert held.received == Decimal("100.00")

    session = booking.book_session(plan=waiting_plan, starts_at=chicago(3, 4), practitioner=practitioner,
                                   by=front_desk)
    assert plan_bill(waiting_plan).deposits_held == Decimal("100.00")
    complete_now(session, practitioner)
    applied = plan_bill(waiting_plan)
    assert (applied.deposits_held, applied.deposits_applied) == (Decimal("0.00"), Decimal("100.00"))
    assert applied.balance_due == Decimal("2300.00")
    assert applied.received == Decimal("100.00")


def test_refunded_and_forfeited_deposits_do_not_reduce_the_balance(waiting_plan, manager):
    refunded = booking.record_deposit(plan=waiting_plan, amount=Decimal("100.00"), by=manager)
    booking.refund_deposit(deposit=refunded, by=manager)
    forfeited = booking.record_deposit(plan=waiting_plan, amount=Decimal("80.00"), by=manager)
    booking.forfeit_deposit(deposit=forfeited, by=manager, reason="Late cancellation")
    booking.request_deposit(plan=waiting_plan, by=manager, amount=Decimal("60.00"))
    bill = plan_bill(waiting_plan)
    assert bill.deposits_refunded == Decimal("100.00")
    assert bill.deposits_forfeited == Decimal("80.00")
    assert bill.deposits_requested == Decimal("60.00")
    assert bill.deposits_held == Decimal("0.00")
    assert bill.balance_due == Decimal("2400.00")


def test_paying_more_than_the_price_shows_a_credit(client_, front_desk):
    plan = make_plan(client_, price=Decimal("500.00"))
    pay(plan, "500.00", front_desk)
    pay(plan, "20.00", front_desk)
    bill = plan_bill(plan)
    assert bill.balance_due == Decimal("-20.00")
    assert bill.settled and bill.credit == Decimal("20.00")


def test_a_bill_is_one_query_and_many_bills_are_one_query(
    plan, client_, front_desk, django_assert_num_queries
):
    for _ in range(3):
        pay(make_plan(client_), "10.00", front_desk)
    with django_assert_num_queries(1):
        plan_bill(plan)
    with django_assert_num_queries(1):
        balances = [p.balance_due for p in with_bill(TreatmentPlan.objects.all())]
    assert sorted(balances) == [Decimal("2390.00")] * 3 + [Decimal("2400.00")]


def test_each_plan_is_billed_in_its_own_currency(other_clinic):
    london = make_plan(make_client(other_clinic), price=Decimal("1800.00"))
    assert plan_bill(london).currency == "GBP"
    assert format_money(plan_bill(london).balance_due, "GBP") == "£1,800.00"


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (Decimal("2400"), "USD", "$2,400.00"),
    (Decimal("90.5"), "GBP", "£90.50"),
    (Decimal("-10"), "USD", "-$10.00"),
    (Decimal("2.005"), "USD", "$2.01"),  # half up, never through a float (float would give 2.00)
    (Decimal("2.004"), "EUR", "€2.00"),
    (Decimal("1234567.80"), "CHF", "CHF1,234,567.80"),  # CLDR's en_US form (Babel)
    (Decimal("1200.00"), "JPY", "¥1,200"),
    (Decimal("0"), "USD", "$0.00"),
])
def test_money_is_formatted_with_its_currency(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_the_bill_page_shows_every_line(client, front_desk, waiting_plan, paid_deposit, manager):
    pay(waiting_plan, "1200.00", front_desk)
    refunded = booking.record_deposit(plan=waiting_plan, amount=Decimal("50.00"), by=manager)
    booking.refund_deposit(deposit=refunded, by=manager)
    sign_in(client, front_desk)
    page = client.get(reverse("money:plan_bill", args=[waiting_plan.pk])).content.decode()
    assert "Carla Waiting" in page
    assert "$2,400.00" in page  # price
    assert "&minus; $1,200.00" in page  # payments
    assert '<dd data-testid="deposits-held">&minus; $100.00</dd>' in page
    assert "Held for the next booking" in page and "Refunded" in page
    assert '<dd data-testid="balance-due">$1,100.00</dd>' in page  # price - payments - held


def test_the_bill_page_says_when_a_plan_is_paid_in_full(client, front_desk, client_):
    plan = make_plan(client_, price=Decimal("300.00"))
    pay(plan, "300.00", front_desk)
    sign_in(client, front_desk)
    assert "Paid in full." in client.get(reverse("money:plan_bill", args=[plan.pk])).content.decode()


def test_the_bill_page_has_an_empty_state_for_deposits_and_payments(client, front_desk, plan):
    sign_in(client, front_desk)
    page = client.get(reverse("money:plan_bill", args=[plan.pk])).content.decode()
    assert "No deposit yet." in page and "No payment recorded yet." in page


def test_the_bill_page_costs_the_same_queries_with_many_rows(
    client, front_desk, waiting_plan, django_assert_max_num_queries
):
    sign_in(client, front_desk)
    url = reverse("money:plan_bill", args=[waiting_plan.pk])
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(15):
        pay(waiting_plan, "10.00", front_desk)
        booking.record_deposit(plan=waiting_plan, amount=Decimal("10.00"), by=front_desk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
