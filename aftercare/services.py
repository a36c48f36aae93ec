"""Aftercare planning and delivery (R12, R13, R15): the one home of the outbox's rules.

Planning is called directly by the booking service inside its transactions (no signals,
STYLE.md #7): a refused or failed booking change plans nothing. Each planned message is a
`Reminder` row; the beat task `dispatch_due_reminders` claims due rows and hands their ids to
the `send_reminder` task after commit.

Exactly once (R12), step by step:
1. Planned once: one row per (session, kind, channel), a database unique constraint.
2. Claimed once: the dispatcher moves due rows from `scheduled` to `sending` in one
   transaction, `select_for_update(skip_locked=True)` on PostgreSQL so two dispatchers never
   claim the same row (elsewhere, a conditional update per row: only one UPDATE matches
   `status = scheduled`). The ids go to Celery only after that commit.
3. Handed over once: the send task locks the row and hands the message to the provider only
   while the row is `sending`; it marks it `sent` in the same transaction. A second run of the
   same id (Celery redelivery, a re-queue) finds `sent` and sends nothing.
4. Never lost: a row still `sending` a lease after its claim (its Celery message was lost:
   Redis flushed, worker killed) is handed to the task again by the dispatcher. Only a
   message whose provider hand-over happened just before its worker died (the transaction
   marking it `sent` never committed) can leave twice - at most what was in flight.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from aftercare import channels
from aftercare.errors import TransientSendError
from aftercare.messages import recall_day, render_reminder, session_end, window_close
from aftercare.models import (
    COMPLETION_ANCHORS,
    UNSENT_STATUSES,
    Anchor,
    Channel,
    MessageTemplate,
    Reminder,
    ReminderStatus,
    ScheduleStep,
)
from clinic import paperwork
from clinic.clinic_time import at_local, local_date
from clinic.history import person_name
from clinic.models import PlanStatus, TreatmentPlan
from clinic.phones import sms_capable
from sessions_app.models import SessionStatus, TreatmentSession

logger = logging.getLogger(__name__)

# A claimed row whose send task has not confirmed it after this long is handed over again.
# Longer than a send can take (task time limit 5 minutes, provider timeouts 10-30 s).
SENDING_LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5  # provider hand-overs tried before a message is marked failed
MAX_QUEUED = 6  # hand-overs to the send task without any answer before it is marked failed
CLAIM_BATCH = 500
# Messages without a fixed hour are kept to sensible local hours (R12).
DAY_STARTS, DAY_ENDS = dt.time(8), dt.time(20)


class ResendRefused(ValidationError):
    """A message that cannot be sent again; the message says why."""


# --------------------------------------------------------------------------- booking hooks


def session_booked(*, session: TreatmentSession) -> None:
    """A session was booked: plan its appointment reminder; the previous session's "book
    your next session" prompt (R13) is no longer needed."""
    _plan(session, (Anchor.SESSION_START,))
    previous = _previous_session(session)
    if previous is not None:
        _cancel(
            previous.reminders.filter(step__only_if_next_unbooked=True),
            note=f"Session {session.number} was booked.",
        )


def session_rescheduled(*, session: TreatmentSession) -> None:
    """A booked session moved: its unsent appointment reminder moves with it (or is dropped
    when its moment has already passed). A reminder already sent stays as it was."""
    _plan(session, (Anchor.SESSION_START,))


def session_completed(*, session: TreatmentSession, by) -> None:
    """A session was completed: plan its aftercare (instructions, reminder, window closed),
    the prompt for the next session (R13) and, when this completed the plan, the touch-up
    recall (R15). An unsent appointment reminder of this session is no longer needed."""
    _cancel(
        session.reminders.filter(step__anchor=Anchor.SESSION_START),
        note=f"Session {session.number} was completed.",
    )
    _plan(session, COMPLETION_ANCHORS)
    if session.plan.status == PlanStatus.COMPLETED:
        _plan(session, (Anchor.PLAN_COMPLETED,))


def session_cancelled(*, session: TreatmentSession) -> None:
    """A session was cancelled or marked no-show: nothing more is sent about it. If it was
    the session a prompt asked the client to book, that prompt applies again."""
    status = session.get_status_display().lower()
    _cancel(session.reminders.all(), note=f"Session {session.number} is {status}.")
    previous = _previous_session(session)
    if previous is not None and previous.status == SessionStatus.COMPLETED:
        _plan(previous, COMPLETION_ANCHORS, only_prompts=True)


