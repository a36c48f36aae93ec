"""R15: touch-up plans and the front desk's touch-up recall list.

The clock is Monday 2 March 2026, 08:00 in Chicago (`frozen_now`): with the default recall of
3 years, a plan completed on (Chicago's) 1 May 2023 is recalled on 1 May 2026, the 60th day
ahead, and is on the list; one completed on 2 May 2023 is not yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinic.clinic_time import add_years, last_completion_day_due
from clinic.models import PlanKind, PlanStatus, TreatmentPlan
from sessions_app import booking, recalls
from sessions_app.booking import BookingRefused
from sessions_app.models import SessionRecord, SessionStatus
from tests.clock import CHICAGO, chicago
from tests.factories import (
    complete_now,
    make_client,
    make_plan,
    make_portal_user,
    make_session,
    sign_in,
)

pytestmark = pytest.mark.django_db
LIST = reverse("frontdesk:recalls")


def completed_plan(clinic, practitioner, *, done_on: dt.date, shades=(4, 5), client=None, **client_fields):
    """A two-session plan whose last session ended on `done_on` (Chicago's calendar) and that
    was completed then, with the shades recorded at its sessions (None: nothing recorded)."""
    person = client or make_client(clinic, **client_fields)
    completed_at = dt.datetime.combine(done_on, dt.time(16), tzinfo=clinic.tz)
    plan = make_plan(person, status=PlanStatus.COMPLETED, completed_at=completed_at, starting_shade=3)
    for number, shade in enumerate(shades, start=1):
        starts = completed_at - dt.timedelta(days=14 * (len(shades) - number), hours=3)
        session = make_session(plan, number=number, starts_at=starts, practitioner=practitioner,
                               status=SessionStatus.COMPLETED)
        if shade is not None:
            SessionRecord.objects.create(session=session, shade_used=shade)
    return plan


def listed(clinics, **kwargs) -> list[int]:
    return [plan.pk for plan in recalls.recalls_due(clinics, **kwargs)]


def body(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- the kind (R1, R15)


def test_the_database_refuses_a_one_session_treatment_plan(client_):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.create(client=client_, clinic=client_.clinic, quoted_sessions=1,
                                     price=Decimal("900"), currency="USD", kind=PlanKind.TREATMENT)
    assert not TreatmentPlan.objects.exists()


def test_the_database_accepts_a_one_session_touch_up(client_, plan):
    touch_up = TreatmentPlan.objects.create(
        client=client_, clinic=client_.clinic, quoted_sessions=1, price=Decimal("300"),
        currency="USD", kind=PlanKind.TOUCH_UP, touch_up_of=plan,
    )
    touch_up.full_clean()
    assert touch_up.is_touch_up and plan.touch_ups.get() == touch_up


def test_a_touch_up_names_its_plan_and_a_treatment_plan_touches_up_nothing(client_, plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.create(client=client_, clinic=client_.clinic, quoted_sessions=1,
                                     price=Decimal("0"), currency="USD", kind=PlanKind.TOUCH_UP)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.create(client=client_, clinic=client_.clinic, quoted_sessions=2,
                                     price=Decimal("0"), currency="USD", touch_up_of=plan)


def test_the_database_allows_one_live_touch_up_per_plan(client_, plan):
    def touch_up(**fields):
        return TreatmentPlan.objects.create(client=client_, clinic=client_.clinic, quoted_sessions=1,
                                            price=Decimal("0"), currency="USD",
                                            kind=PlanKind.TOUCH_UP, touch_up_of=plan, **fields)

    touch_up(status=PlanStatus.CANCELLED)
    touch_up()
    with pytest.raises(IntegrityError), transaction.atomic():
        touch_up()


def test_a_touch_up_quote_can_be_amended_down_to_one_session_but_a_treatment_cannot(
    clinic, practitioner, front_desk, frozen_now
):
    done = completed_plan(clinic, practitioner, done_on=dt.date(2023, 3, 1))
    touch_up = booking.create_touch_up_plan(plan=done, by=front_desk)
    booking.amend_quote(plan=touch_up, quoted_sessions=2, by=front_desk, reason="Two areas")
    booking.amend_quote(plan=touch_up, quoted_sessions=1, by=front_desk, reason="One is enough")
    touch_up.refresh_from_db()
    assert touch_up.quoted_sessions == 1
    with pytest.raises(BookingRefused) as error:
        booking.amend_quote(plan=touch_up, quoted_sessions=0, by=front_desk, reason="typo")
    assert error.value.code == "min_one_session"
    treatment = make_plan(make_client(clinic))
    with pytest.raises(BookingRefused) as error:
        booking.amend_quote(plan=treatment, quoted_sessions=1, by=front_desk, reason="typo")
    assert error.value.code == "min_two_sessions"


# --------------------------------------------------------------------------- the list


def test_the_list_holds_plans_due_in_60_days_and_overdue_but_not_later(
    clinic, practitioner, frozen_now
):
    overdue = completed_plan(clinic, practitioner, done_on=dt.date(2022, 12, 1))
    due_soon = completed_plan(clinic, practitioner, done_on=dt.date(2023, 4, 1))
    last_day = completed_plan(clinic, practitioner, done_on=dt.date(2023, 5, 1))
    completed_plan(clinic, practitioner, done_on=dt.date(2023, 5, 2))  # recalled 2 May 2026: day 61
    completed_plan(clinic, practitioner, done_on=dt.date(2025, 6, 1))
    make_plan(make_client(clinic), status=PlanStatus.ACTIVE)
    assert listed([clinic]) == [overdue.pk, due_soon.pk, last_day.pk]
    rows = {row.plan.pk: row for row in recalls.recall_rows(recalls.recalls_due([clinic]))}
    assert rows[overdue.pk].overdue and rows[overdue.pk].recall_day == dt.date(2025, 12, 1)
    assert rows[overdue.pk].days_overdue == 91
    assert not rows[due_soon.pk].overdue and rows[due_soon.pk].days_left == 30
    assert rows[last_day.pk].days_left == 60


def test_plans_already_touched_up_leave_the_list_until_the_touch_up_is_cancelled(
    clinic, practitioner, front_desk, frozen_now
):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 1, 10))
    touch_up = booking.create_touch_up_plan(plan=plan, by=front_desk)
    assert listed([clinic]) == []
    booking.cancel_plan(plan=touch_up, by=front_desk, reason="Client will call back")
    assert listed([clinic]) == [plan.pk]


def test_other_clinics_plans_are_not_listed(clinic, other_clinic, practitioner, front_desk, frozen_now):
    mine = completed_plan(clinic, practitioner, done_on=dt.date(2023, 1, 10))
    theirs = completed_plan(other_clinic, practitioner, done_on=dt.date(2023, 1, 10))
    assert listed([clinic]) == [mine.pk]
    assert listed([other_clinic]) == [theirs.pk]


def test_a_completed_touch_up_is_recalled_in_its_turn(clinic, practitioner, front_desk, frozen_now):
    old = completed_plan(clinic, practitioner, done_on=dt.date(2020, 1, 10))
    touch_up = booking.create_touch_up_plan(plan=old, by=front_desk)
    TreatmentPlan.objects.filter(pk=touch_up.pk).update(
        status=PlanStatus.COMPLETED, completed_at=chicago(1, 20, year=2023))
    assert listed([clinic]) == [touch_up.pk]


def test_the_list_shows_the_last_shade_and_the_last_session_date(
    client, clinic, practitioner, front_desk, frozen_now
):
    darker = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 14), shades=(4, 6),
                            first_name="Dana", last_name="Darker")
    unrecorded = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 20), shades=(None, None),
                                first_name="Nora", last_name="Norecord")
    rows = {row.plan.pk: row for row in recalls.recall_rows(recalls.recalls_due([clinic]))}
    assert rows[darker.pk].last_shade == 6 and rows[darker.pk].shade_recorded
    assert rows[darker.pk].last_session_day == dt.date(2023, 2, 14)
    assert rows[unrecorded.pk].last_shade == 3 and not rows[unrecorded.pk].shade_recorded
    sign_in(client, front_desk)
    page = body(client.get(LIST))
    assert "6 - Dark" in page and "14 Feb 2023" in page and "14 Feb 2026" in page
    assert "starting shade (none recorded)" in page
    assert "Overdue" in page


def test_a_client_without_email_consent_is_on_the_list_for_a_call(
    client, clinic, practitioner, front_desk, frozen_now
):
    caller = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1), email_consent=False,
                            phone="+13125550199", first_name="Cal", last_name="Phone")
    mailer = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 2))
    rows = {row.plan.pk: row for row in recalls.recall_rows(recalls.recalls_due([clinic]))}
    assert rows[caller.pk].call and not rows[mailer.pk].call
    sign_in(client, front_desk)
    page = body(client.get(LIST))
    assert page.count('data-testid="call-badge"') == 1
    assert 'href="tel:+13125550199"' in page


def test_an_erased_client_is_not_recalled(clinic, practitioner, manager, frozen_now):
    from clinic.erasure import erase_client

    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    erase_client(client=plan.client, by=manager, reason="Asked by e-mail")
    assert listed([clinic]) == []


def test_the_list_is_empty_with_a_friendly_state(client, front_desk, frozen_now):
    sign_in(client, front_desk)
    page = body(client.get(LIST))
    assert "No recall due" in page and 'data-testid="recall-table"' not in page


# --------------------------------------------------------------------------- the 60-day edge


def test_the_60_day_edge_follows_the_clinics_calendar_not_utc(clinic, practitioner):
    # Completed at 23:30 on 1 May 2023 in Chicago (04:30 UTC on 2 May): recalled 1 May 2026.
    late_evening = completed_plan(clinic, practitioner, done_on=dt.date(2023, 5, 1))
    late_evening.completed_at = dt.datetime(2023, 5, 1, 23, 30, tzinfo=CHICAGO)
    late_evening.save()
    # Completed at 00:30 on 2 May 2023 in Chicago: recalled 2 May 2026.
    after_midnight = completed_plan(clinic, practitioner, done_on=dt.date(2023, 5, 2))
    after_midnight.completed_at = dt.datetime(2023, 5, 2, 0, 30, tzinfo=CHICAGO)
    after_midnight.save()
    # 23:30 on 2 March in Chicago is already 3 March in UTC: Chicago's today is still 2 March.
    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 30, tzinfo=CHICAGO), tick=False):
        assert listed([clinic]) == [late_evening.pk]
    with time_machine.travel(dt.datetime(2026, 3, 3, 0, 30, tzinfo=CHICAGO), tick=False):
        assert listed([clinic]) == [late_evening.pk, after_midnight.pk]


def test_the_recall_years_are_the_clinics_setting(clinic, practitioner, frozen_now):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2024, 4, 1))
    assert listed([clinic]) == []
    clinic.touch_up_recall_years = 2
    clinic.save()
    assert listed([clinic]) == [plan.pk]


def test_29_february_is_recalled_on_28_february():
    assert add_years(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 28)
    # The latest completion recalled by 28 Feb 2027 includes 29 Feb 2024.
    assert last_completion_day_due(dt.date(2027, 2, 28), 3) == dt.date(2024, 2, 29)
    assert last_completion_day_due(dt.date(2026, 5, 1), 3) == dt.date(2023, 5, 1)


# --------------------------------------------------------------------------- book a touch-up


def test_book_a_touch_up_makes_the_touch_up_plan_and_opens_booking(
    client, clinic, practitioner, front_desk, frozen_now
):
    clinic.touch_up_price = Decimal("350.00")
    clinic.save()
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1), shades=(4, 6))
    plan.hairline_notes = "Soft, slightly receded"
    plan.save()
    sign_in(client, front_desk)
    response = client.post(reverse("frontdesk:recall_touch_up", args=[plan.pk]))
    touch_up = TreatmentPlan.objects.get(touch_up_of=plan)
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:book_session", args=[touch_up.pk])
    assert touch_up.kind == PlanKind.TOUCH_UP and touch_up.quoted_sessions == 1
    assert touch_up.status == PlanStatus.QUOTED and touch_up.price == Decimal("350.00")
    assert touch_up.starting_shade == 6 and touch_up.hairline_notes == "Soft, slightly receded"
    assert touch_up.client == plan.client and touch_up.clinic == clinic
    assert touch_up.history.get().history_user == front_desk
    assert touch_up.created_by == front_desk
    page = body(client.get(response["Location"]))
    assert "Book session 1 of 1" in page and f"Touch-up plan #{touch_up.pk} made" in page


def test_a_second_click_makes_no_second_touch_up(client, clinic, practitioner, front_desk, frozen_now):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    sign_in(client, front_desk)
    url = reverse("frontdesk:recall_touch_up", args=[plan.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert TreatmentPlan.objects.filter(touch_up_of=plan).count() == 1
    assert response.redirect_chain[-1][0] == LIST
    assert "already has touch-up plan" in body(response)


def test_only_a_completed_plan_is_touched_up(plan, front_desk):
    with pytest.raises(BookingRefused) as error:
        booking.create_touch_up_plan(plan=plan, by=front_desk)
    assert error.value.code == "invalid_state"
    assert not plan.touch_ups.exists()


def test_a_practitioner_may_not_make_a_touch_up_plan(clinic, practitioner, frozen_now):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    with pytest.raises(BookingRefused) as error:
        booking.create_touch_up_plan(plan=plan, by=practitioner)
    assert error.value.code == "not_permitted"


def test_a_touch_up_session_1_is_booked_and_completes_the_plan_on_its_own(
    clinic, practitioner, front_desk, frozen_now
):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    touch_up = booking.create_touch_up_plan(plan=plan, by=front_desk)
    session = booking.book_session(plan=touch_up, starts_at=chicago(3, 10), practitioner=practitioner,
                                   by=front_desk)
    assert session.number == 1
    with pytest.raises(BookingRefused) as error:  # R3: one session quoted
        booking.book_session(plan=touch_up, starts_at=chicago(3, 24), practitioner=practitioner,
                             by=front_desk)
    assert error.value.code == "exceeds_quote"
    complete_now(session, practitioner)
    touch_up.refresh_from_db()
    assert touch_up.status == PlanStatus.COMPLETED


def test_a_touch_up_session_1_follows_the_usual_rules(clinic, practitioner, front_desk, frozen_now):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    touch_up = booking.create_touch_up_plan(plan=plan, by=front_desk)
    with pytest.raises(BookingRefused) as error:  # a Sunday: the clinic is closed
        booking.book_session(plan=touch_up, starts_at=chicago(3, 8), practitioner=practitioner,
                             by=front_desk)
    assert error.value.code == "outside_hours"


# --------------------------------------------------------------------------- who (R14)


@pytest.fixture
def due_plan(clinic, practitioner, frozen_now):
    return completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1), first_name="Recall",
                          last_name="Me")


@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_front_desk_and_managers_see_the_list_and_book_a_touch_up(client, request, role, due_plan):
    sign_in(client, request.getfixturevalue(role))
    page = client.get(LIST)
    assert page.status_code == 200 and "Recall Me" in body(page)
    response = client.post(reverse("frontdesk:recall_touch_up", args=[due_plan.pk]))
    assert response.status_code == 302 and due_plan.touch_ups.exists()


def test_a_practitioner_gets_403(client, practitioner, due_plan):
    sign_in(client, practitioner)
    assert client.get(LIST).status_code == 403
    assert client.post(reverse("frontdesk:recall_touch_up", args=[due_plan.pk])).status_code == 403
    assert not due_plan.touch_ups.exists()


def test_a_portal_client_gets_403(client, due_plan):
    sign_in(client, make_portal_user(due_plan.client))
    assert client.get(LIST).status_code == 403
    assert client.post(reverse("frontdesk:recall_touch_up", args=[due_plan.pk])).status_code == 403
    assert not due_plan.touch_ups.exists()


def test_anonymous_users_are_sent_to_sign_in(client, due_plan):
    for response in (client.get(LIST),
                     client.post(reverse("frontdesk:recall_touch_up", args=[due_plan.pk]))):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not due_plan.touch_ups.exists()


def test_another_clinics_staff_do_not_see_the_plan_and_get_404_on_it(client, outsider, clinic, due_plan):
    sign_in(client, outsider)
    page = client.get(LIST)
    assert page.status_code == 200 and "Recall Me" not in body(page)
    assert client.get(LIST, {"clinic": clinic.pk}).status_code == 404
    assert client.post(reverse("frontdesk:recall_touch_up", args=[due_plan.pk])).status_code == 404
    assert not due_plan.touch_ups.exists()


def test_book_a_touch_up_is_a_post(client, front_desk, due_plan):
    sign_in(client, front_desk)
    assert client.get(reverse("frontdesk:recall_touch_up", args=[due_plan.pk])).status_code == 405


def test_the_desk_navigation_links_the_list(client, front_desk, frozen_now):
    sign_in(client, front_desk)
    assert f'href="{LIST}"' in body(client.get(reverse("frontdesk:home")))


# --------------------------------------------------------------------------- plan pages


def test_plan_pages_show_the_touch_up_and_its_plan(client, clinic, practitioner, front_desk, frozen_now):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    touch_up = booking.create_touch_up_plan(plan=plan, by=front_desk)
    sign_in(client, front_desk)
    page = body(client.get(reverse("frontdesk:plan_detail", args=[touch_up.pk])))
    original_url = reverse("frontdesk:plan_detail", args=[plan.pk])
    assert f'Touch-up of <a href="{original_url}">plan #{plan.pk}</a>' in page
    original = body(client.get(reverse("frontdesk:plan_detail", args=[plan.pk])))
    assert f"plan #{touch_up.pk}</a> (quoted)" in original
    assert f"Touch-up of plan #{plan.pk}" in body(client.get(reverse("frontdesk:client_detail",
                                                                     args=[plan.client_id])))


def test_the_portal_shows_a_touch_up_as_one(client, clinic, practitioner, front_desk, frozen_now):
    plan = completed_plan(clinic, practitioner, done_on=dt.date(2023, 2, 1))
    touch_up = booking.create_touch_up_plan(plan=plan, by=front_desk)
    sign_in(client, make_portal_user(plan.client))
    page = body(client.get(reverse("portal:home"), {"plan": touch_up.pk}))
    assert "My touch-up" in page and "0 of 1 session</strong>" in page
    assert 'data-testid="touch-up-note"' in page


# --------------------------------------------------------------------------- queries


def test_the_list_costs_the_same_queries_with_ten_times_the_rows(
    client, clinic, practitioner, front_desk, frozen_now, django_assert_max_num_queries
):
    made = iter(range(1000))

    def arrange(count: int):
        for _ in range(count):
            n = next(made)  # a day each: one practitioner's sessions never overlap
            completed_plan(clinic, practitioner, done_on=dt.date(2023, 1, 1) + dt.timedelta(days=n),
                           shades=(5,), email_consent=bool(n % 2))

    sign_in(client, front_desk)
    arrange(2)
    client.get(LIST)  # warm the session and the user's caches alike for both counts
    with django_assert_max_num_queries(12) as few:
        assert client.get(LIST).status_code == 200
    arrange(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(LIST)
    assert page.status_code == 200 and page.context["page"].paginator.count == 22


def test_hostile_parameters_get_a_page_or_a_404_never_an_error(client, front_desk, due_plan):
    sign_in(client, front_desk)
    for value in ("", "0", "-1", "99999999999999999999999", "NaN", "\x00", "<script>", "1e309"):
        assert client.get(LIST, {"clinic": value}).status_code in {200, 404}
        assert client.get(LIST, {"page": value}).status_code == 200
    too_big = "/desk/recalls/99999999999999999999/touch-up/"
    assert client.post(too_big).status_code == 404
