from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={
            "autofocus": True, "autocomplete": "one-time-code", "inputmode": "text",
            "autocapitalize": "off", "spellcheck": "false",
        }),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from the app", max_length=10,
        help_text="Enter the 6-digit code the app shows now, to confirm it is set up.",
        widget=forms.TextInput(attrs={
            "autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric",
        }),
    )
