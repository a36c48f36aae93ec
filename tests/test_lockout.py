"""Lockout (R18), on django-axes: 10 failed sign-ins lock an account, and a source address,
for 15 minutes, on the sign-in page and the admin's; the message never says whether the
account exists; the right password before the 10th failure still works."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from clinic import lockout
from clinic.audit import AuditEvent, AuditKind
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED_TEXT = b"too many unsuccessful sign-in attempts"


def attempt(username, password, *, url="login", address="127.0.0.1", **headers):
    return Browser(REMOTE_ADDR=address, **headers).post(
        reverse(url), {"username": username, "password": password}
    )


def fail(username, times, **kwargs):
    """`times` wrong passwords: the form again each time, except that the failure which
    reaches the limit already answers with the lockout page."""
    for n in range(times):
        response = attempt(username, "not-the-password", **kwargs)
        assert response.status_code in ((200, 429) if n == times - 1 else (200,))


def test_nine_failures_then_the_right_password_still_signs_in(front_desk):
    fail(front_desk.username, 9)
    response = attempt(front_desk.username, PASSWORD)
    assert response.status_code == 302
    assert not lockout.is_locked(front_desk)
    # Success forgets the failures: nine more do not lock either.
    fail(front_desk.username, 9)
    assert attempt(front_desk.username, PASSWORD).status_code == 302


def test_ten_failures_lock_the_account_even_against_the_right_password(front_desk):
    fail(front_desk.username, 10)
    assert lockout.is_locked(front_desk)
    response = attempt(front_desk.username, PASSWORD, address="10.0.0.9")  # from anywhere
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content and b"15 minutes" in response.content
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKED_OUT, subject_user=front_desk).count() == 1


def test_the_message_is_the_same_for_an_account_that_does_not_exist(front_desk):
    fail(front_desk.username, 10, address="10.0.0.1")
    fail("nobody-by-this-name", 10, address="10.0.0.2")
    real = attempt(front_desk.username, "x", address="10.0.0.3")
    ghost = attempt("nobody-by-this-name", "x", address="10.0.0.4")
    assert real.status_code == ghost.status_code == 429
    assert real.content == ghost.content


def test_the_e_mail_spelling_counts_against_the_same_account(front_desk):
    fail(front_desk.username, 5)
    fail(front_desk.email.upper(), 5)
    assert lockout.is_locked(front_desk)


def test_the_admins_sign_in_locks_the_same_way(manager):
    fail(manager.username, 10, url="admin:login")
    response = attempt(manager.username, PASSWORD, url="admin:login", address="10.1.1.1")
    assert response.status_code == 429 and LOCKED_TEXT in response.content
    # ...and the lock holds on the ordinary sign-in page too.
    assert attempt(manager.username, PASSWORD, address="10.1.1.2").status_code == 429


def test_a_source_address_trying_many_accounts_is_locked_too(front_desk, practitioner):
    for n in range(10):
        attempt(f"guess{n}", "x", address="203.0.113.7")
    assert attempt(front_desk.username, PASSWORD, address="203.0.113.7").status_code == 429
    assert attempt(practitioner.username, PASSWORD, address="198.51.100.1").status_code == 302


def test_the_forwarded_header_is_ignored_without_a_configured_proxy(settings, front_desk):
    settings.TRUSTED_PROXY_IP_HEADER = ""
    for n in range(10):
        attempt(f"guess{n}", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    # All ten came from 127.0.0.1 whatever the header said: that address is locked.
    response = attempt(front_desk.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_behind_a_configured_proxy_the_header_names_the_address(settings, front_desk):
    settings.TRUSTED_PROXY_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for n in range(10):
        attempt(f"guess{n}", "x", HTTP_X_FORWARDED_FOR="192.0.2.66")
    assert attempt(front_desk.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.66").status_code == 429
    assert attempt(front_desk.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.67").status_code == 302
    row = AuditEvent.objects.filter(kind=AuditKind.SIGN_IN).get()
    assert row.ip == "192.0.2.67"


def test_the_lock_ends_after_fifteen_minutes(front_desk):
    fail(front_desk.username, 10)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14), tick=False):
        assert attempt(front_desk.username, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        assert attempt(front_desk.username, PASSWORD).status_code == 302


def test_a_managers_unlock_opens_the_account_again(front_desk, manager):
    from tests.factories import sign_in

    fail(front_desk.username, 10, address="10.2.2.2")
    browser = Browser()
    sign_in(browser, manager)
    response = browser.post(reverse("accounts:unlock", args=[front_desk.pk]))
    assert response.status_code == 302
    assert not lockout.is_locked(front_desk)
    assert attempt(front_desk.username, PASSWORD, address="10.3.3.3").status_code == 302
    row = AuditEvent.objects.get(kind=AuditKind.UNLOCKED)
    assert row.actor == manager and row.subject_user == front_desk