def session_uncompleted(*, session: TreatmentSession) -> None:
    """A completion was undone (booking.uncomplete_session): the aftercare, prompt and recall
    messages not sent yet are cancelled."""
    _cancel(
        session.reminders.filter(step__anchor__in=(*COMPLETION_ANCHORS, Anchor.PLAN_COMPLETED)),
        note=f"Session {session.number} is no longer completed.",
    )


def plan_completed(*, plan: TreatmentPlan, by) -> None:
    """A plan was closed early (booking.complete_plan): schedule its touch-up recall (R15),
    attached to the plan's last completed session."""
    last = plan.sessions.filter(status=SessionStatus.COMPLETED).order_by("-number").first()
    if last is not None:
        last.plan = plan
        _plan(last, (Anchor.PLAN_COMPLETED,))
        _cancel(last.reminders.filter(step__only_if_next_unbooked=True), note="The plan was completed.")


# --------------------------------------------------------------------------- planning


def _previous_session(session: TreatmentSession) -> TreatmentSession | None:
    return (
        TreatmentSession.objects.select_related("plan", "client", "clinic")
        .live().filter(plan_id=session.plan_id, number=session.number - 1)
        .first()
    )


def next_session_unbooked(session: TreatmentSession) -> bool:
    """The plan quotes a session after this one and it is not booked (R13)."""
    plan = session.plan
    return (
        plan.is_open
        and plan.quoted_sessions > session.number
        and not plan.sessions.live().filter(number=session.number + 1).exists()
    )


def consents(client, channel: str) -> bool:
    """The client agreed to this channel and can be reached by it."""
    if channel == Channel.EMAIL:
        return client.email_consent and bool(client.email.strip())
    # A text goes only to a number that can be a mobile (R20).
    return client.sms_consent and sms_capable(client.phone)


def paperwork_reminder_unwanted(step: ScheduleStep, session: TreatmentSession) -> bool:
    """The paperwork reminder goes out only before session 1 while the paperwork is missing."""
    return step.template == MessageTemplate.PAPERWORK and (
        session.number != 1 or paperwork.current_for_plan(session.client, session.plan)
    )


def _applies(step: ScheduleStep, session: TreatmentSession) -> bool:
    if step.after_session is not None and step.after_session != session.number:
        return False
    if paperwork_reminder_unwanted(step, session):
        return False
    if step.anchor == Anchor.SESSION_START:
        return session.status == SessionStatus.BOOKED
    if step.anchor == Anchor.PLAN_COMPLETED:
        return session.plan.status == PlanStatus.COMPLETED and session.plan.completed_at is not None
    if session.status != SessionStatus.COMPLETED:
        return False
    return not step.only_if_next_unbooked or next_session_unbooked(session)


def anchor_instant(step: ScheduleStep, session: TreatmentSession) -> dt.datetime:
    if step.anchor == Anchor.SESSION_START:
        return session.starts_at
    if step.anchor == Anchor.WINDOW_CLOSE:
        return window_close(session)
    if step.anchor == Anchor.PLAN_COMPLETED:
        plan = session.plan
        at = plan.completed_at.astimezone(plan.clinic.tz).time()
        return at_local(recall_day(plan), at, plan.clinic.tz)
    return session_end(session)


def due_at(step: ScheduleStep, session: TreatmentSession, now: dt.datetime) -> dt.datetime | None:
    """When the step's message for this session is due, or None when it should not be sent.

    Counted in calendar days on the clinic's calendar, then the local hour, then UTC: a DST
    change between the anchor and the send day never moves the message off its local hour."""
    tz = session.clinic.tz
    anchor = anchor_instant(step, session)
    day = local_date(anchor, tz) + dt.timedelta(days=step.day_offset)
    if step.send_time is not None:
        due = at_local(day, step.send_time, tz)
        return due if due > now else None  # its hour has passed: a late message would confuse
    due = at_local(day, anchor.astimezone(tz).time().replace(tzinfo=None), tz)
    if due <= now:
        # The moment has passed: aftercare of a completed session still matters (at once);
        # an appointment reminder no longer does.
        return None if step.anchor == Anchor.SESSION_START else now
    local = due.astimezone(tz)
    if local.time() < DAY_STARTS:
        return at_local(local.date(), DAY_STARTS, tz)
    if local.time() > DAY_ENDS:
        return at_local(local.date() + dt.timedelta(days=1), DAY_STARTS, tz)
    return due


