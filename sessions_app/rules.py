"""The pure rules of a treatment plan's sessions: which sessions count, when each may start
after the one before (R3-R5), and how many chairs a set of sessions needs (R7).

No database writes and no services: the booking service, slot proposals, worklists,
aftercare messages and the portal all read the rules from here. Imports only models and
calendar maths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic.clinic_time import day_label, days_after, local_date
from clinic.models import OPEN_PLAN_STATUSES, TreatmentPlan
from sessions_app.models import LIVE_STATUSES, OPEN_STATUSES, TreatmentSession

__all__ = [
    "LIVE_STATUSES", "OPEN_PLAN_STATUSES", "OPEN_STATUSES", "SequenceProblem", "allowed_window",
    "log_missing", "needs_override", "pair_problem", "peak_use", "second_session_target", "sequence_problems",
]


def peak_use(sessions: list[TreatmentSession], starts_at=None, ends_at=None) -> int:
    """Most sessions running at one instant (of [starts_at, ends_at) when given): the
    chairs they need. The calendar shows the same number."""
    events = []
    for s in sessions:
        events.append((max(s.starts_at, starts_at) if starts_at else s.starts_at, 1))
        events.append((min(s.ends_at, ends_at) if ends_at else s.ends_at, -1))
    peak = running = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):  # ends before starts at a tie
        running += delta
        peak = max(peak, running)
    return peak


@dataclass(frozen=True)
class SequenceProblem:
    """A pair of consecutive sessions that breaks R3-R5. `number` is the later session."""

    code: str
    number: int
    message: str
    earliest: dt.date | None = None
    latest: dt.date | None = None


def allowed_window(plan: TreatmentPlan, number: int, previous_start: dt.datetime):
    """(earliest local date, latest local date or None) for session `number` after the
    previous session started at `previous_start` (R4, R5)."""
    clinic = plan.clinic
    base = local_date(previous_start, clinic.tz)
    if number == 2:
        return base + dt.timedelta(days=clinic.min_days_first_to_second), None
    if number == 3:
        return (
            base + dt.timedelta(days=clinic.third_window_min_days),
            base + dt.timedelta(days=clinic.third_window_max_days),
        )
    return base + dt.timedelta(days=clinic.third_window_min_days), None


def second_session_target(plan: TreatmentPlan, first_start: dt.datetime) -> tuple[dt.date, dt.date]:
    """The usual 10-14-day target for session 2 (R4), which booking proposes first."""
    base = local_date(first_start, plan.clinic.tz)
    return (
        base + dt.timedelta(days=plan.clinic.target_days_second_min),
        base + dt.timedelta(days=plan.clinic.target_days_second_max),
    )


def needs_override(plan: TreatmentPlan, starts: dict[int, dt.datetime], number: int) -> bool:
    """True when session `number` is later than the third-session window (R5)."""
    if number != 3 or 2 not in starts:
        return False
    return days_after(starts[2], starts[3], plan.clinic.tz) > plan.clinic.third_window_max_days


def pair_problem(
    plan: TreatmentPlan, number: int, previous_start, start, *, late_allowed: bool
) -> SequenceProblem | None:
    clinic = plan.clinic
    prev_day = local_date(previous_start, clinic.tz)
    prev = f"session {number - 1} on {day_label(prev_day)}"
    if start <= previous_start:
        return SequenceProblem(
            "out_of_order", number,
            f"Session {number} must start after {prev} (sessions follow their order).",
        )
    earliest, latest = allowed_window(plan, number, previous_start)
    gap = days_after(previous_start, start, clinic.tz)
    if number == 2 and gap < clinic.min_days_first_to_second:
        target_from, target_to = second_session_target(plan, previous_start)
        return SequenceProblem(
            "too_soon", number,
            f"Session 2 can start from {day_label(earliest)} ({clinic.min_days_first_to_second} "
            f"days after {prev}), once the skin has healed; {day_label(target_from)}-"
            f"{day_label(target_to)} is the usual target.",
            earliest, latest,
        )
    if number == 3 and not (clinic.third_window_min_days <= gap <= clinic.third_window_max_days):
        window = (
            f"A third session can start from {day_label(earliest)} "
            f"({clinic.third_window_min_days} days after session 2) to {day_label(latest)}"
        )
        if gap < clinic.third_window_min_days:
            return SequenceProblem("too_soon", 3, f"{window}.", earliest, latest)
        if not late_allowed:
            return SequenceProblem(
                "too_late", 3,
                f"{window} ({clinic.third_window_max_days} days after session 2). Later than "
                "that needs a manager's override with a written reason.",
                earliest, latest,
            )
    if number >= 4 and gap < clinic.third_window_min_days:
        return SequenceProblem(
            "too_soon", number,
            f"Session {number} can start from {day_label(earliest)} "
            f"({clinic.third_window_min_days} days after {prev}).",
            earliest, latest,
        )
    return None


def sequence_problems(
    plan: TreatmentPlan,
    starts: dict[int, dt.datetime],
    *,
    subject: int,
    late_allowed: bool = False,
    overridden: frozenset[int] = frozenset(),
) -> list[SequenceProblem]:
    """Every consecutive pair of `starts` (number -> start) that breaks R3-R5, the subject
    session's own pair first. A late third session is fine if the subject may be booked late
    (`late_allowed`) or the session already carries a manager's override (`overridden`)."""
    problems = []
    for number in sorted(starts):
        if number - 1 not in starts:
            continue
        problem = pair_problem(
            plan, number, starts[number - 1], starts[number],
            late_allowed=(late_allowed and number == subject) or number in overridden,
        )
        if problem:
            problems.append(problem)
    problems.sort(key=lambda p: p.number != subject)
    return problems


def log_missing(
    number: int,
    treated: list[tuple[str, str]],
    assessed: dict[str, tuple[int | None, str]],
    shade_used: int | None,
) -> list[str]:
    """What the log of session `number` still lacks before it may be completed (R9), in
    words: from session 2 on every treated zone (`treated`: (zone, label) pairs) needs a
    retention rating or "not assessed" with a reason (`assessed`: zone -> (rating,
    reason)), and the shade used must be recorded. Session 1 has nothing to rate."""
    if number < 2:
        return []
    missing = [
        f"{label}: retention rating, or \"not assessed\" with a reason"
        for zone, label in treated
        if assessed.get(zone, (None, ""))[0] is None and not assessed.get(zone, (None, ""))[1].strip()
    ]
    if shade_used is None:
        missing.append("the shade used")
    return missing
