"""Forms of the money pages. They validate and tidy input only; the amount is checked by
the booking service (one home for the rule: negative, zero, absurd, malformed), whose
message the view puts on the amount field."""

from __future__ import annotations

import re

from django import forms

from clinic.models import Clinic
from sessions_app.billing import PaymentMethod

_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


class AmountField(forms.CharField):
    """Text as typed (so a bad amount is shown back unchanged); the service judges it. Only
    an unambiguous thousands separator ("1,200.00") is tidied: "100,50" is left for the
    service to refuse rather than guessed to be 10050 or 100.50."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return value.replace(",", "") if _THOUSANDS.match(value) else value


class MoneyForm(forms.Form):
    """Amount, method and reference, with the idempotency key the view derived when it
    rendered the form (see money_views.form_key): a double click, a second tab or a retried
    request all carry the same key, and the service records the money once."""

    amount = AmountField(help_text="For example 100.00")
    method = forms.ChoiceField(label="Paid by", choices=PaymentMethod.choices, initial=PaymentMethod.CARD)
    reference = forms.CharField(
        max_length=100, required=False,
        help_text="Card slip, transfer reference or receipt book number (optional)",
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class DepositRequestForm(forms.Form):
    """Ask the client for a deposit now, to be paid later (no money changes hands).
    `seen` is the plan's deposit state when the form was shown: a second click or a second
    tab finds it changed and requests nothing; two posts at the same instant share one key."""

    amount = AmountField()
    seen = forms.UUIDField(widget=forms.HiddenInput)


class RefundForm(forms.Form):
    reason = forms.CharField(
        label="Why it is refunded (optional)", widget=forms.Textarea(attrs={"rows": 2}),
        required=False, max_length=1000,
    )


class ForfeitForm(forms.Form):
    # Not required here: the service refuses an empty reason with the rule's own message.
    reason = forms.CharField(
        label="Why it is forfeited", widget=forms.Textarea(attrs={"rows": 2}), required=False,
        max_length=1000, help_text="Recorded on the deposit with your name.",
    )


class WorklistFilterForm(forms.Form):
    clinic = forms.ModelChoiceField(
        queryset=Clinic.objects.none(), required=False, empty_label="All my clinics",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
