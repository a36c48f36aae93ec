"""Aftercare planning and sending on eager Celery (R12, R13, R15): what completing, booking,
moving, cancelling and un-completing a session plans; consent; exactly-once sending; retries,
failures and resends. Fixed clocks: Chicago, March 2026 (before the DST change on 8 March)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from aftercare import services
from aftercare.models import Reminder, ReminderStatus, ScheduleStep
from aftercare.tasks import dispatch_due_reminders, send_reminder
from clinic.models import PlanStatus
from sessions_app import booking
from sessions_app.models import SessionStatus
from tests.aftercare_helpers import handovers, local, queued_for_a_worker, rows, step
from tests.factories import make_session, write_full_log

pytestmark = pytest.mark.django_db

CHI = "America/Chicago"


def at(*args) -> dt.datetime:
    return local(CHI, 2026, *args)


def complete(session, by, when):
    with time_machine.travel(when, tick=False):
        if session.number >= 2:
            write_full_log(session, session.practitioner)
        return booking.complete_session(session=session, by=by)


@pytest.fixture
def dispatch(eager, django_capture_on_commit_callbacks):
    """Run the beat task now (or at `when`), executing what it queues after commit."""

    def run(when=None, **kwargs):
        with time_machine.travel(when or timezone.now(), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                if kwargs:
                    return services.dispatch_due(**kwargs)
                return dispatch_due_reminders()

    return run


@pytest.fixture
def session_1(plan, practitioner):
    """Session 1 of a three-session plan, Tuesday 3 March 2026 09:00-12:00 in Chicago."""
    return make_session(plan, number=1, starts_at=at(3, 3, 9), practitioner=practitioner)


@pytest.fixture
def session_2(plan, practitioner):
    """Session 1 done in February; session 2 booked for Friday 6 March 13:00-16:00."""
    make_session(plan, number=1, starts_at=at(2, 20, 9), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    return make_session(plan, number=2, starts_at=at(3, 6, 13), practitioner=practitioner)


# --------------------------------------------------------------------------- completing


def test_completing_a_session_plans_instructions_a_day_2_reminder_and_the_window_closing(
    session_1, practitioner
):
    complete(session_1, practitioner, at(3, 3, 12))

    planned = rows(session_1)
    assert set(planned) == {
        ("aftercare_instructions", "email"), ("aftercare_reminder", "email"),
        ("aftercare_window_closed", "email"),
    }
    assert planned[("aftercare_instructions", "email")].due_at == at(3, 3, 12)
    assert planned[("aftercare_reminder", "email")].due_at == at(3, 5, 10)
    assert planned[("aftercare_window_closed", "email")].due_at == at(3, 7, 12)
    assert all(r.status == ReminderStatus.SCHEDULED for r in planned.values())


def test_sms_consent_adds_the_same_messages_by_sms(session_1, practitioner, client_):
    client_.sms_consent = True
    client_.save()
    complete(session_1, practitioner, at(3, 3, 12))
    assert {channel for _, channel in rows(session_1)} == {"email", "sms"}
    assert len(rows(session_1, channel="sms")) == 3


def test_a_client_without_any_consent_gets_no_messages(session_1, practitioner, client_):
    client_.email_consent = False
    client_.save()
    complete(session_1, practitioner, at(3, 3, 12))
    assert rows(session_1) == {}


def test_completing_twice_in_a_row_plans_each_message_once(session_1, practitioner):
    complete(session_1, practitioner, at(3, 3, 12))
    services.session_completed(session=session_1, by=practitioner)
    assert Reminder.objects.filter(session=session_1).count() == 3


def test_a_session_completed_late_skips_the_fixed_hour_steps_already_past(session_1, practitioner):
    # Marked completed on Friday: the day-2 reminder (Thursday 10:00) would be stale.
    complete(session_1, practitioner, at(3, 6, 9))
    planned = rows(session_1)
    assert ("aftercare_reminder", "email") not in planned
    assert planned[("aftercare_instructions", "email")].due_at == at(3, 6, 9)  # at once
    assert planned[("aftercare_window_closed", "email")].due_at == at(3, 7, 12)


def test_a_clinic_with_a_one_day_window_gets_no_reminder_after_it_closed(session_1, practitioner, clinic):
    clinic.aftercare_days = 1
    clinic.save()
    session_1.clinic = clinic
    complete(session_1, practitioner, at(3, 3, 12))
    planned = rows(session_1)
    assert ("aftercare_reminder", "email") not in planned
    assert planned[("aftercare_window_closed", "email")].due_at == at(3, 4, 12)


def test_the_window_closing_at_night_is_announced_the_next_morning(plan, practitioner):
    session = make_session(plan, number=1, starts_at=at(3, 3, 18), minutes=180, practitioner=practitioner)
    complete(session, practitioner, at(3, 3, 21))
    assert rows(session)[("aftercare_window_closed", "email")].due_at == at(3, 8, 8)


# --------------------------------------------------------------------------- third session (R13)


def test_session_2_of_three_plans_the_third_session_prompt_on_day_5(session_2, practitioner):
    complete(session_2, practitioner, at(3, 6, 16))
    prompt = rows(session_2)[("third_session_prompt", "email")]
    assert prompt.due_at == at(3, 11, 10)


def test_no_third_session_prompt_when_the_plan_quotes_two_sessions(session_2, practitioner, plan):
    plan.quoted_sessions = 2
    plan.save()
    complete(session_2, practitioner, at(3, 6, 16))
    assert ("third_session_prompt", "email") not in rows(session_2)


def test_booking_the_third_session_cancels_the_prompt_and_cancelling_it_brings_it_back(
    session_2, practitioner, front_desk, plan
):
    complete(session_2, practitioner, at(3, 6, 16))
    with time_machine.travel(at(3, 7, 9), tick=False):
        booking.record_deposit(plan=plan, amount="100.00", by=front_desk)
        third = booking.book_session(plan=plan, starts_at=at(3, 30, 10), practitioner=practitioner,
                                     by=front_desk)
    prompt = rows(session_2)[("third_session_prompt", "email")]
    assert prompt.status == ReminderStatus.CANCELLED
    assert prompt.note == "Session 3 was booked."

    with time_machine.travel(at(3, 8, 9), tick=False):
        booking.cancel_session(session=third, by=front_desk, reason="Client is travelling")
    prompt.refresh_from_db()
    assert prompt.status == ReminderStatus.SCHEDULED
    assert prompt.due_at == at(3, 11, 10)


def test_the_prompt_is_not_sent_if_the_third_session_was_booked_meanwhile(
    session_2, practitioner, plan, dispatch
):
    complete(session_2, practitioner, at(3, 6, 16))
    # Written directly (e.g. imported): the booking hook did not run; the send-time check does.
    make_session(plan, number=3, starts_at=at(3, 30, 10), practitioner=practitioner)
    dispatch(at(3, 11, 10, 1))
    prompt = rows(session_2)[("third_session_prompt", "email")]
    assert prompt.status == ReminderStatus.CANCELLED
    assert "Session 3 is booked" in prompt.note
    assert not any("third session" in m.subject for m in mail.outbox)


# --------------------------------------------------------------------------- appointments


def test_booking_plans_an_appointment_reminder_two_days_before_at_10(
    frozen_now, plan, practitioner, front_desk
):
    session = booking.book_session(plan=plan, starts_at=at(3, 12, 14), practitioner=practitioner,
                                   by=front_desk)
    assert rows(session)[("appointment_reminder", "email")].due_at == at(3, 10, 10)


def test_a_session_booked_for_tomorrow_gets_no_reminder_in_the_past(
    frozen_now, plan, practitioner, front_desk
):
    session = booking.book_session(plan=plan, starts_at=at(3, 3, 14), practitioner=practitioner,
                                   by=front_desk)
    assert rows(session) == {}


def test_rescheduling_moves_the_unsent_reminder_or_cancels_it_when_its_time_has_passed(
    frozen_now, plan, practitioner, front_desk
):
    session = booking.book_session(plan=plan, starts_at=at(3, 12, 14), practitioner=practitioner,
                                   by=front_desk)
    booking.reschedule_session(session=session, starts_at=at(3, 19, 11), by=front_desk)
    reminder = rows(session)[("appointment_reminder", "email")]
    assert (reminder.due_at, reminder.status) == (at(3, 17, 10), ReminderStatus.SCHEDULED)

    booking.reschedule_session(session=session, starts_at=at(3, 3, 11), by=front_desk)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.CANCELLED

    booking.reschedule_session(session=session, starts_at=at(3, 20, 11), by=front_desk)
    reminder.refresh_from_db()
    assert (reminder.due_at, reminder.status) == (at(3, 18, 10), ReminderStatus.SCHEDULED)
    assert Reminder.objects.filter(session=session).count() == 1


def test_a_cancelled_session_sends_nothing_more(frozen_now, plan, practitioner, front_desk, dispatch):
    session = booking.book_session(plan=plan, starts_at=at(3, 12, 14), practitioner=practitioner,
                                   by=front_desk)
    booking.cancel_session(session=session, by=front_desk, reason="Client ill")
    dispatch(at(3, 12, 15))
    assert rows(session)[("appointment_reminder", "email")].status == ReminderStatus.CANCELLED
    assert mail.outbox == []


def test_a_message_already_claimed_when_its_session_is_cancelled_is_not_sent(
    frozen_now, plan, practitioner, front_desk, eager, django_capture_on_commit_callbacks
):
    session = booking.book_session(plan=plan, starts_at=at(3, 12, 14), practitioner=practitioner,
                                   by=front_desk)
    with queued_for_a_worker(eager), django_capture_on_commit_callbacks(execute=False) as queued:
        services.dispatch_due(now=at(3, 10, 10))  # claimed, not yet sent
    booking.cancel_session(session=session, by=front_desk, reason="Client ill")
    for callback in queued:
        callback()
    assert rows(session)[("appointment_reminder", "email")].status == ReminderStatus.CANCELLED
    assert mail.outbox == []


def test_a_no_show_cancels_its_unsent_messages(frozen_now, plan, practitioner, front_desk):
    session = booking.book_session(plan=plan, starts_at=at(3, 12, 14), practitioner=practitioner,
                                   by=front_desk)
    with time_machine.travel(at(3, 12, 15), tick=False):
        booking.mark_no_show(session=session, by=front_desk)
    reminder = rows(session)[("appointment_reminder", "email")]
    assert (reminder.status, reminder.note) == (ReminderStatus.CANCELLED, "Session 1 is no-show.")


def test_completing_a_session_drops_its_unsent_appointment_reminder(plan, practitioner):
    session = make_session(plan, number=1, starts_at=at(3, 3, 9), practitioner=practitioner)
    services.session_booked(session=session)  # planned while it was booked (clock: today)
    complete(session, practitioner, at(3, 3, 12))
    assert ("appointment_reminder", "email") not in {
        key for key, r in rows(session).items() if r.status != ReminderStatus.CANCELLED
    }


# --------------------------------------------------------------------------- recall (R15)


def test_completing_the_last_session_schedules_the_touch_up_recall_three_years_on(
    session_2, practitioner, plan
):
    plan.quoted_sessions = 2
    plan.save()
    complete(session_2, practitioner, at(3, 6, 16))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    recall = rows(session_2)[("touch_up_recall", "email")]
    assert recall.due_at == local(CHI, 2029, 3, 6, 10)


def test_closing_a_plan_early_schedules_the_recall_through_its_hook(session_2, practitioner, plan, manager):
    complete(session_2, practitioner, at(3, 6, 16))
    with time_machine.travel(at(3, 9, 9), tick=False):
        plan = booking.complete_plan(plan=plan, by=manager)
        services.plan_completed(plan=plan, by=manager)  # for booking.complete_plan to call
    planned = rows(session_2)
    assert planned[("touch_up_recall", "email")].due_at == local(CHI, 2029, 3, 9, 10)
    assert planned[("third_session_prompt", "email")].status == ReminderStatus.CANCELLED


# --------------------------------------------------------------------------- schedule as data


def test_a_step_a_manager_switches_on_is_planned_with_its_own_text(session_1, practitioner, dispatch):
    sun = step("avoid_direct_sun")
    sun.active = True
    sun.save()
    complete(session_1, practitioner, at(3, 3, 12))
    reminder = rows(session_1)[("avoid_direct_sun", "email")]
    assert reminder.due_at == at(3, 10, 10)
    dispatch(at(3, 10, 10))
    sent = [m for m in mail.outbox if "sun" in m.subject]
    assert len(sent) == 1
    assert sent[0].subject == "Keep your scalp out of the sun until Thursday 2 April"
    assert "until Thursday 2 April" in sent[0].body


def test_a_step_switched_off_drops_its_unsent_messages(session_1, practitioner, dispatch):
    complete(session_1, practitioner, at(3, 3, 12))
    ScheduleStep.objects.filter(kind="aftercare_reminder").update(active=False)
    dispatch(at(3, 5, 10))
    assert rows(session_1)[("aftercare_reminder", "email")].status == ReminderStatus.CANCELLED


def test_a_clinic_only_step_is_planned_at_that_clinic_only(session_1, practitioner, other_clinic, clinic):
    ScheduleStep.objects.create(kind="london-only", name="London only", clinic=other_clinic,
                                template="window_reminder", day_offset=1, send_time=dt.time(9))
    ScheduleStep.objects.create(kind="chicago-only", name="Chicago only", clinic=clinic,
                                template="window_reminder", day_offset=1, send_time=dt.time(9))
    complete(session_1, practitioner, at(3, 3, 12))
    kinds = {kind for kind, _ in rows(session_1)}
    assert "chicago-only" in kinds and "london-only" not in kinds


def test_uncompleting_a_session_cancels_what_is_not_sent(session_1, practitioner, dispatch):
    complete(session_1, practitioner, at(3, 3, 12))
    dispatch(at(3, 3, 12, 1))
    services.session_uncompleted(session=session_1)
    planned = rows(session_1)
    assert planned[("aftercare_instructions", "email")].status == ReminderStatus.SENT
    assert planned[("aftercare_reminder", "email")].status == ReminderStatus.CANCELLED
    assert planned[("aftercare_window_closed", "email")].status == ReminderStatus.CANCELLED


# --------------------------------------------------------------------------- sending once


def test_the_beat_task_called_directly_sends_every_due_message_now_and_nothing_else(
    session_1, practitioner, dispatch
):
    complete(session_1, practitioner, at(3, 3, 12))
    assert dispatch(at(3, 5, 10)) == 2
    planned = rows(session_1)
    assert planned[("aftercare_instructions", "email")].status == ReminderStatus.SENT
    assert planned[("aftercare_reminder", "email")].status == ReminderStatus.SENT
    assert planned[("aftercare_window_closed", "email")].status == ReminderStatus.SCHEDULED
    assert len(mail.outbox) == 2
    assert dispatch(at(3, 5, 10)) == 0
    assert len(mail.outbox) == 2


def test_a_second_run_of_the_same_id_sends_nothing(session_1, practitioner, dispatch, eager):
    complete(session_1, practitioner, at(3, 3, 12))
    dispatch(at(3, 3, 12, 1))
    reminder = rows(session_1)[("aftercare_instructions", "email")]
    assert send_reminder.delay(reminder.pk).get() == ReminderStatus.SENT
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.queued) == (1, 1)
    assert reminder.provider_id == mail.outbox[0].extra_headers["Message-ID"]


def test_a_scheduled_message_is_not_sent_by_a_stray_task(session_1, practitioner, eager):
    complete(session_1, practitioner, at(3, 3, 12))
    reminder = rows(session_1)[("aftercare_reminder", "email")]
    assert send_reminder.delay(reminder.pk).get() == ReminderStatus.SCHEDULED
    assert mail.outbox == []


def test_withdrawn_sms_consent_means_no_sms_at_send_time(session_1, practitioner, client_, sms_log, dispatch):
    client_.sms_consent = True
    client_.save()
    complete(session_1, practitioner, at(3, 3, 12))
    client_.sms_consent = False
    client_.save()
    dispatch(at(3, 5, 10))
    assert sms_log.read() == []
    assert rows(session_1)[("aftercare_reminder", "sms")].note == "The client does not consent to SMS."
    assert rows(session_1)[("aftercare_reminder", "email")].status == ReminderStatus.SENT


def test_sms_messages_reach_the_configured_backend_once(session_1, practitioner, client_, sms_log, dispatch):
    client_.sms_consent = True
    client_.save()
    complete(session_1, practitioner, at(3, 3, 12))
    dispatch(at(3, 7, 12))
    dispatch(at(3, 7, 12))
    assert sorted(handovers(sms_log).values()) == [1, 1, 1]
    texts = [line["body"] for line in sms_log.read()]
    assert any("Don't wash your scalp or cut your hair until Saturday 7 March, 12 pm" in t for t in texts)
    reminder = rows(session_1)[("aftercare_window_closed", "sms")]
    assert reminder.provider_id.startswith("file-")


def test_the_portable_claim_without_skip_locked_sends_each_once(session_1, practitioner, dispatch):
    complete(session_1, practitioner, at(3, 3, 12))
    assert dispatch(at(3, 7, 12), skip_locked=False) == 3
    assert dispatch(at(3, 7, 12), skip_locked=False) == 0
    assert len(mail.outbox) == 3


# --------------------------------------------------------------------------- failures


def test_a_provider_that_is_down_is_retried_and_the_message_sent_once(
    session_1, practitioner, client_, flaky_sms, sms_log, dispatch, eager
):
    eager.conf.task_eager_propagates = False  # eager retries run only without propagation
    client_.email_consent, client_.sms_consent = False, True
    client_.save()
    flaky_sms.FAILURES = 2
    complete(session_1, practitioner, at(3, 3, 12))
    dispatch(at(3, 3, 12, 1))
    reminder = rows(session_1)[("aftercare_instructions", "sms")]
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 3)
    assert flaky_sms.calls == 3
    assert handovers(sms_log) == {reminder.pk: 1}


def test_retries_are_bounded_then_the_message_is_failed(
    session_1, practitioner, client_, flaky_sms, dispatch, eager
):
    eager.conf.task_eager_propagates = False  # eager retries run only without propagation
    client_.email_consent, client_.sms_consent = False, True
    client_.save()
    flaky_sms.FAILURES = 100
    complete(session_1, practitioner, at(3, 3, 12))
    dispatch(at(3, 3, 12, 1))
    reminder = rows(session_1)[("aftercare_instructions", "sms")]
    assert (reminder.status, reminder.attempts) == (ReminderStatus.FAILED, services.MAX_ATTEMPTS)
    assert "provider down" in reminder.last_error


def test_a_refused_message_fails_at_once_and_staff_can_send_it_again(
    session_1, practitioner, client_, flaky_sms, sms_log, dispatch, front_desk,
    django_capture_on_commit_callbacks,
):
    client_.email_consent, client_.sms_consent = False, True
    client_.save()
    flaky_sms.FAILURES, flaky_sms.PERMANENT = 1, True
    complete(session_1, practitioner, at(3, 3, 12))
    dispatch(at(3, 3, 12, 1))
    reminder = rows(session_1)[("aftercare_instructions", "sms")]
    assert (reminder.status, reminder.attempts) == (ReminderStatus.FAILED, 1)

    with django_capture_on_commit_callbacks(execute=True):
        services.resend_reminder(reminder=reminder, by=front_desk)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
    assert reminder.resent_by == front_desk
    assert len(sms_log.read()) == 1


def test_only_a_failed_message_can_be_sent_again(session_1, practitioner, front_desk):
    complete(session_1, practitioner, at(3, 3, 12))
    reminder = rows(session_1)[("aftercare_reminder", "email")]
    with pytest.raises(services.ResendRefused, match="only a failed message"):
        services.resend_reminder(reminder=reminder, by=front_desk)


def test_a_missing_address_fails_the_message_with_a_reason(session_1, practitioner, client_, dispatch):
    complete(session_1, practitioner, at(3, 3, 12))
    client_.email = ""
    client_.save()
    dispatch(at(3, 3, 12, 1))
    reminder = rows(session_1)[("aftercare_instructions", "email")]
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.last_error == "The client has no e-mail address."


def test_a_claimed_message_whose_task_was_lost_is_handed_over_after_the_lease(
    session_1, practitioner, eager, django_capture_on_commit_callbacks, dispatch
):
    complete(session_1, practitioner, at(3, 3, 12))
    with queued_for_a_worker(eager), django_capture_on_commit_callbacks(execute=False):
        services.dispatch_due(now=at(3, 3, 12, 1))  # the queued task is lost
    assert dispatch(at(3, 3, 12, 5)) == 0  # within the lease: still trusted to the worker
    assert mail.outbox == []
    assert dispatch(at(3, 3, 12, 12)) == 1
    reminder = rows(session_1)[("aftercare_instructions", "email")]
    assert (reminder.status, reminder.queued) == (ReminderStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_message_never_confirmed_after_many_hand_overs_is_failed(
    session_1, practitioner, eager, django_capture_on_commit_callbacks
):
    complete(session_1, practitioner, at(3, 3, 12))
    when = at(3, 3, 12, 1)
    for _ in range(services.MAX_QUEUED + 1):
        with queued_for_a_worker(eager), django_capture_on_commit_callbacks(execute=False):
            services.dispatch_due(now=when)  # each hand-over is lost
        when += services.SENDING_LEASE + dt.timedelta(minutes=1)
    reminder = rows(session_1)[("aftercare_instructions", "email")]
    assert reminder.status == ReminderStatus.FAILED
    assert "hand-overs" in reminder.last_error
