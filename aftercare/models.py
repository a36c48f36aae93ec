"""The aftercare schedule (data a manager edits) and the outbox of messages (R12, R13, R15).

A message is a row: planned once per (session, kind, channel), due at an instant stored in
UTC, claimed by the dispatcher and handed to the provider by one Celery task. The row, not
the broker, is the truth: a lost Celery message is re-queued from here (services.py).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from aftercare import placeholders
from clinic.models import Client, Clinic
from sessions_app.models import TreatmentSession


class Anchor(models.TextChoices):
    """What a step's day offset is counted from, on the clinic's calendar. The anchor also
    says which event plans the step: completing a session, booking one, completing a plan."""

    SESSION_END = "session_end", "A completed session's end"
    WINDOW_CLOSE = "window_close", "The close of the aftercare window"
    SESSION_START = "session_start", "A booked session's start"
    PLAN_COMPLETED = "plan_completed", "The touch-up recall date (plan completed + recall years)"


COMPLETION_ANCHORS = (Anchor.SESSION_END, Anchor.WINDOW_CLOSE)


class MessageTemplate(models.TextChoices):
    """Message templates under templates/aftercare/messages/<value>/ (subject, text, HTML, SMS)."""

    INSTRUCTIONS = "instructions", "Aftercare instructions"
    WINDOW_REMINDER = "window_reminder", "Reminder during the aftercare window"
    WINDOW_CLOSED = "window_closed", "The aftercare window is over"
    THIRD_SESSION = "third_session", "Book your third session (window and deposit)"
    APPOINTMENT = "appointment", "Appointment reminder"
    TOUCH_UP = "touch_up", "Touch-up recall"
    PAPERWORK = "paperwork", "Please complete your paperwork (session 1, while it is missing)"
    CUSTOM = "custom", "Custom text (subject and body below)"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class ScheduleStepQuerySet(models.QuerySet):
    def for_clinic(self, clinic: Clinic) -> ScheduleStepQuerySet:
        """Active steps that apply at `clinic`: the shared ones and the clinic's own."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic=clinic), active=True)


class ScheduleStep(models.Model):
    """One message of the aftercare schedule: when (anchor + days, local hour), how (channels)
    and what (template). Managers add steps (e.g. "avoid direct sun" until day 30) in the admin."""

    kind = models.SlugField(
        max_length=50, unique=True,
        help_text="Stable name of the message, e.g. aftercare_reminder (one per session and channel)",
    )
    name = models.CharField(max_length=100)
    anchor = models.CharField(max_length=20, choices=Anchor.choices, default=Anchor.SESSION_END)
    day_offset = models.SmallIntegerField(
        default=0, help_text="Calendar days after the anchor in the clinic's zone (negative: before)"
    )
    send_time = models.TimeField(
        null=True, blank=True,
        help_text="Clinic-local time to send. Blank: at the anchor's own moment (at once when "
        "it has passed; kept between 08:00 and 20:00 local otherwise).",
    )
    by_email = models.BooleanField("e-mail", default=True)
    by_sms = models.BooleanField("SMS", default=False)
    template = models.CharField(max_length=30, choices=MessageTemplate.choices)
    subject = models.CharField(
        max_length=150, blank=True, help_text="Custom template only; placeholders as in the text"
    )
    body = models.TextField(
        blank=True,
        help_text="Custom template only. Plain text with placeholders such as {first_name}, "
        "{clinic_name}, {clinic_phone}, {session_day}, {window_until} and {day_30} (the day 30 "
        "days after the session ended); the full list is in docs/rules.md.",
    )
    after_session = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Only for this session number (blank: every session)"
    )
    only_if_next_unbooked = models.BooleanField(
        default=False,
        help_text="Only when the plan quotes a next session that is not booked yet (R13)",
    )
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="aftercare_steps",
        help_text="Blank: every clinic",
    )
    active = models.BooleanField(
        default=True, help_text="Switched off, a step plans nothing and its unsent messages are dropped"
    )

    objects = ScheduleStepQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["anchor", "day_offset", "send_time", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(by_email=True) | Q(by_sms=True), name="step_has_a_channel"),
            models.CheckConstraint(condition=Q(anchor__in=Anchor.values), name="step_anchor_known"),
            models.CheckConstraint(
                condition=Q(template__in=MessageTemplate.values), name="step_template_known"
            ),
            models.CheckConstraint(
                condition=~Q(template=MessageTemplate.CUSTOM) | (~Q(subject="") & ~Q(body="")),
                name="custom_step_has_text",
            ),
            models.CheckConstraint(
                condition=Q(day_offset__gte=-60, day_offset__lte=3660), name="step_offset_sane"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A custom text is filled from a fixed set of placeholders when it is sent: one that
        # Pigment cannot fill must never be stored (it would fail only days later).
        if errors := self._placeholder_errors():
            raise ValidationError(errors)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if not (self.by_email or self.by_sms):
            errors["by_sms"] = "Choose at least one channel (e-mail or SMS)."
        if self.template == MessageTemplate.CUSTOM:
            if not self.subject.strip():
                errors["subject"] = "A custom message needs a subject."
            if not self.body.strip():
                errors["body"] = "A custom message needs a text."
            errors.update(self._placeholder_errors())
        if self.anchor == Anchor.SESSION_START and self.day_offset > 0:
            errors["day_offset"] = "A reminder before a session counts days before it (0 or negative)."
        if self.day_offset is not None and not -60 <= self.day_offset <= 3660:
            errors["day_offset"] = "Use an offset between -60 and 3660 days."
        if errors:
            raise ValidationError(errors)

    def _placeholder_errors(self) -> dict[str, str]:
        if self.template != MessageTemplate.CUSTOM:
            return {}
        errors = {}
        for field in ("subject", "body"):
            try:
                placeholders.validate(getattr(self, field))
            except ValidationError as error:
                errors[field] = error.messages[0]
        return errors

    @property
    def channels(self) -> list[str]:
        return [c for c, on in ((Channel.EMAIL, self.by_email), (Channel.SMS, self.by_sms)) if on]


class ReminderStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


UNSENT_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.SENDING, ReminderStatus.FAILED)


