"""Treatment sessions, deposits and payments. Rows are written by sessions_app.booking only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from simple_history.models import HistoricalRecords

from clinic.models import Clinic, TreatmentPlan


class SessionStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# A "live" session holds its number in the plan and its slot in the calendar.
LIVE_STATUSES = (SessionStatus.BOOKED, SessionStatus.CHECKED_IN, SessionStatus.COMPLETED)


class TreatmentSessionQuerySet(models.QuerySet):
    def live(self) -> TreatmentSessionQuerySet:
        return self.filter(status__in=LIVE_STATUSES)

    def overlapping(self, starts_at: dt.datetime, ends_at: dt.datetime) -> TreatmentSessionQuerySet:
        """Live sessions sharing any instant with [starts_at, ends_at)."""
        return self.live().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def on_day(self, clinic: Clinic, day: dt.date) -> TreatmentSessionQuerySet:
        """Sessions starting on a local calendar day of the clinic."""
        start = dt.datetime.combine(day, dt.time.min, tzinfo=clinic.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=clinic.tz)
        return self.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)


class TreatmentSession(models.Model):
    """One appointment of a plan, numbered 1..quoted within it.

    Named TreatmentSession so it never clashes with Django's web sessions.
    `client` and `clinic` repeat the plan's so the database can refuse overlaps per client
    (a PostgreSQL exclusion constraint needs the column on this table).
    """

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="sessions")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner_sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.BOOKED)
    override_reason = models.TextField(
        blank=True, help_text="A manager's reason for booking outside the third-session window (R5)"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    late_cancellation = models.BooleanField(
        default=False, help_text="Cancelled with less than the clinic's notice (R6)"
    )

    objects = TreatmentSessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(number__gte=1), name="session_number_from_one"),
            # R3: one live session per number in a plan; cancelled / no-show rows keep history.
            models.UniqueConstraint(
                fields=["plan", "number"],
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_session_per_number",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="completed_session_has_time",
            ),
        ]
        # Overlap exclusion constraints (R7) are PostgreSQL-only: see migration 0002.
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="session_clinic_start_idx"),
            models.Index(fields=["practitioner", "starts_at"], name="session_prac_start_idx"),
            models.Index(fields=["client", "starts_at"], name="session_client_start_idx"),
            models.Index(fields=["plan", "number"], name="session_plan_number_idx"),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.plan.quoted_sessions} for {self.client}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(self.clinic.tz)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.clinic.tz)


class DepositState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    PAID = "paid", "Paid"
    APPLIED = "applied", "Applied"
    REFUNDED = "refunded", "Refunded"
    FORFEITED = "forfeited", "Forfeited"


class Deposit(models.Model):
    """Money that holds a booking (R6). Paid with no session: held on the plan, and tied to
    the next third-or-later session when it is booked."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="deposits")
    session = models.ForeignKey(
        TreatmentSession, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=20, choices=DepositState.choices, default=DepositState.REQUESTED)
    method = models.CharField(max_length=30, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Applied, refunded or forfeited")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    # One key per payment form: a double click or a second tab records the money once.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
            models.CheckConstraint(
                condition=Q(state__in=DepositState.values), name="deposit_state_known"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[DepositState.REQUESTED]) | Q(paid_at__isnull=False),
                name="deposit_paid_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=DepositState.APPLIED) | Q(session__isnull=False),
                name="applied_deposit_has_session",
            ),
        ]
        indexes = [models.Index(fields=["plan", "state"], name="deposit_plan_state_idx")]

    def __str__(self) -> str:
        return f"Deposit {self.amount} {self.currency} ({self.get_state_display()})"

    def is_refundable(self) -> bool:
        """Paid and not yet applied to a completed session, forfeited or refunded."""
        return self.state == DepositState.PAID


class Payment(models.Model):
    """Money received towards a plan's price (deposits are separate rows)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=30, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.amount} {self.currency}"


def money_sum(queryset, field: str = "amount") -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or Decimal("0.00")
