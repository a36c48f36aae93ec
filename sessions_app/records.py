"""Session records: the one place that writes what a practitioner logs (R9-R11, R16), and
the named reads the practice pages share.

Every write runs in one transaction, locks the session row, checks who may write (R14),
and saves each row with the acting user on its history row, so an edit never overwrites:
the earlier version stays with who and when. Completing a session is not done here: that
is booking.complete_session, the one home of session states.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from clinic.access import staff_clinics
from clinic.clinic_time import day_span, local_date
from clinic.history import person_name, save_by
from clinic.models import Clinic, PlanStatus, Role, TreatmentPlan, staff_role
from sessions_app import photos, rules
from sessions_app.models import (
    LIVE_STATUSES,
    AlterationDecision,
    AlterationRequest,
    HairlineDesign,
    SessionPhoto,
    SessionRecord,
    SessionStatus,
    SignOffWay,
    TreatmentSession,
    Zone,
    ZoneAssessment,
)
from sessions_app.shades import ShadeSuggestion, suggest_shade

# R14: clinical records are for practitioners and managers of the session's clinic.
CLINICAL_ROLES = (Role.PRACTITIONER, Role.MANAGER)
ZONE_FIELDS = ("retention", "density", "gaps_filled", "blended", "shade_used", "not_assessed_reason")
# The zones a plan's treatment area covers, for a plan with no zone logged yet (R9).
AREA_ZONES = {
    "full_scalp": (Zone.FRONTAL_HAIRLINE, Zone.LEFT_TEMPLE, Zone.RIGHT_TEMPLE, Zone.MID_SCALP, Zone.CROWN),
    "hairline": (Zone.FRONTAL_HAIRLINE, Zone.LEFT_TEMPLE, Zone.RIGHT_TEMPLE),
    "crown": (Zone.CROWN,),
    "scar": (Zone.SCAR,),
    "density": (Zone.MID_SCALP, Zone.CROWN),
}
RECORD_FIELDS = (
    "haircut_done", "skin_condition", "assessment", "shade_used", "dilution", "needle",
    "blending_notes", "notes",
)


class LogRefused(ValidationError):
    """The log cannot be saved as asked; `.code` is stable, the message says what to do."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ZoneInput:
    retention: int | None = None
    density: int | None = None
    gaps_filled: bool = False
    blended: bool = False
    shade_used: int | None = None
    not_assessed_reason: str = ""  # "not assessed" and why, instead of a rating (R9)


@dataclass(frozen=True)
class LogInput:
    """The record's own fields and one ZoneInput per zone (zones left out stay as they are)."""

    haircut_done: bool = False
    skin_condition: str = ""
    assessment: str = ""
    shade_used: int | None = None
    dilution: str = ""
    needle: str = ""
    blending_notes: str = ""
    notes: str = ""
    zones: dict[str, ZoneInput] = field(default_factory=dict)


@dataclass(frozen=True)
class AlterationInput:
    kind: str
    request: str = ""
    decision: str = AlterationDecision.PENDING
    decision_note: str = ""


@dataclass(frozen=True)
class HairlineInput:
    description: str
    signed_off: bool = False


# --------------------------------------------------------------------------- access


def may_see_clinical(user, clinic: Clinic) -> bool:
    return staff_role(user, clinic) in CLINICAL_ROLES


def _require_clinical(by, clinic: Clinic) -> None:
    if not may_see_clinical(by, clinic):
        raise LogRefused(
            f"Only practitioners and managers of {clinic.name} may write session logs.",
            code="not_permitted",
        )


