"""Front-desk forms for clients and plans. They validate and tidy input only: rows that span
models or carry a rule (amending a quote, cancelling a plan) are written by the booking
service, called from the views."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone

from aftercare.models import ReminderStatus
from clinic.models import Client, Clinic, Shade, TreatmentArea, TreatmentPlan
from clinic.phones import to_e164

PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-/]{4,40}$")
MAX_PRICE = Decimal("100000.00")


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a client", required=False, max_length=100,
        widget=forms.SearchInput(attrs={
            "placeholder": "Name, e-mail or phone", "autocomplete": "off", "autofocus": True,
        }),
    )

    def terms(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""


class ClientForm(forms.ModelForm):
    """Contact details, consents and the once-only paperwork of R2."""

    paperwork_done = forms.BooleanField(
        required=False, label="Medical questionnaire and consent form completed",
        help_text="Needed once, before session 1 can start (R2).",
    )

    class Meta:
        model = Client
        fields = [
            "first_name", "last_name", "email", "phone", "date_of_birth", "clinic", "language",
            "email_consent", "sms_consent",
        ]
        labels = {
            "email": "E-mail", "clinic": "Clinic of record",
            "email_consent": "May receive e-mail", "sms_consent": "May receive SMS",
        }
        help_texts = {"email_consent": "", "sms_consent": "", "clinic": ""}
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TelInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinic"].empty_label = None
        for name, what in (("first_name", "first name"), ("last_name", "last name")):
            self.fields[name].error_messages["required"] = f"Give the client's {what}."
        self.fields["paperwork_done"].initial = self.instance.paperwork_done
        if self.instance.paperwork_done:
            # Paperwork is done once (R2); it is not undone from the front desk.
            self.fields["paperwork_done"].disabled = True
            self.fields["paperwork_done"].help_text = "Completed: later sessions never ask again."

    def clean_first_name(self) -> str:
        return _required_text(self.cleaned_data["first_name"], "first name")

    def clean_last_name(self) -> str:
        return _required_text(self.cleaned_data["last_name"], "last name")

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_phone(self) -> str:
        phone = " ".join((self.cleaned_data.get("phone") or "").split())
        if phone and (not PHONE_CHARACTERS.match(phone) or sum(c.isdigit() for c in phone) < 4):
            raise forms.ValidationError("Give a phone number with digits, e.g. +1 312 555 0100.")
        return phone

    def clean_date_of_birth(self) -> dt.date | None:
        born = self.cleaned_data.get("date_of_birth")
        if born and not dt.date(1900, 1, 1) <= born <= timezone.localdate():
            raise forms.ValidationError("Give a date of birth between 1900 and today.")
        return born

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and cleaned.get("clinic"):
            # Stored in E.164, read with the clinic's country as the default region (R20).
            try:
                cleaned["phone"] = to_e164(cleaned["phone"], cleaned["clinic"].country)
            except ValidationError as error:
                self.add_error("phone", error)
        if cleaned.get("sms_consent") and not cleaned.get("phone"):
            self.add_error("phone", "SMS consent needs a phone number.")
        if cleaned.get("email_consent") and not cleaned.get("email"):
            self.add_error("email", "E-mail consent needs an e-mail address.")
        return cleaned


def _required_text(value: str, what: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise forms.ValidationError(f"Give the client's {what}.")
    return value


class PlanForm(forms.ModelForm):
    """A new quote. R1 (at least two sessions) is also the model's clean() and a database
    check; the field says it first, in the same words, so the message appears once."""

    quoted_sessions = forms.IntegerField(
        label="Sessions quoted", min_value=2, max_value=12,
        help_text="At least two (R1); three is usual.",
        error_messages={
            "min_value": "A plan quotes at least two sessions (R1): the skin needs a second "
            "session to correct how the pigment settled.",
            "max_value": "At most 12 sessions.",
        },
    )

    class Meta:
        model = TreatmentPlan
        fields = ["treatment_area", "quoted_sessions", "price", "starting_shade", "hairline_notes"]
        labels = {
            "quoted_sessions": "Sessions quoted", "price": "Price", "starting_shade": "Starting shade",
            "hairline_notes": "Hairline design notes",
        }
        widgets = {"hairline_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["treatment_area"].choices = TreatmentArea.choices
        self.fields["starting_shade"].choices = Shade.choices
        self.fields["price"].help_text = f"In {clinic.currency}."
        self.fields["price"].widget.attrs.update(min=0, step="0.01")
        self.fields["hairline_notes"].max_length = 2000

    def clean_price(self) -> Decimal:
        price = self.cleaned_data["price"]
        if price is not None and not Decimal("0") <= price <= MAX_PRICE:
            raise forms.ValidationError(f"Give a price between 0 and {MAX_PRICE}.")
        return price


class AmendQuoteForm(forms.Form):
    quoted_sessions = forms.IntegerField(
        label="Sessions quoted", min_value=2, max_value=12,
        help_text="At least two (R1), and not below a session already booked or done.",
    )
    price = forms.DecimalField(
        label="New price", max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
        max_value=MAX_PRICE, required=False, help_text="Leave empty to keep the price.",
    )
    reason = forms.CharField(
        label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded with your name (R3).",
        error_messages={"required": "Say why the quote changes."},
    )

    def __init__(self, *args, touch_up: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if touch_up:  # R15: a touch-up may quote a single session
            field = self.fields["quoted_sessions"]
            field.min_value = 1
            field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
            field.validators.append(MinValueValidator(1))
            field.widget.attrs["min"] = 1
            field.help_text = ("At least one for a touch-up (R15), and not below a session "
                               "already booked or done.")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the quote changes.")
        return reason


class CancelPlanForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the plan's history.",
        error_messages={"required": "Say why the plan is cancelled."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the plan is cancelled.")
        return reason


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=ReminderStatus.choices, required=False)

    def clean_status(self) -> str:
        return self.cleaned_data["status"] or ReminderStatus.FAILED
