"""Erasing a client on request (R20).

`erase_client` (a manager of the client's clinic, with a reason) replaces the name by a
pseudonym and removes the contact details, the date of birth and the portal login - on the
client's row and on every history row of it -, stops the aftercare messages not sent yet and
records who erased whom, when and why. Clinical and financial rows stay, under the pseudonym,
until the clinic's retention period is over; then `purge_expired_erasures` (a daily beat task)
removes them and their history. Nothing here can be undone.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from clinic.clinic_time import local_date
from clinic.history import save_by


class ClientErasure(models.Model):
    """The record of one erasure. Append-only: it is the proof the request was honoured."""

    client = models.OneToOneField("clinic.Client", on_delete=models.PROTECT, related_name="erasure")
    pseudonym = models.CharField(max_length=40, unique=True)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    retain_until = models.DateField(help_text="Clinical and financial rows are removed after this day")
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "clinic"
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="erasure_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Erasure of {self.pseudonym}"

    def delete(self, *args, **kwargs):
        raise PermissionError("An erasure record cannot be deleted.")


class ErasureRefused(ValidationError):
    """An erasure that may not happen (wrong person, no reason, already erased, sessions open)."""


# Identifying fields of a client, and what each becomes.
def _blanked(pseudonym: str) -> dict:
    return {"first_name": "Erased", "last_name": pseudonym, "email": "", "phone": "",
            "date_of_birth": None, "email_consent": False, "sms_consent": False}


def erase_client(*, client, by, reason: str) -> ClientErasure:
    from aftercare.models import UNSENT_STATUSES, ReminderStatus
    from clinic.models import Client, Role, SlotRequestStatus, staff_role
    from sessions_app.models import OPEN_STATUSES

    reason = (reason or "").strip()
    if not reason:
        raise ErasureRefused("Say why the client is erased (e.g. 'the client asked on 2 December').",
                             code="reason_required")
    with transaction.atomic():
        locked = Client.objects.select_for_update(of=("self",)).select_related("clinic", "user")
        client = locked.get(pk=client.pk)
        if staff_role(by, client.clinic) != Role.MANAGER:
            raise ErasureRefused("Only a manager of the client's clinic erases a client.",
                                 code="not_permitted")
        if ClientErasure.objects.filter(client=client).exists():
            raise ErasureRefused("This client is already erased.", code="invalid_state")
        if client.sessions.filter(status__in=OPEN_STATUSES).exists():
            raise ErasureRefused("The client still has booked sessions: cancel them first, then erase.",
                                 code="sessions_open")
        pseudonym = f"C-{secrets.token_hex(4).upper()}"
        blanked = _blanked(pseudonym)
        login = client.user
        for name, value in blanked.items():
            setattr(client, name, value)
        client.user = None
        client._change_reason = "Erased on request"
        save_by(client, by)
        # The history tables keep every earlier version of the row: blank them too.
        Client.history.filter(id=client.pk).update(**blanked)
        if login is not None:
            _remove_login(login, client.pk)
        client.invitations.all().delete()
        client.reminders.filter(status__in=UNSENT_STATUSES).update(
            status=ReminderStatus.CANCELLED, note="Client erased", updated_at=timezone.now())
        for request in _open_slot_requests(client, SlotRequestStatus.OPEN):
            request.status = SlotRequestStatus.WITHDRAWN
            save_by(request, by)
        today = local_date(timezone.now(), client.clinic.tz)
        return ClientErasure.objects.create(
            client=client, pseudonym=pseudonym, reason=reason, by=by,
            retain_until=_years_later(today, client.clinic.retention_years),
        )


def _open_slot_requests(client, status):
    from clinic.models import SlotRequest

    return SlotRequest.objects.filter(plan__client=client, status=status)


def _remove_login(user, client_pk: int) -> None:
    """The portal account cannot be deleted (the audit trail points at it), so it is emptied:
    no name, no e-mail, no password, inactive, its web sessions ended."""
    from django.contrib.sessions.models import Session

    user.username = f"erased-{client_pk}-{secrets.token_hex(4)}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --------------------------------------------------------------------------- after retention


def purge_expired_erasures(today: dt.date | None = None) -> int:
    """Remove the clinical and financial rows (and their history and photo files) of erased
    clients whose retention period is over. The pseudonymous client row stays: the audit
    trail refers to it. Returns the number of clients purged."""
    purged = 0
    due = ClientErasure.objects.filter(purged_at__isnull=True).select_related("client__clinic")
    for erasure in due:
        day = today or local_date(timezone.now(), erasure.client.clinic.tz)
        if erasure.retain_until >= day:
            continue
        _purge(erasure)
        purged += 1
    return purged


def _purge(erasure: ClientErasure) -> None:
    from aftercare.models import Reminder
    from clinic.models import QuoteAmendment, SlotRequest, TreatmentPlan
    from sessions_app import photos
    from sessions_app.models import (
        AlterationRequest,
        Deposit,
        HairlineDesign,
        Payment,
        SessionPhoto,
        SessionRecord,
        TreatmentSession,
        ZoneAssessment,
    )

    client = erasure.client
    files: list[str] = []
    with transaction.atomic():
        plan_ids = list(TreatmentPlan.objects.filter(client=client).values_list("pk", flat=True))
        session_ids = list(TreatmentSession.objects.filter(client=client).values_list("pk", flat=True))
        record_ids = list(SessionRecord.objects.filter(session__in=session_ids).values_list("pk", flat=True))
        for photo in SessionPhoto.objects.filter(session__in=session_ids):
            files += [photo.image_path, photo.thumbnail_path]
        # Children first: every foreign key here protects its parent.
        steps = [
            (Reminder, {"client": client}, {"client_id": client.pk}),
            (ZoneAssessment, {"record__in": record_ids}, {"record_id__in": record_ids}),
            (SessionRecord, {"pk__in": record_ids}, {"id__in": record_ids}),
            (AlterationRequest, {"session__in": session_ids}, {"session_id__in": session_ids}),
            (HairlineDesign, {"plan__in": plan_ids}, {"plan_id__in": plan_ids}),
            (SessionPhoto, {"session__in": session_ids}, {"session_id__in": session_ids}),
            (Deposit, {"plan__in": plan_ids}, {"plan_id__in": plan_ids}),
            (Payment, {"plan__in": plan_ids}, {"plan_id__in": plan_ids}),
            (SlotRequest, {"plan__in": plan_ids}, {"plan_id__in": plan_ids}),
            (QuoteAmendment, {"plan__in": plan_ids}, {"plan_id__in": plan_ids}),
            (TreatmentSession, {"pk__in": session_ids}, {"id__in": session_ids}),
            (TreatmentPlan, {"pk__in": plan_ids}, {"id__in": plan_ids}),
        ]
        for model, live, past in steps:
            model.objects.filter(**live).delete()
            if hasattr(model, "history"):
                model.history.filter(**past).delete()
        erasure.purged_at = timezone.now()
        erasure.save(update_fields=["purged_at"])
        transaction.on_commit(lambda: photos.discard(files))
