"""Filters of the access log. They only validate: the view turns the cleaned values into a
query (clinic.audit.AuditEventQuerySet)."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic.models import Clinic

KIND_CHOICES = [
    ("", "Everything"),
    ("read", "Reads of clinical content"),
    ("export", "Exports and downloads"),
    ("account", "Account events"),
]
# A typo such as year 20026 gets a message rather than a query for nothing.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 30)


class AccessFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="Show", choices=KIND_CHOICES, required=False)
    clinic = forms.ModelChoiceField(
        label="Clinic", queryset=Clinic.objects.none(), required=False, empty_label="All my clinics",
    )

    def __init__(self, *args, clinics=None, **kwargs):
        """`clinics`: the clinics to choose from (the viewer's); None leaves the field out."""
        super().__init__(*args, **kwargs)
        if clinics is None:
            del self.fields["clinic"]
        else:
            self.fields["clinic"].queryset = clinics

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", first), ("date_to", last)):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, f"Choose a date between {FIRST_DAY:%Y} and {LAST_DAY:%Y}.")
        if first and last and first > last:
            self.add_error("date_to", "The end date comes before the start date.")
        return data

    def description(self) -> str:
        """The filters in words, for the record of a CSV download."""
        data = self.cleaned_data
        parts = [
            f"from {data['date_from']:%Y-%m-%d}" if data.get("date_from") else "",
            f"to {data['date_to']:%Y-%m-%d}" if data.get("date_to") else "",
            dict(KIND_CHOICES)[data["kind"]].lower() if data.get("kind") else "",
            f"clinic {data['clinic'].name}" if data.get("clinic") else "",
        ]
        return "Filters: " + (", ".join(p for p in parts if p) or "none")
