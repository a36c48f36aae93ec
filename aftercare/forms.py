"""Forms of the aftercare area: they validate and tidy input, nothing else."""

from __future__ import annotations

from django import forms

from aftercare.models import ReminderStatus, ScheduleStep


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=ReminderStatus.choices, required=False)

    def clean_status(self) -> str:
        return self.cleaned_data["status"] or ReminderStatus.FAILED


class ScheduleStepForm(forms.ModelForm):
    """The admin's form for a schedule step; the model's clean() explains each rule."""

    class Meta:
        model = ScheduleStep
        fields = [
            "name", "kind", "active", "clinic", "anchor", "day_offset", "send_time", "by_email",
            "by_sms", "template", "subject", "body", "after_session", "only_if_next_unbooked",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
