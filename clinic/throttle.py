"""Counters for the doors axes does not guard (R18): the second-factor step, password reset
and invitation accept. A fixed window per key in the cache (Redis when REDIS_URL is set, so
every web worker shares the count); over the limit the answer is 429 with templates/429.html.

Axes guards the password step itself (the sign-in page and the admin's); django-otp's devices
also slow down repeated wrong codes. These counters cap what one account or one address can
try in a window whatever the door."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from clinic.audit import client_ip

KEY_PREFIX = "throttle"


@dataclass(frozen=True)
class Limit:
    scope: str  # which door: "factor", "password_reset", "invitation"
    per_account: int
    per_address: int


FACTOR = Limit("factor", per_account=10, per_address=30)
PASSWORD_RESET = Limit("password_reset", per_account=5, per_address=20)
INVITATION = Limit("invitation", per_account=10, per_address=20)


def _key(scope: str, kind: str, value: str) -> str:
    return f"{KEY_PREFIX}:{scope}:{kind}:{value}"


def _keys(limit: Limit, request, account: str | None) -> list[tuple[str, int]]:
    keys = [(_key(limit.scope, "ip", client_ip(request) or "unknown"), limit.per_address)]
    if account:
        keys.append((_key(limit.scope, "account", account.strip().lower()), limit.per_account))
    return keys


def is_blocked(limit: Limit, request, account: str | None = None) -> bool:
    values = cache.get_many([key for key, _ in _keys(limit, request, account)])
    return any(values.get(key, 0) >= cap for key, cap in _keys(limit, request, account))


def count(limit: Limit, request, account: str | None = None) -> None:
    """One more attempt (a failure, or for doors that reveal nothing, any attempt)."""
    window = settings.THROTTLE_WINDOW_SECONDS
    for key, _ in _keys(limit, request, account):
        if not cache.add(key, 1, timeout=window):  # the first hit starts the window
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)


def too_many(request):
    """The 429 page: wait and try again, without saying which counter tripped."""
    minutes = max(1, settings.THROTTLE_WINDOW_SECONDS // 60)
    return render(request, "429.html", {"minutes": minutes}, status=429)
