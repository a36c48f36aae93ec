"""The doors axes does not guard (R18): password reset and invitation accept are counted per
account and per address in Redis (clinic.throttle) and answer 429 past the limit. The factor
step's limit is in test_second_factor."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse

from clinic import portal, throttle
from tests.factories import make_client, make_staff

pytestmark = pytest.mark.django_db


def reset(email, address="127.0.0.1"):
    return Browser(REMOTE_ADDR=address).post(reverse("password_reset"), {"email": email})


def test_password_reset_is_limited_per_address_book_entry(front_desk):
    for _ in range(throttle.PASSWORD_RESET.per_account):
        assert reset(front_desk.email).status_code == 302
    sent = len(mail.outbox)
    refused = reset(front_desk.email.upper(), address="10.9.9.9")
    assert refused.status_code == 429 and b"Too many attempts" in refused.content
    assert len(mail.outbox) == sent, "nothing more is sent past the limit"
    # Another person's reset from elsewhere is not held up.
    assert reset("someone@else.example", address="10.9.9.10").status_code == 302


def test_password_reset_is_limited_per_source_address(clinic):
    for n in range(throttle.PASSWORD_RESET.per_address):
        assert reset(f"nobody{n}@example.com", address="203.0.113.5").status_code == 302
    assert reset("nobody-else@example.com", address="203.0.113.5").status_code == 429
    assert reset("nobody-else@example.com", address="203.0.113.6").status_code == 302


def test_the_reset_form_itself_is_not_counted():
    for _ in range(30):
        assert Browser().get(reverse("password_reset")).status_code == 200


def test_guessing_invitation_tokens_is_limited_per_address():
    for n in range(throttle.INVITATION.per_address):
        url = reverse("portal:accept_invitation", args=[f"guess{n}"])
        response = Browser(REMOTE_ADDR="198.51.100.9").get(url)
        assert response.status_code == 410
    one_more = reverse("portal:accept_invitation", args=["guess-more"])
    blocked = Browser(REMOTE_ADDR="198.51.100.9").get(one_more)
    assert blocked.status_code == 429


def test_one_invitation_is_limited_per_token(clinic, django_capture_on_commit_callbacks):
    desk = make_staff("front_desk", clinic)
    client = make_client(clinic, email="carl@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        portal.invite_client(client=client, by=desk, base_url="http://testserver/")
    url = re.search(r"http://testserver(/portal/invitation/[^/\s]+/)", mail.outbox[-1].body).group(1)
    for n in range(throttle.INVITATION.per_account):
        mismatched = {"password1": "x", "password2": "y"}
        assert Browser(REMOTE_ADDR=f"10.0.1.{n}").post(url, mismatched).status_code == 200
    assert Browser(REMOTE_ADDR="10.0.2.1").get(url).status_code == 429
