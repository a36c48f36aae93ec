"""The three steps of the paperwork form (R17). They check types only; the rules (a date of
birth not in the future, the name that is the client's, a signature that is not empty, a
changed version) are clinic.paperwork's, whose messages the views put on these forms."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic.paperwork_models import QuestionKind

YES_NO = [("yes", "Yes"), ("no", "No")]
ANSWER_REQUIRED = {"required": "Please answer this question."}


class AboutForm(forms.Form):
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={"required": "Enter your date of birth.", "invalid": "Enter a date, e.g. 1985-03-21."},
    )
    address = forms.CharField(
        label="Home address", widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
        error_messages={"required": "Enter your address."},
    )
    emergency_contact = forms.CharField(
        label="Emergency contact", max_length=200, help_text="Name and phone number",
        error_messages={"required": "Enter an emergency contact."},
    )
    doctor = forms.CharField(label="Your doctor (optional)", max_length=200, required=False)

    @classmethod
    def initial_from(cls, about: dict) -> dict:
        initial = dict(about)
        if about.get("date_of_birth"):
            initial["date_of_birth"] = dt.date.fromisoformat(about["date_of_birth"])
        return initial


class QuestionsForm(forms.Form):
    """One field per question of the draft's questionnaire version."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, questions, new_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            label = q.text
            common = {"label": label, "required": q.required, "help_text": q.help_text,
                      "error_messages": ANSWER_REQUIRED}
            if q.kind == QuestionKind.YES_NO:
                field = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
            elif q.kind == QuestionKind.CHOICE:
                options = [(o, o) for o in q.options]
                field = forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
            elif q.kind == QuestionKind.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
            else:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, **common)
            field.is_new = q.key in new_keys
            self.fields[q.key] = field

    @classmethod
    def initial_from(cls, answers: dict, version_id: int) -> dict:
        return {**answers, "version": version_id}

    def answers(self) -> dict:
        return {q.key: self.cleaned_data.get(q.key) for q in self.questions}


class ConsentForm(forms.Form):
    typed_name = forms.CharField(
        label="Your full name", max_length=200, help_text="Typing your name is your signature.",
        error_messages={"required": "Type your full name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    statements = forms.MultipleChoiceField(
        label="I agree that", widget=forms.CheckboxSelectMultiple, required=False,
    )
    consent_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, consent, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.fields["statements"].choices = [(str(i), s) for i, s in enumerate(consent.statement_list)]

    def ticked(self) -> list[str]:
        statements = self.consent.statement_list
        return [statements[int(i)] for i in self.cleaned_data.get("statements", [])]
