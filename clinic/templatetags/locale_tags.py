"""Money and dates in the viewer's clinic locale (R20): `{{ plan.price|money:plan.currency }}`
-> "$2,400.00" / "£2,400.00", `{{ day|long_day }}` -> "December 2, 2026" / "2 December 2026".
The locale is the one ClinicTimezoneMiddleware activated; see clinic.locale_format."""

from __future__ import annotations

from django import template

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
