"""The text of a custom aftercare step: plain text with placeholders such as {first_name},
filled with str.format_map from a fixed set of names. It is never compiled as a Django
template, so a step's text reaches these values and nothing else (no tags, no filters, no
attributes: "{first_name.__class__}" is refused like any unknown name)."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError

# Dates a custom message may name: N calendar days after the session ended (clinic calendar).
DAY_OFFSETS = (7, 14, 21, 28, 30, 60, 90)

PLACEHOLDERS: dict[str, str] = {
    "first_name": "the client's first name",
    "clinic_name": "the clinic's name",
    "clinic_phone": "the clinic's phone number",
    "clinic_address": "the clinic's address",
    "session_number": "the session's number (1, 2, 3...)",
    "quoted_sessions": "the sessions the plan quotes",
    "session_day": "the day the session ended, e.g. Saturday 14 March",
    "session_ended": "when the session ended, e.g. Saturday 14 March, 5 pm",
    "aftercare_days": "the length of the aftercare window in days",
    "window_until": "when the aftercare window closes, e.g. Wednesday 18 March, 5 pm",
    "appointment": "the session's start, e.g. Tuesday 3 March, 10 am",
    "appointment_day": "the session's day, e.g. Tuesday 3 March",
    "appointment_time": "the session's time, e.g. 10 am",
    "next_number": "the next session's number",
    "next_window": "when the next session may be booked, e.g. between ... and ...",
    "notice_hours": "the clinic's cancellation notice in hours",
    "deposit": "the clinic's booking deposit, e.g. $100.00",
    "recall_day": "the touch-up recall date (touch-up steps)",
    **{f"day_{n}": f"the day {n} days after the session ended" for n in DAY_OFFSETS},
}


def _problem(text: str) -> str | None:
    if "{{" in text or "}}" in text:
        return "Write placeholders with single braces, e.g. {first_name} (not {{ first_name }})."
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError:
        return "A brace is not closed: write placeholders as {first_name}."
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS:
            return f"Unknown placeholder {{{name}}}. Use only: {allowed()}."
        if spec or conversion:
            return f"Write the placeholder as {{{name}}}, without anything after its name."
    return None


def allowed() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def validate(text: str) -> None:
    """Raise ValidationError with a message for people when `text` has a placeholder that is
    not one of PLACEHOLDERS (or is not written as a plain {name})."""
    problem = _problem(text or "")
    if problem:
        raise ValidationError(problem, code="unknown_placeholder")


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced by its value (an empty one when a value does
    not apply, e.g. {next_window} after the last session)."""
    validate(text)
    return text.format_map({name: str(values.get(name, "")) for name in PLACEHOLDERS})
