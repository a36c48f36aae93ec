"""The paperwork of R2/R17 as data: each clinic's medical questionnaire and consent text, both
versioned (editing makes a new version), and each client's filled-in paperwork, which keeps
the versions it was given on. The rules that work on them live in clinic/paperwork.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", "Yes / no"
    CHOICE = "choice", "Choice"
    DATE = "date", "Date"
    TEXT = "text", "Text"


class QuestionnaireVersion(models.Model):
    """One version of a clinic's questionnaire; the highest number is the current one."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="questionnaires")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="one_questionnaire_number_per_clinic"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} questionnaire v{self.number}"


class Question(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=50, help_text="Stable name, e.g. blood_thinners")
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default=QuestionKind.YES_NO)
    choices = models.TextField(blank=True, help_text="Choice questions: one option a line")
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    review_if_yes = models.BooleanField(
        default=False, help_text="A yes flags the client for a practitioner's review before session 1"
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="one_question_key_per_version"),
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="question_kind_known"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def signature(self) -> tuple:
        """What makes two versions of a question the same question for the client."""
        return (self.text, self.kind, tuple(self.options), self.required)


class ConsentVersion(models.Model):
    """One version of a clinic's consent: its text and the statements the client ticks."""

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="consents")
    number = models.PositiveIntegerField()
    text = models.TextField()
    statements = models.TextField(help_text="One statement a line; the client ticks each")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="one_consent_number_per_clinic"),
            models.CheckConstraint(condition=~Q(text=""), name="consent_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} consent v{self.number}"

    @property
    def statement_list(self) -> list[str]:
        return [line.strip() for line in self.statements.splitlines() if line.strip()]


class PaperworkStatus(models.TextChoices):
    DRAFT = "draft", "Being filled in"
    COMPLETED = "completed", "Completed"


class Via(models.TextChoices):
    ONLINE = "online", "the client, online"
    TABLET = "tablet", "the client, on the clinic's tablet"


class Paperwork(models.Model):
    """A client's questionnaire answers and signed consent. A draft keeps what was typed
    between steps and across a sign-out; a completed one is never changed again (only its
    review is cleared)."""

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="paperwork")
    status = models.CharField(max_length=10, choices=PaperworkStatus.choices, default=PaperworkStatus.DRAFT)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.ONLINE)
    questionnaire = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="+")
    about = models.JSONField(default=dict, blank=True, help_text="Step 1: about me, medical history")
    answers = models.JSONField(default=dict, blank=True, help_text="Step 2: question key -> answer")
    step_done = models.PositiveSmallIntegerField(default=0)
    typed_name = models.CharField(max_length=200, blank=True)
    signature_png = models.BinaryField(blank=True, default=b"")
    statements_ticked = models.JSONField(default=list, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_from = models.GenericIPAddressField(null=True, blank=True)
    pdf = models.BinaryField(blank=True, default=b"")
    needs_review = models.BooleanField(default=False)
    review_reasons = models.JSONField(default=list, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(status="draft"), name="one_paperwork_draft_per_client"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(signed_at__isnull=False) & ~Q(typed_name="")),
                name="completed_paperwork_is_signed",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | ~Q(review_note=""),
                name="paperwork_review_has_note",
            ),
        ]
        indexes = [models.Index(fields=["client", "status"], name="paperwork_client_status_idx")]

    def __str__(self) -> str:
        return f"Paperwork of {self.client} ({self.get_status_display()})"

    @property
    def review_pending(self) -> bool:
        return self.status == PaperworkStatus.COMPLETED and self.needs_review and self.reviewed_at is None
