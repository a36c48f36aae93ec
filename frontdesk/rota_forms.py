"""Forms of the manager's rota pages. They only read and tidy input (times on the clinic's
clock); every rule is in sessions_app.rota and sessions_app.availability."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic.models import Clinic
from sessions_app.calendar import practitioners_at
from sessions_app.time_off_form import DATE, TIME, TimeOffSpanForm

CANCEL_LABEL = "Cancel the sessions listed above: the clinic cancels, the client keeps the deposit"
SPANS = 3  # a split day has two spans; three leaves room for a long lunch and an evening


class PractitionerField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class DayHoursForm(forms.Form):
    """A practitioner's spans on one weekday: up to three, all empty means a day off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, SPANS + 1):
            self.fields[f"starts_{n}"] = forms.TimeField(label=f"From ({n})", required=False, widget=TIME)
            self.fields[f"ends_{n}"] = forms.TimeField(label=f"To ({n})", required=False, widget=TIME)

    @staticmethod
    def initial_for(spans) -> dict:
        initial = {}
        for n, (starts, ends) in enumerate(spans, start=1):
            initial[f"starts_{n}"], initial[f"ends_{n}"] = starts, ends
        return initial

    def clean(self) -> dict:
        data = super().clean()
        spans = []
        for n in range(1, SPANS + 1):
            starts, ends = data.get(f"starts_{n}"), data.get(f"ends_{n}")
            if (starts is None) != (ends is None):
                self.add_error(f"ends_{n}" if ends is None else f"starts_{n}", "Give both times, or neither.")
            elif starts is not None:
                spans.append((starts, ends))
        data["spans"] = spans
        return data

    @property
    def rows(self) -> list[tuple]:
        return [(self[f"starts_{n}"], self[f"ends_{n}"]) for n in range(1, SPANS + 1)]


class TimeOffForm(TimeOffSpanForm):
    """A manager enters time off for a practitioner of the clinic (approved at once)."""

    practitioner = PractitionerField(queryset=None, label="Practitioner", empty_label=None)
    cancel_affected = forms.BooleanField(required=False, label=CANCEL_LABEL)

    field_order = [
        "practitioner", "first_day", "last_day", "from_time", "to_time", "reason", "cancel_affected",
    ]

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, clinic=clinic, **kwargs)
        self.fields["practitioner"].queryset = practitioners_at(clinic)


class ApproveForm(forms.Form):
    cancel_affected = forms.BooleanField(required=False, label=CANCEL_LABEL)


class ClosureForm(forms.Form):
    date = forms.DateField(label="Date", widget=DATE)
    reason = forms.CharField(label="Reason", max_length=200, required=False,
                             help_text="Public holiday, refit...")
    cancel_affected = forms.BooleanField(required=False, label=CANCEL_LABEL)

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return day
