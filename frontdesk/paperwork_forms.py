"""Managers' set-up of the paperwork (R17): the questions and the consent text."""

from __future__ import annotations

from django import forms

from clinic.paperwork_models import Question


class QuestionSetupForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["key", "text", "kind", "choices", "help_text", "required", "review_if_yes"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 2}), "text": forms.TextInput()}
        labels = {"review_if_yes": "A yes needs review"}

    def clean(self):
        cleaned = super().clean()
        options = [c for c in cleaned.get("choices", "").splitlines() if c.strip()]
        if cleaned.get("kind") == "choice" and len(options) < 2:
            self.add_error("choices", "A choice question needs at least two options, one a line.")
        return cleaned

    def validate_unique(self):
        """Uniqueness is checked for the whole new version by the service."""


QuestionFormSet = forms.formset_factory(QuestionSetupForm, extra=1, can_delete=True)


class ConsentSetupForm(forms.Form):
    text = forms.CharField(label="Consent text", widget=forms.Textarea(attrs={"rows": 10}))
    statements = forms.CharField(
        label="Statements the client ticks", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One statement a line; the client must tick each.",
    )
