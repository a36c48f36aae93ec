"""The managers' Team page (R18): a colleague's second factor reset and lock lifted, at the
manager's clinics only, both recorded. Role test of every URL of accounts/."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import lockout
from clinic.audit import AuditEvent, AuditKind
from tests.factories import PASSWORD, make_client, make_portal_user, make_staff, sign_in, totp_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clinic, other_clinic, front_desk, practitioner, manager, outsider, superuser):
    return {
        "client": make_portal_user(make_client(clinic)),
        "front_desk": front_desk,
        "practitioner": practitioner,
        "manager": manager,
        "other_manager": make_staff("manager", other_clinic, first_name="Lena", last_name="London"),
        "superuser": superuser,
    }


def browser_for(user) -> Browser:
    browser = Browser()
    if user is not None:
        sign_in(browser, user)
    return browser


@pytest.mark.parametrize("role, status", [
    ("anonymous", 302), ("client", 403), ("front_desk", 403), ("practitioner", 403),
    ("manager", 200), ("other_manager", 200), ("superuser", 403),
])
def test_team_page_by_role(people, role, status):
    response = browser_for(people.get(role)).get(reverse("accounts:team"))
    assert response.status_code == status
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))


def test_the_team_page_lists_only_the_managers_clinics(people, outsider):
    page = browser_for(people["manager"]).get(reverse("accounts:team")).content.decode()
    assert "Fran Desk" in page and "Pat Needle" in page
    assert "Olly" not in page and "Lena" not in page


@pytest.mark.parametrize("action", ["reset_factor", "unlock"])
@pytest.mark.parametrize("role, status", [
    ("anonymous", 302), ("client", 403), ("front_desk", 403), ("practitioner", 403),
    ("other_manager", 404), ("superuser", 403), ("manager", 302),
])
def test_reset_and_unlock_by_role(people, front_desk, role, status, action):
    totp_device(front_desk)
    response = browser_for(people.get(role)).post(reverse(f"accounts:{action}", args=[front_desk.pk]))
    assert response.status_code == status
    changed = AuditEvent.objects.filter(subject_user=front_desk,
                                        kind__in=[AuditKind.FACTOR_RESET, AuditKind.UNLOCKED])
    assert changed.exists() == (role == "manager")
    was_reset = role == "manager" and action == "reset_factor"
    assert TOTPDevice.objects.filter(user=front_desk).exists() == (not was_reset)


@pytest.mark.parametrize("action", ["reset_factor", "unlock"])
def test_reset_and_unlock_answer_post_only(manager, front_desk, action):
    assert browser_for(manager).get(reverse(f"accounts:{action}", args=[front_desk.pk])).status_code == 405


def test_another_clinics_staff_and_unknown_ids_are_404(manager, outsider, superuser):
    browser = browser_for(manager)
    for user_id in (outsider.pk, superuser.pk, 999999):
        assert browser.post(reverse("accounts:reset_factor", args=[user_id])).status_code == 404
        assert browser.post(reverse("accounts:unlock", args=[user_id])).status_code == 404


def test_a_reset_removes_app_and_recovery_codes_and_the_colleague_enrols_again(clinic, manager, front_desk):
    from clinic.second_factor import _new_recovery_codes

    totp_device(front_desk)
    _new_recovery_codes(front_desk)
    browser = browser_for(manager)
    response = browser.post(reverse("accounts:reset_factor", args=[front_desk.pk]), follow=True)
    assert b"will set up a new authenticator app" in response.content
    assert not TOTPDevice.objects.filter(user=front_desk).exists()
    assert not StaticDevice.objects.filter(user=front_desk).exists()
    row = AuditEvent.objects.get(kind=AuditKind.FACTOR_RESET)
    assert (row.actor, row.subject_user, row.clinic) == (manager, front_desk, clinic)
    colleague = Browser()
    colleague.post(reverse("login"), {"username": front_desk.username, "password": PASSWORD})
    assert colleague.get(reverse("frontdesk:home")).url.startswith(reverse("accounts:enrol"))


def test_the_team_page_shows_a_lock_and_unlock_lifts_it(manager, front_desk):
    for _ in range(10):
        Browser().post(reverse("login"), {"username": front_desk.username, "password": "nope"})
    assert lockout.is_locked(front_desk)
    browser = browser_for(manager)
    page = browser.get(reverse("accounts:team")).content.decode()
    assert "Locked" in page and reverse("accounts:unlock", args=[front_desk.pk]) in page
    response = browser.post(reverse("accounts:unlock", args=[front_desk.pk]), follow=True)
    assert b"can sign in again" in response.content
    assert not lockout.is_locked(front_desk)


def test_the_team_page_takes_constant_queries(manager, clinic, django_assert_max_num_queries):
    for _ in range(8):
        totp_device(make_staff("front_desk", clinic))
    browser = browser_for(manager)
    with django_assert_max_num_queries(14):
        assert browser.get(reverse("accounts:team")).status_code == 200
