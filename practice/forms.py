"""Forms of the practice area. They validate and tidy input only; sessions_app.records
writes. One form holds the whole session log, so one Save is all-or-nothing and a refused
save shows everything the practitioner typed again."""

from __future__ import annotations

from django import forms

from clinic.models import Shade
from sessions_app import photos
from sessions_app.models import (
    AlterationDecision,
    AlterationKind,
    AlterationRequest,
    Density,
    HairlineDesign,
    PhotoKind,
    Retention,
    SessionRecord,
    SkinCondition,
    Zone,
)
from sessions_app.records import AlterationInput, HairlineInput, LogInput, ZoneInput

MAX_PHOTOS_PER_SAVE = 12

# Best first, as the practitioner reads them left to right.
RETENTION_CHOICES = [("", "Not rated")] + [
    (str(v), Retention(v).label) for v in (Retention.HELD, Retention.PATCHY, Retention.FADED)
]
DENSITY_CHOICES = [("", "Not worked")] + [(str(v), label) for v, label in Density.choices]
SHADE_CHOICES = [("", "Choose the shade")] + [(str(v), label) for v, label in Shade.choices]
ZONE_SHADE_CHOICES = [("", "Main shade")] + [(str(v), label) for v, label in Shade.choices]
DECIDE_CHOICES = [("", "Still to decide")] + [
    (v, label) for v, label in AlterationDecision.choices if v != AlterationDecision.PENDING
]


def _int_or_none(value: str) -> int | None:
    return int(value) if value not in (None, "") else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each one goes through photos.prepare (Pillow)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS_PER_SAVE:
            raise forms.ValidationError(f"Upload at most {MAX_PHOTOS_PER_SAVE} photos at a time.")
        prepared, errors = [], []
        for upload in files:
            super().clean(upload, initial)
            try:
                prepared.append(photos.prepare(upload))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors + ["Nothing was saved: choose the photos again."])
        return prepared


