"""Where a `next` parameter may send the browser: one rule for every view that takes it."""

import unicodedata

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_site_path(candidate: str, request: HttpRequest) -> bool:
    """True for a path on this site: it starts with one `/` (`//host` and `/\\host` are other
    sites to a browser), holds no control character (a header cannot carry one) and passes
    Django's own host and scheme check. `0`, `NaN` or `25:61` are not paths: `redirect()`
    would take them for view names."""
    if not candidate.startswith("/") or candidate[1:2] in ("/", "\\"):
        return False
    if any(unicodedata.category(char).startswith("C") for char in candidate):
        return False
    return url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` parameter (POST, else GET) when it is a path on this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if is_site_path(candidate, request) else default
