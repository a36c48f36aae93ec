"""The later sessions of a plan on the cancel and no-show pages (R8): each is cancelled too
or moved to a new time in the same step; nothing changes until the user confirms."""

from __future__ import annotations

from django import forms

from clinic.clinic_time import at_local
from sessions_app.booking import CANCEL

ACTIONS = [("cancel", "Cancel it too"), ("move", "Move it to")]


class LaterSessionsForm(forms.Form):
    """One choice per later live session: `later_<id>` and, to move it, a date and time."""

    def __init__(self, *args, sessions, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions, self.clinic = sessions, clinic
        for s in sessions:
            self.fields[f"later_{s.pk}"] = forms.ChoiceField(
                choices=ACTIONS, widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial="cancel",
                label=f"Session {s.number}",
            )
            self.fields[f"later_{s.pk}_date"] = forms.DateField(
                required=False, label=f"New date for session {s.number}",
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
            )
            self.fields[f"later_{s.pk}_time"] = forms.TimeField(
                required=False, label=f"New time for session {s.number}",
                widget=forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}),
            )

    def clean(self):
        data = super().clean()
        for s in self.sessions:
            if data.get(f"later_{s.pk}") == "move" and not (
                data.get(f"later_{s.pk}_date") and data.get(f"later_{s.pk}_time")
            ):
                self.add_error(f"later_{s.pk}_date", f"Give the new date and time of session {s.number}.")
        return data

    def rows(self) -> list[dict]:
        return [
            {"session": s, "action": self[f"later_{s.pk}"], "date": self[f"later_{s.pk}_date"],
             "time": self[f"later_{s.pk}_time"]}
            for s in self.sessions
        ]

    def later(self) -> dict[int, object]:
        """{session id: CANCEL or the new start}, for booking.cancel_session / mark_no_show."""
        chosen = {}
        for s in self.sessions:
            if self.cleaned_data[f"later_{s.pk}"] == "move":
                chosen[s.pk] = at_local(
                    self.cleaned_data[f"later_{s.pk}_date"], self.cleaned_data[f"later_{s.pk}_time"],
                    self.clinic.tz,
                )
            else:
                chosen[s.pk] = CANCEL
        return chosen
