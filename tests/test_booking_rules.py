"""The booking service enforces R1-R8 of DOMAIN.md; each refusal has a stable code and says
what would be allowed. The clock is fixed at Monday 2 March 2026, 08:00 in Chicago."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.models import PlanStatus, QuoteAmendment, TreatmentPlan
from sessions_app import booking
from sessions_app.booking import BookingRefused
from sessions_app.models import Deposit, DepositState, SessionStatus, TreatmentSession
from tests.clock import chicago
from tests.factories import (
    complete_now,
    make_client,
    make_clinic,
    make_plan,
    make_session,
    make_staff,
    on_the_day,
    write_full_log,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def refused(code: str):
    """Context manager: the call must be refused with exactly this code."""
    return pytest.raises(BookingRefused, check=lambda e: e.code == code)


@pytest.fixture
def after_session_2(plan, practitioner):
    """Sessions 1 and 2 done (26 Jan, Tuesday 24 Feb); session 3 is quoted."""
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(2, 24), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    return plan


def pay_deposit(plan, by):
    return booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=by)


# --------------------------------------------------------------------------- R1


def test_plan_with_one_session_is_refused_by_the_database_itself(client_):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.create(
            client=client_, clinic=client_.clinic, quoted_sessions=1, price=Decimal("900"),
            currency="USD",
        )
    assert not TreatmentPlan.objects.exists()


def test_plan_form_validation_explains_the_two_session_minimum(client_):
    plan = TreatmentPlan(client=client_, clinic=client_.clinic, quoted_sessions=1,
                         price=Decimal("900"), currency="USD")
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "at least two sessions" in str(error.value)


def test_plan_cannot_be_completed_before_two_sessions_are_done(plan, practitioner, front_desk):
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    with refused("invalid_state") as error:
        booking.complete_plan(plan=plan, by=front_desk)
    assert "two sessions" in error.value.message
    plan.refresh_from_db()
    assert plan.status != PlanStatus.COMPLETED


def test_completing_the_last_quoted_session_completes_the_plan(client_, practitioner, front_desk):
    plan = make_plan(client_, quoted_sessions=2)
    make_session(plan, number=1, starts_at=chicago(2, 2), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                  by=front_desk)
    complete_now(second, practitioner)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and plan.completed_at is not None


# --------------------------------------------------------------------------- R2


def test_check_in_of_session_1_is_refused_without_paperwork(clinic, practitioner, front_desk):
    client = make_client(clinic, paperwork_completed_at=None)
    plan = make_plan(client)
    first = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                 by=front_desk)
    with refused("paperwork_missing") as error:
        booking.check_in_session(session=first, by=front_desk)
    assert "questionnaire" in error.value.message
    first.refresh_from_db()
    assert first.status == SessionStatus.BOOKED


def test_later_sessions_never_ask_for_paperwork_again(clinic, practitioner, front_desk):
    client = make_client(clinic, paperwork_completed_at=None)
    plan = make_plan(client)
    make_session(plan, number=1, starts_at=chicago(2, 2), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                  by=front_desk)
    with on_the_day(second):
        assert booking.check_in_session(session=second, by=front_desk).status == SessionStatus.CHECKED_IN


# --------------------------------------------------------------------------- R3


def test_booking_beyond_the_quote_needs_the_quote_amended(client_, practitioner, front_desk):
    plan = make_plan(client_, quoted_sessions=2)
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(2, 24), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    pay_deposit(plan, front_desk)
    with refused("exceeds_quote") as error:
        booking.book_session(plan=plan, starts_at=chicago(3, 17), practitioner=practitioner,
                             by=front_desk)
    assert "Amend the quote" in error.value.message

    booking.amend_quote(plan=plan, quoted_sessions=3, by=front_desk, reason="Client wants more density")
    third = booking.book_session(plan=plan, starts_at=chicago(3, 17), practitioner=practitioner,
                                 by=front_desk)
    assert third.number == 3
    amendment = QuoteAmendment.objects.get(plan=plan)
    assert (amendment.previous_sessions, amendment.new_sessions, amendment.by) == (2, 3, front_desk)


def test_amending_a_quote_needs_a_reason_and_keeps_two_sessions(plan, front_desk):
    with refused("reason_required"):
        booking.amend_quote(plan=plan, quoted_sessions=4, by=front_desk, reason="  ")
    with refused("min_two_sessions"):
        booking.amend_quote(plan=plan, quoted_sessions=1, by=front_desk, reason="typo")
    assert not QuoteAmendment.objects.exists()


def test_session_2_cannot_start_before_session_1(plan, practitioner, front_desk):
    booking.book_session(plan=plan, starts_at=chicago(3, 20), practitioner=practitioner, by=front_desk)
    with refused("out_of_order") as error:
        booking.book_session(plan=plan, starts_at=chicago(3, 10), practitioner=practitioner,
                             by=front_desk)
    assert "session 1 on 20 March" in error.value.message


def test_sessions_are_numbered_in_order(plan, practitioner, front_desk):
    first = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                 by=front_desk)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 14), practitioner=practitioner,
                                  by=front_desk)
    assert (first.number, second.number) == (1, 2)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


# --------------------------------------------------------------------------- R4


def test_session_2_on_day_6_is_refused_with_the_earliest_date(plan, practitioner, front_desk):
    make_session(plan, number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    with refused("too_soon") as error:
        booking.book_session(plan=plan, starts_at=chicago(3, 7), practitioner=practitioner,
                             by=front_desk)
    assert "from 9 March" in error.value.message
    assert "12 March-16 March is the usual target" in error.value.message
    second = booking.book_session(plan=plan, starts_at=chicago(3, 9), practitioner=practitioner,
                                  by=front_desk)
    assert second.number == 2


# --------------------------------------------------------------------------- R5


def test_third_session_on_day_20_is_refused_with_its_window(after_session_2, practitioner, front_desk):
    pay_deposit(after_session_2, front_desk)
    with refused("too_soon") as error:
        booking.book_session(plan=after_session_2, starts_at=chicago(3, 16),
                             practitioner=practitioner, by=front_desk)
    assert error.value.message == (
        "A third session can start from 17 March (21 days after session 2) to 24 March."
    )
    assert (error.value.earliest, error.value.latest) == (dt.date(2026, 3, 17), dt.date(2026, 3, 24))
    assert not TreatmentSession.objects.filter(number=3).exists()


@pytest.mark.parametrize("day", [17, 24], ids=["day 21", "day 28"])
def test_third_session_on_day_21_and_day_28_is_accepted(after_session_2, practitioner, front_desk, day):
    pay_deposit(after_session_2, front_desk)
    third = booking.book_session(plan=after_session_2, starts_at=chicago(3, day),
                                 practitioner=practitioner, by=front_desk)
    assert third.number == 3 and third.override_reason == ""


def test_third_session_on_day_29_is_refused_without_a_managers_reason(
    after_session_2, practitioner, front_desk, manager
):
    pay_deposit(after_session_2, front_desk)
    for by, reason in [(front_desk, ""), (front_desk, "client travelling"), (manager, "")]:
        with refused("too_late") as error:
            booking.book_session(plan=after_session_2, starts_at=chicago(3, 25),
                                 practitioner=practitioner, by=by, override_reason=reason)
        assert "manager's override" in error.value.message
    third = booking.book_session(plan=after_session_2, starts_at=chicago(3, 25),
                                 practitioner=practitioner, by=manager,
                                 override_reason="Client travelling until late March")
    assert third.override_reason == "Client travelling until late March"


def test_a_fourth_session_keeps_the_21_day_gap(client_, practitioner, front_desk):
    plan = make_plan(client_, quoted_sessions=4)
    for number, day in [(1, chicago(1, 5)), (2, chicago(1, 19)), (3, chicago(2, 10))]:
        make_session(plan, number=number, starts_at=day, practitioner=practitioner,
                     status=SessionStatus.COMPLETED)
    pay_deposit(plan, front_desk)
    with refused("too_soon") as error:
        booking.book_session(plan=plan, starts_at=chicago(3, 2, 12), practitioner=practitioner,
                             by=front_desk)
    assert "from 3 March" in error.value.message
    fourth = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                  by=front_desk)
    assert fourth.number == 4


# --------------------------------------------------------------------------- R6


def test_third_session_is_refused_without_a_paid_deposit(after_session_2, practitioner, front_desk):
    booking.request_deposit(plan=after_session_2, by=front_desk)  # requested is not paid
    with refused("deposit_required") as error:
        booking.book_session(plan=after_session_2, starts_at=chicago(3, 17),
                             practitioner=practitioner, by=front_desk)
    assert "$100.00" in error.value.message


def test_a_held_deposit_is_tied_to_the_third_session_when_booked(after_session_2, practitioner, front_desk):
    deposit = pay_deposit(after_session_2, front_desk)
    assert deposit.state == DepositState.PAID and deposit.session is None
    third = booking.book_session(plan=after_session_2, starts_at=chicago(3, 17),
                                 practitioner=practitioner, by=front_desk)
    deposit.refresh_from_db()
    assert deposit.session == third


@pytest.fixture
def booked_third(after_session_2, practitioner, front_desk):
    pay_deposit(after_session_2, front_desk)
    return booking.book_session(plan=after_session_2, starts_at=chicago(3, 17),
                                practitioner=practitioner, by=front_desk)


def test_cancelling_with_notice_keeps_the_deposit_refundable(booked_third, front_desk, manager):
    booking.cancel_session(session=booked_third, by=front_desk, reason="Moving house")
    deposit = Deposit.objects.get()
    assert deposit.state == DepositState.PAID and deposit.session is None
    assert deposit.is_refundable()
    booking.refund_deposit(deposit=deposit, by=manager)
    deposit.refresh_from_db()
    assert deposit.state == DepositState.REFUNDED and deposit.closed_by == manager


def test_late_cancellation_forfeits_the_deposit(booked_third, front_desk, frozen_now):
    frozen_now.move_to(chicago(3, 16, 9))  # 25 hours before: less than 48 h notice
    outcome = booking.cancellation_outcome(booked_third)
    assert outcome.late and "forfeited" in outcome.message
    booking.cancel_session(session=booked_third, by=front_desk)
    booked_third.refresh_from_db()
    assert booked_third.late_cancellation
    assert Deposit.objects.get().state == DepositState.FORFEITED


def test_a_late_cancellation_by_the_clinic_never_forfeits(booked_third, front_desk, frozen_now):
    frozen_now.move_to(chicago(3, 16, 9))
    booking.cancel_session(session=booked_third, by=front_desk, reason="Practitioner ill",
                           clinic_initiated=True)
    assert Deposit.objects.get().state == DepositState.PAID


def test_no_show_forfeits_and_completion_applies_the_deposit(booked_third, front_desk, practitioner):
    with on_the_day(booked_third):
        booking.mark_no_show(session=booked_third, by=front_desk)
    assert Deposit.objects.get().state == DepositState.FORFEITED

    plan = booked_third.plan
    pay_deposit(plan, front_desk)
    rebooked = booking.book_session(plan=plan, starts_at=chicago(3, 18), practitioner=practitioner,
                                    by=front_desk)
    assert rebooked.number == 3
    complete_now(rebooked, practitioner)
    applied = Deposit.objects.get(session=rebooked)
    assert applied.state == DepositState.APPLIED


def test_refunds_are_for_managers_and_never_while_the_deposit_holds_a_booking(
    booked_third, front_desk, manager
):
    deposit = Deposit.objects.get()
    with refused("not_permitted"):
        booking.refund_deposit(deposit=deposit, by=front_desk)
    with refused("invalid_state") as error:
        booking.refund_deposit(deposit=deposit, by=manager)
    assert "cancel that booking" in error.value.message


@pytest.mark.parametrize(
    "amount", [Decimal("-100"), Decimal("0"), Decimal("1000000"), 100.0, "abc", Decimal("NaN"),
               Decimal("10.005"), "Infinity"],
)
def test_bad_deposit_amounts_are_refused_and_nothing_is_written(plan, front_desk, amount):
    with refused("invalid_amount"):
        booking.record_deposit(plan=plan, amount=amount, by=front_desk)
    assert not Deposit.objects.exists()


def test_the_database_refuses_a_non_positive_deposit(plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deposit.objects.create(plan=plan, amount=Decimal("0"), currency="USD")


# --------------------------------------------------------------------------- R7


def test_a_practitioner_cannot_be_double_booked(clinic, practitioner, front_desk):
    first = make_plan(make_client(clinic))
    second = make_plan(make_client(clinic))
    booking.book_session(plan=first, starts_at=chicago(3, 3, 10), practitioner=practitioner,
                         by=front_desk)
    with refused("practitioner_busy") as error:
        booking.book_session(plan=second, starts_at=chicago(3, 3, 12), practitioner=practitioner,
                             by=front_desk)
    assert "10:00 to 13:00" in error.value.message
    back_to_back = booking.book_session(plan=second, starts_at=chicago(3, 3, 13),
                                        practitioner=practitioner, by=front_desk)
    assert back_to_back.pk


def test_a_client_cannot_be_in_two_chairs(clinic, plan, practitioner, second_practitioner, front_desk):
    other_plan = make_plan(plan.client, treatment_area="scar")
    booking.book_session(plan=plan, starts_at=chicago(3, 3, 10), practitioner=practitioner,
                         by=front_desk)
    with refused("client_busy"):
        booking.book_session(plan=other_plan, starts_at=chicago(3, 3, 11),
                             practitioner=second_practitioner, by=front_desk)


def test_a_clinic_never_runs_more_sessions_than_chairs(front_desk):
    small = make_clinic(chairs=1)
    desk = make_staff("front_desk", small)
    pats = [make_staff("practitioner", small) for _ in range(2)]
    plans = [make_plan(make_client(small)) for _ in range(2)]
    booking.book_session(plan=plans[0], starts_at=chicago(3, 3, 10), practitioner=pats[0], by=desk)
    with refused("clinic_full") as error:
        booking.book_session(plan=plans[1], starts_at=chicago(3, 3, 12), practitioner=pats[1],
                             by=desk)
    assert "All 1 chairs" in error.value.message


def test_sessions_outside_opening_hours_are_refused(plan, practitioner, front_desk):
    with refused("outside_hours") as error:
        booking.book_session(plan=plan, starts_at=chicago(3, 8), practitioner=practitioner,
                             by=front_desk)  # a Sunday
    assert "closed on Sundays" in error.value.message
    with refused("outside_hours") as error:
        booking.book_session(plan=plan, starts_at=chicago(3, 3, 16), practitioner=practitioner,
                             by=front_desk)  # would end at 19:00
    assert "between 09:00 and 15:00" in error.value.message


def test_sessions_in_the_past_are_refused(plan, practitioner, front_desk):
    with refused("in_past"):
        booking.book_session(plan=plan, starts_at=chicago(3, 2, 7), practitioner=practitioner,
                             by=front_desk)


def test_only_staff_of_the_clinic_may_book(plan, practitioner, outsider, client_):
    from tests.factories import make_portal_user

    for by in [outsider, make_portal_user(client_), None]:
        with refused("not_permitted"):
            booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner, by=by)
    assert not TreatmentSession.objects.exists()


def test_the_practitioner_must_work_at_the_clinic(plan, front_desk, other_clinic):
    stranger = make_staff("practitioner", other_clinic)
    with refused("not_permitted"):
        booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=stranger, by=front_desk)


# --------------------------------------------------------------------------- R8


@pytest.fixture
def three_booked(plan, practitioner, front_desk):
    make_session(plan, number=1, starts_at=chicago(2, 16), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                  by=front_desk)
    pay_deposit(plan, front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 26), practitioner=practitioner,
                                 by=front_desk)
    return second, third


def test_moving_session_2_that_pushes_session_3_out_of_its_window_is_refused(
    three_booked, front_desk
):
    second, third = three_booked
    assert [p.number for p in booking.reschedule_preview(session=second, starts_at=chicago(3, 10))] == [3]
    with refused("too_soon") as error:
        booking.reschedule_session(session=second, starts_at=chicago(3, 10), by=front_desk)
    assert "session 3 (booked for 26 March)" in error.value.message
    assert error.value.affected == [third]
    second.refresh_from_db()
    assert second.starts_at == chicago(3, 3)


def test_moving_session_2_within_the_rules_is_accepted(three_booked, front_desk):
    second, _ = three_booked
    assert booking.reschedule_preview(session=second, starts_at=chicago(3, 5)) == []
    moved = booking.reschedule_session(session=second, starts_at=chicago(3, 5, 11), by=front_desk)
    moved.refresh_from_db()
    assert moved.starts_at == chicago(3, 5, 11)
    assert moved.ends_at - moved.starts_at == dt.timedelta(hours=3)


def test_a_completed_session_cannot_be_moved(plan, practitioner, front_desk):
    done = make_session(plan, number=1, starts_at=chicago(2, 16), practitioner=practitioner,
                        status=SessionStatus.COMPLETED)
    with refused("invalid_state"):
        booking.reschedule_session(session=done, starts_at=chicago(3, 3), by=front_desk)


# --------------------------------------------------------------------------- bad input


def test_naive_datetimes_are_refused_and_nothing_is_written(plan, practitioner, front_desk):
    with refused("naive_datetime"):
        booking.book_session(plan=plan, starts_at=dt.datetime(2026, 3, 3, 10),
                             practitioner=practitioner, by=front_desk)
    assert not TreatmentSession.objects.exists()


def test_an_end_before_the_start_is_refused(plan, practitioner, front_desk):
    with refused("ends_before_start"):
        booking.book_session(plan=plan, starts_at=chicago(3, 3, 12), ends_at=chicago(3, 3, 10),
                             practitioner=practitioner, by=front_desk)
    assert not TreatmentSession.objects.exists()


def test_an_unknown_clinic_time_zone_is_refused_and_nothing_is_written(db):
    from clinic.models import Clinic

    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        make_clinic(time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError):
        Clinic.objects.create(name="Nowhere", slug="nowhere", time_zone="Nowhere/Land")
    assert not Clinic.objects.exists()


def test_the_database_refuses_a_session_that_ends_before_it_starts(plan, practitioner):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(plan, number=1, starts_at=chicago(3, 3), practitioner=practitioner, minutes=-30)


def test_two_live_sessions_cannot_share_a_number(plan, practitioner):
    make_session(plan, number=1, starts_at=chicago(3, 3), practitioner=practitioner)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(plan, number=1, starts_at=chicago(3, 4), practitioner=practitioner)


# --------------------------------------------------------------------------- R16


def test_every_booking_change_is_kept_with_who_made_it(plan, practitioner, front_desk, manager):
    session = booking.book_session(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                   by=front_desk)
    booking.cancel_session(session=session, by=manager, reason="Client ill")
    history = list(session.history.order_by("history_date"))
    assert [(h.status, h.history_user) for h in history] == [
        (SessionStatus.BOOKED, front_desk), (SessionStatus.CANCELLED, manager),
    ]


def test_requesting_a_deposit_twice_with_one_key_requests_it_once(plan, front_desk):
    import uuid

    key = uuid.uuid4()
    first = booking.request_deposit(plan=plan, by=front_desk, idempotency_key=key)
    again = booking.request_deposit(plan=plan, by=front_desk, idempotency_key=key)
    assert first == again and Deposit.objects.count() == 1


def test_may_refund_follows_the_clinics_setting(clinic, front_desk, manager, practitioner):
    assert booking.may_refund(manager, clinic) and not booking.may_refund(front_desk, clinic)
    assert not booking.may_refund(practitioner, clinic)
    clinic.front_desk_may_refund = True
    assert booking.may_refund(front_desk, clinic)


def test_a_manager_can_undo_a_completion_with_a_reason(booked_third, practitioner, front_desk, manager):
    with on_the_day(booked_third):
        write_full_log(booked_third, practitioner)
        booking.complete_session(session=booked_third, by=practitioner)
        plan = booked_third.plan
        plan.refresh_from_db()
        assert plan.status == PlanStatus.COMPLETED
        assert booked_third.reminders.filter(status="scheduled").exists()  # aftercare planned
        with refused("not_permitted"):
            booking.uncomplete_session(session=booked_third, by=front_desk, reason="wrong client")
        with refused("reason_required"):
            booking.uncomplete_session(session=booked_third, by=manager, reason=" ")

        booking.uncomplete_session(session=booked_third, by=manager, reason="Completed the wrong client")
        booked_third.refresh_from_db()
        plan.refresh_from_db()
        assert booked_third.status == SessionStatus.CHECKED_IN and booked_third.completed_at is None
        assert plan.status == PlanStatus.ACTIVE
        assert Deposit.objects.get(session=booked_third).state == DepositState.PAID
        latest = booked_third.history.first()
        assert latest.history_user == manager
        assert latest.history_change_reason == "Completion undone: Completed the wrong client"
        assert not booked_third.reminders.filter(status="scheduled").exists()  # R12: nothing more sent
