"""Forms of the client portal: they validate and tidy input only."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from clinic.clinic_time import client_day, client_time
from clinic.models import Client
from clinic.phones import to_e164


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Type it again", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return cleaned


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["email", "phone", "email_consent", "sms_consent", "language"]
        labels = {
            "email": "E-mail address",
            "phone": "Mobile phone",
            "email_consent": "Send me aftercare and reminders by e-mail",
            "sms_consent": "Send me aftercare and reminders by text message (SMS)",
            "language": "Language / Idioma",
        }
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def clean_phone(self) -> str:
        # Stored in E.164, read with the clinic's country as the default region (R20).
        return to_e164(self.cleaned_data.get("phone") or "", self.instance.clinic.country)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email_consent") and not cleaned.get("email"):
            self.add_error("email", "Add an e-mail address to receive e-mails.")
        if cleaned.get("sms_consent") and not cleaned.get("phone"):
            self.add_error("phone", "Add a mobile number to receive text messages.")
        return cleaned


class SlotChoiceForm(forms.Form):
    """One of the offered times, by key; the view checks it again against the offer."""

    slot = forms.ChoiceField(label="Choose a time", widget=forms.RadioSelect)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {s.key: s for s in slots}
        self.fields["slot"].choices = [
            (s.key, f"{client_day(s.starts_at.date())}, {client_time(s.starts_at)}") for s in slots
        ]

    def chosen(self):
        return self.slots[self.cleaned_data["slot"]]


class HairlineAgreeForm(forms.Form):
    """R11: the client ticks that they read the hairline version and agree to it."""

    agree = forms.BooleanField(
        label=_("I have read this hairline design and I agree to it"),
        error_messages={"required": _("Tick the box to agree to this hairline design.")},
    )
