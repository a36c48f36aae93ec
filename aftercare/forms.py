"""The admin's form for aftercare schedule steps."""

from __future__ import annotations

from django import forms

from aftercare.models import ScheduleStep


class ScheduleStepForm(forms.ModelForm):
    """The admin's form for a schedule step; the model's clean() explains each rule."""

    class Meta:
        model = ScheduleStep
        fields = [
            "name", "kind", "active", "clinic", "anchor", "day_offset", "send_time", "by_email",
            "by_sms", "template", "subject", "body", "after_session", "only_if_next_unbooked",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
