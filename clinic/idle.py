"""Idle logoff. Staff sessions end after their clinic's `staff_idle_minutes` without a request
(the strictest of their clinics), clients' after 30, and a staff session lasts at most 12
hours from sign-in however busy.

The last activity lives in the session, rewritten at most once a minute per session (never
SESSION_SAVE_EVERY_REQUEST): a page served within the minute writes nothing. So activity is
known to within a minute, and a session may end up to a minute before the full idle time.
The idle limit is worked out when the activity is written and kept in the session beside it:
a changed clinic setting applies within a minute, without a query on every request.

Requests that are not the person acting do not count as activity: the idle page's status
check (GET of `idle_ping`) and anything sent with the `X-Pigment-Background` header. Only
"Stay signed in" (POST to `idle_ping`) and ordinary requests keep a session alive."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.db.models import Min
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from clinic.audit import AuditKind, record_event

LAST_ACTIVITY = "_idle_last"  # epoch seconds of the last activity written
SIGNED_IN_AT = "_idle_signed_in"  # epoch seconds of the sign-in (the 12-hour cap)
IDLE_LIMIT = "_idle_limit"  # minutes of idleness allowed, worked out with the last write

CLIENT_IDLE_MINUTES = 30
DEFAULT_STAFF_IDLE_MINUTES = 15  # staff without a clinic, and superusers
STAFF_MAX_HOURS = 12
WRITE_EVERY_SECONDS = 60
BACKGROUND_HEADER = "HTTP_X_PIGMENT_BACKGROUND"


def idle_minutes_for(user) -> int:
    """Idle minutes allowed to `user`: the strictest clinic setting for staff, 30 for clients."""
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        strictest = profile.clinics.aggregate(m=Min("staff_idle_minutes"))["m"]
        return strictest or DEFAULT_STAFF_IDLE_MINUTES
    if getattr(user, "client_profile", None) is not None:
        return CLIENT_IDLE_MINUTES
    return DEFAULT_STAFF_IDLE_MINUTES


def is_capped(user) -> bool:
    """Staff and superusers: a session lasts at most 12 hours; clients have no cap."""
    return user.is_superuser or getattr(user, "staff_profile", None) is not None


def touch(request, now: float | None = None) -> None:
    """Record activity now and work out the idle limit again (one query and a session write)."""
    session = request.session
    now = time.time() if now is None else now
    session[LAST_ACTIVITY] = int(now)
    session.setdefault(SIGNED_IN_AT, int(now))
    session[IDLE_LIMIT] = idle_minutes_for(request.user)
    session["_idle_capped"] = is_capped(request.user)


def on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: the idle clock and the 12-hour cap start at sign-in (stored with the
    sign-in's own session write, so the first page after it writes nothing)."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(SIGNED_IN_AT, None)
    request.user = user
    touch(request)


def seconds_left(request, now: float | None = None) -> int:
    """Seconds before this session ends for idleness or for the 12-hour cap (at least 0)."""
    session = request.session
    now = time.time() if now is None else now
    left = session[LAST_ACTIVITY] + session[IDLE_LIMIT] * 60 - now
    if session.get("_idle_capped"):
        left = min(left, session[SIGNED_IN_AT] + STAFF_MAX_HOURS * 3600 - now)
    return max(0, int(left))


def _expiry(request, now: float) -> str | None:
    """Why this session is over ("idle" or "maximum"), or None while it lives."""
    session = request.session
    if session[LAST_ACTIVITY] + session[IDLE_LIMIT] * 60 <= now:
        return "idle"
    if session.get("_idle_capped") and session[SIGNED_IN_AT] + STAFF_MAX_HOURS * 3600 <= now:
        return "maximum"
    return None


def is_background(request) -> bool:
    if request.META.get(BACKGROUND_HEADER):
        return True
    return request.method == "GET" and request.path == reverse("idle_ping")


class IdleLogoutMiddleware:
    """After authentication and messages: ends expired sessions, refreshes live ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        session = request.session
        if LAST_ACTIVITY not in session or IDLE_LIMIT not in session:
            touch(request, now)  # a session from before idle tracking existed
        elif (reason := _expiry(request, now)) is not None:
            return self._sign_out(request, reason)
        elif not is_background(request) and now - session[LAST_ACTIVITY] >= WRITE_EVERY_SECONDS:
            touch(request, now)
        request.idle_seconds_left = seconds_left(request, now)  # for the page's warning
        request.idle_minutes = session[IDLE_LIMIT]
        return self.get_response(request)

    def _sign_out(self, request, reason: str) -> HttpResponse:
        user, minutes = request.user, request.session[IDLE_LIMIT]
        if reason == "idle":
            idle = f"{minutes} idle minute{'' if minutes == 1 else 's'}"
            detail = f"idle: signed out after {idle}"
            text = f"You were signed out after {idle}. Sign in again to continue."
        else:
            detail = f"maximum: signed out after the {STAFF_MAX_HOURS}-hour maximum session"
            text = (f"You were signed out: a staff session lasts at most {STAFF_MAX_HOURS} hours. "
                    "Sign in again to continue.")
        record_event(kind=AuditKind.SIGN_OUT, request=request, actor=user, subject_user=user,
                     detail=detail)
        # logout() without its user_logged_out signal: this row, with the reason, is the one
        # record of the sign-out (a receiver of the signal would add a second, reasonless one).
        request.session.flush()
        request.user = AnonymousUser()
        messages.info(request, text)
        return self._to_sign_in(request)

    @staticmethod
    def _to_sign_in(request) -> HttpResponse:
        # The page to come back to: the page itself, or the page an htmx/status request came from.
        page = request.headers.get("HX-Current-URL") or request.get_full_path()
        if is_background(request) or request.method != "GET":
            page = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "/"
        url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': _local(page)})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        if request.path == reverse("idle_ping"):
            return JsonResponse({"signed_in": False, "seconds_left": 0, "sign_in": url}, status=401)
        return HttpResponseRedirect(url)


def _local(url: str) -> str:
    """Only the path and query of `url`: ?next= never points off the site."""
    parts = urlsplit(url)
    path = parts.path if parts.path.startswith("/") and parts.path[1:2] not in ("/", "\\") else "/"
    return path + (f"?{parts.query}" if parts.query else "")
