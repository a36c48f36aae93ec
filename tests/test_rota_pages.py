"""The rota pages: a manager's week grid of working hours (edited in place), time off
(requested by practitioners, approved by managers) and closures; every URL per role; time off
and closures over booked sessions list them first, then move or cancel them (no forfeit)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from clinic.models import ClosureDay, Role, TimeOff, TimeOffStatus, WorkingHours
from sessions_app import booking, rota
from sessions_app.booking import BookingRefused
from sessions_app.models import DepositState, SessionStatus
from tests.clock import CHICAGO
from tests.factories import (
    add_closure,
    add_time_off,
    make_client,
    make_plan,
    make_portal_user,
    make_session,
    make_staff,
    set_working_hours,
    sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
T = dt.time


def chicago(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def boss(client, manager):
    sign_in(client, manager)
    return client


@pytest.fixture
def time_off_request(practitioner):
    return rota.request_time_off(user=practitioner, starts_at=chicago(3, 20, 0),
                                 ends_at=chicago(3, 21, 0), reason="Wedding", by=practitioner)


@pytest.fixture
def closure(clinic):
    return add_closure(clinic, dt.date(2026, 12, 24), reason="Christmas Eve")


# --------------------------------------------------------------------------- roles


def manager_urls(clinic, practitioner, time_off_request, closure, session):
    return [
        ("get", reverse("rota:start")),
        ("get", reverse("rota:week", args=[clinic.pk])),
        ("get", reverse("rota:cell", args=[clinic.pk, practitioner.pk, 0])),
        ("post", reverse("rota:use_opening_hours", args=[clinic.pk, practitioner.pk])),
        ("get", reverse("rota:time_off", args=[clinic.pk])),
        ("get", reverse("rota:time_off_review", args=[clinic.pk, time_off_request.pk])),
        ("get", reverse("rota:closures", args=[clinic.pk])),
        ("post", reverse("rota:closure_remove", args=[clinic.pk, closure.pk])),
        ("post", reverse("rota:move_affected", args=[clinic.pk, session.pk])),
    ]


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 302), ("portal_client", 403), ("front_desk", 403), ("practitioner", 403),
    ("superuser", 403), ("manager", 200), ("other_manager", 404),
])
def test_the_rota_pages_are_for_the_clinics_managers(
    client, who, expected, clinic, other_clinic, practitioner, front_desk, manager, superuser,
    time_off_request, closure, client_,
):
    users = {
        "portal_client": make_portal_user(client_), "front_desk": front_desk,
        "practitioner": practitioner, "superuser": superuser, "manager": manager,
        "other_manager": make_staff(Role.MANAGER, other_clinic),
    }
    if who != "anonymous":
        sign_in(client, users[who])
    session = make_session(make_plan(client_), number=1, starts_at=chicago(3, 20), practitioner=practitioner)
    for method, url in manager_urls(clinic, practitioner, time_off_request, closure, session):
        response = getattr(client, method)(url)
        status = response.status_code
        if who == "anonymous":
            assert status == 302 and "/accounts/login/" in response["Location"], url
        elif who == "manager":
            assert status in (200, 302), url  # the POSTs redirect back
            if method == "post":
                assert "/accounts/login/" not in response["Location"]
        elif who == "other_manager" and url == reverse("rota:start"):
            assert status == 302  # to their own clinic's rota
        else:
            assert status == expected, (url, status)
    if who != "manager":
        assert ClosureDay.objects.filter(pk=closure.pk).exists()


def test_another_clinics_rows_are_404_for_a_manager(boss, clinic, other_clinic):
    stranger = make_staff(Role.PRACTITIONER, other_clinic)
    off = add_time_off(stranger, chicago(3, 20, 0), chicago(3, 21, 0))
    far_closure = add_closure(other_clinic, dt.date(2026, 12, 25))
    assert boss.get(reverse("rota:cell", args=[clinic.pk, stranger.pk, 0])).status_code == 404
    assert boss.get(reverse("rota:time_off_review", args=[clinic.pk, off.pk])).status_code == 404
    assert boss.post(reverse("rota:closure_remove", args=[clinic.pk, far_closure.pk])).status_code == 404
    assert boss.get(reverse("rota:cell", args=[clinic.pk, 999999, 0])).status_code == 404
    assert boss.get(reverse("rota:cell", args=[clinic.pk, stranger.pk, 6])).status_code == 404


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 302), ("portal_client", 403), ("front_desk", 403), ("manager", 403),
    ("practitioner", 200), ("other_practitioner", 200),
])
def test_the_time_off_page_is_for_practitioners(client, who, expected, clinic, other_clinic,
                                                practitioner, front_desk, manager, client_):
    users = {"portal_client": make_portal_user(client_), "front_desk": front_desk,
             "manager": manager, "practitioner": practitioner,
             "other_practitioner": make_staff(Role.PRACTITIONER, other_clinic)}
    if who != "anonymous":
        sign_in(client, users[who])
    assert client.get(reverse("time_off:mine")).status_code == expected


def test_a_practitioner_withdraws_only_their_own_request(client, practitioner, second_practitioner,
                                                         time_off_request):
    url = reverse("time_off:withdraw", args=[time_off_request.pk])
    sign_in(client, second_practitioner)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    sign_in(client, practitioner)
    assert client.post(url).status_code == 302
    time_off_request.refresh_from_db()
    assert time_off_request.status == TimeOffStatus.WITHDRAWN


# --------------------------------------------------------------------------- working hours


def test_the_week_grid_shows_opening_hours_until_hours_are_entered(boss, clinic, practitioner):
    html = boss.get(reverse("rota:week", args=[clinic.pk])).content.decode()
    assert "Pat Needle" in html and "09:00–18:00" in html and "opening hours" in html


def test_a_cell_is_edited_in_place_with_htmx_into_a_split_day(boss, clinic, practitioner, manager):
    url = reverse("rota:cell", args=[clinic.pk, practitioner.pk, 0])
    form = boss.get(url, {"edit": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in form and 'name="starts_1"' in form
    response = boss.post(url, {"starts_1": "09:00", "ends_1": "13:00", "starts_2": "14:00",
                               "ends_2": "18:00"}, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"  # the first own hours: the whole row is redrawn
    monday = WorkingHours.objects.filter(user=practitioner, clinic=clinic, weekday=0)
    assert list(monday.values_list("starts", "ends")) == [(T(9), T(13)), (T(14), T(18))]
    # The other open days keep the opening hours they were worked on.
    assert WorkingHours.objects.filter(user=practitioner, weekday=2).get().ends == T(18)
    assert WorkingHours.history.filter(history_user=manager).count() == 7  # R16
    response = boss.post(reverse("rota:cell", args=[clinic.pk, practitioner.pk, 4]), {},
                         HTTP_HX_REQUEST="true")  # Fridays off
    html = response.content.decode()
    assert "Off" in html and "Saved" in html and "<html" not in html
    assert not WorkingHours.objects.filter(user=practitioner, weekday=4).exists()


def test_hours_outside_the_opening_hours_are_refused_and_kept(boss, clinic, practitioner):
    url = reverse("rota:cell", args=[clinic.pk, practitioner.pk, 0])
    html = boss.post(url, {"starts_1": "07:00", "ends_1": "12:00"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Chicago is open 09:00-18:00 on Mondays" in html and 'value="07:00"' in html
    html = boss.post(url, {"starts_1": "09:00"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Give both times, or neither." in html
    assert not WorkingHours.objects.exists()


def test_without_htmx_the_cell_is_a_page_and_saving_returns_to_the_grid(boss, clinic, practitioner):
    url = reverse("rota:cell", args=[clinic.pk, practitioner.pk, 1])
    page = boss.get(url).content.decode()
    assert "<html" in page and "hx-post" not in page  # a plain form on a page of its own
    response = boss.post(url, {"starts_1": "10:00", "ends_1": "16:00"})
    assert response.status_code == 302 and response["Location"] == reverse("rota:week", args=[clinic.pk])


def test_clearing_the_last_span_is_refused_and_use_opening_hours_is_explicit(boss, clinic, practitioner):
    set_working_hours(practitioner, clinic, {0: [(T(9), T(13))]})
    url = reverse("rota:cell", args=[clinic.pk, practitioner.pk, 0])
    html = boss.post(url, {}, HTTP_HX_REQUEST="true").content.decode()
    assert "Use opening hours" in html or "opening hours" in html
    assert WorkingHours.objects.count() == 1
    boss.post(reverse("rota:use_opening_hours", args=[clinic.pk, practitioner.pk]))
    assert not WorkingHours.objects.exists()


# --------------------------------------------------------------------------- time off


def test_a_practitioner_requests_time_off_and_a_manager_approves_it(client, clinic, practitioner, manager):
    sign_in(client, practitioner)
    response = client.post(reverse("time_off:mine"), {
        "first_day": "2026-03-20", "last_day": "2026-03-20", "from_time": "13:00", "to_time": "18:00",
        "reason": "Dentist",
    })
    assert response.status_code == 302
    off = TimeOff.objects.get()
    assert (off.starts_at, off.ends_at, off.status) == (chicago(3, 20, 13), chicago(3, 20, 18), "requested")
    sign_in(client, manager)
    assert "Dentist" in client.get(reverse("rota:time_off", args=[clinic.pk])).content.decode()
    client.post(reverse("rota:time_off_review", args=[clinic.pk, off.pk]), {"action": "approve"})
    off.refresh_from_db()
    assert off.status == TimeOffStatus.APPROVED and off.decided_by == manager
    assert off.history.first().history_user == manager


def test_whole_days_off_run_midnight_to_midnight_on_the_clinic_calendar(boss, clinic, practitioner):
    boss.post(reverse("rota:time_off", args=[clinic.pk]), {
        "practitioner": practitioner.pk, "first_day": "2026-03-07", "last_day": "2026-03-08",
        "reason": "Weekend course",
    })
    off = TimeOff.objects.get()
    assert off.starts_at == chicago(3, 7, 0) and off.ends_at == chicago(3, 9, 0)
    assert off.ends_at - off.starts_at == dt.timedelta(hours=47)  # clocks go forward on 8 March
    assert off.status == TimeOffStatus.APPROVED


@pytest.fixture
def booked_with_deposit(clinic, practitioner, front_desk):
    """A third session on Friday 20 March 10:00 holding a paid deposit."""
    plan = make_plan(make_client(clinic, first_name="Dora", last_name="Deposit"), quoted_sessions=3)
    make_session(plan, number=1, starts_at=chicago(1, 26), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    make_session(plan, number=2, starts_at=chicago(2, 24), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    return booking.book_session(plan=plan, starts_at=chicago(3, 20, 10), practitioner=practitioner,
                                by=front_desk)


def test_time_off_over_booked_sessions_lists_them_first(boss, clinic, practitioner, booked_with_deposit):
    url = reverse("rota:time_off", args=[clinic.pk])
    data = {"practitioner": practitioner.pk, "first_day": "2026-03-20", "reason": "Sick"}
    html = boss.post(url, data).content.decode()
    assert "1 booked session is inside this time off" in html
    assert "Dora Deposit" in html and "stays paid on the plan" in html  # the deposit outcome
    move = reverse("frontdesk:session_reschedule", args=[booked_with_deposit.pk])
    assert move in html and 'name="cancel_affected"' in html
    assert not TimeOff.objects.exists()
    assert 'value="2026-03-20"' in html and 'value="Sick"' in html  # what was typed is kept


def test_time_off_cancels_the_listed_sessions_without_forfeit(
    boss, clinic, practitioner, booked_with_deposit
):
    boss.post(reverse("rota:time_off", args=[clinic.pk]), {
        "practitioner": practitioner.pk, "first_day": "2026-03-20", "reason": "Sick", "cancel_affected": "on",
    })
    booked_with_deposit.refresh_from_db()
    assert booked_with_deposit.status == SessionStatus.CANCELLED
    assert not booked_with_deposit.late_cancellation
    deposit = booked_with_deposit.plan.deposits.get()
    assert deposit.state == DepositState.PAID and deposit.session is None  # refundable, not forfeited
    assert TimeOff.objects.get().status == TimeOffStatus.APPROVED


def test_moving_the_listed_session_lets_the_time_off_in(boss, clinic, practitioner, second_practitioner,
                                                        front_desk, booked_with_deposit):
    request = rota.request_time_off(user=practitioner, starts_at=chicago(3, 20, 0),
                                    ends_at=chicago(3, 21, 0), by=practitioner)
    review = reverse("rota:time_off_review", args=[clinic.pk, request.pk])
    assert "Dora Deposit" in boss.get(review).content.decode()
    boss.post(review, {"action": "approve"})
    request.refresh_from_db()
    assert request.status == TimeOffStatus.REQUESTED  # refused while the session is inside
    booking.reschedule_session(session=booked_with_deposit, starts_at=chicago(3, 20, 10), by=front_desk,
                               practitioner=second_practitioner)
    boss.post(review, {"action": "approve"})
    request.refresh_from_db()
    assert request.status == TimeOffStatus.APPROVED
    booked_with_deposit.refresh_from_db()
    assert booked_with_deposit.status == SessionStatus.BOOKED


def test_the_service_never_leaves_a_session_inside_approved_time_off(practitioner, manager,
                                                                     booked_with_deposit):
    with pytest.raises(BookingRefused, check=lambda e: e.code == "sessions_affected") as error:
        rota.add_time_off(user=practitioner, starts_at=chicago(3, 20, 9), ends_at=chicago(3, 20, 12),
                          by=manager)
    assert error.value.affected == [booked_with_deposit]
    assert not TimeOff.objects.exists()


# --------------------------------------------------------------------------- closures


def test_the_closures_page_offers_the_countrys_public_holidays(boss, clinic):
    html = boss.get(reverse("rota:closures", args=[clinic.pk])).content.decode()
    assert "Christmas Day" in html and "Independence Day" in html
    boss.post(reverse("rota:closures", args=[clinic.pk]), {"date": "2026-12-25", "reason": "Christmas Day"})
    closure = ClosureDay.objects.get()
    assert closure.date == dt.date(2026, 12, 25) and closure.history.first().history_user is not None
    html = boss.get(reverse("rota:closures", args=[clinic.pk])).content.decode()
    assert html.count("Christmas Day") == 1  # entered, so no longer offered


def test_another_countrys_holidays_are_offered_for_its_clinic(client, other_clinic):
    other_clinic.country = "GB"
    other_clinic.save()
    london_boss = make_staff(Role.MANAGER, other_clinic)
    sign_in(client, london_boss)
    html = client.get(reverse("rota:closures", args=[other_clinic.pk]), {"year": 2027}).content.decode()
    assert "Boxing Day" in html and "Independence Day" not in html


def test_a_closure_over_booked_sessions_lists_them_then_cancels_without_forfeit(boss, clinic,
                                                                               booked_with_deposit):
    url = reverse("rota:closures", args=[clinic.pk])
    response = boss.post(url, {"date": "2026-03-20", "reason": "Burst pipe"})
    html = response.content.decode()
    assert "1 booked session is inside the closure" in html and "Dora Deposit" in html
    options = response.context["affected"][0].options
    assert options and all(o.starts_at.astimezone(CHICAGO).date() != dt.date(2026, 3, 20) for o in options)
    assert not ClosureDay.objects.exists()
    boss.post(url, {"date": "2026-03-20", "reason": "Burst pipe", "cancel_affected": "on"})
    booked_with_deposit.refresh_from_db()
    assert booked_with_deposit.status == SessionStatus.CANCELLED
    assert booked_with_deposit.cancel_reason == "Clinic closed: Burst pipe"
    assert booked_with_deposit.plan.deposits.get().state == DepositState.PAID
    assert ClosureDay.objects.get().reason == "Burst pipe"


def test_a_closure_is_removed_by_a_manager(boss, clinic, closure):
    boss.post(reverse("rota:closure_remove", args=[clinic.pk, closure.pk]))
    assert not ClosureDay.objects.exists()
    assert ClosureDay.history.filter(history_type="-").exists()  # R16


def test_listed_sessions_offer_times_to_move_to_and_moving_one_clears_the_way(
    boss, clinic, practitioner, second_practitioner, booked_with_deposit
):
    set_working_hours(practitioner, clinic, {4: [(T(9), T(13))], 0: [(T(9), T(13))]})  # Fri, Mon
    url = reverse("rota:time_off", args=[clinic.pk])
    data = {"practitioner": practitioner.pk, "first_day": "2026-03-20", "from_time": "09:00",
            "to_time": "12:00", "reason": "Dentist"}
    response = boss.post(url, data)
    item = response.context["affected"][0]
    offered = [(o.starts_at.astimezone(CHICAGO), o.practitioner) for o in item.options]
    # Pat's own times first (Monday 23rd: Friday's morning is taken by the time off), then Quinn's.
    assert offered[0] == (chicago(3, 23, 9), practitioner)
    assert (chicago(3, 20, 9), second_practitioner) in offered
    assert all(not (start < chicago(3, 20, 12) and chicago(3, 20, 9) < start + dt.timedelta(hours=3))
               for start, who in offered if who == practitioner)
    html = response.content.decode()
    move = reverse("rota:move_affected", args=[clinic.pk, booked_with_deposit.pk])
    assert move in html and "Quinn Shade" in html
    back = response.context["back"]
    moved = boss.post(move, {"starts_at": "2026-03-20T09:00", "practitioner": second_practitioner.pk,
                             "next": back})
    assert moved.status_code == 302 and moved["Location"] == back
    booked_with_deposit.refresh_from_db()
    assert booked_with_deposit.practitioner == second_practitioner
    assert booked_with_deposit.plan.deposits.get().session == booked_with_deposit  # deposit kept
    again = boss.get(back)  # back on the page with what was typed: nothing listed now
    assert not again.context["affected"] and 'value="Dentist"' in again.content.decode()
    boss.post(url, data)
    assert TimeOff.objects.get().status == TimeOffStatus.APPROVED


def test_a_move_the_service_refuses_says_why_and_moves_nothing(boss, clinic, practitioner,
                                                              booked_with_deposit):
    add_closure(clinic, dt.date(2026, 3, 23), reason="Refit")
    move = reverse("rota:move_affected", args=[clinic.pk, booked_with_deposit.pk])
    response = boss.post(move, {"starts_at": "2026-03-23T10:00", "practitioner": practitioner.pk},
                         follow=True)
    assert "Not moved: Chicago is closed on 23 March (Refit)" in response.content.decode()
    booked_with_deposit.refresh_from_db()
    assert booked_with_deposit.starts_at == chicago(3, 20, 10)
    assert boss.post(move, {"starts_at": "nonsense", "practitioner": practitioner.pk}).status_code == 302
    assert boss.post(move, {"starts_at": "2026-03-23T10:00+05:00",
                            "practitioner": practitioner.pk}).status_code == 302
    booked_with_deposit.refresh_from_db()
    assert booked_with_deposit.starts_at == chicago(3, 20, 10)


def test_moving_another_clinics_session_is_404(boss, clinic, other_clinic):
    london_pat = make_staff(Role.PRACTITIONER, other_clinic)
    far = make_session(make_plan(make_client(other_clinic)), number=1, starts_at=chicago(3, 20),
                       practitioner=london_pat)
    response = boss.post(reverse("rota:move_affected", args=[clinic.pk, far.pk]),
                         {"starts_at": "2026-03-21T10:00", "practitioner": london_pat.pk})
    assert response.status_code == 404
