"""Writes to a client's own row that every audience shares (front desk, admin, portal): the
one place that notices a changed e-mail address and tells the old one."""

from __future__ import annotations

from django.db import transaction

from clinic.emails import send_templated_email
from clinic.models import Client


def save_client(*, client: Client, by) -> Client:
    """Save the client's details with `by` on the history row. When the e-mail address
    changed, the old address is told (after commit), so a changed address never goes
    unnoticed by its owner."""
    stored = Client.objects.filter(pk=client.pk).values_list("email", flat=True).first()
    client._history_user = by
    client.full_clean(validate_unique=False)
    client.save()
    if stored and stored.strip().lower() != (client.email or "").strip().lower():
        context = {"client": client, "clinic": client.clinic, "new_email": mask_email(client.email)}
        transaction.on_commit(
            lambda: send_templated_email("portal/email/email_changed", context, [stored])
        )
    return client


def mask_email(address: str) -> str:
    """'j•••@example.com': enough for the owner to recognise, little for anyone else."""
    if not address or "@" not in address:
        return "no address"
    local, domain = address.rsplit("@", 1)
    return f"{local[:1]}•••@{domain}"
