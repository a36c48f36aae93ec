"""Production defaults: DEBUG off unless set, no development key or backends in production,
HTTPS on (each switch can be turned off for a proxy), the deploy check clean, and staff
passwords of at least 12 characters."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import make_client, make_portal_user, make_staff

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "pigment.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "SMS_BACKEND": "aftercare.sms.TwilioBackend",
    "TWILIO_ACCOUNT_SID": "AC0", "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM_NUMBER": "+15550100",
}
PRINT_SETTINGS = (
    "from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, "
    "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
)


def manage(*args, unset=(), **env_vars):
    """manage.py in a fresh process, with DEBUG unset (production) unless given."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "EMAIL_HOST", "SMS_BACKEND", *unset}
           and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests' conftest
    env.update(DJANGO_SETTINGS_MODULE="clinic.settings", ENV_FILE="", **env_vars)
    if args[0] == "shell":
        args = (*args, "--no-imports")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_deploy_check_passes_on_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_unless_set_and_https_is_on():
    result = manage("shell", "-c", PRINT_SETTINGS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "31536000", "True", "True"]


def test_each_https_switch_can_be_turned_off_for_a_proxy_and_the_check_stays_clean():
    off = {"SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0",
           "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}
    result = manage("shell", "-c", PRINT_SETTINGS, **PRODUCTION, **off)
    assert result.stdout.split() == ["False", "False", "0", "False", "False"]
    check = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **off)
    assert check.returncode == 0, check.stdout + check.stderr


def test_without_debug_set_there_is_no_development_key():
    settings = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **settings)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_the_console_mailer_is_refused_in_production():
    settings = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_HOST"}
    result = manage("check", **settings, unset=("EMAIL_HOST",))
    assert result.returncode != 0
    assert "console.EmailBackend is a development backend and is refused when DEBUG is off" in result.stderr
    assert "Set EMAIL_HOST" in result.stderr


@pytest.mark.parametrize("backend", ["aftercare.sms.ConsoleBackend", "aftercare.sms.FileBackend"])
def test_development_sms_backends_are_refused_in_production(backend):
    result = manage("check", **{**PRODUCTION, "SMS_BACKEND": backend})
    assert result.returncode != 0
    assert f"{backend} is a development backend" in result.stderr


def test_development_still_starts_with_nothing_set():
    result = manage("shell", "-c", "from django.conf import settings as s; print(s.DEBUG)", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.django_db
def test_staff_passwords_need_12_characters_clients_keep_djangos_minimum(clinic, superuser):
    desk = make_staff("front_desk", clinic)
    for staff in (desk, superuser):
        with pytest.raises(ValidationError, match="at least 12 characters"):
            validate_password("velvet-ox-9", user=staff)  # 11 characters
        validate_password("velvet-ox-91", user=staff)
    portal_user = make_portal_user(make_client(clinic))
    validate_password("velvet-9", user=portal_user)  # 8: Django's minimum
    with pytest.raises(ValidationError):
        validate_password("velvet9", user=portal_user)


# What the external scan (docs/production.md) looked at, kept by tests.

@pytest.mark.django_db
def test_forms_refuse_a_post_without_the_csrf_token(clinic):
    from django.test import Client as WebClient
    from django.urls import reverse

    from tests.factories import PASSWORD

    desk = make_staff("front_desk", clinic)
    browser = WebClient(enforce_csrf_checks=True)
    login = reverse("login")
    assert browser.post(login, {"username": desk.username, "password": PASSWORD}).status_code == 403
    page = browser.get(login)
    token = page.context["csrf_token"]
    signed_in = browser.post(login, {"username": desk.username, "password": PASSWORD,
                                     "csrfmiddlewaretoken": str(token)})
    assert signed_in.status_code == 302


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_cookie_flags(client):
    from django.urls import reverse

    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response.cookies["csrftoken"]["httponly"] is True
