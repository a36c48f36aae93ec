"""A server error: the page asks to try again and says nothing was half-saved; the log line
names the route and the exception's type, never what the client typed (health data)."""

import io
import logging

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from clinic.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db
TYPED = "ZQX-HEALTH-Hepatitis-B"


@pytest.fixture
def error_log():
    """What django.request writes, as production formats it (its filters included)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_the_500_page_asks_to_try_again_with_nothing_lost():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "try again" in page and "nothing was half-saved" in page


@pytest.mark.urls("tests.server_error_urls")
def test_a_server_error_is_logged_without_what_was_typed(client, error_log):
    client.raise_request_exception = False
    response = client.get(f"/boom/{TYPED}/", {"q": TYPED})
    assert response.status_code == 500
    assert "try again" in response.content.decode()
    line = error_log.getvalue()
    assert "Internal Server Error: /boom/<str:name>/" in line
    assert "ValueError" in line and "failing_view" in line  # type and frames stay
    assert TYPED not in line
