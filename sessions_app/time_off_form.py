"""The time-off span both the manager's rota pages and a practitioner's own request read:
days (and hours, for part of a day) on the clinic's clock, turned into two instants."""

from __future__ import annotations

from django import forms

from clinic.models import Clinic
from sessions_app.availability import time_off_span

TIME = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TimeOffSpanForm(forms.Form):
    first_day = forms.DateField(label="From", widget=DATE)
    last_day = forms.DateField(label="To (inclusive)", widget=DATE, required=False,
                               help_text="Leave empty for one day.")
    from_time = forms.TimeField(label="From time", required=False, widget=TIME,
                                help_text="Only for part of a day.")
    to_time = forms.TimeField(label="Until", required=False, widget=TIME)
    reason = forms.CharField(label="Reason", max_length=200, required=False,
                             help_text="Holiday, sick day, training...")

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day") or data.get("first_day")
        if first is None:
            return data
        if last < first:
            self.add_error("last_day", "The last day comes after the first.")
            return data
        if (last - first).days > 366:
            self.add_error("last_day", "Enter at most a year at a time.")
            return data
        starts, ends = time_off_span(self.clinic.tz, first, last, data.get("from_time"), data.get("to_time"))
        if ends <= starts:
            self.add_error("to_time", "The time off must end after it starts.")
        data["starts_at"], data["ends_at"] = starts, ends
        return data
