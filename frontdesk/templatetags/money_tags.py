"""Template helpers of the money area: `{{ amount|money:currency }}`, deposit state badges
and `{% money_worklist_counts %}`, the worklist counts on the front-desk home."""

from __future__ import annotations

from decimal import Decimal

from django import template

from clinic.access import staff_clinics
from sessions_app import worklists
from sessions_app.billing import format_money, method_label

register = template.Library()

_DEPOSIT_BADGES = {
    "requested": "text-bg-warning",
    "paid": "text-bg-primary",
    "applied": "text-bg-success",
    "refunded": "text-bg-secondary",
    "forfeited": "text-bg-danger",
}


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """`{{ bill.price|money:plan.currency }}` -> "$2,400.00"."""
    return format_money(amount, currency)


@register.filter
def payment_method(value: str) -> str:
    """"bank_transfer" -> "Bank transfer"."""
    return method_label(value)


@register.filter
def deposit_badge(state: str) -> str:
    """Bootstrap badge classes for a deposit state."""
    return _DEPOSIT_BADGES.get(state, "text-bg-light")


@register.inclusion_tag("money/_worklist_counts.html", takes_context=True)
def money_worklist_counts(context, heading: bool = True) -> dict:
    """Counts of every worklist at the signed-in user's clinics, with links (5 queries)."""
    request = context["request"]
    clinics = list(staff_clinics(request.user))
    counts = worklists.worklist_counts(clinics)
    return {
        "cards": [(w, counts[w.key]) for w in worklists.WORKLISTS],
        "many_clinics": len(clinics) > 1,
        "heading": heading,
    }