class ReminderQuerySet(models.QuerySet):
    def due(self, now: dt.datetime) -> ReminderQuerySet:
        return self.filter(status=ReminderStatus.SCHEDULED, due_at__lte=now)

    def stuck(self, older_than: dt.datetime) -> ReminderQuerySet:
        """Claimed (handed to Celery) before `older_than` and still not confirmed."""
        return self.filter(status=ReminderStatus.SENDING, claimed_at__lt=older_than)

    def unsent(self) -> ReminderQuerySet:
        return self.filter(status__in=UNSENT_STATUSES)

    def status_counts(self) -> dict[str, int]:
        """{status: number of messages} for every status (0 included), in one query."""
        counts = dict.fromkeys(ReminderStatus.values, 0)
        for row in self.order_by().values("status").annotate(n=models.Count("id")):
            counts[row["status"]] = row["n"]
        return counts


class Reminder(models.Model):
    """One message to one client by one channel: the outbox row."""

    Status = ReminderStatus

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="reminders")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="reminders")
    step = models.ForeignKey(ScheduleStep, on_delete=models.PROTECT, related_name="reminders")
    kind = models.SlugField(max_length=50, help_text="The step's kind when it was planned")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Hand-overs to the provider tried")
    queued = models.PositiveSmallIntegerField(default=0, help_text="Times handed to the send task")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the send task")
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why it was cancelled or resent")
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # Planned once: re-planning the same session never adds a second message.
            models.UniqueConstraint(
                fields=["session", "kind", "channel"], name="one_reminder_per_kind_channel"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_known"
            ),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="reminder_channel_known"),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="sent_reminder_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENDING) | Q(claimed_at__isnull=False),
                name="sending_reminder_is_claimed",
            ),
        ]
        indexes = [
            # The dispatcher's two questions, answered from small partial indexes.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="reminder_due_idx"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="reminder_claimed_idx"),
            models.Index(fields=["client", "due_at"], name="reminder_client_due_idx"),
            models.Index(fields=["status", "due_at"], name="reminder_status_due_idx"),
            models.Index(fields=["due_at"], name="reminder_due_at_idx"),  # the delivery report
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.get_channel_display()} for session {self.session_id} ({self.status})"

    def get_kind_display(self) -> str:
        """The step's name ("Aftercare reminder (day 2)"); kinds are data, not fixed choices."""
        return self.step.name

    @property
    def can_resend(self) -> bool:
        return self.status == ReminderStatus.FAILED


class Heartbeat(models.Model):
    """The last sign of life of a Celery process: "beat" (one per installation) or
    "worker:<hostname>". Written every 30 seconds by clinic.heartbeat; read by
    `manage.py status` and the System page. No clinical data."""

    name = models.CharField(max_length=200, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
