"""Clinics, staff, clients and treatment plans (DOMAIN.md glossary, R1, R2, R3, R14, R16)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from clinic.locale_format import validate_locale


def validate_time_zone(value: str) -> None:
    """An IANA zone name that this machine's tz database knows (e.g. "America/Chicago")."""
    if not value or value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known IANA time zone (e.g. America/Chicago, Europe/London).",
            code="invalid_time_zone",
            params={"value": value or "An empty value"},
        )


class Clinic(models.Model):
    """A physical location with its own time zone, hours, chairs, money and rule settings."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text="IANA name, e.g. America/Chicago"
    )
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=10, default="en", help_text="Language of messages")
    chairs = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)], help_text="Sessions that can run at once"
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code")
    # R20: how money and dates are written on pages, messages and receipts (Babel's names).
    locale = models.CharField(
        max_length=20, default="en_US", validators=[validate_locale],
        help_text="e.g. en_US ($2,400.00, December 2, 2026), en_GB (£2,400.00, 2 December 2026)",
    )
    deposit_amount = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("100.00"),
        help_text="Booking deposit for a third or later session (R6)",
    )
    default_session_minutes = models.PositiveSmallIntegerField(
        default=180, validators=[MinValueValidator(15), MaxValueValidator(12 * 60)]
    )
    # Rule settings of DOMAIN.md, with their defaults.
    min_days_first_to_second = models.PositiveSmallIntegerField(
        default=7, help_text="R4: session 2 starts at least this many days after session 1"
    )
    target_days_second_min = models.PositiveSmallIntegerField(
        default=10, help_text="R4: the usual target for session 2 starts here..."
    )
    target_days_second_max = models.PositiveSmallIntegerField(
        default=14, help_text="...and ends here (days after session 1)"
    )
    third_window_min_days = models.PositiveSmallIntegerField(
        default=21, help_text="R5: a third session starts at least this many days after the second"
    )
    third_window_max_days = models.PositiveSmallIntegerField(
        default=28, help_text="R5: later than this needs a manager's override with a reason"
    )
    aftercare_days = models.PositiveSmallIntegerField(default=4, help_text="R12")
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        default=48, help_text="R6: cancelled with this much notice, the deposit is refundable"
    )
    front_desk_may_refund = models.BooleanField(
        default=False, help_text="Refunds are made by managers unless this is on"
    )
    touch_up_recall_years = models.PositiveSmallIntegerField(default=3, help_text="R15")
    touch_up_price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="R15: the quote of a touch-up plan made from the recall list (0: quote it by hand)",
    )
    paperwork_repeat_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1)],
        help_text="R17: a new plan asks for the paperwork again when the last is older than this",
    )
    # Account security (R18). Managers and superusers always need a second factor.
    staff_second_factor_required = models.BooleanField(
        default=True,
        help_text="Front desk and practitioners also sign in with a second factor",
    )
    staff_idle_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="A staff session ends after this many idle minutes (at most 30)",
    )

    # The country whose public holidays the closures page offers (ISO 3166-1 alpha-2).
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 code, e.g. US, GB")
    # R20: how long an erased client's clinical and financial rows are kept (pseudonymous).
    retention_years = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Years an erased client's clinical and financial records are kept",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(chairs__gte=1), name="clinic_has_a_chair"),
            models.CheckConstraint(condition=Q(deposit_amount__gt=0), name="clinic_deposit_positive"),
            models.CheckConstraint(
                condition=Q(third_window_max_days__gte=models.F("third_window_min_days")),
                name="clinic_third_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(target_days_second_max__gte=models.F("target_days_second_min"))
                & Q(target_days_second_min__gte=models.F("min_days_first_to_second")),
                name="clinic_second_target_ordered",
            ),
            models.CheckConstraint(
                condition=Q(staff_idle_minutes__gte=1) & Q(staff_idle_minutes__lte=30),
                name="clinic_staff_idle_minutes_1_to_30",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Every day-based rule is counted in this zone: an unknown zone must never be stored.
        validate_time_zone(self.time_zone)
        super().save(*args, **kwargs)

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def opening_summary(self) -> str:
        """'Monday-Saturday 09:00-18:00' (runs of days with the same hours grouped)."""
        runs: list[list] = []
        for hours in sorted(self.opening_hours.all(), key=lambda h: h.weekday):
            span = f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"
            if runs and runs[-1][2] == span and runs[-1][1].weekday == hours.weekday - 1:
                runs[-1][1] = hours
            else:
                runs.append([hours, hours, span])
        parts = [
            f"{first.get_weekday_display()}"
            f"{'' if first == last else '-' + last.get_weekday_display()} {span}"
            for first, last, span in runs
        ]
        return ", ".join(parts) or "no opening hours set"

    def hours_on(self, day: dt.date) -> OpeningHours | None:
        """Opening hours for a local date, or None when closed. Uses prefetched hours if any."""
        for hours in self.opening_hours.all():
            if hours.weekday == day.weekday():
                return hours
        return None


class OpeningHours(models.Model):
    """One weekday's opening hours of a clinic (local wall-clock time). No row: closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="one_hours_row_per_weekday"),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="opens_before_closes"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="weekday_0_to_6"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"


