"""The plan's bill (R6): price, payments, deposits and the balance due.

Pure domain reading, no request or HTTP: the front desk, the client portal and the
worklists all read a bill through this module, so the balance is computed in one place.
Money is Decimal in the plan's currency, summed by the database (never floats).

The balance rule (R6): balance due = price - payments - deposits paid (held or applied).
A deposit is the client's money as soon as it is paid, so the balance falls at once;
applying it to its completed session changes nothing in the sum. Refunded money went back
to the client (not money received) and a forfeited deposit is a fee for the lost slot,
shown apart: neither reduces the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from clinic import locale_format
from clinic.models import TreatmentPlan
from sessions_app.models import Deposit, DepositState, Payment

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)



class PaymentMethod(models.TextChoices):
    """How money was received (stored as text on Deposit.method and Payment.method)."""

    CARD = "card", "Card"
    CASH = "cash", "Cash"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    OTHER = "other", "Other"


def method_label(value: str) -> str:
    """The label of a stored method; text typed elsewhere (e.g. the admin) is shown as is."""
    return dict(PaymentMethod.choices).get(value, value)


@dataclass(frozen=True)
class Bill:
    """A plan's money at one moment, every amount a Decimal in `currency`."""

    currency: str
    price: Decimal
    payments: Decimal
    deposits_requested: Decimal  # asked for, not paid yet (not money received)
    deposits_held: Decimal  # paid, waiting for their session to be completed
    deposits_applied: Decimal  # paid and deducted: their session was completed
    deposits_refunded: Decimal
    deposits_forfeited: Decimal
    balance_due: Decimal  # price - payments - held - applied; negative is a credit

    @property
    def received(self) -> Decimal:
        """Money counted towards the price so far (payments and paid deposits)."""
        return self.payments + self.deposits_held + self.deposits_applied

    @property
    def deposits_paid(self) -> Decimal:
        """Deposits received and kept towards the price (held or applied)."""
        return self.deposits_held + self.deposits_applied

    @property
    def settled(self) -> bool:
        return self.balance_due <= ZERO

    @property
    def credit(self) -> Decimal:
        """How much more than the price was received (0 when not overpaid)."""
        return max(-self.balance_due, ZERO)

    @property
    def due_after_held(self) -> Decimal:
        """What the client still owes (held deposits are already deducted)."""
        return max(self.balance_due, ZERO)


def amount_sum(rows: QuerySet, group_by: str) -> Coalesce:
    """The sum of `amount` over `rows` (filtered on an OuterRef through `group_by`), as a
    subquery expression that is 0.00 when there are no rows."""
    total = rows.order_by().values(group_by).annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _sum_of(model, **filters) -> Coalesce:
    return amount_sum(model.objects.filter(plan=OuterRef("pk"), **filters), "plan")


def with_bill(plans: QuerySet[TreatmentPlan]) -> QuerySet[TreatmentPlan]:
    """Annotate each plan with its bill's totals (`bill_*` and `balance_due`), one query for
    any number of plans; the worklists filter and sort on `balance_due`."""
    return plans.annotate(
        bill_payments=_sum_of(Payment),
        bill_requested=_sum_of(Deposit, state=DepositState.REQUESTED),
        bill_held=_sum_of(Deposit, state=DepositState.PAID),
        bill_applied=_sum_of(Deposit, state=DepositState.APPLIED),
        bill_refunded=_sum_of(Deposit, state=DepositState.REFUNDED),
        bill_forfeited=_sum_of(Deposit, state=DepositState.FORFEITED),
    ).annotate(
        bill_received=F("bill_payments") + F("bill_held") + F("bill_applied"),
        balance_due=F("price") - F("bill_payments") - F("bill_held") - F("bill_applied"),
    )


def bill_from(plan: TreatmentPlan) -> Bill:
    """The Bill of a plan that came through `with_bill` (no query)."""
    return Bill(
        currency=plan.currency,
        price=plan.price,
        payments=plan.bill_payments,
        deposits_requested=plan.bill_requested,
        deposits_held=plan.bill_held,
        deposits_applied=plan.bill_applied,
        deposits_refunded=plan.bill_refunded,
        deposits_forfeited=plan.bill_forfeited,
        balance_due=plan.balance_due,
    )


def plan_bill(plan: TreatmentPlan) -> Bill:
    """The plan's bill as it stands in the database now (one query)."""
    return bill_from(with_bill(TreatmentPlan.objects.filter(pk=plan.pk)).get())


def format_money(amount: Decimal | None, currency: str, locale: str | None = None) -> str:
    """'$1,234.50', '£90.00', '-$10.00' in the active (or given) clinic locale; see
    clinic.locale_format - the one place money is written for people."""
    return locale_format.format_money(amount, currency, locale)
