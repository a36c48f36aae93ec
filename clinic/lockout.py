"""Failed sign-ins and lock-outs (R18), on django-axes: 10 failures lock an account, and
separately a source address, for 15 minutes (settings: AXES_*). This module names the
account axes counts, lets a manager see and lift a colleague's lock, and writes the sign-in
events to the audit trail."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from clinic.audit import AuditEvent, AuditKind, record_event


def attempted_username(request, credentials) -> str:
    """The account a sign-in tried, whichever way it was typed: an e-mail address of exactly
    one user counts as that user's username, so switching spellings buys no extra tries. What
    does not match anyone is counted as typed (lower-cased): an unknown name locks the same way,
    and the lockout page cannot tell the two apart."""
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    typed = typed.strip()
    users = get_user_model().objects
    if "@" in typed:
        matches = list(users.filter(email__iexact=typed).values_list("username", flat=True)[:2])
        if len(matches) == 1:
            return matches[0]
    match = users.filter(username__iexact=typed).values_list("username", flat=True).first()
    return match or typed.lower()


def is_locked(user) -> bool:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=user.get_username(), attempt_time__gte=since)
    return sum(failures.values_list("failures_since_start", flat=True)) >= settings.AXES_FAILURE_LIMIT


def locked_usernames(usernames) -> set[str]:
    """Which of `usernames` are locked now (one query, for the Team page)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    totals: dict[str, int] = {}
    rows = AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since)
    for name, failures in rows.values_list("username", "failures_since_start"):
        totals[name] = totals.get(name, 0) + failures
    return {name for name, total in totals.items() if total >= settings.AXES_FAILURE_LIMIT}


def unlock(request, colleague, *, clinic=None) -> None:
    """A manager lifts a colleague's lock: their failed attempts are forgotten."""
    reset(username=colleague.get_username())
    record_event(
        kind=AuditKind.UNLOCKED, request=request, subject_user=colleague, clinic=clinic,
        detail=f"{colleague.get_username()} unlocked",
    )


def _from_a_person(request) -> bool:
    # A session built without an HTTP request (the test suite's sign_in, a shell) is not a
    # person signing in: only requests that came over the wire are recorded.
    return request is not None and bool(request.META.get("REMOTE_ADDR"))


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs):
    if _from_a_person(request):
        record_event(kind=AuditKind.SIGN_IN, request=request, actor=user)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None and _from_a_person(request):
        record_event(kind=AuditKind.SIGN_OUT, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    if _from_a_person(request):
        # The name tried goes in `detail`, never as the actor: it may not be anyone.
        record_event(
            kind=AuditKind.SIGN_IN_FAILED, request=request, actor=None,
            detail=f"Tried: {str(credentials.get('username', ''))[:150]}",
        )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    """One row when a lock starts (axes signals again at each refused try; those are
    recorded as failed sign-ins)."""
    detail = f"Locked after {settings.AXES_FAILURE_LIMIT} failed sign-ins: {str(username)[:150]}"
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    if AuditEvent.objects.filter(kind=AuditKind.LOCKED_OUT, detail=detail, at__gte=since).exists():
        return
    user = get_user_model().objects.filter(username=username).first()
    record_event(
        kind=AuditKind.LOCKED_OUT, request=request, actor=None, subject_user=user, detail=detail,
    )
