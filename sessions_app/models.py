"""Treatment sessions, deposits and payments. Rows are written by sessions_app.booking only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Shade, TreatmentPlan


class SessionStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# A "live" session holds its number in the plan and its slot in the calendar.
LIVE_STATUSES = (SessionStatus.BOOKED, SessionStatus.CHECKED_IN, SessionStatus.COMPLETED)
# An "open" session is live and not yet done: it can still be checked in, completed or missed.
OPEN_STATUSES = (SessionStatus.BOOKED, SessionStatus.CHECKED_IN)


class TreatmentSessionQuerySet(models.QuerySet):
    def live(self) -> TreatmentSessionQuerySet:
        return self.filter(status__in=LIVE_STATUSES)

    def open(self) -> TreatmentSessionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overlapping(self, starts_at: dt.datetime, ends_at: dt.datetime) -> TreatmentSessionQuerySet:
        """Live sessions sharing any instant with [starts_at, ends_at)."""
        return self.live().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


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
    hours_override_reason = models.TextField(
        blank=True, help_text="A manager's reason for booking outside the practitioner's working hours (R21)"
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
    # Past sessions carried over from a clinic's previous system (R20): history only, never a
    # calendar booking, so the overlap constraints leave them out (migration 0009).
    imported = models.BooleanField(default=False, editable=False)
    # "The clinic cancelled, not the client" (R6): who said so, when and why.
    waive_reason = models.TextField(blank=True, help_text="Why the clinic cancelled (no forfeit)")
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)

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
            # The missed-session follow-up worklist: no-shows and late cancellations only.
            models.Index(
                fields=["clinic", "-starts_at"],
                condition=Q(status="no_show") | Q(status="cancelled", late_cancellation=True),
                name="session_missed_idx",
            ),
            # The reports' retention and third-session figures start from completed second sessions.
            models.Index(
                fields=["clinic", "starts_at"],
                condition=Q(number=2, status="completed"),
                name="session_second_done_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.plan.quoted_sessions} for {self.client}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

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
    # A forfeit waived because the clinic cancelled (R6): who, when, why.
    waive_reason = models.TextField(blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    # One key per payment form: a double click or a second tab records the money once. Unique
    # per plan, never across plans: a key can only ever meet its own plan's money.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

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
            models.UniqueConstraint(
                fields=["plan", "idempotency_key"], name="deposit_key_unique_per_plan"
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "state"], name="deposit_plan_state_idx"),
            # The unpaid-deposits worklist.
            models.Index(
                fields=["requested_at"], condition=Q(state="requested"), name="deposit_requested_idx"
            ),
            # The reports: deposits received and closed in a period.
            models.Index(fields=["paid_at"], name="deposit_paid_at_idx"),
            models.Index(fields=["closed_at"], name="deposit_closed_at_idx"),
        ]

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
    # As on Deposit: unique per plan only.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["plan", "idempotency_key"], name="payment_key_unique_per_plan"
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="payment_received_at_idx")]  # revenue report

    def __str__(self) -> str:
        return f"Payment {self.amount} {self.currency}"


def money_sum(queryset, field: str = "amount") -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or Decimal("0.00")


# --------------------------------------------------------------------------- session records
# What the practitioner logs in a session (DOMAIN.md R9-R11, R16). Written only through
# sessions_app.records and sessions_app.photos, with the acting user on every history row.


class Zone(models.TextChoices):
    """Scalp zones, front to back; the scar zone is logged only when the client has one."""

    FRONTAL_HAIRLINE = "frontal_hairline", "Frontal hairline"
    LEFT_TEMPLE = "left_temple", "Left temple"
    RIGHT_TEMPLE = "right_temple", "Right temple"
    MID_SCALP = "mid_scalp", "Mid-scalp"
    CROWN = "crown", "Crown"
    SCAR = "scar", "Scar"


class Retention(models.IntegerChoices):
    """How well the earlier pigment held in a zone, rated from session 2 on (R9)."""

    FADED = 1, "Faded"
    PATCHY = 2, "Patchy"
    HELD = 3, "Held"


class Density(models.IntegerChoices):
    """Density reached in a zone by the end of the session (R10)."""

    LIGHT = 1, "Light"
    MEDIUM = 2, "Medium"
    DENSE = 3, "Dense"
    FULL = 4, "Full"


class SkinCondition(models.TextChoices):
    NORMAL = "normal", "Normal"
    OILY = "oily", "Oily"
    DRY = "dry", "Dry"
    SENSITIVE = "sensitive", "Sensitive / reactive"
    IRRITATED = "irritated", "Irritated or healing"


class SessionRecord(models.Model):
    """The practitioner's log of one session: preparation, shade, blending and notes.
    Per-zone retention and density are ZoneAssessment rows. Every save is a new history
    version with who and when; `revision` lets a stale form be refused instead of
    silently overwriting a colleague's edit."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="record")
    haircut_done = models.BooleanField(default=False)
    skin_condition = models.CharField(max_length=20, choices=SkinCondition.choices, blank=True)
    assessment = models.TextField(blank=True, help_text="Short assessment: skin and scalp notes")
    suggested_shade = models.PositiveSmallIntegerField(
        choices=Shade.choices, null=True, blank=True,
        help_text="What Pigment suggested from the retention ratings when the log was saved",
    )
    shade_used = models.PositiveSmallIntegerField(
        choices=Shade.choices, null=True, blank=True, help_text="The main shade actually used"
    )
    dilution = models.CharField(max_length=40, blank=True)
    needle = models.CharField(max_length=40, blank=True)
    blending_notes = models.TextField(blank=True)
    notes = models.TextField(blank=True, help_text="Internal clinical notes; never shown to clients")
    revision = models.PositiveIntegerField(default=1)
    # Set by sessions_app.records; optional so a row written elsewhere (a data import, the
    # shell) still saves - its history row records who wrote it either way.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(shade_used__isnull=True) | Q(shade_used__gte=1, shade_used__lte=7),
                name="record_shade_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(suggested_shade__isnull=True) | Q(suggested_shade__gte=1, suggested_shade__lte=7),
                name="record_suggestion_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"Log of {self.session}"


