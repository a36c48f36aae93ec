"""R5, R6, R8, R9 and the early actions, each test from DOMAIN.md's words. The clock is
Monday 2 March 2026, 08:00 in Chicago."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from sessions_app import booking, records
from sessions_app.billing import plan_bill
from sessions_app.booking import CANCEL, BookingRefused
from sessions_app.models import Deposit, DepositState, Retention, SessionStatus
from sessions_app.records import LogInput, ZoneInput
from tests.clock import chicago
from tests.factories import make_session, on_the_day, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def refused(code: str):
    return pytest.raises(BookingRefused, check=lambda e: e.code == code)


@pytest.fixture
def after_session_2(plan, practitioner):
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(2, 24), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    return plan


@pytest.fixture
def two_and_three(plan, practitioner, front_desk):
    """Session 1 done 23 February; 2 booked Thursday 5 March; 3 booked Thursday 26 March."""
    make_session(plan, number=1, starts_at=chicago(2, 23), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 5), practitioner=practitioner,
                                  by=front_desk)
    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 26), practitioner=practitioner,
                                 by=front_desk)
    return second, third


# --------------------------------------------------------------------------- R6 amount


def test_a_part_payment_does_not_unlock_the_third_session_and_says_what_is_still_needed(
    after_session_2, practitioner, front_desk
):
    booking.record_deposit(plan=after_session_2, amount=Decimal("60.00"), by=front_desk)
    with refused("deposit_required") as error:
        booking.book_session(plan=after_session_2, starts_at=chicago(3, 17),
                             practitioner=practitioner, by=front_desk)
    assert "at least $100.00" in error.value.message
    assert "$40.00 is still needed" in error.value.message


def test_several_payments_toward_the_deposit_add_up_and_all_hold_the_booking(
    after_session_2, practitioner, front_desk
):
    first = booking.record_deposit(plan=after_session_2, amount=Decimal("60.00"), by=front_desk)
    second = booking.record_deposit(plan=after_session_2, amount=Decimal("40.00"), by=front_desk)
    third = booking.book_session(plan=after_session_2, starts_at=chicago(3, 17),
                                 practitioner=practitioner, by=front_desk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.session == third and second.session == third


# --------------------------------------------------------------------------- R6 bill


def test_the_balance_falls_as_soon_as_a_deposit_is_paid(plan, front_desk):
    before = plan_bill(plan).balance_due
    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    assert plan_bill(plan).balance_due == before - Decimal("100.00")


def test_a_forfeited_deposit_is_a_fee_shown_apart_and_a_refunded_one_is_not_money_received(
    plan, manager
):
    price = plan_bill(plan).balance_due
    kept = booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=manager)
    booking.forfeit_deposit(deposit=kept, by=manager, reason="Late cancellation")
    back = booking.record_deposit(plan=plan, amount=Decimal("50.00"), by=manager)
    booking.refund_deposit(deposit=back, by=manager)
    bill = plan_bill(plan)
    assert bill.balance_due == price
    assert bill.deposits_forfeited == Decimal("100.00") and bill.received == Decimal("0.00")


def test_staff_page_and_portal_show_the_same_balance(client, plan, front_desk):
    from tests.factories import make_portal_user

    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    due = plan_bill(plan).balance_due
    sign_in(client, front_desk)
    staff = client.get(reverse("money:plan_bill", args=[plan.pk])).content.decode()
    assert f'data-testid="balance-due">${due:,.2f}<' in staff
    client.logout()
    sign_in(client, make_portal_user(plan.client))
    portal = client.get(reverse("portal:home")).content.decode()
    assert f'data-testid="balance">${due:,.2f}<' in portal


# --------------------------------------------------------------------------- R8


def test_cancelling_session_2_while_3_is_booked_is_refused_naming_session_3(two_and_three, front_desk):
    second, third = two_and_three
    with refused("out_of_order") as error:
        booking.cancel_session(session=second, by=front_desk, reason="Ill")
    assert error.value.affected == [third]
    assert "session 3 (26 March)" in error.value.message
    second.refresh_from_db()
    assert second.status == SessionStatus.BOOKED


def test_a_no_show_of_session_2_while_3_is_booked_is_refused(two_and_three, front_desk):
    second, third = two_and_three
    with on_the_day(second), refused("out_of_order") as error:
        booking.mark_no_show(session=second, by=front_desk)
    assert error.value.affected == [third]


def test_cancelling_session_2_and_3_in_one_step_keeps_3s_deposit_refundable(two_and_three, front_desk):
    second, third = two_and_three
    booking.cancel_session(session=second, by=front_desk, reason="Ill", later={third.pk: CANCEL})
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (SessionStatus.CANCELLED, SessionStatus.CANCELLED)
    deposit = Deposit.objects.get()
    assert deposit.state == DepositState.PAID and deposit.session is None  # notice given


def test_cancelling_session_2_and_moving_3_in_one_step(two_and_three, front_desk):
    second, third = two_and_three
    booking.cancel_session(session=second, by=front_desk, later={third.pk: chicago(3, 27)})
    third.refresh_from_db()
    assert third.status == SessionStatus.BOOKED and third.starts_at == chicago(3, 27)


def test_a_refused_later_move_cancels_nothing(two_and_three, front_desk):
    second, third = two_and_three
    with pytest.raises(BookingRefused):
        booking.cancel_session(session=second, by=front_desk, later={third.pk: chicago(3, 1)})
    second.refresh_from_db()
    assert second.status == SessionStatus.BOOKED


# --------------------------------------------------------------------------- R5 override tied


@pytest.fixture
def overridden_third(plan, practitioner, front_desk, manager):
    """Session 2 booked 5 March; session 3 on 6 April (32 days) with a manager's override."""
    make_session(plan, number=1, starts_at=chicago(2, 23), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 5), practitioner=practitioner,
                                  by=front_desk)
    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(4, 6), practitioner=practitioner,
                                 by=manager, override_reason="Client abroad all March")
    return second, third


