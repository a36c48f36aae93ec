"""Money and dates in the viewer's clinic locale (R20): `{{ plan.price|money:plan.currency }}`
-> "$2,400.00" / "£2,400.00", `{{ day|long_day }}` -> "December 2, 2026" / "2 December 2026".
The locale is the one ClinicTimezoneMiddleware activated; see clinic.locale_format."""

from __future__ import annotations

from django import template
from django.utils import timezone, translation

from clinic import locale_format, phones

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    return locale_format.format_money(amount, currency)


@register.filter
def long_day(value) -> str:
    return locale_format.format_day(value)


@register.filter
def phone(value: str, country: str | None = None) -> str:
    """`{{ client.phone|phone:client.clinic.country }}` -> "(312) 555-0142" (stored "+13125550142")."""
    return phones.national(value, country)


def _page_locale() -> str:
    """The clinic's locale in the page's language (a Spanish-speaking client reads es_US)."""
    language = (translation.get_language() or "").split("-")[0]
    return locale_format.in_language(language, locale_format.current_locale())


@register.filter
def client_long_day(value) -> str:
    """A moment's day in the page's time zone, for clients: "March 2, 2026" / "2 de marzo de 2026"."""
    if value is None:
        return ""
    return locale_format.format_day(timezone.localtime(value), _page_locale())


@register.filter
def client_long_moment(value) -> str:
    """A moment in the page's time zone, for clients: "March 2, 2026, 8:00 AM" /
    "2 de marzo de 2026, 8:00 a.m." (the time zone of `{% timezone %}` or the clinic's)."""
    return locale_format.format_moment(value, timezone.get_current_timezone(), _page_locale())