class ZoneAssessment(models.Model):
    """Retention (from session 2) and density work in one scalp zone of one session."""

    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="zones")
    zone = models.CharField(max_length=20, choices=Zone.choices)
    retention = models.PositiveSmallIntegerField(choices=Retention.choices, null=True, blank=True)
    density = models.PositiveSmallIntegerField(choices=Density.choices, null=True, blank=True)
    gaps_filled = models.BooleanField(default=False)
    blended = models.BooleanField(default=False, help_text="Blended into existing hair")
    shade_used = models.PositiveSmallIntegerField(
        choices=Shade.choices, null=True, blank=True,
        help_text="Only when this zone got another shade than the session's main one",
    )
    not_assessed_reason = models.CharField(
        max_length=200, blank=True,
        help_text="Why retention was not rated in this zone (R9: a rating or a reason)",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["record", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "zone"], name="one_assessment_per_zone"),
            models.CheckConstraint(condition=Q(zone__in=Zone.values), name="zone_known"),
            models.CheckConstraint(
                condition=Q(retention__isnull=True) | Q(retention__in=Retention.values),
                name="zone_retention_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(density__isnull=True) | Q(density__in=Density.values),
                name="zone_density_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_zone_display()} ({self.record.session})"

    @property
    def is_empty(self) -> bool:
        return (self.retention is None and self.density is None and not self.gaps_filled
                and not self.blended and self.shade_used is None and not self.not_assessed_reason)


class SignOffWay(models.TextChoices):
    """How the client signed off a hairline version (R11)."""

    PORTAL = "portal", "In the portal by the client"
    PAPER = "paper", "On paper in the clinic"


class HairlineDesign(models.Model):
    """One version of the agreed hairline design of a plan (R11). A change is a new
    version; the only later write to a version is the client's sign-off: in the portal by
    the client's own login (time and address), or on paper in the clinic (time and the
    staff witness)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="hairline_designs")
    version = models.PositiveSmallIntegerField()
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="hairline_designs",
        help_text="The session where this version was drawn",
    )
    description = models.TextField(help_text="Shape, height and temple points as agreed")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The staff member who saw the client agree (on paper in the clinic)",
    )
    signed_off_in = models.CharField(max_length=10, choices=SignOffWay.choices, blank=True)
    signed_off_from = models.GenericIPAddressField(
        null=True, blank=True, help_text="The address the client agreed from in the portal"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="one_hairline_version_number"),
            models.CheckConstraint(condition=Q(version__gte=1), name="hairline_version_from_one"),
            models.CheckConstraint(condition=~Q(description=""), name="hairline_has_description"),
            # Unsigned: nothing of a sign-off. On paper: when and the staff witness, no
            # address. In the portal: when, no witness (the client's own login agreed), the
            # address when the request had one.
            models.CheckConstraint(
                condition=Q(signed_off_in="", signed_off_at__isnull=True,
                            signed_off_witness__isnull=True, signed_off_from__isnull=True)
                | Q(signed_off_in=SignOffWay.PAPER, signed_off_at__isnull=False,
                    signed_off_witness__isnull=False, signed_off_from__isnull=True)
                | Q(signed_off_in=SignOffWay.PORTAL, signed_off_at__isnull=False,
                    signed_off_witness__isnull=True),
                name="hairline_signoff_portal_or_paper",
                violation_error_message=(
                    "A hairline sign-off is either in the portal by the client (a time, no witness) "
                    "or on paper in the clinic (a time and the staff witness, no address)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Hairline v{self.version} of {self.plan}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def signed_in_portal(self) -> bool:
        return self.signed_off_in == SignOffWay.PORTAL

    @property
    def signed_on_paper(self) -> bool:
        return self.signed_off_in == SignOffWay.PAPER


class AlterationKind(models.TextChoices):
    LOWER_HAIRLINE = "lower_hairline", "Lower the hairline"
    RAISE_HAIRLINE = "raise_hairline", "Raise the hairline"
    RESHAPE_HAIRLINE = "reshape_hairline", "Reshape hairline or temples"
    DARKER = "darker", "Darker shade"
    LIGHTER = "lighter", "Lighter shade"
    MORE_DENSITY = "more_density", "More density"
    OTHER = "other", "Other"


class AlterationDecision(models.TextChoices):
    PENDING = "pending", "To decide"
    AGREED = "agreed", "Agreed"
    PARTLY = "partly", "Agreed in part"
    DECLINED = "declined", "Declined"


class AlterationRequest(models.Model):
    """A change the client asked for, recorded at the session where it was raised, with
    the decision (R11)."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="alterations")
    kind = models.CharField(max_length=20, choices=AlterationKind.choices)
    request = models.TextField(blank=True, help_text="The client's words")
    decision = models.CharField(
        max_length=20, choices=AlterationDecision.choices, default=AlterationDecision.PENDING
    )
    decision_note = models.TextField(blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AlterationKind.values), name="alteration_kind_known"),
            models.CheckConstraint(
                condition=Q(decision=AlterationDecision.PENDING) | Q(decided_at__isnull=False),
                name="alteration_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_decision_display()})"


class PhotoKind(models.TextChoices):
    BEFORE = "before", "Before"
    AFTER = "after", "After"
    HAIRLINE = "hairline", "Hairline design"
    DETAIL = "detail", "Detail"


class SessionPhoto(models.Model):
    """A clinical photo, re-encoded as JPEG without metadata. The files live under
    MEDIA_ROOT (private) and are served only by the access-checked practice:photo view."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(max_length=20, choices=PhotoKind.choices, default=PhotoKind.BEFORE)
    caption = models.CharField(max_length=200, blank=True)
    image_path = models.CharField(max_length=255, unique=True, editable=False)
    thumbnail_path = models.CharField(max_length=255, unique=True, editable=False)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PhotoKind.values), name="photo_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} photo of {self.session}"