def get_photo_for(user, photo_id) -> SessionPhoto:
    """A photo of a session at one of the user's clinics, or 404 (R14)."""
    try:
        return SessionPhoto.objects.select_related("session__client").get(
            pk=photo_id, session__clinic__in=staff_clinics(user)
        )
    except (SessionPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("No such photo.") from None


# --------------------------------------------------------------------------- reads


def _last_shade_subquery(plan_ref: str, number_ref: str) -> Subquery:
    return Subquery(
        SessionRecord.objects.filter(
            session__plan_id=OuterRef(plan_ref), session__number__lt=OuterRef(number_ref),
            session__status=SessionStatus.COMPLETED, shade_used__isnull=False,
        ).order_by("-session__number").values("shade_used")[:1]
    )


def treated_zones(session: TreatmentSession) -> list[tuple[str, str]]:
    """(zone, label) of the zones this session treats, in scalp order: every zone logged
    at an earlier live session of the plan or at this one; for a plan with nothing logged
    yet, the zones of its treatment area (R9). One query."""
    logged = set(
        ZoneAssessment.objects.filter(
            record__session__plan_id=session.plan_id,
            record__session__number__lte=session.number,
            record__session__status__in=LIVE_STATUSES,
        ).values_list("zone", flat=True)
    )
    zones = logged or set(AREA_ZONES.get(session.plan.treatment_area, ()))
    return [(z.value, z.label) for z in Zone if z.value in zones]


def log_missing(session: TreatmentSession) -> list[str]:
    """What the log still lacks before session 2 or later may be completed (R9)."""
    if session.number < 2:
        return []
    record = SessionRecord.objects.filter(session=session).prefetch_related("zones").first()
    assessed = {
        z.zone: (z.retention, z.not_assessed_reason) for z in (record.zones.all() if record else [])
    }
    return rules.log_missing(
        session.number, treated_zones(session), assessed, record.shade_used if record else None
    )


def earlier_sessions(session: TreatmentSession) -> list[TreatmentSession]:
    """The plan's earlier live sessions, latest first, each with its log (`record_or_none`),
    zones and photos: what the practitioner needs at the chair. Four queries, whatever the
    number of sessions."""
    earlier = list(
        TreatmentSession.objects.filter(
            plan_id=session.plan_id, number__lt=session.number, status__in=LIVE_STATUSES
        )
        .select_related("practitioner")
        .prefetch_related(
            Prefetch("photos", queryset=SessionPhoto.objects.order_by("pk"), to_attr="photo_list")
        )
        .order_by("-number")
    )
    logs = {
        r.session_id: r
        for r in SessionRecord.objects.filter(session__in=earlier).prefetch_related("zones")
    }
    for row in earlier:
        row.record_or_none = logs.get(row.pk)
    return earlier


def previous_record(session: TreatmentSession) -> SessionRecord | None:
    """The log of the latest earlier completed session of the plan, with its zones."""
    return (
        SessionRecord.objects.filter(
            session__plan_id=session.plan_id, session__number__lt=session.number,
            session__status=SessionStatus.COMPLETED,
        )
        .select_related("session__practitioner")
        .prefetch_related("zones")
        .order_by("-session__number")
        .first()
    )


def previous_shades(session: TreatmentSession, previous: SessionRecord | None) -> tuple[int, dict[str, int]]:
    """The main shade last time and the zones that had another one; the plan's starting
    shade when no earlier session recorded a shade."""
    if previous is None or previous.shade_used is None:
        shade = (
            SessionRecord.objects.filter(
                session__plan_id=session.plan_id, session__number__lt=session.number,
                session__status=SessionStatus.COMPLETED, shade_used__isnull=False,
            ).order_by("-session__number").values_list("shade_used", flat=True).first()
        )
        return (shade or session.plan.starting_shade), {}
    by_zone = {z.zone: z.shade_used for z in previous.zones.all() if z.shade_used}
    return previous.shade_used, by_zone


def suggestion_for(
    session: TreatmentSession, ratings: dict[str, int | None], previous: SessionRecord | None
) -> ShadeSuggestion:
    shade, by_zone = previous_shades(session, previous)
    return suggest_shade(shade, ratings, by_zone)


def record_of(session: TreatmentSession) -> SessionRecord | None:
    return (
        SessionRecord.objects.filter(session=session)
        .select_related("updated_by").prefetch_related("zones").first()
    )


def sessions_for_days(
    user, *, everyone: bool, days: int = 2, start: dt.date | None = None
) -> list[TreatmentSession]:
    """Sessions from `start` (default today, each clinic's own calendar day) for `days` days
    at the user's clinics: the user's own, or every practitioner's when `everyone`. One
    query, whatever the number of sessions; each row carries `last_shade`, `has_record`,
    `local_day` and `day_offset` (days after `start`)."""
    now = timezone.now()
    clinics = list(staff_clinics(user))
    window = Q(pk__in=[])
    for clinic in clinics:
        today = start or local_date(now, clinic.tz)
        begins, ends = day_span(today, today + dt.timedelta(days=days - 1), clinic.tz)
        window |= Q(clinic=clinic, starts_at__gte=begins, starts_at__lt=ends)
    sessions = (
        TreatmentSession.objects.filter(window)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("plan", "client", "clinic", "practitioner")
        .annotate(
            last_shade=_last_shade_subquery("plan_id", "number"),
            has_record=Exists(SessionRecord.objects.filter(session=OuterRef("pk"))),
        )
        .order_by("starts_at", "pk")
    )
    if not everyone:
        sessions = sessions.filter(practitioner=user)
    rows = list(sessions)
    for row in rows:
        row.local_day = local_date(row.starts_at, row.clinic.tz)
        row.day_offset = (row.local_day - (start or local_date(now, row.clinic.tz))).days
    return rows


@dataclass
class PlanProgress:
    """A plan's clinical history, loaded with a fixed number of queries."""

    plan: TreatmentPlan
    sessions: list[TreatmentSession]
    zones: list[str]  # zones logged in any session, in scalp order
    designs: list[HairlineDesign]
    alterations: list[AlterationRequest]

    @property
    def current_design(self) -> HairlineDesign | None:
        return self.designs[-1] if self.designs else None


def plan_progress(plan: TreatmentPlan) -> PlanProgress:
    """Sessions (not cancelled) with record, zones and photos; hairline versions;
    alterations. Five queries, whatever the number of sessions."""
    sessions = list(
        plan.sessions.exclude(status=SessionStatus.CANCELLED)
        .select_related("practitioner", "record")
        .prefetch_related(
            Prefetch("record__zones", queryset=ZoneAssessment.objects.order_by("id")),
            Prefetch("photos", queryset=SessionPhoto.objects.order_by("uploaded_at", "id")),
        )
        .order_by("number", "starts_at")
    )
    used = set()
    for session in sessions:
        # select_related leaves no record as a DoesNotExist, which is also an AttributeError.
        record = getattr(session, "record", None)
        session.log = record
        session.zone_map = {z.zone: z for z in record.zones.all()} if record else {}
        used.update(z for z, row in session.zone_map.items() if not row.is_empty)
    zones = [z for z in Zone.values if z in used or z != Zone.SCAR]
    designs = list(plan.hairline_designs.select_related("created_by", "signed_off_witness", "session"))
    alterations = list(
        AlterationRequest.objects.filter(session__plan=plan)
        .select_related("session", "decided_by", "raised_by").order_by("raised_at", "id")
    )
    return PlanProgress(plan, sessions, zones, designs, alterations)


def pending_alterations(plan: TreatmentPlan) -> QuerySet[AlterationRequest]:
    return AlterationRequest.objects.filter(
        session__plan=plan, decision=AlterationDecision.PENDING
    ).select_related("session").order_by("raised_at", "id")


# --------------------------------------------------------------------------- writes


def _lock_session(session: TreatmentSession) -> TreatmentSession:
    return (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("plan", "clinic", "client")
        .get(pk=session.pk)
    )


def save_session_log(
    *,
    session: TreatmentSession,
    by,
    log: LogInput | None = None,
    expected_revision: int | None = None,
    alteration: AlterationInput | None = None,
    decisions: dict[int, tuple[str, str]] | None = None,
    hairline: HairlineInput | None = None,
    sign_off_version: int | None = None,
    new_photos: list[tuple[photos.PreparedPhoto, str, str]] | None = None,
) -> SessionRecord | None:
    """Save what the practitioner logged, all or nothing.

    `log`: the record and its zones (None: leave them). `expected_revision`: the record's
    revision the form was shown with (0 when there was none); a colleague's save in between
    is refused instead of overwritten. `alteration`: a new request raised now.
    `decisions`: {alteration id: (decision, note)} for pending requests of the plan.
    `hairline`: a new design version. `sign_off_version`: the client signs off that version.
    `new_photos`: (prepared photo, kind, caption) triples from photos.prepare().
    Returns the record (None when `log` is None and no record exists)."""
    written: list[str] = []  # storage names
    try:
        with transaction.atomic():
            session = _lock_session(session)
            _require_clinical(by, session.clinic)
            if not session.is_live:  # a cancelled or missed session keeps its log as it was
                raise LogRefused(
                    f"Session {session.number} is {session.get_status_display().lower()}: its log "
                    "can no longer change.",
                    code="invalid_state",
                )
            record = (
                SessionRecord.objects.select_for_update(of=("self",)).filter(session=session)
                .select_related("updated_by").first()
            )
            _check_revision(record, expected_revision)
            if log is not None:
                record = _write_record(session, record, log, by)
            if alteration is not None:
                _raise_alteration(session, alteration, by)
            for alteration_id, (decision, note) in (decisions or {}).items():
                _decide(session.plan, alteration_id, decision, note, by)
            if hairline is not None:
                _new_design(session, hairline, by)
            if sign_off_version is not None:
                _sign_off(session.plan, sign_off_version, by)
            for prepared, kind, caption in new_photos or []:
                photos.store(session=session, by=by, prepared=prepared, kind=kind, caption=caption,
                             written=written)
            return record
    except BaseException:
        photos.discard(written)  # the rows were rolled back: leave no orphan files
        raise


def _check_revision(record: SessionRecord | None, expected: int | None) -> None:
    current = record.revision if record else 0
    if expected is None or expected == current:
        return
    if record is None:
        raise LogRefused("This log changed since you opened it. Reload the page.", code="stale")
    when = timezone.localtime(record.updated_at, record.session.clinic.tz)
    who = person_name(record.updated_by, nobody="A colleague")
    raise LogRefused(
        f"{who} saved this log at {when:%H:%M} after you opened it. "
        "Nothing of yours was saved: reload the page to see their version, then add your changes.",
        code="stale",
    )


def _write_record(
    session: TreatmentSession, record: SessionRecord | None, log: LogInput, by
) -> SessionRecord:
    ratings = {zone: z.retention for zone, z in log.zones.items() if z.retention is not None}
    if ratings and session.number == 1:
        raise LogRefused(
            "Retention is rated from session 2 on, once the first session's pigment has settled (R9).",
            code="retention_at_first_session",
        )
    unknown = set(log.zones) - set(Zone.values)
    if unknown:
        raise LogRefused(f"Unknown scalp zone: {', '.join(sorted(unknown))}.", code="invalid_zone")
    previous = previous_record(session) if session.number > 1 else None
    suggested = suggestion_for(session, ratings, previous).shade if ratings else None

    creating = record is None
    if creating:
        record = SessionRecord(session=session, created_by=by, revision=0)
    existing = {} if creating else {z.zone: z for z in record.zones.all()}
    zone_rows = []
    for zone, data in log.zones.items():
        row = existing.get(zone) or ZoneAssessment(zone=zone)
        values = {name: getattr(data, name) for name in ZONE_FIELDS}
        values["not_assessed_reason"] = (
            "" if data.retention is not None else (data.not_assessed_reason or "").strip()[:200]
        )
        changed = any(getattr(row, name) != value for name, value in values.items())
        if row.pk is None and not any(values.values()):
            continue  # an untouched zone gets no row
        if changed:
            for name, value in values.items():
                setattr(row, name, value)
            zone_rows.append(row)

    values = {name: getattr(log, name) for name in RECORD_FIELDS} | {"suggested_shade": suggested}
    record_changed = creating or any(getattr(record, name) != value for name, value in values.items())
    if not record_changed and not zone_rows:
        return record  # nothing changed: no new version
    for name, value in values.items():
        setattr(record, name, value)
    record.revision += 1
    record.updated_by = by
    save_by(record, by, clean=True)
    for row in zone_rows:
        row.record = record
        save_by(row, by, clean=True)
    return record


def _raise_alteration(session: TreatmentSession, data: AlterationInput, by) -> AlterationRequest:
    alteration = AlterationRequest(
        session=session, kind=data.kind, request=data.request.strip(), decision=data.decision,
        decision_note=data.decision_note.strip(), raised_by=by,
    )
    if data.decision != AlterationDecision.PENDING:
        alteration.decided_by, alteration.decided_at = by, timezone.now()
    save_by(alteration, by, clean=True)
    return alteration


def _decide(plan: TreatmentPlan, alteration_id: int, decision: str, note: str, by) -> None:
    alteration = (
        AlterationRequest.objects.select_for_update()
        .filter(pk=alteration_id, session__plan=plan).first()
    )
    if alteration is None:
        raise LogRefused("That alteration request is not part of this plan.", code="invalid_alteration")
    if alteration.decision != AlterationDecision.PENDING:
        raise LogRefused(
            f"“{alteration.get_kind_display()}” was already decided "
            f"({alteration.get_decision_display().lower()}). Record a new request to change it.",
            code="already_decided",
        )
    if decision == AlterationDecision.PENDING:
        return
    alteration.decision, alteration.decision_note = decision, note.strip()
    alteration.decided_by, alteration.decided_at = by, timezone.now()
    save_by(alteration, by, clean=True)


def _new_design(session: TreatmentSession, data: HairlineInput, by) -> HairlineDesign:
    """R11: each change is a new version; earlier versions are never edited."""
    description = data.description.strip()
    if not description:
        raise LogRefused("Describe the hairline design (shape, height, temple points).",
                         code="hairline_empty")
    _lock_designs(session.plan)
    last = session.plan.hairline_designs.order_by("-version").values_list("version", flat=True).first()
    design = HairlineDesign(
        plan=session.plan, version=(last or 0) + 1, session=session, description=description,
        created_by=by,
    )
    if data.signed_off:  # signed on paper in the clinic, the practitioner the witness
        design.signed_off_at, design.signed_off_witness = timezone.now(), by
        design.signed_off_in = SignOffWay.PAPER
    save_by(design, by, clean=True)
    return design


def _lock_designs(plan: TreatmentPlan) -> None:
    """Lock the plan's hairline versions, so that a new version and a sign-off (the session
    log's, the client's in the portal) are decided one after the other: a sign-off that
    waited for a new version sees it and is refused as replaced."""
    list(HairlineDesign.objects.select_for_update().filter(plan=plan).values_list("pk", flat=True))


def _latest_or_refuse(plan: TreatmentPlan, design: HairlineDesign) -> None:
    latest = plan.hairline_designs.order_by("-version").values_list("version", flat=True).first()
    if design.version != latest:
        raise LogRefused(
            f"Version {design.version} has been replaced by version {latest}: sign off the latest design.",
            code="hairline_replaced",
        )


def _sign_off(plan: TreatmentPlan, version: int, by) -> None:
    """The staff tick: the client signed the version on paper in the clinic, `by` witnessed it."""
    _lock_designs(plan)
    design = plan.hairline_designs.filter(version=version).first()
    if design is None:
        raise LogRefused(f"The plan has no hairline version {version}.", code="invalid_hairline")
    _latest_or_refuse(plan, design)
    if design.is_signed_off:
        return  # signed once (on paper or in the portal); a second tick changes nothing
    design.signed_off_at, design.signed_off_witness = timezone.now(), by
    design.signed_off_in = SignOffWay.PAPER
    save_by(design, by, clean=True)


def client_sign_off_hairline(design: HairlineDesign, user, address: str | None = None) -> HairlineDesign:
    """R11 in the portal: the plan's own client, signed in, read `design` and agrees to it.

    Only the plan's client's login may sign (`not_permitted`), only the latest version
    (`hairline_replaced`) of a plan that is not cancelled (`invalid_state`). Records the
    time, "in the portal" and `address` (the request's, None when unknown); the history row
    names the client's login. A version already signed (either way) is returned unchanged."""
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_related("client").get(pk=design.plan_id)
        if user is None or not user.is_authenticated or plan.client.user_id != user.pk:
            raise LogRefused("Only the client of this plan can sign off its hairline design.",
                             code="not_permitted")
        if plan.status == PlanStatus.CANCELLED:
            raise LogRefused("This treatment plan was cancelled: there is nothing to sign off.",
                             code="invalid_state")
        _lock_designs(plan)
        design = HairlineDesign.objects.get(pk=design.pk)
        _latest_or_refuse(plan, design)
        if design.is_signed_off:
            return design  # agreeing twice (a second tab, a reload) changes nothing
        design.signed_off_at, design.signed_off_in = timezone.now(), SignOffWay.PORTAL
        design.signed_off_witness, design.signed_off_from = None, address or None
        save_by(design, user, clean=True)
        return design
