"""Money and dates in a clinic's locale (R20), with Babel: "$2,400.00" and "December 2, 2026"
in Chicago (en_US), "£2,400.00" and "2 December 2026" in London (en_GB).

The locale of the page is active like Django's time zone: ClinicTimezoneMiddleware activates
the viewer's clinic (`override`), tasks and e-mails pass the clinic's locale explicitly. CSV
files keep plain numbers and ISO dates, so they never come through here.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, get_currency_precision
from django.core.exceptions import ValidationError

DEFAULT_LOCALE = "en_US"
_active: ContextVar[str] = ContextVar("pigment_locale", default=DEFAULT_LOCALE)


def validate_locale(value: str) -> None:
    """A locale Babel knows, e.g. en_US, en_GB, es_US, fr_CA."""
    try:
        Locale.parse((value or "").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValidationError(
            "%(value)s is not a known locale (e.g. en_US, en_GB, es_US).",
            code="invalid_locale", params={"value": value or "An empty value"},
        ) from None


def normalise(value: str | None) -> str:
    return (value or DEFAULT_LOCALE).replace("-", "_")


def in_language(language: str | None, locale: str | None) -> str:
    """`locale` (a clinic's) in another `language`: Spanish at a Chicago clinic (en_US) is
    es_US - "2 de marzo de 2026"; Babel has no es_GB, so at a London clinic it is plain "es"."""
    locale = normalise(locale)
    clinic_language, _, territory = locale.partition("_")
    if not language or language == clinic_language:
        return locale
    try:
        return str(Locale.parse(f"{language}_{territory}"))
    except (UnknownLocaleError, ValueError):
        return language


def current_locale() -> str:
    return _active.get()


@contextmanager
def override(locale: str | None):
    """Format in `locale` inside the block (a request, a message being rendered)."""
    token = _active.set(normalise(locale))
    try:
        yield
    finally:
        _active.reset(token)


def format_money(amount: Decimal | None, currency: str, locale: str | None = None) -> str:
    """Rounded half up to the currency's minor unit (never through a float), then written the
    locale's way: "$2,400.00", "£90.50", "-$10.00", "US$2,400.00" (dollars in en_GB)."""
    if amount is None:
        return ""
    places = get_currency_precision(currency)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format_currency(value, currency, locale=normalise(locale or current_locale()),
                           currency_digits=True)


def format_day(day: dt.date | dt.datetime | None, locale: str | None = None, *, style: str = "long") -> str:
    """"December 2, 2026" (en_US) / "2 December 2026" (en_GB); style "medium": "Dec 2, 2026"."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    return format_date(day, format=style, locale=normalise(locale or current_locale()))


def format_moment(instant: dt.datetime | None, tz, locale: str | None = None) -> str:
    """A date and time in the clinic's zone: "December 2, 2026, 2:00 PM" / "2 December 2026, 14:00"."""
    if instant is None:
        return ""
    loc = normalise(locale or current_locale())
    local = instant.astimezone(tz)
    day = format_date(local.date(), format="long", locale=loc)
    return f"{day}, {format_time(local, format='short', locale=loc)}"
