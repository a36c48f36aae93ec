"""A URL map for tests/test_server_errors.py: the site's pages plus one view that fails the
way a bug would, quoting what was typed in its exception."""

from django.urls import path

from clinic.urls import handler400
from clinic.urls import urlpatterns as site


def failing_view(request, name):
    raise ValueError(f"could not read {request.GET.get('q', '')!r}")


urlpatterns = [path("boom/<str:name>/", failing_view, name="boom"), *site]
__all__ = ["handler400", "urlpatterns"]
