"""Oversized requests get a friendly page, never a 500. Django's own limits (settings
DATA_UPLOAD_*) raise while a view reads the body and end on `bad_request` (handler400 in
clinic/urls.py); a body larger than REQUEST_MAX_BYTES is refused here from its Content-Length,
before anything reads it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render


def too_large(request):
    return render(request, "413.html", {"limit_mb": settings.REQUEST_MAX_BYTES // 1024 // 1024}, status=413)


def bad_request(request, exception=None):
    """handler400: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is "too large" (413), anything else
    Django refuses as malformed (too many fields or files, a broken upload) is a plain 400."""
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    return render(request, "400.html", status=400)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty too
        if length > settings.REQUEST_MAX_BYTES:
            return too_large(request)
        return self.get_response(request)
