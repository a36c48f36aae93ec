"""A client's own data (R20): everything Pigment holds about one client, as a ZIP with
`data.json`, their photos under `photos/` and their signed paperwork under `paperwork/`.
Every query starts from the client, so nothing of another client can end up in the file."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from aftercare.models import Reminder, ReminderStatus
from clinic.history import person_name
from clinic.models import Client
from clinic.paperwork import pdf_filename
from clinic.paperwork_models import Paperwork, PaperworkStatus
from sessions_app import photos
from sessions_app.models import (
    Deposit,
    HairlineDesign,
    Payment,
    SessionPhoto,
    SessionRecord,
    TreatmentSession,
)

# The practitioner's internal notes (SessionRecord.notes) stay out: the clinic keeps them
# for clinical use and hands them over on a written request (docs/rules.md).
RECORD_FIELDS = ("haircut_done", "skin_condition", "assessment", "shade_used", "dilution",
                 "needle", "blending_notes")


def _pick(obj, names: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in names}


def client_data(client: Client) -> dict:
    """The JSON part of the download, in plain values (ISO dates, decimal strings)."""
    plans = list(client.plans.select_related("clinic").order_by("created_at", "pk"))
    sessions = list(TreatmentSession.objects.filter(client=client)
                    .select_related("practitioner").order_by("starts_at", "pk"))
    records = {r.session_id: r for r in SessionRecord.objects.filter(session__client=client)
               .prefetch_related("zones")}
    return {
        "exported_at": timezone.now(),
        "client": {
            **_pick(client, ("first_name", "last_name", "email", "phone", "date_of_birth",
                             "created_at", "paperwork_completed_at")),
            "clinic": client.clinic.name,
            "consents": {"email": client.email_consent, "sms": client.sms_consent},
        },
        "plans": [{
            "id": plan.pk,
            **_pick(plan, ("kind", "touch_up_of_id", "treatment_area", "quoted_sessions", "price",
                           "currency", "starting_shade", "status", "created_at", "completed_at")),
            "clinic": plan.clinic.name,
        } for plan in plans],
        "sessions": [{
            "plan": s.plan_id,
            **_pick(s, ("number", "starts_at", "ends_at", "status", "completed_at",
                        "cancelled_at", "cancel_reason")),
            "practitioner": person_name(s.practitioner),
            "record": _record(records.get(s.pk)),
        } for s in sessions],
        "deposits": [{"plan": d.plan_id, **_pick(d, ("amount", "currency", "state", "requested_at",
                                                      "paid_at", "closed_at", "method", "reference"))}
                     for d in Deposit.objects.filter(plan__client=client).order_by("pk")],
        "payments": [{"plan": p.plan_id, **_pick(p, ("amount", "currency", "received_at", "method",
                                                      "reference"))}
                     for p in Payment.objects.filter(plan__client=client).order_by("received_at", "pk")],
        "messages": [_pick(m, ("kind", "channel", "due_at", "sent_at"))
                     for m in Reminder.objects.filter(client=client, status=ReminderStatus.SENT)
                     .order_by("sent_at", "pk")],
        # R11: how each was signed - "portal" (with the address agreed from) or "paper"
        # (with the staff witness).
        "hairline_versions_signed": [
            {"plan": h.plan_id, **_pick(h, ("version", "description", "created_at", "signed_off_at",
                                            "signed_off_in", "signed_off_from")),
             "witness": person_name(h.signed_off_witness) if h.signed_off_witness_id else None}
            for h in HairlineDesign.objects.filter(plan__client=client, signed_off_at__isnull=False)
            .select_related("signed_off_witness").order_by("plan", "version")
        ],
        "paperwork": [{"file": _paperwork_name(p) if p.pdf else None,
                       **_pick(p, ("via", "signed_at", "typed_name", "statements_ticked")),
                       "questionnaire_version": p.questionnaire.number, "consent_version": p.consent.number}
                      for p in _signed_paperwork(client)],
        "photos": [{"file": _photo_name(p), **_pick(p, ("kind", "caption", "uploaded_at")),
                    "session": p.session.number, "plan": p.session.plan_id}
                   for p in _photos(client)],
    }


def _record(record: SessionRecord | None) -> dict | None:
    if record is None:
        return None
    return {
        **_pick(record, RECORD_FIELDS),
        "zones": [_pick(z, ("zone", "retention", "density", "gaps_filled", "blended", "shade_used"))
                  for z in record.zones.all()],
    }


def _photos(client: Client) -> list[SessionPhoto]:
    return list(SessionPhoto.objects.filter(session__client=client).select_related("session")
                .order_by("uploaded_at", "pk"))


def _photo_name(photo: SessionPhoto) -> str:
    return f"photos/plan{photo.session.plan_id}-session{photo.session.number}-{photo.kind}-{photo.pk}.jpg"


def client_data_zip(client: Client) -> bytes:
    """The whole download: data.json, every photo of the client's sessions and the PDF of
    each questionnaire and consent they signed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(client_data(client), cls=DjangoJSONEncoder, indent=2))
        for paperwork in _signed_paperwork(client):
            if paperwork.pdf:
                archive.writestr(_paperwork_name(paperwork), bytes(paperwork.pdf))
        for photo in _photos(client):
            try:
                with photos.open_photo(photo) as stored:
                    archive.writestr(_photo_name(photo), stored.read())
            except FileNotFoundError:
                continue  # a file lost from the store: the JSON still lists the photo
    return buffer.getvalue()


def _signed_paperwork(client: Client) -> list[Paperwork]:
    return list(Paperwork.objects.filter(client=client, status=PaperworkStatus.COMPLETED)
                .select_related("client", "questionnaire", "consent").order_by("signed_at", "pk"))


def _paperwork_name(paperwork: Paperwork) -> str:
    return f"paperwork/{paperwork.pk}-{pdf_filename(paperwork)}"