def _plan(session: TreatmentSession, anchors: Iterable[str], *, only_prompts: bool = False) -> None:
    """Plan the session's messages of these anchors. Idempotent: a row that exists keeps its
    id; an unsent one gets its new due time; a cancelled one is scheduled again when it
    applies again; sent, sending and failed rows are left as they are."""
    with transaction.atomic():
        _plan_rows(session, anchors, only_prompts=only_prompts)


def _plan_rows(session: TreatmentSession, anchors: Iterable[str], *, only_prompts: bool) -> None:
    now = timezone.now()
    steps = ScheduleStep.objects.for_clinic(session.clinic).filter(anchor__in=list(anchors))
    if only_prompts:
        steps = steps.filter(only_if_next_unbooked=True)
    wanted: dict[tuple[str, str], tuple[ScheduleStep, dt.datetime | None]] = {}
    for step in steps:
        if not _applies(step, session):
            continue
        due = due_at(step, session, now)
        if step.template == MessageTemplate.WINDOW_REMINDER and due and due >= window_close(session):
            continue  # a clinic with a shorter window: "keep it dry until <past>" would confuse
        for channel in step.channels:
            if consents(session.client, channel):
                wanted[(step.kind, channel)] = (step, due)
    if not wanted:
        return
    existing = {
        (r.kind, r.channel): r
        for r in Reminder.objects.select_for_update().filter(
            session=session, kind__in={kind for kind, _ in wanted}
        )
    }
    new = []
    for key, (step, due) in wanted.items():
        row = existing.get(key)
        if row is None:
            if due is not None:
                new.append(Reminder(client_id=session.client_id, session=session, step=step,
                                    kind=step.kind, channel=key[1], due_at=due))
        elif row.status in (ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED):
            if due is None:
                if row.status == ReminderStatus.SCHEDULED:
                    row.status = ReminderStatus.CANCELLED
                    row.note = "Its time had passed when it was planned."
                    row.save(update_fields=["status", "note", "updated_at"])
            else:
                row.status, row.due_at, row.note = ReminderStatus.SCHEDULED, due, ""
                row.save(update_fields=["status", "due_at", "note", "updated_at"])
    # ignore_conflicts: a concurrent plan of the same session keeps the first row (unique).
    Reminder.objects.bulk_create(new, ignore_conflicts=True)


def _cancel(reminders: QuerySet[Reminder], *, note: str) -> int:
    """Cancel the messages not sent yet. A row being sent right now is locked by its send
    task: this waits for it, and then leaves it alone if it went out."""
    return reminders.filter(status__in=UNSENT_STATUSES).update(
        status=ReminderStatus.CANCELLED, note=note[:200], updated_at=timezone.now()
    )


# --------------------------------------------------------------------------- dispatching


def dispatch_due(
    *, now: dt.datetime | None = None, batch_size: int = CLAIM_BATCH, skip_locked: bool | None = None
) -> int:
    """Claim every due message and every stuck one, and hand their ids to the send task after
    each batch commits. Returns how many were handed over. Safe to run on several workers at
    once. `now` is the dispatcher's clock (tests move it); `skip_locked=False` forces the
    portable claim (conditional updates) where the database has SKIP LOCKED too."""
    now = now or timezone.now()
    if skip_locked is None:
        skip_locked = connection.features.has_select_for_update_skip_locked
    handed = _requeue_stuck(now, batch_size, skip_locked)
    while True:
        claimed, found = _claim_due(now, batch_size, skip_locked)
        handed += len(claimed)
        if not found:
            return handed


def _claim_due(now: dt.datetime, batch_size: int, skip_locked: bool) -> tuple[list[int], bool]:
    with transaction.atomic():
        due = Reminder.objects.due(now).order_by("due_at", "id")
        claim = {"status": ReminderStatus.SENDING, "claimed_at": now, "queued": F("queued") + 1,
                 "updated_at": timezone.now()}
        if skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
            Reminder.objects.filter(pk__in=ids).update(**claim)
            found = bool(ids)
        else:
            # No SKIP LOCKED (SQLite in development): each row is claimed by a conditional
            # update; a row another dispatcher claimed first no longer matches.
            candidates = list(due.values_list("pk", flat=True)[:batch_size])
            ids = [pk for pk in candidates
                   if Reminder.objects.filter(pk=pk, status=ReminderStatus.SCHEDULED).update(**claim)]
            found = bool(candidates)
        _enqueue_on_commit(ids)
    return ids, found


