"""Every front-desk form, fed generated POST data (hypothesis): never a 500, and either a
redirect after one complete change or the form again with nothing saved."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.models import Client, QuoteAmendment, TreatmentPlan
from sessions_app import booking
from sessions_app.models import Deposit, TreatmentSession
from tests.clock import chicago
from tests.factories import make_client, make_clinic, make_plan, make_staff
from tests.frontdesk_helpers import session_one_done

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

FUZZ = settings(
    max_examples=50, deadline=None, database=None,  # no .hypothesis/ folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Plausible values, edge cases and plain junk, as a browser (or anyone) might send them.
TEXT = st.one_of(
    st.text(max_size=40), st.just(""), st.just("   "), st.just("\x00"), st.just("a" * 2000),
    st.sampled_from(["Ada", "O'Brien", "Zoë", "<script>", "💈", "+1 312 555 0100", "ada@example.com"]),
)
NUMBER = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["2", "3", "12", "13", "0", "1e3", "NaN", "inf", ""]), TEXT,
)
MONEY = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["2400.00", "0", "-1", "100000.01", "1.005", "99999999999999", ""]), TEXT,
)
DAY = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(str),
    st.dates(dt.date(2026, 3, 1), dt.date(2026, 4, 30)).map(str),
    st.sampled_from(["2026-03-05", "2026-02-30", "03/05/2026", ""]), TEXT,
)
TIME = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["09:00", "10:00", "17:59", "24:00", "2:30"]), TEXT,
)
BOOL = st.sampled_from(["on", "", "true", "false", "0"])


def either(*values):
    return st.one_of(st.sampled_from(values), TEXT)


def assert_no_500(response) -> None:
    assert response.status_code in (200, 302), response.status_code


@FUZZ
@given(data=st.fixed_dictionaries({
    "first_name": TEXT, "last_name": TEXT, "email": TEXT, "phone": TEXT, "date_of_birth": DAY,
    "email_consent": BOOL, "sms_consent": BOOL, "paperwork_done": BOOL,
}), clinic_choice=st.sampled_from(["ours", "theirs", "junk"]))
def test_the_client_form_never_fails_and_saves_all_or_nothing(
    desk, clinic, other_clinic, data, clinic_choice
):
    data["clinic"] = {"ours": clinic.pk, "theirs": other_clinic.pk, "junk": "x"}[clinic_choice]
    before = Client.objects.count()
    response = desk.post(reverse("frontdesk:client_create"), data)
    assert_no_500(response)
    assert Client.objects.count() == before + (response.status_code == 302)
    if response.status_code == 302:
        assert Client.objects.latest("pk").clinic == clinic


@FUZZ
@given(data=st.fixed_dictionaries({
    "first_name": TEXT, "last_name": TEXT, "email": TEXT, "phone": TEXT, "date_of_birth": DAY,
    "email_consent": BOOL, "sms_consent": BOOL, "paperwork_done": BOOL,
}))
def test_editing_a_client_never_fails(desk, client_, clinic, data):
    data["clinic"] = clinic.pk
    before = client_.history.count()
    response = desk.post(reverse("frontdesk:client_edit", args=[client_.pk]), data)
    assert_no_500(response)
    if response.status_code == 200:
        assert client_.history.count() == before


@FUZZ
@given(data=st.fixed_dictionaries({
    "treatment_area": either("full_scalp", "hairline", "scar"), "quoted_sessions": NUMBER, "price": MONEY,
    "starting_shade": either("1", "4", "7", "8"), "hairline_notes": TEXT,
}))
def test_the_plan_form_never_fails_and_never_quotes_one_session(desk, client_, data):
    before = TreatmentPlan.objects.count()
    response = desk.post(reverse("frontdesk:plan_create", args=[client_.pk]), data)
    assert_no_500(response)
    assert TreatmentPlan.objects.count() == before + (response.status_code == 302)
    assert not TreatmentPlan.objects.filter(quoted_sessions__lt=2).exists()


@FUZZ
@given(data=st.fixed_dictionaries({"quoted_sessions": NUMBER, "price": MONEY, "reason": TEXT}))
def test_amending_a_quote_never_fails(desk, plan, data):
    before = QuoteAmendment.objects.count()
    response = desk.post(reverse("frontdesk:plan_amend", args=[plan.pk]), data)
    assert_no_500(response)
    assert QuoteAmendment.objects.count() == before + (response.status_code == 302)


@FUZZ
@given(reason=TEXT)
def test_cancelling_a_plan_never_fails(desk, client_, reason):
    plan = make_plan(client_)
    response = desk.post(reverse("frontdesk:plan_cancel", args=[plan.pk]), {"reason": reason})
    assert_no_500(response)
    plan.refresh_from_db()
    assert (plan.status == "cancelled") == (response.status_code == 302)


@pytest.fixture
def second_due(plan, practitioner):
    session_one_done(plan, practitioner)
    return plan


BOOKING = st.fixed_dictionaries({
    "date": DAY, "time": TIME, "length": either("60", "180", "720", "-5"), "number": NUMBER,
    "override_reason": TEXT,
})


@FUZZ
@given(data=BOOKING, who=st.sampled_from(["ours", "theirs", "junk"]))
def test_the_booking_form_and_its_live_check_never_fail(
    desk, second_due, practitioner, outsider, data, who
):
    data["practitioner"] = {"ours": practitioner.pk, "theirs": outsider.pk, "junk": "🙂"}[who]
    before = TreatmentSession.objects.count()
    check = desk.post(reverse("frontdesk:book_check", args=[second_due.pk]), data)
    assert check.status_code == 200
    assert TreatmentSession.objects.count() == before
    response = desk.post(reverse("frontdesk:book_session", args=[second_due.pk]), data)
    assert_no_500(response)
    assert TreatmentSession.objects.count() == before + (response.status_code == 302)


@FUZZ
@given(data=st.fixed_dictionaries({"date": DAY, "time": TIME, "override_reason": TEXT, "confirm": BOOL}))
def test_rescheduling_and_its_preview_never_fail(desk, second_due, practitioner, front_desk, data):
    session = second_due.sessions.filter(status="booked").first() or booking.book_session(
        plan=second_due, starts_at=chicago(3, 5), practitioner=practitioner, by=front_desk
    )
    data["practitioner"] = practitioner.pk
    url = reverse("frontdesk:session_reschedule_preview", args=[session.pk])
    assert desk.post(url, data).status_code == 200
    before = (session.starts_at, session.history.count())
    response = desk.post(reverse("frontdesk:session_reschedule", args=[session.pk]), data)
    assert_no_500(response)
    session.refresh_from_db()
    if response.status_code == 200:
        assert (session.starts_at, session.history.count()) == before


@FUZZ
@given(data=st.fixed_dictionaries({"reason": TEXT, "clinic_initiated": BOOL}))
def test_cancelling_a_session_never_fails_and_moves_the_deposit_once(desk, front_desk, data):
    fresh = make_clinic()  # a free chair and practitioner for every example
    front_desk.staff_profile.clinics.add(fresh)
    plan = make_plan(make_client(fresh))
    pat = make_staff("practitioner", fresh)
    session = booking.book_session(plan=plan, starts_at=chicago(3, 4), practitioner=pat, by=front_desk)
    booking.record_deposit(plan=plan, amount="100.00", by=front_desk, session=session)
    response = desk.post(reverse("frontdesk:session_cancel", args=[session.pk]), data)
    assert_no_500(response)
    session.refresh_from_db()
    assert (session.status == "cancelled") == (response.status_code == 302)
    # 50 hours' notice: the deposit stays paid, back on the plan when the session is cancelled.
    deposit = Deposit.objects.get(plan=plan)
    assert deposit.state == "paid" and (deposit.session_id is None) == (response.status_code == 302)


@FUZZ
@given(params=st.fixed_dictionaries({
    "date": DAY, "view": TEXT, "q": TEXT, "page": NUMBER, "starts_at": TEXT, "practitioner": NUMBER,
}))
def test_calendar_search_and_slot_pages_never_fail_on_odd_query_strings(desk, clinic, params):
    for name in ("frontdesk:calendar", "frontdesk:client_list", "frontdesk:calendar_slot"):
        response = desk.get(reverse(name), params)
        assert response.status_code in (200, 302)
