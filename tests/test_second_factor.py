"""The second factor (R18): who needs one, the gate on every staff page and the admin,
enrolment, verification, recovery codes, and clients who turn it on for themselves."""

from __future__ import annotations

import re
import time
from importlib import metadata

import django
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as Browser
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import demo
from clinic.audit import AuditEvent, AuditKind
from clinic.second_factor import factor_required
from tests.factories import (
    PASSWORD,
    make_clinic,
    make_portal_user,
    make_staff,
    sign_in,
    totp_code,
    totp_device,
)

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["frontdesk:home", "practice:my_day", "reports:access", "accounts:team"]


def password_only(user) -> Browser:
    """A browser that has given the right password on the sign-in page, and nothing else."""
    browser = Browser()
    response = browser.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step itself must succeed"
    return browser


def kinds(user=None) -> list[str]:
    rows = AuditEvent.objects.order_by("pk")
    return [row.kind for row in (rows.filter(actor=user) if user else rows)]


def test_the_pinned_libraries_are_the_ones_under_test():
    # The tests below prove django-otp and django-axes on this Django.
    assert django.VERSION[:3] == (6, 1, 3)
    assert metadata.version("django-otp") == "1.7.5"
    assert metadata.version("django-axes") == "8.3.1"


def test_a_totp_device_accepts_its_current_code_once(front_desk):
    device = totp_device(front_desk)
    code = totp_code(device)
    assert device.verify_token(code)
    assert not device.verify_token(code), "django-otp refuses a replayed code"
    assert not TOTPDevice.objects.get(pk=device.pk).verify_token("000000" if code != "000000" else "111111")


@pytest.mark.parametrize("name", STAFF_PAGES + ["admin:index"])
def test_a_managers_password_alone_opens_no_staff_page_nor_the_admin(manager, name):
    browser = password_only(manager)
    response = browser.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:enrol"))  # no device yet: enrol first


@pytest.mark.parametrize("name", STAFF_PAGES + ["admin:index", "admin:clinic_client_changelist"])
def test_with_a_device_the_password_alone_leads_only_to_the_code_step(manager, name):
    totp_device(manager)
    response = password_only(manager).get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))
    assert f"next={reverse(name)}".replace("/", "%2F") in response.url


def test_the_admins_own_sign_in_still_asks_for_the_factor(manager):
    totp_device(manager)
    browser = Browser()
    response = browser.post(reverse("admin:login"), {"username": manager.username, "password": PASSWORD,
                                                     "next": reverse("admin:index")})
    assert response.status_code == 302
    follow = browser.get(reverse("admin:index"))
    assert follow.status_code == 302 and follow.url.startswith(reverse("accounts:verify"))


def test_a_superuser_always_needs_a_factor(superuser):
    assert factor_required(superuser)
    response = password_only(superuser).get(reverse("admin:index"))
    assert response.url.startswith(reverse("accounts:enrol"))


def test_clinic_setting_off_front_desk_and_practitioner_need_no_factor(clinic, front_desk, practitioner):
    clinic.staff_second_factor_required = False
    clinic.save(update_fields=["staff_second_factor_required"])
    assert not factor_required(front_desk)
    assert password_only(front_desk).get(reverse("frontdesk:home")).status_code == 200
    assert password_only(practitioner).get(reverse("practice:my_day")).status_code == 200


def test_staff_who_turned_it_on_at_a_relaxed_clinic_are_asked_for_it(clinic, front_desk):
    clinic.staff_second_factor_required = False
    clinic.save(update_fields=["staff_second_factor_required"])
    totp_device(front_desk)
    assert factor_required(front_desk)
    response = password_only(front_desk).get(reverse("frontdesk:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))


def test_clinic_setting_off_still_requires_it_of_managers(clinic, manager):
    clinic.staff_second_factor_required = False
    clinic.save(update_fields=["staff_second_factor_required"])
    assert factor_required(manager)
    assert password_only(manager).get(reverse("frontdesk:home")).status_code == 302


def test_clinic_setting_on_front_desk_needs_a_factor(clinic, front_desk):
    assert clinic.staff_second_factor_required  # the default
    response = password_only(front_desk).get(reverse("frontdesk:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:enrol"))


def test_staff_at_several_clinics_need_it_when_any_of_them_requires_it(clinic):
    relaxed = make_clinic(staff_second_factor_required=False)
    desk = make_staff("front_desk", relaxed, clinics=[clinic])
    assert factor_required(desk)
    clinic.staff_second_factor_required = False
    clinic.save(update_fields=["staff_second_factor_required"])
    assert not factor_required(desk)


def test_sign_out_stays_open_to_a_password_only_session(manager):
    browser = password_only(manager)
    response = browser.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert browser.get(reverse("frontdesk:home")).url.startswith(reverse("login"))


def test_sign_in_helper_satisfies_every_factor(manager, superuser):
    for user in (manager, superuser):
        browser = Browser()
        sign_in(browser, user)
        assert browser.get(reverse("admin:index")).status_code == 200
    browser = Browser()
    sign_in(browser, manager)
    assert browser.get(reverse("frontdesk:home")).status_code == 200


def test_enrolment_shows_a_qr_code_and_the_secret_then_recovery_codes_once(manager):
    browser = password_only(manager)
    page = browser.get(reverse("accounts:enrol"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script (CSP)"
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert secret.replace(" ", "") in __import__("base64").b32encode(device.bin_key).decode()
    # A wrong code: refused, nothing confirmed, recorded.
    wrong = browser.post(reverse("accounts:enrol"), {"code": "12345"})
    assert wrong.status_code == 200 and b"did not match" in wrong.content
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    # The right code (a few seconds later: django-otp pauses a device after a wrong code):
    # confirmed, recovery codes shown once, the session verified.
    with time_machine.travel(time.time() + 5, tick=False):
        done = browser.post(reverse("accounts:enrol"), {"code": totp_code(device)})
    assert done.status_code == 200
    codes = re.findall(r'<li class="col py-1">([a-z2-7]{8})</li>', done.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True)) == set(codes)
    assert browser.get(reverse("frontdesk:home")).status_code == 200
    assert browser.get(reverse("admin:index")).status_code == 200
    assert kinds(manager) == [AuditKind.SIGN_IN, AuditKind.FACTOR_FAILED, AuditKind.FACTOR_ENROLLED]


def test_a_password_alone_cannot_replace_an_enrolled_factor(manager):
    device = totp_device(manager)
    browser = password_only(manager)
    response = browser.get(reverse("accounts:enrol"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))
    response = browser.post(reverse("accounts:enrol"), {"code": "123456"})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=manager)) == [device]


def test_verify_with_a_code_then_a_recovery_code_that_works_once(manager):
    device = totp_device(manager)
    browser = password_only(manager)
    good = browser.post(reverse("accounts:verify") + "?next=/reports/access/", {"code": totp_code(device)})
    assert good.status_code == 302 and good.url == "/reports/access/"
    assert browser.get(reverse("frontdesk:home")).status_code == 200

    from clinic.second_factor import _new_recovery_codes
    codes = _new_recovery_codes(manager)
    second = password_only(manager)
    assert second.post(reverse("accounts:verify"), {"code": codes[0].upper()}).status_code == 302
    assert second.get(reverse("frontdesk:home")).status_code == 200
    third = password_only(manager)
    reused = third.post(reverse("accounts:verify"), {"code": codes[0]})
    assert reused.status_code == 200
    assert third.get(reverse("frontdesk:home")).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.RECOVERY_CODE_USED, actor=manager).count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.FACTOR_FAILED, actor=manager).count() == 1


