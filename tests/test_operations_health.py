"""GET /health/: 200 with JSON when the database and the broker answer, 503 naming the part
that failed, within about a second, without a session or any clinic data, and reachable by
a load balancer's plain-HTTP probe by address."""

import time

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# Nothing listens on port 1 of this machine: a broker or database that is down.
DOWN_REDIS = "redis://127.0.0.1:1/0"


def test_health_answers_ok_as_json_without_a_session_or_a_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}
    assert not response.cookies  # no session, no CSRF cookie
    assert "no-cache" in response["Cache-Control"]
    assert len(queries) == 0  # its own short connection only: no session, user or clinic row


def test_a_broker_that_is_down_gives_503_naming_it_quickly(client, settings):
    settings.CELERY_BROKER_URL = DOWN_REDIS
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error", "status": "error", "failed": ["broker"]}


def test_a_database_that_is_down_gives_503_naming_it(client):
    default = connections["default"]
    assert default.vendor == "postgresql"  # make test runs on PostgreSQL
    saved = default.settings_dict.copy()
    default.settings_dict["PORT"] = 1
    try:
        started = time.monotonic()
        response = client.get("/health/")
        elapsed = time.monotonic() - started
    finally:
        default.settings_dict.clear()
        default.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"] and response.json()["broker"] == "ok"
    assert elapsed < 2.5
    assert b"127.0.0.1" not in response.content  # no connection details leak


def test_health_is_exempt_from_the_https_redirect_and_the_host_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301  # everything else goes to HTTPS
    response = client.get("/health/", HTTP_HOST="10.0.0.17")  # a probe by address, plain HTTP
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_health_url_is_exempt_in_settings_too(settings):
    import re

    assert any(re.search(pattern, "health/") for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_health_only_answers_reads(client):
    assert client.post("/health/").status_code == 405
