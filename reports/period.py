"""The period and clinic filter of the figure reports. The form only validates; `period()`
turns the preset into clinic-local dates (today is the viewer's clinic's today)."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic.models import Clinic
from clinic.report_sql import Period

PRESETS = [
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("last_90_days", "Last 90 days"),
    ("this_year", "This year"),
    ("custom", "Custom dates"),
]
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 30)
LONGEST = dt.timedelta(days=3 * 366)  # a period longer than three years is a typo


def preset_period(preset: str, today: dt.date) -> Period:
    month_start = today.replace(day=1)
    if preset == "last_month":
        last = month_start - dt.timedelta(days=1)
        return Period(last.replace(day=1), last)
    if preset == "last_90_days":
        return Period(today - dt.timedelta(days=89), today)
    if preset == "this_year":
        return Period(today.replace(month=1, day=1), today)
    return Period(month_start, today)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label="Period", choices=PRESETS, required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    clinic = forms.ModelChoiceField(
        label="Clinic",
        queryset=Clinic.objects.none(),
        required=False,
        empty_label="All my clinics",
    )

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        first, last = data.get("date_from"), data.get("date_to")
        if not first or not last:
            raise forms.ValidationError("A custom period needs a start and an end date.")
        for name, day in (("date_from", first), ("date_to", last)):
            if not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, f"Choose a date between {FIRST_DAY:%Y} and {LAST_DAY:%Y}.")
        if first > last:
            self.add_error("date_to", "The end date comes before the start date.")
        elif last - first > LONGEST:
            self.add_error("date_to", "Choose at most three years.")
        return data

    def chosen_period(self, today: dt.date) -> Period:
        data = self.cleaned_data
        if data.get("period") == "custom":
            return Period(data["date_from"], data["date_to"])
        return preset_period(data.get("period") or "this_month", today)

    def description(self, period: Period) -> str:
        clinic = self.cleaned_data.get("clinic")
        return f"Period {period.first:%Y-%m-%d} to {period.last:%Y-%m-%d}; " + (
            f"clinic {clinic.name}" if clinic else "all my clinics"
        )