def test_a_wrong_code_is_refused_and_the_page_says_so(manager):
    device = totp_device(manager)
    browser = password_only(manager)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    bad = browser.post(reverse("accounts:verify"), {"code": wrong})
    assert bad.status_code == 200 and b"did not work" in bad.content
    assert browser.get(reverse("frontdesk:home")).status_code == 302


def test_the_factor_step_is_throttled_after_ten_wrong_codes(manager):
    device = totp_device(manager)
    browser = password_only(manager)
    for _ in range(10):
        assert browser.post(reverse("accounts:verify"), {"code": "99999999"}).status_code == 200
    blocked = browser.post(reverse("accounts:verify"), {"code": totp_code(device)})
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.content
    assert browser.get(reverse("frontdesk:home")).status_code == 302
    # A new session of the same account is still capped: the count is per account.
    assert password_only(manager).get(reverse("accounts:verify")).status_code == 429


def test_a_reset_device_ends_the_verification_of_open_sessions(manager):
    browser = Browser()
    sign_in(browser, manager)
    TOTPDevice.objects.filter(user=manager).delete()
    response = browser.get(reverse("frontdesk:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:enrol"))


def test_a_client_signs_in_with_a_password_until_they_turn_the_factor_on(client_):
    user = make_portal_user(client_)
    assert not factor_required(user)
    browser = password_only(user)
    assert browser.get(reverse("portal:home")).status_code == 200
    prefs = browser.get(reverse("portal:preferences"))
    assert b"Turn on two-step sign-in" in prefs.content
    browser.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert browser.post(reverse("accounts:enrol"), {"code": totp_code(device)}).status_code == 200
    assert factor_required(user)
    assert browser.get(reverse("portal:home")).status_code == 200  # this session is verified
    later = password_only(user)
    response = later.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))


def test_sign_in_sign_out_and_failures_are_recorded(front_desk):
    browser = Browser()
    browser.post(reverse("login"), {"username": front_desk.username, "password": "wrong"})
    browser.post(reverse("login"), {"username": front_desk.username, "password": PASSWORD})
    browser.post(reverse("logout"))
    rows = list(AuditEvent.objects.order_by("pk"))
    assert [r.kind for r in rows] == [AuditKind.SIGN_IN_FAILED, AuditKind.SIGN_IN, AuditKind.SIGN_OUT]
    assert rows[0].actor is None and front_desk.username in rows[0].detail
    assert rows[1].actor == front_desk and rows[1].ip == "127.0.0.1"


def test_verify_and_enrol_pages_need_a_signed_in_user():
    for name in ("accounts:verify", "accounts:enrol"):
        response = Browser().get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_demo_code_prints_the_code_of_a_demo_login(settings, capsys, clinic):
    settings.DEBUG = True
    user = make_staff("manager", clinic, username="manager")
    demo.ensure_demo_devices()
    call_command("demo_code", "manager")
    code = capsys.readouterr().out.strip()
    device = TOTPDevice.objects.get(user=user)
    assert device.name == demo.DEMO_DEVICE_NAME and device.verify_token(code)


def test_demo_code_refuses_a_user_outside_the_demo(settings, clinic, manager):
    settings.DEBUG = True
    totp_device(manager)
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("demo_code", manager.username)
    # A real account that happens to be named like a demo login has no demo device.
    make_staff("manager", clinic, username="frontdesk")
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("demo_code", "frontdesk")


def test_demo_code_refuses_when_debug_is_off(settings, clinic):
    settings.DEBUG = False
    make_staff("manager", clinic, username="manager")
    demo.ensure_demo_devices()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_code", "manager")