class StaffProfileQuerySet(models.QuerySet):
    def at(self, clinic: Clinic) -> StaffProfileQuerySet:
        return self.filter(clinics=clinic, user__is_active=True)


class StaffProfile(models.Model):
    """Makes a Django user a member of staff: one role, at one or more clinics (R14)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    clinics = models.ManyToManyField(Clinic, related_name="staff")
    current_clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The clinic last chosen in the clinic switcher",
    )

    objects = StaffProfileQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[clinics], excluded_fields=["current_clinic"])

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"


def staff_role(user, clinic: Clinic) -> str | None:
    """The user's role at this clinic, or None if they do not work there."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    profile = getattr(user, "staff_profile", None)
    if profile is None or not profile.clinics.filter(pk=clinic.pk).exists():
        return None
    return profile.role


class Client(models.Model):
    """A person treated by the clinic, with consents, paperwork state and an optional login."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="clients", help_text="Clinic of record"
    )
    email_consent = models.BooleanField(default=False, help_text="May receive e-mail")
    sms_consent = models.BooleanField(default=False, help_text="May receive SMS")
    # R20: the portal and the client's messages in this language; blank: the clinic's.
    language = models.CharField(
        max_length=10, blank=True, choices=settings.LANGUAGES,
        help_text="Language of the portal and of messages (blank: the clinic's)",
    )
    # R2: the medical questionnaire and consent form, completed once before session 1.
    paperwork_completed_at = models.DateTimeField(null=True, blank=True)
    paperwork_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="client_profile", help_text="Login to the client portal",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="client_name_idx"),
            models.Index(Lower("email"), name="client_email_idx"),
            models.Index(fields=["phone"], name="client_phone_idx"),
            models.Index(fields=["clinic", "last_name"], name="client_clinic_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def message_language(self) -> str:
        return self.language or self.clinic.language or "en"

    @property
    def paperwork_done(self) -> bool:
        return self.paperwork_completed_at is not None


class TreatmentArea(models.TextChoices):
    FULL_SCALP = "full_scalp", "Full scalp"
    HAIRLINE = "hairline", "Hairline"
    CROWN = "crown", "Crown"
    SCAR = "scar", "Scar camouflage"
    DENSITY = "density", "Density over existing hair"


class Shade(models.IntegerChoices):
    """Pigment shades from lightest to darkest; one step is one shade darker or lighter."""

    S1 = 1, "1 - Very light"
    S2 = 2, "2 - Light"
    S3 = 3, "3 - Light-medium"
    S4 = 4, "4 - Medium"
    S5 = 5, "5 - Medium-dark"
    S6 = 6, "6 - Dark"
    S7 = 7, "7 - Very dark"


class PlanStatus(models.TextChoices):
    QUOTED = "quoted", "Quoted"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# An "open" plan can still be booked, amended or cancelled.
OPEN_PLAN_STATUSES = (PlanStatus.QUOTED, PlanStatus.ACTIVE)


class PlanKind(models.TextChoices):
    """R15: a touch-up is a plan of its own kind, the one kind that may quote one session."""

    TREATMENT = "treatment", "Treatment"
    TOUCH_UP = "touch_up", "Touch-up"


def min_sessions(kind: str) -> int:
    """The fewest sessions a plan of this kind quotes: two for a treatment (R1), one for a
    touch-up (R15)."""
    return 1 if kind == PlanKind.TOUCH_UP else 2


class TreatmentPlan(models.Model):
    """The quote for one client: at least two sessions (R1) - or a touch-up of an earlier
    plan, which may quote one (R15) -, a price, a shade, a status."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="plans")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="plans")
    treatment_area = models.CharField(
        max_length=20, choices=TreatmentArea.choices, default=TreatmentArea.FULL_SCALP
    )
    kind = models.CharField(max_length=20, choices=PlanKind.choices, default=PlanKind.TREATMENT)
    # R15: the plan a touch-up touches up, so its shade history is at hand.
    touch_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="touch_ups",
    )
    # The per-kind minimum (2, or 1 for a touch-up) is clean() and the check constraint below.
    quoted_sessions = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="R1: at least two sessions (a touch-up: at least one)",
    )
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    starting_shade = models.PositiveSmallIntegerField(choices=Shade.choices, default=Shade.S4)
    hairline_notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.QUOTED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # R1 in the database itself: no single-session treatment plan, whoever writes the
            # row; only a touch-up (R15) may quote a single session.
            models.CheckConstraint(
                condition=Q(quoted_sessions__gte=2)
                | Q(kind="touch_up", quoted_sessions__gte=1),
                name="plan_quotes_at_least_two_sessions",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["treatment", "touch_up"]), name="plan_kind_known"
            ),
            # A touch-up names the plan it touches up; a treatment plan touches up nothing.
            models.CheckConstraint(
                condition=Q(kind="touch_up", touch_up_of__isnull=False)
                | Q(kind="treatment", touch_up_of__isnull=True),
                name="plan_touch_up_has_its_plan",
            ),
            # One live touch-up per plan: a second click of "Book a touch-up" (or two desks at
            # once) cannot make two. A cancelled touch-up frees the place.
            models.UniqueConstraint(
                fields=["touch_up_of"], condition=~Q(status="cancelled"),
                name="one_live_touch_up_per_plan",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="plan_price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["clinic", "status"], name="plan_clinic_status_idx"),
            # The recall list (R15): completed plans of a clinic by completion time.
            models.Index(fields=["clinic", "status", "completed_at"], name="plan_recall_idx"),
        ]

    def __str__(self) -> str:
        sessions = "1 session" if self.quoted_sessions == 1 else f"{self.quoted_sessions} sessions"
        kind = " touch-up" if self.is_touch_up else ""
        return f"{self.client} - {self.get_treatment_area_display()}{kind} ({sessions})"

    def save(self, *args, **kwargs):
        if not self.currency and self.clinic_id:
            self.currency = self.clinic.currency
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PLAN_STATUSES

    @property
    def is_touch_up(self) -> bool:
        return self.kind == PlanKind.TOUCH_UP

    def clean(self) -> None:
        if self.is_touch_up:
            if self.quoted_sessions is not None and self.quoted_sessions < 1:
                raise ValidationError(
                    {"quoted_sessions": "A touch-up quotes at least one session (R15)."},
                    code="min_one_session",
                )
            if self.touch_up_of_id is None:
                raise ValidationError(
                    {"touch_up_of": "A touch-up names the plan it touches up (R15)."},
                    code="touch_up_without_plan",
                )
        elif self.quoted_sessions is not None and self.quoted_sessions < 2:
            raise ValidationError(
                {"quoted_sessions": "A plan quotes at least two sessions (R1): the skin needs "
                 "a second session to correct how the pigment settled."},
                code="min_two_sessions",
            )