def _requeue_stuck(now: dt.datetime, batch_size: int, skip_locked: bool) -> int:
    """Hand over again the rows claimed more than a lease ago and never confirmed; after
    MAX_QUEUED hand-overs without an answer a row is marked failed for staff to look at."""
    handed = 0
    while True:
        with transaction.atomic():
            stuck = Reminder.objects.stuck(now - SENDING_LEASE).order_by("claimed_at", "id")
            if skip_locked:
                # A row its send task is working on right now is locked: skipped, not doubled.
                stuck = stuck.select_for_update(skip_locked=True)
            rows = list(stuck.values_list("pk", "queued")[:batch_size])
            exhausted = [pk for pk, queued in rows if queued >= MAX_QUEUED]
            again = [pk for pk, queued in rows if queued < MAX_QUEUED]
            Reminder.objects.stuck(now - SENDING_LEASE).filter(pk__in=exhausted).update(
                status=ReminderStatus.FAILED, updated_at=timezone.now(),
                last_error=f"No confirmation from the send task after {MAX_QUEUED} hand-overs.",
            )
            # Conditional on still being stuck, so two dispatchers never both hand a row over
            # (on PostgreSQL the rows are ours already: locked above).
            stale = Reminder.objects.stuck(now - SENDING_LEASE)
            again_claim = {"claimed_at": now, "queued": F("queued") + 1, "updated_at": timezone.now()}
            if skip_locked:
                stale.filter(pk__in=again).update(**again_claim)
                ids = again
            else:
                ids = [pk for pk in again if stale.filter(pk=pk).update(**again_claim)]
            if ids:
                logger.warning("Re-queued %d aftercare message(s) not confirmed within the lease.", len(ids))
            _enqueue_on_commit(ids)
        handed += len(ids)
        if len(rows) < batch_size:
            return handed


def _enqueue_on_commit(ids: list[int]) -> None:
    """A worker must not see an id before its claim is committed. With eager Celery (unit
    tests, `dispatch_due_reminders()` called by hand) the send runs here, in this very
    transaction, so it can run at once."""
    if not ids:
        return
    from aftercare.tasks import send_reminder

    if send_reminder.app.conf.task_always_eager:
        enqueue(ids)
    else:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    """Hand ids (and nothing else: no names, addresses or clinical text) to the send task.
    If the broker is down the rows stay `sending` and the lease hands them over later."""
    from aftercare.tasks import send_reminder

    try:
        with send_reminder.app.producer_or_acquire() as producer:
            for pk in ids:
                send_reminder.apply_async((pk,), producer=producer)
    except (BrokerError, OSError):
        logger.exception("Could not queue %d aftercare message(s); the next lease re-queues them.", len(ids))


# --------------------------------------------------------------------------- sending


def reason_not_to_send(reminder: Reminder) -> str:
    """Why this message must not leave now ('' when it may), checked at send time: the
    session or plan may have changed, or consent been withdrawn, since it was planned."""
    step, session, plan = reminder.step, reminder.session, reminder.session.plan
    if not step.active:
        return "Its schedule step was switched off."
    if step.anchor == Anchor.SESSION_START and not session.is_open:
        return f"Session {session.number} is {session.get_status_display().lower()}."
    if step.anchor in COMPLETION_ANCHORS and session.status != SessionStatus.COMPLETED:
        return f"Session {session.number} is {session.get_status_display().lower()}, not completed."
    if step.anchor == Anchor.PLAN_COMPLETED and plan.status != PlanStatus.COMPLETED:
        return f"The plan is {plan.get_status_display().lower()}."
    if step.only_if_next_unbooked and not next_session_unbooked(session):
        return f"Session {session.number + 1} is booked or no longer open."
    if paperwork_reminder_unwanted(step, session):
        return "The paperwork is done."
    if reminder.channel == Channel.EMAIL and not reminder.client.email_consent:
        return "The client does not consent to e-mail."
    if reminder.channel == Channel.SMS and not reminder.client.sms_consent:
        return "The client does not consent to SMS."
    return ""


