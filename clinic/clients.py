"""What every audience shares about a client's own row (front desk, admin, portal): the one
place that saves it (and notices a changed e-mail address), and the client search."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Concat, Replace, Upper

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


# What a search looks in: names, e-mail and phone as one text, and the phone as digits (and a
# leading +), so "+1 (312) 555-0100" is found by "3125550100". Migration clinic/0004 indexes
# exactly these two expressions with pg_trgm on PostgreSQL.
PHONE_PUNCTUATION = (" ", "-", "(", ")", ".")
PHONE_LIKE = re.compile(r"^[0-9+ ().\-]+$")


def haystack():
    return Concat(
        "first_name", Value(" "), "last_name", Value(" "), "email", Value(" "), "phone",
        output_field=TextField(),
    )


def phone_digits():
    expression = F("phone")
    for character in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def search_clients(clients: QuerySet[Client], query: str) -> QuerySet[Client]:
    """Clients by name, in pages: every word must appear (any case) in the name, e-mail or
    phone; a query that looks like a phone number matches the phone's digits."""
    query = query.strip()[:100]
    by_name = ("last_name", "first_name", "pk")  # walks client_clinic_name_idx, stops at 25
    if not query:
        return clients.order_by(*by_name)
    digits = "".join(c for c in query if c not in PHONE_PUNCTUATION)
    if PHONE_LIKE.match(query) and sum(c.isdigit() for c in digits) >= 4:
        clients = clients.annotate(phone_digits=phone_digits()).filter(phone_digits__contains=digits)
        words = [digits]
    else:
        words = query.split()[:5]
        clients = clients.annotate(haystack=haystack())
        for word in words:
            clients = clients.filter(haystack__icontains=word)
    if all(len(word) < 3 for word in words):
        return clients.order_by(*by_name)  # no trigram to look up: such words match many rows
    # Sorted on an expression no b-tree index offers, PostgreSQL collects the matches from the
    # trigram index and sorts them, instead of walking the name index from "A" in the hope of
    # meeting 25 matches early (slow when they sit late in the alphabet; bench/frontdesk_*).
    return clients.order_by(Upper("last_name"), Upper("first_name"), "pk")
