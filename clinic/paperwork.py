"""Paperwork online (R2, R17): the one home of its rules. Portal, tablet, staff pages, the
booking service and the reminders all call these functions.

A client fills in one draft in three steps (about me, the questions, the consent); each step
is validated and saved on its own, so nothing is lost between steps or across a sign-out,
and nothing is half-saved: a refused step changes nothing. Submitting signs the consent,
makes the PDF, sets `Client.paperwork_completed_at` and flags the answers that need review.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image, ImageFile, UnidentifiedImageError

from clinic.clinic_time import day_label, local_date
from clinic.emails import send_templated_email
from clinic.history import person_name, save_by
from clinic.models import OPEN_PLAN_STATUSES, Client, Clinic, Role, TreatmentPlan, staff_role
from clinic.paperwork_models import (
    ConsentVersion,
    Paperwork,
    PaperworkStatus,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    Via,
)

# The session key of a clinic tablet handed to a client: the id of the one draft it may show.
TABLET_SESSION_KEY = "tablet_paperwork_id"
STEPS = {1: "About you", 2: "Health questions", 3: "Consent"}
REVIEWERS = (Role.PRACTITIONER, Role.MANAGER)
MAX_SIGNATURE_BYTES = 400_000
MAX_SIGNATURE_SIDE = 4000  # pixels: a canvas on the widest tablet at 3x is well below

# R17's defaults: (key, text, kind, choices, help text, required, review if yes).
DEFAULT_QUESTIONS: list[tuple] = [
    ("blood_thinners", "Do you take blood thinners (e.g. warfarin, daily aspirin, clopidogrel)?",
     "yes_no", "", "They make the skin bleed more and the pigment hold less.", True, True),
    ("isotretinoin", "Have you taken isotretinoin (Accutane, Roaccutane) in the last 12 months?",
     "yes_no", "", "", True, True),
    ("psoriasis", "Do you have psoriasis on the scalp?", "yes_no", "", "", True, False),
    ("eczema", "Do you have eczema on the scalp?", "yes_no", "", "", True, False),
    ("active_acne", "Do you have active acne or spots on the scalp?", "yes_no", "", "", True, False),
    ("keloid", "Do you form keloid or raised scars?", "yes_no", "", "", True, True),
    ("alopecia_areata", "Have you been diagnosed with alopecia areata?", "yes_no", "", "", True, False),
    ("allergy_pigments", "Are you allergic to tattoo pigments?", "yes_no", "", "", True, True),
    ("allergy_latex", "Are you allergic to latex?", "yes_no", "", "We can use latex-free gloves.",
     True, False),
    ("allergy_lidocaine", "Are you allergic to lidocaine or other numbing creams?", "yes_no", "", "",
     True, False),
    ("pregnant", "Are you pregnant or breastfeeding?", "yes_no", "", "", True, True),
    ("heart", "Do you have a heart condition or a pacemaker?", "yes_no", "", "", True, True),
    ("diabetes", "Do you have diabetes?", "choice", "No\nType 1\nType 2", "", True, False),
    ("transplant", "Have you had a hair transplant or scalp surgery in the last 12 months?",
     "yes_no", "", "", True, True),
    ("transplant_date", "If so, when was it?", "date", "", "Leave empty if not.", False, False),
    ("other", "Anything else we should know (medication, conditions)?", "text", "", "", False, False),
]
DEFAULT_CONSENT = (
    "I consent to scalp micropigmentation: a practitioner of the clinic deposits pigment into "
    "the upper layers of my scalp with a fine needle. I understand that the treatment needs at "
    "least two sessions, that the pigment may fade and need a touch-up, that the skin may be "
    "red or tender for a few days, and that I must not wash my scalp or cut my hair for the "
    "aftercare days after each session. I have answered the health questions truthfully and "
    "will tell the clinic of any change before a session."
)
DEFAULT_STATEMENTS = (
    "I have read and understood the consent text.\n"
    "My answers to the health questions are true and complete.\n"
    "I will follow the aftercare instructions after each session."
)


class PaperworkRefused(ValidationError):
    """A refused step or action; `message_dict` (or the message) says which rule, `code`
    names it (also for a dict of field errors, which ValidationError itself leaves uncoded)."""

    def __init__(self, message, *, code: str):
        super().__init__(message, code=code)
        self.code = code


# --------------------------------------------------------------------------- versions


def seed_defaults(clinic: Clinic, *, question_model=Question, version_model=QuestionnaireVersion,
                  consent_model=ConsentVersion) -> None:
    """R17's default questionnaire and consent as version 1 (the data migration passes its
    historical models)."""
    if not version_model.objects.filter(clinic_id=clinic.pk).exists():
        version = version_model.objects.create(clinic_id=clinic.pk, number=1)
        question_model.objects.bulk_create(
            question_model(version=version, position=i, key=key, text=text, kind=kind, choices=choices,
                           help_text=help_text, required=required, review_if_yes=review)
            for i, (key, text, kind, choices, help_text, required, review) in enumerate(DEFAULT_QUESTIONS, 1)
        )
    if not consent_model.objects.filter(clinic_id=clinic.pk).exists():
        consent_model.objects.create(clinic_id=clinic.pk, number=1, text=DEFAULT_CONSENT,
                                     statements=DEFAULT_STATEMENTS)


def current_questionnaire(clinic: Clinic) -> QuestionnaireVersion:
    version = clinic.questionnaires.order_by("-number").first()
    if version is None:  # a clinic created after the data migration
        seed_defaults(clinic)
        version = clinic.questionnaires.order_by("-number").first()
    return version


def current_consent(clinic: Clinic) -> ConsentVersion:
    consent = clinic.consents.order_by("-number").first()
    if consent is None:
        seed_defaults(clinic)
        consent = clinic.consents.order_by("-number").first()
    return consent


def _require_manager(by, clinic: Clinic) -> None:
    if staff_role(by, clinic) != Role.MANAGER:
        raise PaperworkRefused(f"Only a manager of {clinic.name} can change the paperwork.",
                               code="not_permitted")


def new_questionnaire_version(*, clinic: Clinic, by, questions: list[dict]) -> QuestionnaireVersion:
    """Save edited questions as a new version; answers given on older versions keep theirs."""
    _require_manager(by, clinic)
    keys = [q["key"] for q in questions]
    if not questions:
        raise PaperworkRefused("Keep at least one question.", code="no_questions")
    if len(set(keys)) != len(keys):
        raise PaperworkRefused("Two questions have the same key: give each its own.", code="duplicate_key")
    with transaction.atomic():
        Clinic.objects.select_for_update().get(pk=clinic.pk)
        number = (clinic.questionnaires.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = QuestionnaireVersion.objects.create(clinic=clinic, number=number, created_by=by)
        Question.objects.bulk_create(
            Question(version=version, position=i, **q) for i, q in enumerate(questions, 1)
        )
        return version


def new_consent_version(*, clinic: Clinic, by, text: str, statements: str) -> ConsentVersion:
    _require_manager(by, clinic)
    if not text.strip():
        raise PaperworkRefused({"text": "The consent needs a text."}, code="consent_text")
    with transaction.atomic():
        Clinic.objects.select_for_update().get(pk=clinic.pk)
        number = (clinic.consents.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        return ConsentVersion.objects.create(clinic=clinic, number=number, text=text.strip(),
                                             statements=statements.strip(), created_by=by)


# --------------------------------------------------------------------------- status


def last_completed(client: Client) -> Paperwork | None:
    return client.paperwork.filter(status=PaperworkStatus.COMPLETED).order_by("-signed_at").first()


def _months_before(instant: dt.datetime, months: int) -> dt.datetime:
    year, month = divmod(instant.month - 1 - months, 12)
    year, month = instant.year + year, month + 1
    for day in (instant.day, 30, 29, 28):
        try:
            return instant.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def current_for_plan(client: Client, plan: TreatmentPlan | None) -> bool:
    """Paperwork counts for `plan` when it was completed after the plan was made, or less
    than the clinic's `paperwork_repeat_months` before it (a touch-up years later asks
    again, R17)."""
    done = client.paperwork_completed_at
    if done is None:
        return False
    if plan is None or done >= plan.created_at:
        return True
    return done >= _months_before(plan.created_at, plan.clinic.paperwork_repeat_months)


def needs_paperwork(client: Client) -> bool:
    """The client has to fill in the paperwork (none yet, or an open plan asks again)."""
    if client.paperwork_completed_at is None:
        return True
    open_plans = client.plans.filter(status__in=OPEN_PLAN_STATUSES)
    return any(not current_for_plan(client, plan) for plan in open_plans)


@dataclass(frozen=True)
class Status:
    """What the front desk may see: done, missing or needs review - never an answer."""

    code: str  # missing | done | review
    label: str


def status_of(client: Client, plan: TreatmentPlan | None = None) -> Status:
    if not current_for_plan(client, plan) or (plan is None and needs_paperwork(client)):
        return Status("missing", "Paperwork missing")
    last = last_completed(client)
    day = day_label(local_date(client.paperwork_completed_at, client.clinic.tz))
    label = f"Paperwork done, {day}"
    if last is not None and last.signed_at == client.paperwork_completed_at:
        where = "online" if last.via == Via.ONLINE else "on the clinic's tablet"
        label = f"Paperwork done {where}, {day}"
    if last is not None and last.review_pending:
        return Status("review", f"{label} - needs review")
    return Status("done", label)


def check_ready_for_first_session(plan: TreatmentPlan) -> tuple[str, str] | None:
    """(code, message) when session 1 of `plan` cannot start because of the paperwork."""
    client, clinic = plan.client, plan.clinic
    if not current_for_plan(client, plan):
        again = " again: the last was too long ago" if client.paperwork_completed_at else ""
        return ("paperwork_missing",
                f"Session 1 cannot start until the client's medical questionnaire and consent form "
                f"are completed{again} (R2, R17). The client can fill them in on the portal or "
                "on the clinic's tablet, or record the paper copy on the client's page.")
    last = last_completed(client)
    if last is not None and last.review_pending:
        return ("paperwork_review",
                "Session 1 cannot start: some of the client's health answers need a review. A "
                f"practitioner or manager of {clinic.name} must clear it with a note on the "
                "client's paperwork page first (R17).")
    return None


# --------------------------------------------------------------------------- the client's draft


def draft_for(client: Client, *, via: str = Via.ONLINE) -> Paperwork:
    """The client's open draft, made on the clinic's current versions when there is none."""
    with transaction.atomic():
        Client.objects.select_for_update().get(pk=client.pk)
        draft = client.paperwork.filter(status=PaperworkStatus.DRAFT).first()
        if draft is None:
            draft = Paperwork.objects.create(
                client=client, via=via, questionnaire=current_questionnaire(client.clinic),
                consent=current_consent(client.clinic),
            )
        elif draft.via != via:
            draft.via = via
            draft.save(update_fields=["via", "updated_at"])
        return draft


def _refresh_questionnaire(draft: Paperwork) -> list[str]:
    """Move a draft to the clinic's newer questionnaire, keeping answers to unchanged
    questions; returns the keys asked again."""
    current = current_questionnaire(draft.client.clinic)
    if current.pk == draft.questionnaire_id:
        return []
    old = {q.key: q.signature() for q in draft.questionnaire.questions.all()}
    kept, changed = {}, []
    for question in current.questions.all():
        if old.get(question.key) != question.signature():
            changed.append(question.key)
        elif question.key in draft.answers:
            kept[question.key] = draft.answers[question.key]
    draft.questionnaire, draft.answers = current, kept
    draft.step_done = min(draft.step_done, 1)
    draft.save(update_fields=["questionnaire", "answers", "step_done", "updated_at"])
    return changed


def save_about(draft: Paperwork, data: dict) -> Paperwork:
    """Step 1: date of birth (not in the future), address, emergency contact, doctor."""
    errors = {}
    dob = data.get("date_of_birth")
    if not dob:
        errors["date_of_birth"] = "Enter your date of birth."
    elif dob > local_date(timezone.now(), draft.client.clinic.tz):
        errors["date_of_birth"] = "Your date of birth cannot be in the future."
    for field, label in (("address", "your address"), ("emergency_contact", "an emergency contact")):
        if not str(data.get(field, "")).strip():
            errors[field] = f"Enter {label}."
    if errors:
        raise PaperworkRefused(errors, code="about")
    draft.about = {
        "date_of_birth": dob.isoformat(), "address": data["address"].strip(),
        "emergency_contact": data["emergency_contact"].strip(),
        "doctor": str(data.get("doctor", "")).strip(),
    }
    draft.step_done = max(draft.step_done, 1)
    draft.save(update_fields=["about", "step_done", "updated_at"])
    return draft


def answer_errors(questions, answers: dict) -> dict[str, str]:
    errors = {}
    for q in questions:
        value = answers.get(q.key, "")
        if q.required and value in ("", None):
            errors[q.key] = "Please answer this question."
        elif q.kind == QuestionKind.YES_NO and value not in ("", "yes", "no"):
            errors[q.key] = "Answer yes or no."
        elif q.kind == QuestionKind.CHOICE and value and value not in q.options:
            errors[q.key] = "Choose one of the options."
    return errors


def save_answers(draft: Paperwork, answers: dict, *, version_id: int | None = None) -> Paperwork:
    """Step 2. A questionnaire changed since the form was shown: the changed questions are
    asked again, the other answers are kept."""
    changed = _refresh_questionnaire(draft)
    if changed or (version_id is not None and version_id != draft.questionnaire_id):
        keep = {k: v for k, v in answers.items() if k not in changed}
        draft.answers = {**draft.answers, **keep}
        draft.save(update_fields=["answers", "updated_at"])
        raise PaperworkRefused(
            "The clinic updated its questionnaire while you were filling it in. Please answer "
            "the questions marked new; your other answers are kept.", code="version_changed",
        )
    questions = list(draft.questionnaire.questions.all())
    clean = {q.key: _clean_answer(q, answers.get(q.key)) for q in questions}
    if errors := answer_errors(questions, clean):
        raise PaperworkRefused(errors, code="answers")
    draft.answers = clean
    draft.step_done = max(draft.step_done, 2)
    draft.save(update_fields=["answers", "step_done", "updated_at"])
    return draft


def _clean_answer(question: Question, value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def answered_yes(question: Question, value: str) -> bool:
    """A "yes" that counts for review: yes, or a choice other than the first (the "No")."""
    if question.kind == QuestionKind.YES_NO:
        return value == "yes"
    if question.kind == QuestionKind.CHOICE:
        return bool(value) and question.options[:1] != [value]
    return bool(value)


def _names_match(typed: str, client: Client) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    return norm(typed) == norm(client.full_name)


def signature_image(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature (a canvas data URL); refused when empty or not an
    image."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise PaperworkRefused({"signature": "Sign with your finger or mouse in the box."}, code="signature")
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise PaperworkRefused({"signature": "The signature could not be read: sign again."},
                               code="signature") from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise PaperworkRefused({"signature": "The signature is too large: clear it and sign again."},
                               code="signature")
    try:
        image = Image.open(io.BytesIO(raw))  # reads the header only
        if image.format != "PNG" or image.width > MAX_SIGNATURE_SIDE or image.height > MAX_SIGNATURE_SIDE:
            raise ValueError("not a signature-sized PNG")  # a small file may unpack to gigabytes
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PaperworkRefused({"signature": "The signature could not be read: sign again."},
                               code="signature") from None
    alpha = image.convert("RGBA").getchannel("A")
    if alpha.getbbox() is None:
        raise PaperworkRefused({"signature": "The signature is empty: sign in the box."}, code="signature")
    return raw


def _refresh_versions(draft: Paperwork, consent_id: int | None) -> None:
    """Before signing: a questionnaire or consent changed since the client saw it is put on
    the draft (kept answers stay) and the client is sent back to it."""
    if _refresh_questionnaire(draft):
        raise PaperworkRefused(
            "The clinic updated its questionnaire while you were filling it in. Please answer "
            "the questions marked new; your other answers are kept.", code="version_changed",
        )
    consent = current_consent(draft.client.clinic)
    if consent.pk != draft.consent_id or (consent_id is not None and consent_id != consent.pk):
        draft.consent = consent
        draft.save(update_fields=["consent", "updated_at"])
        raise PaperworkRefused(
            "The clinic updated its consent text while you were reading it. Please read it "
            "again and tick each statement.", code="consent_changed",
        )


def submit(draft: Paperwork, *, typed_name: str, signature: str, ticked: list[str],
           consent_id: int | None, ip: str | None) -> Paperwork:
    """Step 3: sign the consent. All or nothing: the draft becomes the completed paperwork,
    the client's paperwork is marked done and the PDF made in one transaction; the
    confirmation e-mail (no health detail) leaves after the commit."""
    _refresh_versions(draft, consent_id)  # outside the signing transaction: kept when refused
    with transaction.atomic():
        draft = Paperwork.objects.select_for_update().select_related("client__clinic").get(pk=draft.pk)
        if draft.status != PaperworkStatus.DRAFT:
            raise PaperworkRefused("This paperwork is already completed.", code="completed")
        client = draft.client
        consent = draft.consent
        if draft.step_done < 2:
            raise PaperworkRefused("Please complete the first two steps first.", code="steps_missing")
        errors = {}
        if not typed_name.strip():
            errors["typed_name"] = "Type your full name."
        elif not _names_match(typed_name, client):
            errors["typed_name"] = (f"Type your full name as the clinic has it ({client.full_name}); if it "
                                    "is wrong, tell the clinic.")
        missing = [s for s in consent.statement_list if s not in ticked]
        if missing:
            errors["statements"] = "Tick each statement to agree to it."
        try:
            png = signature_image(signature)
        except PaperworkRefused as error:
            errors.update(error.message_dict)
        if errors:
            raise PaperworkRefused(errors, code="consent")
        now = timezone.now()
        questions = list(draft.questionnaire.questions.all())
        reasons = [q.text for q in questions
                   if q.review_if_yes and answered_yes(q, draft.answers.get(q.key, ""))]
        draft.typed_name, draft.signature_png = typed_name.strip(), png
        draft.statements_ticked = consent.statement_list
        draft.signed_at, draft.signed_from = now, ip
        draft.status, draft.step_done = PaperworkStatus.COMPLETED, 3
        draft.needs_review, draft.review_reasons = bool(reasons), reasons
        draft.pdf = render_pdf(draft, questions)
        draft.save()
        client.paperwork_completed_at, client.paperwork_completed_by = now, None
        dob = draft.about.get("date_of_birth")
        if dob and client.date_of_birth is None:
            client.date_of_birth = dt.date.fromisoformat(dob)
        save_by(client, client.user)
        if client.email and client.email_consent:
            day = day_label(local_date(now, client.clinic.tz))
            context = {"client": client, "clinic": client.clinic, "day": day}
            transaction.on_commit(
                lambda: send_templated_email("paperwork/email/done", context, [client.email])
            )
        return draft


# --------------------------------------------------------------------------- after submission


def answer_rows(paperwork: Paperwork, questions=None) -> list[dict]:
    """The questions with the client's answers, for the staff page and the PDF."""
    questions = questions if questions is not None else paperwork.questionnaire.questions.all()
    rows = []
    for q in questions:
        value = paperwork.answers.get(q.key, "")
        shown = {"yes": "Yes", "no": "No"}.get(value, value) or "-"
        rows.append({"question": q, "answer": shown,
                     "flag": q.review_if_yes and answered_yes(q, value)})
    return rows