def send_reminder(*, reminder_id: int) -> str:
    """Hand one claimed message to its provider, exactly once; returns the row's status.

    The row stays locked from the check to the `sent` mark, so a second run of the same id
    (at the same time or later) waits and then finds nothing to do. Raises
    TransientSendError (after recording the attempt) when another try should follow."""
    retry: TransientSendError | None = None
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("client", "step", "session__clinic", "session__plan__clinic")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.status != ReminderStatus.SENDING:
            return "skipped" if reminder is None else reminder.status
        if reason := reason_not_to_send(reminder):
            _finish(reminder, ReminderStatus.CANCELLED, note=reason[:200])
            return reminder.status
        if problem := channels.address_problem(reminder):
            _finish(reminder, ReminderStatus.FAILED, last_error=problem)
            return reminder.status
        reminder.attempts += 1
        try:
            message = render_reminder(reminder)
            provider_id = channels.deliver(reminder, message)
        except TransientSendError as error:
            if reminder.attempts >= MAX_ATTEMPTS:
                _finish(reminder, ReminderStatus.FAILED, last_error=str(error))
            else:
                _finish(reminder, ReminderStatus.SENDING, last_error=str(error))
                retry = error
        except Exception as error:  # a refusal or a bug: no retry can help; staff see it
            logger.exception("Aftercare message %s failed", reminder.pk)
            _finish(reminder, ReminderStatus.FAILED, last_error=str(error) or error.__class__.__name__)
        else:
            _finish(reminder, ReminderStatus.SENT, provider_id=provider_id[:200], sent_at=timezone.now(),
                    last_error="")
    if retry is not None:
        raise retry  # after the commit: the attempt and its error are recorded
    return reminder.status


def _finish(reminder: Reminder, status: str, **fields) -> None:
    reminder.status = status
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder.save(update_fields=["status", "attempts", "updated_at", *fields])


def resend_reminder(*, reminder: Reminder, by) -> Reminder:
    """Staff send a failed message again (after fixing an address, say): it is handed to the
    send task now, with a fresh count of attempts."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("client", "step", "session__clinic", "session__plan__clinic")
            .get(pk=reminder.pk)
        )
        if reminder.status != ReminderStatus.FAILED:
            raise ResendRefused(
                f"This message is {reminder.get_status_display().lower()}: only a failed message "
                "can be sent again.", code="not_failed",
            )
        if reason := reason_not_to_send(reminder):
            raise ResendRefused(f"This message cannot be sent any more: {reason}", code="not_wanted")
        if problem := channels.address_problem(reminder):
            raise ResendRefused(f"{problem} Add it on the client's record first.", code="no_address")
        now = timezone.now()
        who = person_name(by)
        reminder.status, reminder.claimed_at, reminder.queued, reminder.attempts = (
            ReminderStatus.SENDING, now, 1, 0,
        )
        reminder.resent_by, reminder.resent_at, reminder.note = by, now, f"Sent again by {who}."
        reminder.save(update_fields=["status", "claimed_at", "queued", "attempts", "resent_by",
                                     "resent_at", "note", "updated_at"])
        _enqueue_on_commit([reminder.pk])
    return reminder


# --------------------------------------------------------------------------- demo


def plan_demo_messages(*, bring_forward: int = 3) -> int:
    """For `make run` (seed_demo calls it on every run; idempotent): plans the messages of the
    demo's sessions written as imported history, and - when nothing is due - brings the next
    `bring_forward` scheduled messages forward to now, so the worker's console shows them
    leaving at the next beat tick. Development only. Returns the number of due messages."""
    if not settings.DEBUG:
        raise RuntimeError("plan_demo_messages is for the development demo only (DEBUG on).")
    now = timezone.now()
    sessions = TreatmentSession.objects.select_related("plan__clinic", "client", "clinic")
    with transaction.atomic():
        for session in sessions.filter(status=SessionStatus.BOOKED, starts_at__gt=now):
            _plan(session, (Anchor.SESSION_START,))
        recent = now - dt.timedelta(days=14)
        for session in sessions.filter(status=SessionStatus.COMPLETED, ends_at__gte=recent):
            if now < window_close(session):
                _plan(session, COMPLETION_ANCHORS)
        due = Reminder.objects.due(now)
        if not due.exists():
            soonest = list(
                Reminder.objects.filter(status=ReminderStatus.SCHEDULED)
                .order_by("due_at").values_list("pk", flat=True)[:bring_forward]
            )
            Reminder.objects.filter(pk__in=soonest).update(
                due_at=now, note="Brought forward for the demo.", updated_at=now
            )
        return Reminder.objects.due(now).count()
