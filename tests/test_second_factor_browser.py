"""The second factor in a real browser: a manager enrols (QR code and secret shown, a code
computed here from the shown secret), signs out, signs in with password + code, then with a
recovery code, which then stops working. Screenshots in var/screenshots/."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from clinic.audit import AuditEvent, AuditKind
from tests.browser import shot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from(secret: str, *, step_ahead: int = 0) -> str:
    """What an authenticator app shows for `secret` (the library's TOTP, not ours);
    `step_ahead` 30-second steps later (django-otp accepts one step of drift and never the
    same step twice)."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key, drift=step_ahead):06d}"


def password_step(page, live_server, user):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label(re.compile("username|e-mail", re.I)).first.fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def code_step(page, code):
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def sign_out(page):
    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("heading", name="Sign in to Pigment")).to_be_visible()


def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(page, live_server, manager):
    page.set_viewport_size({"width": 1280, "height": 860})
    password_step(page, live_server, manager)
    # No device yet: the first sign-in leads to enrolment, whatever page was asked for.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator("#qr-code svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7 ]+", secret)
    shot(page, "second_factor_enrol")
    page.get_by_label("Code from the app").fill(code_from(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "second_factor_recovery_codes")
    page.get_by_role("link", name=re.compile("continue")).click()
    expect(page).to_have_url(re.compile(reverse("frontdesk:home")))
    sign_out(page)

    # Password, then the app's code.
    password_step(page, live_server, manager)
    shot(page, "second_factor_verify")
    code_step(page, code_from(secret, step_ahead=1))
    expect(page).to_have_url(re.compile(reverse("frontdesk:home")))
    page.goto(f"{live_server.url}{reverse('admin:index')}")
    expect(page.get_by_role("heading", name=re.compile("Site administration"))).to_be_visible()
    page.goto(f"{live_server.url}{reverse('frontdesk:home')}")
    sign_out(page)

    # Password, then a recovery code: works once.
    password_step(page, live_server, manager)
    code_step(page, codes[0])
    expect(page).to_have_url(re.compile(reverse("frontdesk:home")))
    sign_out(page)
    password_step(page, live_server, manager)
    code_step(page, codes[0])
    expect(page.get_by_text("That code did not work")).to_be_visible()
    page.goto(f"{live_server.url}{reverse('frontdesk:home')}")
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "second_factor_verify_refused_phone")

    kinds = list(AuditEvent.objects.filter(actor=manager).values_list("kind", flat=True))
    assert kinds.count(AuditKind.FACTOR_ENROLLED) == 1
    assert kinds.count(AuditKind.RECOVERY_CODE_USED) == 1
    assert kinds.count(AuditKind.FACTOR_FAILED) == 1


def test_a_manager_resets_a_colleagues_factor_and_unlocks_them_on_the_team_page(
    page, live_server, manager, front_desk, practitioner
):
    from django.test import Client as Browser

    from tests.browser import sign_in
    from tests.factories import totp_device

    totp_device(front_desk)
    for _ in range(10):
        wrong = {"username": practitioner.username, "password": "x"}
        Browser(REMOTE_ADDR="10.0.0.50").post(reverse("login"), wrong)  # not the manager's address
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    table = page.get_by_role("table", name="Colleagues at your clinics")
    expect(table).to_contain_text("Fran Desk")
    expect(table).to_contain_text("Locked")
    shot(page, "team_page")
    page.get_by_role("button", name=f"Reset second factor of {front_desk.username}").click()
    expect(page.get_by_text("will set up a new authenticator app")).to_be_visible()
    page.get_by_role("button", name=f"Unlock {practitioner.username}").click()
    expect(page.get_by_text("can sign in again")).to_be_visible()
    expect(table).not_to_contain_text("Locked")
    shot(page, "team_page_after")
    assert AuditEvent.objects.filter(kind=AuditKind.FACTOR_RESET, subject_user=front_desk).count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.UNLOCKED, subject_user=practitioner).count() == 1