def test_moving_the_session_before_an_overridden_one_needs_a_manager_again(
    overridden_third, front_desk, manager
):
    second, third = overridden_third
    with refused("too_late") as error:
        booking.reschedule_session(session=second, starts_at=chicago(3, 6), by=front_desk)
    assert error.value.affected == [third]
    assert booking.reschedule_preview(session=second, starts_at=chicago(3, 6), by=front_desk)
    moved = booking.reschedule_session(session=second, starts_at=chicago(3, 6), by=manager)
    assert moved.starts_at == chicago(3, 6)


def test_moving_it_into_the_window_needs_no_manager(overridden_third, front_desk):
    second, _ = overridden_third
    moved = booking.reschedule_session(session=second, starts_at=chicago(3, 12), by=front_desk)
    assert moved.starts_at == chicago(3, 12)


# --------------------------------------------------------------------------- early actions


def test_check_in_and_completing_wait_for_the_sessions_local_day(plan, practitioner, front_desk):
    first = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                 by=front_desk)
    with refused("too_early") as error:
        booking.check_in_session(session=first, by=front_desk)
    assert "3 March" in error.value.message
    with refused("too_early"):
        booking.complete_session(session=first, by=practitioner)
    with time_on(chicago(3, 3, 0, 5)):  # just after midnight on its day, Chicago time
        assert booking.check_in_session(session=first, by=front_desk).status == SessionStatus.CHECKED_IN


def test_a_no_show_waits_for_the_sessions_start(plan, practitioner, front_desk):
    first = booking.book_session(plan=plan, starts_at=chicago(3, 3, 10), practitioner=practitioner,
                                 by=front_desk)
    with time_on(chicago(3, 3, 9, 59)), refused("too_early"):
        booking.mark_no_show(session=first, by=front_desk)
    with time_on(chicago(3, 3, 10, 1)):
        assert booking.mark_no_show(session=first, by=front_desk).status == SessionStatus.NO_SHOW


def time_on(instant: dt.datetime):
    import time_machine

    return time_machine.travel(instant, tick=False)


# --------------------------------------------------------------------------- R9


def test_session_2_cannot_be_completed_until_every_treated_zone_is_rated_and_the_shade_recorded(
    second_session, first_log, practitioner
):
    with refused("log_incomplete") as error:
        booking.complete_session(session=second_session, by=practitioner)
    assert "Crown" in error.value.message and "the shade used" in error.value.message

    treated = [zone for zone, _ in records.treated_zones(second_session)]
    zones = {zone: ZoneInput(retention=Retention.HELD) for zone in treated[1:]}
    zones[treated[0]] = ZoneInput(not_assessed_reason="   ")  # a blank reason is no reason
    records.save_session_log(session=second_session, by=practitioner,
                             log=LogInput(shade_used=4, zones=zones))
    with refused("log_incomplete") as error:
        booking.complete_session(session=second_session, by=practitioner)
    assert "the shade used" not in error.value.message

    zones[treated[0]] = ZoneInput(not_assessed_reason="Redness after a sunburn")
    records.save_session_log(session=second_session, by=practitioner,
                             log=LogInput(shade_used=4, zones=zones))
    done = booking.complete_session(session=second_session, by=practitioner)
    assert done.status == SessionStatus.COMPLETED


def test_session_1_needs_no_ratings(first_session, plan, practitioner):
    from sessions_app.rules import log_missing

    assert log_missing(1, [("crown", "Crown")], {}, None) == []
    assert log_missing(2, [("crown", "Crown")], {"crown": (None, "Scab")}, 4) == []
    assert log_missing(2, [("crown", "Crown")], {"crown": (None, "")}, 4) != []


# --------------------------------------------------------------------------- R6 waived forfeit


def test_the_clinic_cancelling_needs_a_reason_kept_on_the_session_and_deposit(
    after_session_2, practitioner, front_desk, frozen_now
):
    booking.record_deposit(plan=after_session_2, amount=Decimal("100.00"), by=front_desk)
    third = booking.book_session(plan=after_session_2, starts_at=chicago(3, 17),
                                 practitioner=practitioner, by=front_desk)
    frozen_now.move_to(chicago(3, 16, 9))  # less than 48 hours: the client would forfeit
    with refused("reason_required"):
        booking.cancel_session(session=third, by=front_desk, clinic_initiated=True, reason=" ")
    booking.cancel_session(session=third, by=front_desk, clinic_initiated=True,
                           reason="Practitioner ill")
    third.refresh_from_db()
    deposit = Deposit.objects.get()
    assert deposit.state == DepositState.PAID
    assert (third.waive_reason, third.waived_by) == ("Practitioner ill", front_desk)
    assert (deposit.waive_reason, deposit.waived_by) == ("Practitioner ill", front_desk)
    assert deposit.waived_at is not None and third.waived_at is not None
    from sessions_app.client_history import client_history

    changes = [c for e in client_history(after_session_2.client) for c in e.changes]
    assert ("Forfeit waived because", "—", "Practitioner ill") in changes