class RatingsForm(forms.Form):
    """Retention per zone (from session 2). Also read alone, for the live shade suggestion."""

    def __init__(self, *args, rate_retention: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.rate_retention = rate_retention
        if rate_retention:
            for zone, label in Zone.choices:
                self.fields[f"retention_{zone}"] = forms.TypedChoiceField(
                    label=f"{label} retention", choices=RETENTION_CHOICES, required=False,
                    coerce=int, empty_value=None, widget=forms.RadioSelect,
                )
                # R9: a zone that cannot be rated is "not assessed", with the reason.
                self.fields[f"not_assessed_{zone}"] = forms.CharField(
                    label=f"{label}: not assessed because", required=False, max_length=200,
                    widget=forms.TextInput(attrs={
                        "class": "form-control form-control-sm",
                        "placeholder": "Not assessed because...",
                    }),
                )

    def ratings(self) -> dict[str, int | None]:
        if not self.rate_retention:
            return {}
        return {zone: self.cleaned_data.get(f"retention_{zone}") for zone in Zone.values}


class SessionLogForm(RatingsForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    haircut_done = forms.BooleanField(label="Haircut done", required=False)
    skin_condition = forms.ChoiceField(
        label="Skin condition", choices=[("", "Not assessed")] + SkinCondition.choices, required=False
    )
    assessment = forms.CharField(
        label="Short assessment", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Scalp, skin, hair around the area"}),
    )
    shade_used = forms.TypedChoiceField(
        label="Shade used", choices=SHADE_CHOICES, required=False, coerce=int, empty_value=None
    )
    dilution = forms.CharField(
        label="Dilution", max_length=40, required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. 1:3", "list": "dilution-options"}),
    )
    needle = forms.CharField(
        label="Needle", max_length=40, required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. 3RL 0.25", "list": "needle-options"}),
    )
    blending_notes = forms.CharField(
        label="Blending into existing hair", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Where and how the edges were blended"}),
    )
    notes = forms.CharField(
        label="Notes (internal)", required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "For the clinic's practitioners only"}),
    )
    alt_kind = forms.ChoiceField(
        label="The client asked for", choices=[("", "No new request")] + AlterationKind.choices,
        required=False,
    )
    alt_request = forms.CharField(
        label="In the client's words", max_length=1000, required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. “a little lower in the middle”"}),
    )
    alt_decision = forms.ChoiceField(label="Decision", choices=AlterationDecision.choices, required=False)
    alt_note = forms.CharField(label="Why / what was agreed", max_length=1000, required=False)
    hairline_description = forms.CharField(
        label="New hairline version", required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "Shape, height above the brow, temple points"}
        ),
    )
    hairline_signed_off = forms.BooleanField(
        label="The client has seen the new design and signs it off on paper (you are the witness)",
        required=False,
    )
    sign_off_current = forms.BooleanField(required=False)
    photos = MultiplePhotoField(label="Add photos")
    photo_kind = forms.ChoiceField(label="These photos are", choices=PhotoKind.choices, required=False)
    photo_caption = forms.CharField(label="Caption", max_length=200, required=False)

    def __init__(
        self, *args, pending: list[AlterationRequest] = (), current_design: HairlineDesign | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.pending = list(pending)
        self.current_design = current_design
        for zone, label in Zone.choices:
            self.fields[f"density_{zone}"] = forms.TypedChoiceField(
                label=f"{label} density", choices=DENSITY_CHOICES, required=False, coerce=int,
                empty_value=None, widget=forms.RadioSelect,
            )
            self.fields[f"gaps_{zone}"] = forms.BooleanField(label="Gaps filled", required=False)
            self.fields[f"blended_{zone}"] = forms.BooleanField(label="Blended", required=False)
            self.fields[f"shade_{zone}"] = forms.TypedChoiceField(
                label=f"{label} shade", choices=ZONE_SHADE_CHOICES, required=False, coerce=int,
                empty_value=None,
            )
        for alteration in self.pending:
            self.fields[f"decide_{alteration.pk}"] = forms.ChoiceField(
                label=f"Decision on “{alteration.get_kind_display()}”", choices=DECIDE_CHOICES,
                required=False,
            )
            self.fields[f"decide_{alteration.pk}_note"] = forms.CharField(
                label="Note", max_length=1000, required=False
            )
        if current_design is None or current_design.is_signed_off:
            del self.fields["sign_off_current"]
        else:
            self.fields["sign_off_current"].label = (
                f"The client signs off hairline version {current_design.version} on paper "
                "(you are the witness)"
            )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("alt_request") or cleaned.get("alt_note")) and not cleaned.get("alt_kind"):
            self.add_error("alt_kind", "Say what kind of change the client asked for.")
        if cleaned.get("hairline_signed_off") and not cleaned.get("hairline_description", "").strip():
            self.add_error("hairline_description", "Describe the new design the client signs off.")
        return cleaned

    # ------------------------------------------------------------------ for the template

    def zone_rows(self) -> list[dict]:
        rows = []
        for zone, label in Zone.choices:
            rows.append({
                "zone": zone,
                "label": label,
                "retention": self[f"retention_{zone}"] if self.rate_retention else None,
                "not_assessed": self[f"not_assessed_{zone}"] if self.rate_retention else None,
                "density": self[f"density_{zone}"],
                "gaps": self[f"gaps_{zone}"],
                "blended": self[f"blended_{zone}"],
                "shade": self[f"shade_{zone}"],
            })
        return rows

    def decision_rows(self) -> list[dict]:
        return [
            {"alteration": a, "decision": self[f"decide_{a.pk}"], "note": self[f"decide_{a.pk}_note"]}
            for a in self.pending
        ]

    # ------------------------------------------------------------------ for the service

    def log_input(self) -> LogInput:
        data = self.cleaned_data
        zones = {
            zone: ZoneInput(
                retention=data.get(f"retention_{zone}") if self.rate_retention else None,
                density=data.get(f"density_{zone}"),
                gaps_filled=data.get(f"gaps_{zone}", False),
                blended=data.get(f"blended_{zone}", False),
                shade_used=data.get(f"shade_{zone}"),
                not_assessed_reason=(data.get(f"not_assessed_{zone}") or "").strip()
                if self.rate_retention else "",
            )
            for zone in Zone.values
        }
        return LogInput(
            haircut_done=data["haircut_done"], skin_condition=data["skin_condition"],
            assessment=data["assessment"].strip(), shade_used=data["shade_used"],
            dilution=data["dilution"].strip(), needle=data["needle"].strip(),
            blending_notes=data["blending_notes"].strip(), notes=data["notes"].strip(), zones=zones,
        )

    def alteration_input(self) -> AlterationInput | None:
        data = self.cleaned_data
        if not data.get("alt_kind"):
            return None
        return AlterationInput(
            kind=data["alt_kind"], request=data["alt_request"],
            decision=data.get("alt_decision") or AlterationDecision.PENDING,
            decision_note=data["alt_note"],
        )

    def decisions(self) -> dict[int, tuple[str, str]]:
        return {
            a.pk: (self.cleaned_data[f"decide_{a.pk}"], self.cleaned_data[f"decide_{a.pk}_note"])
            for a in self.pending if self.cleaned_data.get(f"decide_{a.pk}")
        }

    def hairline_input(self) -> HairlineInput | None:
        description = self.cleaned_data.get("hairline_description", "").strip()
        if not description:
            return None
        return HairlineInput(description=description, signed_off=self.cleaned_data["hairline_signed_off"])

    def sign_off_version(self) -> int | None:
        if self.cleaned_data.get("sign_off_current"):
            return self.current_design.version
        return None

    def new_photos(self) -> list:
        kind = self.cleaned_data.get("photo_kind") or PhotoKind.BEFORE
        caption = self.cleaned_data.get("photo_caption", "")
        return [(prepared, kind, caption) for prepared in self.cleaned_data.get("photos") or []]


def initial_for(record: SessionRecord | None) -> dict:
    """Form values from the saved log (revision 0 when there is none yet)."""
    if record is None:
        return {"revision": 0}
    initial = {name: getattr(record, name) for name in (
        "haircut_done", "skin_condition", "assessment", "shade_used", "dilution", "needle",
        "blending_notes", "notes", "revision",
    )}
    for row in record.zones.all():
        initial |= {
            f"retention_{row.zone}": row.retention, f"density_{row.zone}": row.density,
            f"gaps_{row.zone}": row.gaps_filled, f"blended_{row.zone}": row.blended,
            f"shade_{row.zone}": row.shade_used, f"not_assessed_{row.zone}": row.not_assessed_reason,
        }
    return initial
