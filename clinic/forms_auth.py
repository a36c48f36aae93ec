from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    """Clients sign in with their e-mail address; staff with their username or e-mail."""

    username = forms.CharField(
        label="E-mail or username", max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
