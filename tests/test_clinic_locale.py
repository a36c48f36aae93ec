"""Each clinic's locale (R20): money and dates written with Babel, one helper for pages,
receipts and messages; CSV files keep plain numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.locale_format import format_day, format_money, override
from tests.factories import make_client, make_plan, make_portal_user, make_staff, sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("locale", "currency", "money", "day"), [
    ("en_US", "USD", "$2,400.00", "December 2, 2026"),
    ("en_GB", "GBP", "£2,400.00", "2 December 2026"),
    ("en_GB", "USD", "US$2,400.00", "2 December 2026"),
    ("es_US", "USD", "$2,400.00", "2 de diciembre de 2026"),
])
def test_money_and_dates_in_a_locale(locale, currency, money, day):
    assert format_money(Decimal("2400"), currency, locale) == money
    assert format_day(dt.date(2026, 12, 2), locale) == day
    with override(locale):
        assert format_money(Decimal("2400"), currency) == money


def test_an_unknown_locale_is_refused(clinic):
    clinic.locale = "xx_NOPE"
    with pytest.raises(ValidationError):
        clinic.full_clean()


def test_a_london_page_shows_pounds_and_a_chicago_page_dollars(client, clinic, other_clinic):
    other_clinic.locale = "en_GB"
    other_clinic.save()
    london_plan = make_plan(make_client(other_clinic), price=Decimal("2400.00"))
    chicago_plan = make_plan(make_client(clinic), price=Decimal("2400.00"))
    sign_in(client, make_staff("front_desk", other_clinic))
    page = client.get(reverse("frontdesk:plan_detail", args=[london_plan.pk])).content.decode()
    assert "£2,400.00" in page and "2400.00 GBP" not in page
    client.logout()
    sign_in(client, make_staff("front_desk", clinic))
    page = client.get(reverse("frontdesk:plan_detail", args=[chicago_plan.pk])).content.decode()
    assert "$2,400.00" in page and "2400.00 USD" not in page


def test_the_portal_bill_is_in_the_clinics_locale(client, other_clinic):
    other_clinic.locale = "en_GB"
    other_clinic.save()
    person = make_client(other_clinic)
    make_plan(person, price=Decimal("1800.00"), status="active")
    sign_in(client, make_portal_user(person))
    page = client.get(reverse("portal:home")).content.decode()
    assert "£1,800.00" in page


@pytest.mark.usefixtures("frozen_now")  # Monday 2 March 2026
def test_a_refusal_names_the_deposit_in_the_clinics_money(other_clinic):
    """R6's refusal is written by the booking service, not a template: London reads pounds."""
    from sessions_app import booking
    from sessions_app.booking import BookingRefused
    from sessions_app.models import SessionStatus
    from tests.factories import make_session

    other_clinic.locale = "en_GB"
    other_clinic.save()
    practitioner = make_staff("practitioner", other_clinic)
    desk = make_staff("front_desk", other_clinic)
    plan = make_plan(make_client(other_clinic), quoted_sessions=3, status="active")
    start = dt.datetime(2026, 2, 2, 10, tzinfo=dt.UTC)  # a Monday; session 3 due 9-16 March
    for number, days in ((1, 0), (2, 14)):
        make_session(plan, number=number, starts_at=start + dt.timedelta(days=days),
                     practitioner=practitioner, status=SessionStatus.COMPLETED)
    booking.record_deposit(plan=plan, amount=Decimal("60.00"), by=desk)
    with pytest.raises(BookingRefused) as error:
        booking.book_session(plan=plan, starts_at=start + dt.timedelta(days=38),
                             practitioner=practitioner, by=desk)
    assert error.value.code == "deposit_required"
    assert "at least £100.00" in error.value.message and "£40.00 is still needed" in error.value.message