def render_pdf(paperwork: Paperwork, questions=None) -> bytes:
    """The signed consent and the answers as a PDF (WeasyPrint), signature image embedded."""
    from weasyprint import HTML  # heavy import, only needed when a form is signed

    # Importing WeasyPrint switches on Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would
    # let truncated photo uploads through (sessions_app.photos): switched off again here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    client = paperwork.client
    signature = base64.b64encode(bytes(paperwork.signature_png)).decode()
    html = render_to_string("paperwork/pdf.html", {
        "paperwork": paperwork, "client": client, "clinic": client.clinic,
        "rows": answer_rows(paperwork, questions), "signature": signature,
        "signed_local": timezone.localtime(paperwork.signed_at, client.clinic.tz),
    })
    return HTML(string=html).write_pdf()


def pdf_filename(paperwork: Paperwork) -> str:
    name = "".join(c for c in paperwork.client.last_name.lower() if c.isalnum()) or "client"
    return f"paperwork-{name}-{paperwork.signed_at:%Y-%m-%d}.pdf"


def clear_review(*, paperwork: Paperwork, by, note: str) -> Paperwork:
    """A practitioner or manager of the client's clinic clears the review with a note."""
    clinic = paperwork.client.clinic
    if staff_role(by, clinic) not in REVIEWERS:
        raise PaperworkRefused(f"Only a practitioner or manager of {clinic.name} can clear a review.",
                               code="not_permitted")
    if not note.strip():
        raise PaperworkRefused({"note": "Write a note: what you checked and agreed with the client."},
                               code="note_required")
    with transaction.atomic():
        paperwork = Paperwork.objects.select_for_update().get(pk=paperwork.pk)
        if not paperwork.review_pending:
            raise PaperworkRefused("This paperwork has no review waiting.", code="no_review")
        paperwork.reviewed_at, paperwork.reviewed_by, paperwork.review_note = timezone.now(), by, note.strip()
        paperwork.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "updated_at"])
        return paperwork


def reviewer_name(paperwork: Paperwork) -> str:
    return person_name(paperwork.reviewed_by)
