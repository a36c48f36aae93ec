"""Booking at the front desk: proposed slots (session 2's usual target first, session 3 inside
its window), a live check as the user picks, refusals that explain the rule and keep what was
typed, reschedule with its impact, cancel with its deposit outcome, check-in and no-show.
The clock is Monday 2 March 2026, 08:00 in Chicago; summer time starts on Sunday 8 March."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client as WebClient
from django.urls import reverse

from clinic.models import Role
from sessions_app import booking, slots
from sessions_app.models import DepositState, SessionStatus, TreatmentSession
from tests.clock import chicago
from tests.factories import (
    make_client,
    make_clinic,
    make_plan,
    make_session,
    make_staff,
    on_the_day,
    sign_in,
)
from tests.frontdesk_helpers import booking_post, pay_deposit, session_one_done, sessions_one_and_two_done

pytestmark = [pytest.mark.usefixtures("frozen_now")]
db = pytest.mark.django_db


def book_url(plan) -> str:
    return reverse("frontdesk:book_session", args=[plan.pk])


def local(instant: dt.datetime) -> tuple[str, str]:
    return instant.strftime("%a %d %b"), instant.strftime("%H:%M")


# --------------------------------------------------------------------------- proposed slots


@db
def test_session_2_slots_propose_the_usual_target_first(plan, practitioner, front_desk):
    session_one_done(plan, practitioner)  # Monday 23 February: target 5-9 March, allowed from 2 March
    proposal = slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk)
    assert proposal.number == 2 and proposal.target == (dt.date(2026, 3, 5), dt.date(2026, 3, 9))
    assert [(local(s.starts_at), s.in_target) for s in proposal.slots] == [
        (("Thu 05 Mar", "09:00"), True),
        (("Fri 06 Mar", "09:00"), True),
        (("Sat 07 Mar", "09:00"), True),
        (("Mon 09 Mar", "09:00"), True),  # Sunday is closed; 09:00 summer time
        (("Mon 02 Mar", "09:00"), False),
        (("Tue 03 Mar", "09:00"), False),
    ]


@db
def test_proposed_slots_go_around_the_practitioners_other_sessions(clinic, plan, practitioner, front_desk):
    session_one_done(plan, practitioner)
    busy = make_plan(make_client(clinic))
    booking.book_session(plan=busy, starts_at=chicago(3, 5, 9), practitioner=practitioner, by=front_desk)
    proposal = slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk)
    assert local(proposal.slots[0].starts_at) == ("Thu 05 Mar", "12:00")


@db
def test_session_3_slots_stay_inside_its_window_before_the_deposit_is_paid(plan, practitioner, front_desk):
    sessions_one_and_two_done(plan, practitioner)  # window 17-24 March
    proposal = slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk, count=10)
    assert (proposal.earliest, proposal.latest) == (dt.date(2026, 3, 17), dt.date(2026, 3, 24))
    days = [s.starts_at.date() for s in proposal.slots]
    assert days[0] == dt.date(2026, 3, 17)
    assert all(dt.date(2026, 3, 17) <= d <= dt.date(2026, 3, 24) for d in days)
    assert len(days) == 7  # 22 March is a Sunday


@db
def test_every_proposed_slot_passes_the_booking_service(clinic, plan, practitioner, front_desk):
    session_one_done(plan, practitioner)
    for n in range(3):
        other = make_plan(make_client(clinic))
        booking.book_session(plan=other, starts_at=chicago(3, 5 + n, 9 + 3 * n), practitioner=practitioner,
                             by=front_desk)
    proposal = slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk, count=8)
    assert proposal.slots
    for slot in proposal.slots:
        booking.check_booking(plan=plan, starts_at=slot.starts_at, ends_at=slot.ends_at,
                              practitioner=practitioner, by=front_desk)


@db
def test_a_plan_with_every_session_booked_proposes_nothing_and_says_why(client_, practitioner, front_desk):
    plan = make_plan(client_, quoted_sessions=2)
    session_one_done(plan, practitioner)
    booking.book_session(plan=plan, starts_at=chicago(3, 6), practitioner=practitioner, by=front_desk)
    assert slots.propose_slots(plan=plan, practitioner=practitioner, by=front_desk).slots == []


@db
def test_the_booking_page_shows_the_window_and_proposals(desk, plan, practitioner):
    session_one_done(plan, practitioner)
    html = desk.get(book_url(plan)).content.decode()
    assert "Book session 2 of 3" in html
    assert "usual target <strong>5 March–9 March</strong>" in html
    assert 'data-slot-date="2026-03-05" data-slot-time="09:00"' in html


@db
def test_the_slots_reload_for_another_practitioner(desk, plan, practitioner, second_practitioner):
    session_one_done(plan, practitioner)
    response = desk.get(reverse("frontdesk:book_slots", args=[plan.pk]),
                        {"practitioner": second_practitioner.pk, "length": 120})
    assert response.context["practitioner"] == second_practitioner
    assert "09:00–11:00" in response.content.decode()


# --------------------------------------------------------------------------- booking


@db
def test_booking_a_proposed_slot_creates_the_session_and_opens_the_calendar_on_it(
    desk, plan, practitioner, front_desk
):
    session_one_done(plan, practitioner)
    response = desk.post(book_url(plan), booking_post(practitioner, "2026-03-05", "09:00", number=2))
    second = TreatmentSession.objects.get(plan=plan, number=2)
    assert response.status_code == 302
    assert response["Location"].endswith(f"date=2026-03-05&view=day&highlight={second.pk}")
    assert second.starts_at == chicago(3, 5, 9) and second.ends_at == chicago(3, 5, 12)
    assert second.booked_by == front_desk and second.history.first().history_user == front_desk
    calendar = desk.get(response["Location"]).content.decode()
    assert ("Session 2 of 3 booked for Carl Client: Thursday 5 March 2026, 09:00-12:00 with Pat Needle."
            in calendar)
    assert f'id="cal-session-{second.pk}"' in calendar and "cal-highlight" in calendar


@db
def test_a_refusal_shows_the_rule_and_keeps_what_was_typed(desk, plan, practitioner, front_desk):
    booking.book_session(plan=plan, starts_at=chicago(3, 3, 9), practitioner=practitioner, by=front_desk)
    response = desk.post(book_url(plan), booking_post(practitioner, "2026-03-06", "15:30", length=120))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Session 2 can start from 10 March (7 days after session 1 on 3 March)" in html
    assert 'value="2026-03-06"' in html and 'value="15:30"' in html
    assert '<option value="120" selected>' in html
    assert not TreatmentSession.objects.filter(plan=plan, number=2).exists()


@db
def test_a_third_session_too_early_shows_its_window(desk, plan, practitioner, front_desk):
    sessions_one_and_two_done(plan, practitioner)
    pay_deposit(plan, front_desk)
    html = desk.post(book_url(plan), booking_post(practitioner, "2026-03-16")).content.decode()
    assert "A third session can start from 17 March (21 days after session 2) to 24 March." in html
    assert not TreatmentSession.objects.filter(plan=plan, number=3).exists()


@db
def test_a_third_session_without_its_deposit_is_refused_with_the_amount(desk, plan, practitioner):
    sessions_one_and_two_done(plan, practitioner)
    html = desk.post(book_url(plan), booking_post(practitioner, "2026-03-18")).content.decode()
    assert "A third session needs a booking deposit of at least $100.00 paid first (R6)" in html


@db
def test_a_late_third_session_needs_a_managers_written_reason(
    client, desk, plan, practitioner, front_desk, manager
):
    sessions_one_and_two_done(plan, practitioner)
    pay_deposit(plan, front_desk)
    assert 'name="override_reason"' not in desk.get(book_url(plan)).content.decode()
    late = booking_post(practitioner, "2026-03-26", override_reason="Client was abroad")
    html = desk.post(book_url(plan), late).content.decode()
    assert "Later than that needs a manager&#x27;s override with a written reason." in html
    assert not TreatmentSession.objects.filter(plan=plan, number=3).exists()

    sign_in(client, manager)
    assert 'name="override_reason"' in client.get(book_url(plan)).content.decode()
    assert client.post(book_url(plan), booking_post(practitioner, "2026-03-26")).status_code == 200
    response = client.post(book_url(plan), late)
    assert response.status_code == 302
    third = TreatmentSession.objects.get(plan=plan, number=3)
    assert third.override_reason == "Client was abroad"
    assert third.deposits.get().state == DepositState.PAID


@db
def test_the_typed_time_is_the_clinics_wall_clock_across_daylight_saving(desk, clinic, practitioner):
    before, after = make_plan(make_client(clinic)), make_plan(make_client(clinic))
    desk.post(book_url(before), booking_post(practitioner, "2026-03-07", "10:00"))
    desk.post(book_url(after), booking_post(practitioner, "2026-03-09", "10:00"))
    utc = [s.starts_at.astimezone(dt.UTC).hour for s in TreatmentSession.objects.order_by("starts_at")]
    assert utc == [16, 15]  # CST is UTC-6, CDT UTC-5


@db
def test_a_second_click_never_books_the_next_session_by_mistake(desk, plan, practitioner):
    session_one_done(plan, practitioner)
    data = booking_post(practitioner, "2026-03-05", "09:00", number=2)
    assert desk.post(book_url(plan), data).status_code == 302
    again = desk.post(book_url(plan), data)
    assert again.status_code == 200
    assert "Session 2 has just been booked" in again.content.decode()
    assert TreatmentSession.objects.filter(plan=plan).count() == 2


@db
def test_a_booking_can_be_posted_as_one_local_start_with_the_clinics_usual_length(
    desk, plan, practitioner, clinic
):
    response = desk.post(book_url(plan), {"practitioner": practitioner.pk, "starts_at": "2026-03-04T11:30"})
    assert response.status_code == 302
    first = TreatmentSession.objects.get(plan=plan)
    assert first.starts_at == chicago(3, 4, 11, 30)
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=clinic.default_session_minutes)


@db
def test_a_move_can_be_posted_as_one_local_start(desk, plan, practitioner, front_desk):
    first = booking.book_session(plan=plan, starts_at=chicago(3, 4), practitioner=practitioner,
                                 by=front_desk)
    url = reverse("frontdesk:session_reschedule", args=[first.pk])
    desk.post(url, {"starts_at": "2026-03-05T09:00", "confirm": "1"})
    first.refresh_from_db()
    assert first.starts_at == chicago(3, 5, 9) and first.ends_at == chicago(3, 5, 12)


@db
def test_a_calendar_slot_prefills_the_form(desk, plan, practitioner, second_practitioner):
    html = desk.get(book_url(plan), {"starts_at": "2026-03-04T13:15", "practitioner": second_practitioner.pk})
    html = html.content.decode()
    assert 'value="2026-03-04"' in html and 'value="13:15"' in html
    assert f'<option value="{second_practitioner.pk}" selected>' in html


# --------------------------------------------------------------------------- live check


@db
def test_the_live_check_says_available_or_why_not(desk, plan, practitioner, front_desk):
    session_one_done(plan, practitioner)
    check = reverse("frontdesk:book_check", args=[plan.pk])
    ok = desk.post(check, booking_post(practitioner, "2026-03-05", "09:00"), headers={"HX-Request": "true"})
    assert "Available:" in ok.content.decode() and "Thursday 5 March, 09:00–12:00" in ok.content.decode()
    closed = desk.post(check, booking_post(practitioner, "2026-03-08", "09:00")).content.decode()
    assert "Not allowed:" in closed and "closed on Sundays" in closed
    incomplete = desk.post(check, {"practitioner": practitioner.pk, "date": "2026-03-05", "time": "25:00"})
    assert "Start time (Chicago): Enter a valid time." in incomplete.content.decode()
    assert not TreatmentSession.objects.filter(number=2).exists()


@db
def test_the_live_check_of_a_third_session_separates_the_time_from_the_deposit(desk, plan, practitioner):
    sessions_one_and_two_done(plan, practitioner)
    check = reverse("frontdesk:book_check", args=[plan.pk])
    html = desk.post(check, booking_post(practitioner, "2026-03-18")).content.decode()
    assert "fits the rules</strong>, but: A third session needs a booking deposit" in html


# --------------------------------------------------------------------------- reschedule


@pytest.fixture
def two_and_three(plan, practitioner, front_desk):
    """Session 1 done 23 February; 2 booked Thursday 5 March; 3 booked Thursday 26 March."""
    session_one_done(plan, practitioner)
    second = booking.book_session(plan=plan, starts_at=chicago(3, 5), practitioner=practitioner,
                                  by=front_desk)
    pay_deposit(plan, front_desk)
    third = booking.book_session(plan=plan, starts_at=chicago(3, 26), practitioner=practitioner,
                                 by=front_desk)
    return second, third


def move(session, day: str, time: str = "10:00", **extra) -> dict:
    return {"date": day, "time": time, "practitioner": session.practitioner_id, **extra}


@db
def test_reschedule_shows_the_impact_before_anything_changes(desk, two_and_three):
    second, third = two_and_three
    url = reverse("frontdesk:session_reschedule", args=[second.pk])
    assert "now <strong>Thursday 5 March 2026, 10:00</strong>" in desk.get(url).content.decode()
    html = desk.post(url, move(second, "2026-03-12")).content.decode()
    assert "This would put later bookings outside their rules" in html
    assert "Session 3 (booked Thu 26 Mar, 10:00): A third session can start from 2 April" in html
    assert 'id="confirm-move" disabled' in html
    second.refresh_from_db()
    assert second.starts_at == chicago(3, 5)


@db
def test_a_move_that_breaks_a_later_session_is_refused_on_confirm(desk, two_and_three):
    second, third = two_and_three
    url = reverse("frontdesk:session_reschedule", args=[second.pk])
    response = desk.post(url, move(second, "2026-03-12", confirm="1"))
    assert response.status_code == 200
    assert "Not moved." in response.content.decode()
    assert "Move session 3 first, or choose another date." in response.content.decode()
    second.refresh_from_db()
    assert second.starts_at == chicago(3, 5)


@db
def test_a_harmless_move_is_confirmed_and_opens_the_calendar(desk, two_and_three):
    second, third = two_and_three
    url = reverse("frontdesk:session_reschedule", args=[second.pk])
    preview = desk.post(url, move(second, "2026-03-04", "14:00")).content.decode()
    assert "No other session of this plan is affected." in preview
    response = desk.post(url, move(second, "2026-03-04", "14:00", confirm="1"))
    assert response.status_code == 302 and "date=2026-03-04" in response["Location"]
    second.refresh_from_db()
    assert second.starts_at == chicago(3, 4, 14)


@db
def test_the_live_impact_preview_answers_with_the_impact_only(desk, two_and_three):
    second, third = two_and_three
    url = reverse("frontdesk:session_reschedule_preview", args=[second.pk])
    html = desk.post(url, move(second, "2026-03-13"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and "Session 3 (booked Thu 26 Mar, 10:00)" in html


# --------------------------------------------------------------------------- cancel, check-in, no-show


@db
def test_cancel_shows_the_deposit_outcome_before_confirming(desk, two_and_three):
    second, third = two_and_three
    url = reverse("frontdesk:session_cancel", args=[third.pk])
    html = desk.get(url).content.decode()
    assert "The deposit of $100.00 stays paid on the plan" in html
    response = desk.post(url, {"reason": "Client is travelling"})
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.status == SessionStatus.CANCELLED and third.cancel_reason == "Client is travelling"
    followed = desk.get(response["Location"]).content.decode()
    assert "cancelled. The deposit of $100.00 stays paid" in followed


@db
def test_a_late_cancellation_says_the_deposit_is_forfeited(desk, clinic, practitioner, front_desk):
    plan = make_plan(make_client(clinic), quoted_sessions=3)
    sessions_one_and_two_done(plan, practitioner)
    third = make_session(plan, number=3, starts_at=chicago(3, 3), practitioner=practitioner)  # in 26 hours
    deposit = booking.record_deposit(plan=plan, amount="100.00", by=front_desk, session=third)
    html = desk.get(reverse("frontdesk:session_cancel", args=[third.pk])).content.decode()
    assert "Less than 48 hours&#x27; notice: the deposit of $100.00 is forfeited." in html
    desk.post(reverse("frontdesk:session_cancel", args=[third.pk]), {"reason": ""})
    deposit.refresh_from_db()
    assert deposit.state == DepositState.FORFEITED


@db
def test_check_in_is_refused_with_a_clear_message_while_paperwork_is_missing(desk, clinic, practitioner):
    newcomer = make_client(clinic, paperwork_completed_at=None)
    first = make_session(make_plan(newcomer), number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner)
    url = reverse("frontdesk:session_check_in", args=[first.pk])
    assert "The medical questionnaire and consent form are missing" in desk.get(url).content.decode()
    response = desk.post(url, {"next": reverse("frontdesk:home")}, follow=True)
    assert "cannot start until the client&#x27;s medical questionnaire and consent form" in (
        response.content.decode()
    )
    first.refresh_from_db()
    assert first.status == SessionStatus.BOOKED


@db
def test_check_in_goes_back_to_the_start_page(desk, plan, practitioner):
    first = make_session(plan, number=1, starts_at=chicago(3, 2, 9), practitioner=practitioner)
    response = desk.post(reverse("frontdesk:session_check_in", args=[first.pk]), {"next": "/desk/"})
    assert response["Location"] == "/desk/"
    first.refresh_from_db()
    assert first.status == SessionStatus.CHECKED_IN
    evil = desk.post(reverse("frontdesk:session_no_show", args=[first.pk]), {"next": "https://evil.example/"})
    assert evil["Location"] == reverse("frontdesk:plan_detail", args=[plan.pk])


@db
def test_a_no_show_forfeits_the_deposit_it_held(desk, two_and_three, front_desk):
    second, third = two_and_three
    url = reverse("frontdesk:session_no_show", args=[third.pk])
    assert "The deposit of $100.00 held for this session is forfeited" in desk.get(url).content.decode()
    with on_the_day(third):
        sign_in(desk, front_desk)  # the idle logoff ends a session across a clock jump
        desk.post(url)
    third.refresh_from_db()
    assert third.status == SessionStatus.NO_SHOW
    assert third.deposits.get().state == DepositState.FORFEITED


@db
def test_a_session_that_is_not_booked_cannot_be_moved_or_cancelled_again(desk, two_and_three, front_desk):
    second, third = two_and_three
    booking.cancel_session(session=third, by=front_desk)
    response = desk.get(reverse("frontdesk:session_reschedule", args=[third.pk]), follow=True)
    assert "Session 3 is cancelled: it cannot be moved." in response.content.decode()


# --------------------------------------------------------------------------- concurrency


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads on one database: pytest-django's SQLite test database is in memory (CI runs PostgreSQL)",
)
@pytest.mark.django_db(transaction=True)
def test_two_desks_booking_the_same_slot_at_once_one_gets_it_the_other_a_clear_message(frozen_now):
    clinic_ = make_clinic(chairs=4)
    pat = make_staff(Role.PRACTITIONER, clinic_, first_name="Pat", last_name="Needle")
    desks = [make_staff(Role.FRONT_DESK, clinic_) for _ in range(2)]
    plans = [make_plan(make_client(clinic_)) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list = []

    def book(user, plan):
        web = WebClient()
        sign_in(web, user)
        try:
            barrier.wait()
            response = web.post(book_url(plan), booking_post(pat, "2026-03-04", "10:00"))
            results.append((response.status_code, response.content.decode()))
        except Exception as error:  # noqa: BLE001 - a 500 surfaces here as the view's exception
            results.append((500, repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=pair) for pair in zip(desks, plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in results) == [200, 302]
    refused = next(body for code, body in results if code == 200)
    assert "Pat Needle already has a session from 10:00 to 13:00 on 4 March." in refused
    assert TreatmentSession.objects.count() == 1
