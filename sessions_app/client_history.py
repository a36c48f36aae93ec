"""A client's history (R16): who changed what, when - the client's own row, plans, sessions
and deposits, for the front desk's client page. Nothing clinical is shown (R14)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from clinic.history import person_name
from clinic.locale_format import format_money
from clinic.models import Client, TreatmentPlan
from sessions_app.models import Deposit, TreatmentSession

# What the client page shows of each history table; anything clinical stays out (R14).
HISTORY_FIELDS = {
    "client": {
        "first_name": "First name", "last_name": "Last name", "email": "E-mail", "phone": "Phone",
        "date_of_birth": "Date of birth", "email_consent": "E-mail consent",
        "sms_consent": "SMS consent", "paperwork_completed_at": "Paperwork", "user_id": "Portal login",
    },
    "plan": {
        "treatment_area": "Area", "quoted_sessions": "Sessions quoted", "price": "Price",
        "starting_shade": "Starting shade", "status": "Status",
    },
    "session": {
        "starts_at": "Start", "practitioner_id": "Practitioner", "status": "Status",
        "override_reason": "Override reason", "cancel_reason": "Cancellation reason",
        "waive_reason": "Clinic cancelled (no forfeit)",
    },
    "deposit": {
        "state": "State", "amount": "Amount", "session_id": "Session", "method": "Method",
        "waive_reason": "Forfeit waived because",
    },
}
HISTORY_LIMIT = 500  # rows per table; a client's whole story fits many times over


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    subject: str
    changes: list[tuple[str, str, str]]


def client_history(client: Client) -> list[HistoryEntry]:
    """Who changed what, when: the client's own row, plans, sessions and deposits, newest
    first. Four queries whatever the length of the story."""
    tz = client.clinic.tz
    plan_ids = TreatmentPlan.objects.filter(client=client).values("pk")
    tables = [
        ("client", Client.history.filter(id=client.pk)),
        ("plan", TreatmentPlan.history.filter(client_id=client.pk)),
        ("session", TreatmentSession.history.filter(client_id=client.pk)),
        ("deposit", Deposit.history.filter(plan_id__in=plan_ids)),
    ]
    entries: list[HistoryEntry] = []
    practitioners: dict[int, str] = {}
    for kind, rows in tables:
        fields = list(HISTORY_FIELDS[kind])
        rows = list(
            rows.select_related("history_user").order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
        )
        rows.reverse()
        previous: dict[int, object] = {}
        for row in rows:
            before = previous.get(row.id)
            previous[row.id] = row
            if kind == "session":
                practitioners.setdefault(row.practitioner_id, "")
            changes = [
                (HISTORY_FIELDS[kind][name], _shown(kind, name, getattr(before, name), tz, row),
                 _shown(kind, name, getattr(row, name), tz, row))
                for name in fields
                if before is not None and getattr(before, name) != getattr(row, name)
            ]
            if row.history_type == "~" and not changes and before is not None:
                continue  # a save that changed nothing shown here
            entries.append(HistoryEntry(
                at=row.history_date.astimezone(tz),
                who=person_name(row.history_user),
                kind=row.history_type,
                subject=_subject(kind, row),
                changes=changes,
            ))
    if practitioners:
        names = {u.pk: person_name(u) for u in get_user_model().objects.filter(pk__in=list(practitioners))}
        for entry in entries:
            entry.changes = [
                (label, names.get(_int(old), old), names.get(_int(new), new))
                if label == "Practitioner" else (label, old, new)
                for label, old, new in entry.changes
            ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _subject(kind: str, row) -> str:
    if kind == "client":
        return "Client details"
    if kind == "plan":
        return f"Plan ({row.get_treatment_area_display()})"
    if kind == "session":
        return f"Session {row.number}"
    return f"Deposit {format_money(row.amount, row.currency)}"


def _shown(kind: str, name: str, value, tz, row) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz)
        return "completed" if name == "paperwork_completed_at" else f"{local:%d %b %Y %H:%M}"
    if name in ("status", "state", "treatment_area", "starting_shade"):
        field = row._meta.get_field(name)
        return str(dict(field.choices).get(value, value))
    if name == "user_id":
        return "linked"
    if name == "session_id":
        return "held for a booking"
    return str(value)
