"""Phone numbers (R20): stored in E.164 ("+13125550142"), read with the clinic's country as the
default region (so "(312) 555-0142" typed in Chicago and "020 7946 0100" typed in London both
parse), shown in that country's national format, and text messages go only to numbers that
can be mobiles. Uses Google's libphonenumber (the `phonenumbers` package)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberFormat, PhoneNumberType

SMS_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _parse(value: str, country: str | None):
    try:
        number = phonenumbers.parse(value, (country or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(value: str, country: str | None) -> str:
    """The E.164 form of a number typed at a clinic in `country`; "" stays "". Raises
    ValidationError (code invalid_phone) for anything that is not a real number."""
    value = (value or "").strip()
    if not value:
        return ""
    number = _parse(value, country)
    if number is None:
        raise ValidationError(
            "%(value)s is not a phone number for %(country)s (or give it with its +country code).",
            code="invalid_phone", params={"value": value, "country": (country or "US").upper()},
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def national(value: str, country: str | None) -> str:
    """"(312) 555-0142" in the clinic's own country, "+44 20 7946 0100" for a foreign number;
    a stored value that does not parse is shown as it is."""
    number = _parse(value or "", country)
    if number is None:
        return value or ""
    same_country = phonenumbers.region_code_for_number(number) == (country or "US").upper()
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL)


def sms_capable(value: str) -> bool:
    """Only numbers that can be mobiles receive a text (a landline would swallow it)."""
    number = _parse(value or "", None)
    return number is not None and phonenumbers.number_type(number) in SMS_TYPES