class QuoteAmendment(models.Model):
    """A change to the number of quoted sessions, with who and why (R3)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="amendments")
    previous_sessions = models.PositiveSmallIntegerField()
    new_sessions = models.PositiveSmallIntegerField()
    previous_price = models.DecimalField(max_digits=10, decimal_places=2)
    new_price = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]
        constraints = [
            # R1 itself is the plan's constraint (a touch-up may go down to one session).
            models.CheckConstraint(condition=Q(new_sessions__gte=1), name="amended_quote_at_least_one"),
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.previous_sessions} -> {self.new_sessions}"


class PortalInvitation(models.Model):
    """A one-time link that lets a client set a password for the portal. Only a hash of the
    token is stored; a used or expired link leads nowhere."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    # Blank: made by the paperwork reminder for a client without a login yet.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.client}"


class SlotRequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for the front desk"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SlotRequest(models.Model):
    """A client's request, from the portal, for a third-session slot inside its window. The
    front desk turns it into a booking through the booking service once the deposit is paid."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="slot_requests")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="slot_requests")
    starts_at = models.DateTimeField()
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=SlotRequestStatus.choices, default=SlotRequestStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # One open request per plan: a new choice replaces the old one.
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="open"), name="one_open_slot_request_per_plan"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status"], name="slotrequest_clinic_status_idx")]

    def __str__(self) -> str:
        return f"Slot request for {self.plan.client} ({self.get_status_display()})"


class WorkingHours(models.Model):
    """One span a practitioner works at a clinic on a weekday (local wall-clock time). A split
    day is two rows. A practitioner without any row at a clinic works its opening hours."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=OpeningHours.Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "user", "weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="work_starts_before_ends"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="work_weekday_0_to_6"
            ),
            models.UniqueConstraint(
                fields=["user", "clinic", "weekday", "starts"], name="one_work_span_per_start"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "user"], name="workinghours_clinic_user_idx")]

    def __str__(self) -> str:
        span = f"{self.starts:%H:%M}-{self.ends:%H:%M}"
        return f"{self.user} at {self.clinic}: {self.get_weekday_display()} {span}"


class TimeOffStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for a manager"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TimeOff(models.Model):
    """A practitioner away (holiday, sick day, training), at every clinic. Only approved time
    off blocks bookings; a manager's own entry is approved when made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=TimeOffStatus.choices, default=TimeOffStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_starts_before_ends"
            ),
        ]
        indexes = [models.Index(fields=["user", "status", "ends_at"], name="timeoff_user_status_end_idx")]

    def __str__(self) -> str:
        return f"{self.user}: time off {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M} UTC"


class ClosureDay(models.Model):
    """A local date on which the clinic is closed (a public holiday, a refit)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "date"]
        constraints = [models.UniqueConstraint(fields=["clinic", "date"], name="one_closure_per_clinic_day")]

    def __str__(self) -> str:
        return f"{self.clinic} closed on {self.date}"


# The audit trail lives in its own module; imported here so that Django registers the model.
from clinic.audit import AuditEvent  # noqa: E402,F401
from clinic.erasure import ClientErasure  # noqa: E402,F401
from clinic.paperwork_models import (  # noqa: E402,F401
    ConsentVersion,
    Paperwork,
    Question,
    QuestionnaireVersion,
)
