"""Logs: one JSON line per event in production, readable lines in development (LOG_FORMAT).

Every request is logged once by RequestLogMiddleware with what an operator needs and nothing
a client wrote or is: request id, user id, role, the route's pattern (never the path with its
values, never the query string, which holds searched names), status and duration. Lines
logged while a request runs carry its request id, so a traceback can be matched to the
request that caused it."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import traceback
import uuid

from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# A proxy's X-Request-ID is kept when it looks like an id; anything else is replaced.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_log = logging.getLogger("pigment.request")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (empty outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _request_id.get()
        return True


class ServerErrorFilter(logging.Filter):
    """django.request's lines ("Internal Server Error: /path" with a traceback) as an operator
    needs them and without health data: the route's pattern instead of the path, and the
    exception's type and frames without its message, which can quote what a client typed
    ("invalid literal for int(): 'Carl ...'"). The request id ties the line to its request."""

    def filter(self, record: logging.LogRecord) -> bool:
        match = getattr(getattr(record, "request", None), "resolver_match", None)
        route = "/" + match.route if match is not None and match.route is not None else "(unmatched)"
        reason = record.args[0] if isinstance(record.args, tuple) and record.args else "Request failed"
        record.msg, record.args = "%s: %s", (reason, route)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, trace = record.exc_info
            record.exc_text = (
                "Traceback (most recent call last):\n" + "".join(traceback.format_tb(trace))
                + f"{kind.__module__}.{kind.__qualname__} (message not logged: it may quote input)"
            )
            record.exc_info = None
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger with Pigment's field names: time, level, logger, message, extras."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)

    def add_fields(self, log_record, record, message_dict) -> None:
        super().add_fields(log_record, record, message_dict)
        # django.request passes the request: its repr holds the query string (searched names).
        log_record.pop("request", None)
        if not log_record.get("request_id"):
            log_record.pop("request_id", None)


def role_label(user) -> str:
    """The user's role from what the request already loaded (never an extra query)."""
    if user is None:
        return "unknown"
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    cache = user._state.fields_cache
    profile = cache.get("staff_profile")
    if profile is not None:
        return profile.role
    if cache.get("client_profile") is not None:
        return "client"
    if user.is_superuser:
        return "superuser"
    return "signed_in"


class RequestLogMiddleware:
    """Outermost middleware: one `pigment.request` line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, started)
            return response
        except BaseException:
            self._log(request, 500, started)
            raise
        finally:
            _request_id.reset(token)

    @staticmethod
    def _log(request, status: int, started: float) -> None:
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            user = None  # the view never asked who it was: loading the session now would cost
        match = getattr(request, "resolver_match", None)
        # Unmatched paths are not logged as typed: a path can hold anything.
        route = getattr(request, "log_route", None) or (
            "/" + match.route if match is not None and match.route is not None else "(unmatched)"
        )
        level = logging.ERROR if status >= 500 else logging.INFO
        if route == "/health/" and status == 200:
            level = logging.DEBUG  # a load balancer probes every few seconds
        request_log.log(
            level,
            "%s %s %s",
            request.method,
            route,
            status,
            extra={
                "request_id": _request_id.get(),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "role": role_label(user),
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
