"""Forms for booking, moving and cancelling sessions. They only read and tidy what was typed
(a local date and wall-clock time of the clinic); every rule is the booking service's."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic.clinic_time import at_local
from clinic.history import person_name
from clinic.models import Clinic
from sessions_app.calendar import practitioners_at

LENGTH_CHOICES = [(m, f"{m // 60} h" + (f" {m % 60:02d} min" if m % 60 else "")) for m in
                  (60, 90, 120, 150, 180, 210, 240, 300, 360)]
BOOKABLE_YEARS = 2  # a date further ahead is a typo, not a booking


class PractitionerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class _WhenForm(forms.Form):
    """A local date and start time at the clinic, turned into an aware instant."""

    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")
    )

    def __init__(self, data=None, *args, clinic: Clinic, **kwargs):
        if data is not None and data.get("starts_at") and not (data.get("date") or data.get("time")):
            # One "2026-03-12T10:30" value (as calendar links carry it) instead of date and time.
            data = data.copy()
            data["date"], _, time = str(data["starts_at"]).partition("T")
            data["time"] = time[:5]
        super().__init__(data, *args, **kwargs)
        self.clinic = clinic
        self.fields["time"].label = f"Start time ({clinic.name})"

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        today = timezone.now().astimezone(self.clinic.tz).date()
        if not today - dt.timedelta(days=366) <= day <= today + dt.timedelta(days=366 * BOOKABLE_YEARS):
            raise forms.ValidationError(f"Choose a date within the next {BOOKABLE_YEARS} years.")
        return day

    def starts_at(self) -> dt.datetime:
        return at_local(self.cleaned_data["date"], self.cleaned_data["time"], self.clinic.tz)


class BookingForm(_WhenForm):
    practitioner = PractitionerChoiceField(queryset=None, label="Practitioner", empty_label=None)
    length = forms.TypedChoiceField(
        label="Length", coerce=int, choices=LENGTH_CHOICES, required=False, empty_value=None,
    )  # left out: the clinic's usual length
    override_reason = forms.CharField(
        label="Manager's override: why", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only for a third session later than its window (R5) or outside the "
        "practitioner's working hours (never time off or a closure); recorded with your name.",
    )
    # The session number the page was showing: a second click or a colleague's booking in
    # between must not silently book the next number instead.
    number = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = ["practitioner", "date", "time", "length", "override_reason", "number"]

    def __init__(self, *args, clinic: Clinic, allow_override: bool, **kwargs):
        super().__init__(*args, clinic=clinic, **kwargs)
        self.fields["practitioner"].queryset = practitioners_at(clinic)
        choices = list(LENGTH_CHOICES)
        if clinic.default_session_minutes not in dict(choices):
            choices.append((clinic.default_session_minutes, f"{clinic.default_session_minutes} min"))
            choices.sort()
        self.fields["length"].choices = choices
        if not allow_override:
            del self.fields["override_reason"]

    def ends_at(self) -> dt.datetime:
        minutes = self.cleaned_data.get("length") or self.clinic.default_session_minutes
        return self.starts_at() + dt.timedelta(minutes=minutes)

    def override_text(self) -> str:
        return self.cleaned_data.get("override_reason", "").strip()


class RescheduleForm(_WhenForm):
    practitioner = PractitionerChoiceField(
        queryset=None, label="Practitioner", empty_label=None, required=False
    )  # left out: the same practitioner
    override_reason = forms.CharField(
        label="Manager's override: why", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only for a third session later than its window (R5) or outside the "
        "practitioner's working hours.",
    )

    field_order = ["date", "time", "practitioner", "override_reason"]

    def __init__(self, *args, clinic: Clinic, allow_override: bool, **kwargs):
        super().__init__(*args, clinic=clinic, **kwargs)
        self.fields["practitioner"].queryset = practitioners_at(clinic)
        if not allow_override:
            del self.fields["override_reason"]

    def override_text(self) -> str:
        return self.cleaned_data.get("override_reason", "").strip()


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    clinic_initiated = forms.BooleanField(
        label="The clinic cancels (the client keeps the deposit whatever the notice)", required=False
    )

    def clean_reason(self) -> str:
        return self.cleaned_data["reason"].strip()
