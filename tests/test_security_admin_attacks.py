"""The admin's holes, each tried end to end as an attacker would click it (R14, R16, R18):
taking over an account through a portal invitation, another clinic's history and reverts,
foreign keys and raw ids of another clinic, a manager widening their own profile, and a
money form's key reused at another clinic. Each attack must fail and change nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse

from clinic.audit import AuditEvent, AuditKind
from clinic.models import PortalInvitation, QuoteAmendment, StaffProfile, TreatmentPlan
from sessions_app import booking
from sessions_app.models import Deposit, Payment, TreatmentSession
from tests import money_helpers
from tests.clock import chicago
from tests.factories import PASSWORD, make_client, make_plan, make_portal_user, make_staff, sign_in
from tests.security_helpers import CLINICAL_NOTE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (e-mails are sent once their rows are committed)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def signed_in(user) -> Browser:
    browser = Browser()
    sign_in(browser, user)
    return browser


def admin_url(obj, page: str = "change", *args) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}", args=[obj.pk, *args])


def latest_version(obj) -> int:
    return obj.history.order_by("-history_id").first().history_id


def invitation_link(message) -> str:
    return re.search(r"https?://[^/]+(/portal/invitation/[^/\s]+/)", message.body).group(1)


def still_signs_in(user) -> bool:
    """The password is accepted on the real sign-in page (which then asks for the second
    factor where one is needed: the password step itself went through)."""
    response = Browser().post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return response.status_code == 302 and response.url != reverse("login")


# --------------------------------------------------------------------------- account takeover


def test_front_desk_cannot_link_a_client_to_the_managers_account_in_the_admin(front_desk, manager, client_):
    desk = signed_in(front_desk)
    url = admin_url(client_)
    assert desk.get(url).url.startswith(reverse("admin:login"))
    crafted = {"first_name": client_.first_name, "last_name": client_.last_name, "email": client_.email,
               "clinic": client_.clinic_id, "user": manager.pk}
    assert desk.post(url, crafted).url.startswith(reverse("admin:login"))
    client_.refresh_from_db()
    assert client_.user is None


def test_a_manager_cannot_link_a_client_to_an_account_with_a_crafted_admin_post(manager, superuser, client_):
    boss = signed_in(manager)
    url = admin_url(client_)
    assert 'name="user"' not in boss.get(url).content.decode()
    crafted = {"first_name": "Carl", "last_name": "Client", "email": client_.email, "phone": "",
               "clinic": client_.clinic_id, "user": superuser.pk, "_save": "Save"}
    assert boss.post(url, crafted).status_code == 302  # the other fields are saved...
    client_.refresh_from_db()
    assert client_.user is None  # ...the login never


def test_the_front_desks_client_form_ignores_a_posted_login(front_desk, manager, client_):
    desk = signed_in(front_desk)
    crafted = {"first_name": "Carl", "last_name": "Client", "email": client_.email, "phone": "",
               "clinic": client_.clinic_id, "user": manager.pk, "user_id": manager.pk}
    desk.post(reverse("frontdesk:client_edit", args=[client_.pk]), crafted)
    client_.refresh_from_db()
    assert client_.user is None


@pytest.mark.parametrize("victim", ["manager", "superuser", "front_desk"])
def test_an_invitation_for_a_client_linked_to_a_staff_login_never_sets_that_password(
    request, victim, front_desk, client_, on_commit
):
    """The old hole: a client row pointing at a staff account (set by the admin before this
    was closed), invited and accepted by whoever reads the client's mailbox."""
    account = request.getfixturevalue(victim)
    client_.user = account
    client_.save()
    with on_commit():
        signed_in(front_desk).post(reverse("portal:invite", args=[client_.pk]))
    link = invitation_link(mail.outbox[-1])  # an invitation, not a reset of that account
    accepted = Browser().post(link, {"password1": "Attacker-pass-2026", "password2": "Attacker-pass-2026"})
    assert accepted.status_code == 302
    account.refresh_from_db()
    assert not account.check_password("Attacker-pass-2026") and still_signs_in(account)
    client_.refresh_from_db()
    assert client_.user != account and client_.user.username == client_.email
    assert not StaffProfile.objects.filter(user=client_.user).exists()
    assert not (client_.user.is_staff or client_.user.is_superuser)


def test_an_invitation_never_takes_over_an_existing_account_with_the_clients_address(
    front_desk, client_, on_commit
):
    other = get_user_model().objects.create_user(client_.email, client_.email, PASSWORD)
    with on_commit():
        signed_in(front_desk).post(reverse("portal:invite", args=[client_.pk]))
    refused = Browser().post(invitation_link(mail.outbox[-1]),
                             {"password1": "Attacker-pass-2026", "password2": "Attacker-pass-2026"})
    assert refused.status_code == 200 and b"already exists" in refused.content
    other.refresh_from_db()
    assert still_signs_in(other)
    client_.refresh_from_db()
    assert client_.user is None


def test_the_whole_takeover_path_fails_and_the_owner_of_the_address_is_told(
    front_desk, manager, client_, on_commit
):
    """Front desk at Chicago wants the manager's login: the admin is closed, the client form
    ignores a login, and redirecting the client's e-mail only ever yields a new client login -
    while the client's real address hears about the change."""
    desk = signed_in(front_desk)
    old_address = client_.email
    with on_commit():
        desk.post(reverse("frontdesk:client_edit", args=[client_.pk]), {
            "first_name": "Carl", "last_name": "Client", "email": "mallory@evil.example", "phone": "",
            "clinic": client_.clinic_id, "email_consent": "on", "user": manager.pk,
        })
    notice = [m for m in mail.outbox if m.to == [old_address]]
    assert len(notice) == 1 and "was changed" in notice[0].subject
    assert "m•••@evil.example" in notice[0].body and "mallory@evil.example" not in notice[0].body
    with on_commit():
        desk.post(reverse("portal:invite", args=[client_.pk]))
    assert mail.outbox[-1].to == ["mallory@evil.example"]
    Browser().post(invitation_link(mail.outbox[-1]),
                   {"password1": "Attacker-pass-2026", "password2": "Attacker-pass-2026"})
    manager.refresh_from_db()
    assert still_signs_in(manager) and not manager.check_password("Attacker-pass-2026")
    client_.refresh_from_db()
    assert client_.user.username == "mallory@evil.example" and client_.user != manager


def test_inviting_a_client_who_has_a_login_sends_a_password_reset_to_its_registered_address(
    front_desk, client_, on_commit
):
    login = make_portal_user(client_)
    registered = login.email
    desk = signed_in(front_desk)
    with on_commit():  # staff point the client row elsewhere, then invite
        desk.post(reverse("frontdesk:client_edit", args=[client_.pk]), {
            "first_name": "Carl", "last_name": "Client", "email": "mallory@evil.example", "phone": "",
            "clinic": client_.clinic_id,
        })
    mail.outbox.clear()
    with on_commit():
        response = desk.post(reverse("portal:invite", args=[client_.pk]), follow=True)
    assert "already has a portal login" in response.content.decode()
    assert not PortalInvitation.objects.exists()
    assert [m.to for m in mail.outbox] == [[registered]]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = Browser()
    page = form.get(link, follow=True)
    assert b"Choose a new password" in page.content
    new = {"new_password1": "Fresh-pass-2026", "new_password2": "Fresh-pass-2026"}
    form.post(page.redirect_chain[-1][0], new)
    login.refresh_from_db()
    assert login.check_password("Fresh-pass-2026")


def test_a_client_changing_their_address_in_the_portal_tells_the_old_one(client_, on_commit):
    old_address = client_.email
    portal = signed_in(make_portal_user(client_))
    with on_commit():
        portal.post(reverse("portal:preferences"), {"email": "carl.new@example.com", "phone": "",
                                                    "email_consent": "on"})
    assert [m.to for m in mail.outbox] == [[old_address]]
    assert "c•••@example.com" in mail.outbox[0].body
    client_.refresh_from_db()
    assert client_.email == "carl.new@example.com"


def test_saving_a_client_without_changing_the_address_sends_nothing(manager, client_, on_commit):
    with on_commit():
        signed_in(manager).post(admin_url(client_), {
            "first_name": "Carlos", "last_name": "Client", "email": client_.email.upper(), "phone": "",
            "clinic": client_.clinic_id, "_save": "Save",
        })
    client_.refresh_from_db()
    assert client_.first_name == "Carlos" and not mail.outbox


# --------------------------------------------------------------------------- history pages


@pytest.mark.parametrize("who", ["london_manager", "outsider"])
def test_another_clinics_staff_cannot_list_open_or_revert_history(request, who, world):
    attacker = world.london_manager if who == "london_manager" else request.getfixturevalue("outsider")
    browser = signed_in(attacker)
    moved_to = world.session.starts_at
    for obj in (world.client, world.plan, world.client.clinic, world.session, world.record):
        version = obj.history.order_by("history_id").first().history_id
        for method, url in (("get", admin_url(obj, "history")),
                            ("get", admin_url(obj, "simple_history", version)),
                            ("post", admin_url(obj, "simple_history", version))):
            response = getattr(browser, method)(url)
            if who == "outsider":  # front desk: no admin at all
                assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), url
            else:
                assert response.status_code == 404, url
    world.session.refresh_from_db()
    assert world.session.starts_at == moved_to
    assert not AuditEvent.objects.filter(kind=AuditKind.READ).exists()


def test_a_version_id_of_another_row_is_not_shown_under_ones_own_row(manager, world, client_):
    theirs = world.london_client
    version = latest_version(theirs)
    response = signed_in(manager).get(admin_url(client_, "simple_history", version))
    assert response.status_code == 404 and b"Lena" not in response.content


def test_a_practitioners_revert_post_changes_nothing_even_with_a_leftover_staff_flag(practitioner, world):
    practitioner.is_staff = True  # as every staff user had before the admin's door narrowed
    practitioner.save()
    first = world.session.history.order_by("history_id").first()
    response = signed_in(practitioner).post(admin_url(world.session, "simple_history", first.history_id))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    world.session.refresh_from_db()
    assert world.session.starts_at == chicago(3, 4)


def test_a_manager_reverts_a_session_through_the_booking_service(manager, world):
    booked = world.session.history.order_by("history_id").first()  # Tuesday 3 March, 10:00
    response = signed_in(manager).post(admin_url(world.session, "simple_history", booked.history_id))
    assert response.status_code == 302 and response.url == admin_url(world.session)
    world.session.refresh_from_db()
    assert world.session.starts_at == chicago(3, 3)
    assert world.session.history.first().history_user == manager


def test_a_revert_that_breaks_a_booking_rule_is_refused_with_the_rules_message(
    manager, world, clinic, front_desk, practitioner
):
    # Someone else now holds the old slot: going back would double-book the practitioner (R7).
    other = make_plan(make_client(clinic), quoted_sessions=2)
    booking.book_session(plan=other, starts_at=chicago(3, 3), practitioner=practitioner, by=front_desk)
    booked = world.session.history.order_by("history_id").first()
    browser = signed_in(manager)
    response = browser.post(admin_url(world.session, "simple_history", booked.history_id), follow=True)
    page = response.content.decode()
    assert "Nothing was reverted" in page and "Pat Needle" in page
    world.session.refresh_from_db()
    assert world.session.starts_at == chicago(3, 4)


def test_a_plans_quote_is_reverted_through_amend_quote_with_who_and_why(manager, world):
    before_amendment = world.plan.history.filter(quoted_sessions=3).order_by("-history_id").first()
    response = signed_in(manager).post(admin_url(world.plan, "simple_history", before_amendment.history_id),
                                       {"amendment_reason": "Scar done in the same sessions"})
    assert response.status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.quoted_sessions == 3
    amendment = QuoteAmendment.objects.order_by("-pk").first()
    assert (amendment.previous_sessions, amendment.new_sessions, amendment.by) == (4, 3, manager)
    assert amendment.reason == "Scar done in the same sessions"


def test_models_without_a_service_refuse_a_revert_even_for_their_manager(manager, world):
    browser = signed_in(manager)
    for obj in (world.client.clinic, world.deposit, world.record):
        version = latest_version(obj)
        page = browser.get(admin_url(obj, "simple_history", version)).content.decode()
        assert 'value="Revert"' not in page
        assert browser.post(admin_url(obj, "simple_history", version)).status_code == 403


def test_each_clinical_history_page_records_exactly_one_read(manager, world):
    browser = signed_in(manager)
    reads = AuditEvent.objects.filter(kind=AuditKind.READ)
    for obj in (world.record, world.plan):
        before = reads.count()
        history = browser.get(admin_url(obj, "history"))
        assert history.status_code == 200 and reads.count() == before + 1
        version = browser.get(admin_url(obj, "simple_history", latest_version(obj)))
        assert version.status_code == 200 and reads.count() == before + 2
        assert CLINICAL_NOTE in version.content.decode()
    row = reads.first()
    assert (row.actor, row.client, row.actor_role) == (manager, world.client, "manager")
    assert row.object_ref == f"treatmentplan:{world.plan.pk}" and "version" in row.what
    before = reads.count()
    browser.get(admin_url(world.client, "history"))  # contact details: not clinical
    assert reads.count() == before


# --------------------------------------------------------------------------- foreign keys


def test_a_plan_cannot_be_added_for_another_clinics_client_by_raw_id(manager, world):
    response = signed_in(manager).post(reverse("admin:clinic_treatmentplan_add"), {
        "client": world.london_client.pk, "treatment_area": "full_scalp", "quoted_sessions": "3",
        "price": "2400.00", "starting_shade": "4", "hairline_notes": "",
    })
    page = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice" in page
    assert "Lena" not in page  # the id typed in is not turned into a name either
    assert list(TreatmentPlan.objects.filter(client=world.london_client)) == [world.london_plan]


def test_a_session_cannot_name_another_clinics_plan_or_practitioner(manager, world, practitioner):
    browser = signed_in(manager)
    form = browser.get(reverse("admin:sessions_app_treatmentsession_add")).content.decode()
    assert practitioner.get_full_name() in form and "Lars" not in form
    for injected in ({"plan": world.london_plan.pk, "practitioner": practitioner.pk},
                     {"plan": world.plan.pk, "practitioner": world.london_practitioner.pk}):
        response = browser.post(reverse("admin:sessions_app_treatmentsession_add"), {
            **injected, "starts_at_0": "2026-03-24", "starts_at_1": "10:00:00", "ends_at_0": "",
            "ends_at_1": "", "override_reason": "",
        })
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not TreatmentSession.objects.filter(starts_at=chicago(3, 24)).exists()


def test_a_deposit_cannot_be_recorded_on_another_clinics_plan(manager, world):
    response = signed_in(manager).post(reverse("admin:sessions_app_deposit_add"), {
        "plan": world.london_plan.pk, "amount": "100.00", "method": "card", "reference": "",
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Deposit.objects.filter(plan=world.london_plan).exists()


def test_list_filters_and_the_raw_id_lookup_show_only_ones_own_clinics(manager, world):
    browser = signed_in(manager)
    listing = browser.get(reverse("admin:clinic_treatmentplan_changelist")).content.decode()
    assert "Chicago" in listing and "London" not in listing
    lookup = browser.get(reverse("admin:clinic_client_changelist") + "?_to_field=id&_popup=1")
    assert "Carl" in lookup.content.decode() and "Lena" not in lookup.content.decode()


def test_autocomplete_answers_only_fields_an_admin_declares(manager, world):
    browser = signed_in(manager)
    for model_name, field in (("treatmentplan", "client"), ("treatmentsession", "plan"), ("client", "user")):
        response = browser.get(reverse("admin:autocomplete"), {
            "app_label": "sessions_app" if model_name == "treatmentsession" else "clinic",
            "model_name": model_name, "field_name": field, "term": "",
        })
        assert response.status_code == 403 and b"Lena" not in response.content


# --------------------------------------------------------------------------- staff profiles


def test_a_manager_cannot_add_a_clinic_to_their_own_profile(manager, other_clinic, clinic):
    browser = signed_in(manager)
    url = admin_url(manager.staff_profile)
    assert 'name="clinics"' not in browser.get(url).content.decode()  # read-only
    response = browser.post(url, {"role": "manager", "clinics": [clinic.pk, other_clinic.pk]})
    assert response.status_code == 403
    assert list(manager.staff_profile.clinics.all()) == [clinic]


def test_a_manager_cannot_give_a_colleague_a_clinic_they_do_not_manage(
    manager, front_desk, other_clinic, clinic
):
    response = signed_in(manager).post(admin_url(front_desk.staff_profile), {
        "role": "front_desk", "clinics": [clinic.pk, other_clinic.pk],
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert list(front_desk.staff_profile.clinics.all()) == [clinic]
    assert not AuditEvent.objects.filter(kind=AuditKind.CLINICS_CHANGED).exists()


def test_a_manager_sees_only_their_clinics_staff(manager, world, front_desk):
    listing = signed_in(manager).get(reverse("admin:clinic_staffprofile_changelist")).content.decode()
    assert front_desk.get_full_name() in listing and "Londonboss" not in listing
    assert signed_in(manager).get(admin_url(world.london_manager.staff_profile)).status_code == 404


def test_a_manager_promotes_a_colleague_within_their_clinic_and_it_is_recorded(manager, front_desk, clinic):
    response = signed_in(manager).post(admin_url(front_desk.staff_profile), {
        "role": "manager", "clinics": [clinic.pk],
    })
    assert response.status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.staff_profile.role == "manager" and front_desk.is_staff  # the admin's door
    assert not front_desk.is_superuser
    event = AuditEvent.objects.get(kind=AuditKind.ROLE_CHANGED)
    assert (event.actor, event.subject_user, event.detail) == (manager, front_desk, "Front desk -> Manager")


def test_demoting_a_manager_closes_their_admin_door(superuser, manager, clinic):
    demoted = {"role": "practitioner", "clinics": [clinic.pk]}
    signed_in(superuser).post(admin_url(manager.staff_profile), demoted)
    manager.refresh_from_db()
    assert manager.staff_profile.role == "practitioner" and not manager.is_staff
    assert signed_in(manager).get(reverse("admin:index")).status_code == 302


def test_a_colleague_shared_with_another_clinic_keeps_that_clinic_and_role(manager, clinic, other_clinic):
    shared = make_staff("front_desk", clinic, clinics=[other_clinic])
    browser = signed_in(manager)
    promoted = browser.post(admin_url(shared.staff_profile), {"role": "manager", "clinics": [clinic.pk]})
    assert "clinics you do not manage" in promoted.content.decode()
    browser.post(admin_url(shared.staff_profile), {"role": "front_desk"})  # Chicago unticked
    profile = StaffProfile.objects.get(user=shared)
    assert profile.role == "front_desk" and list(profile.clinics.all()) == [other_clinic]
    event = AuditEvent.objects.get(kind=AuditKind.CLINICS_CHANGED)
    assert event.detail == "added: none; removed: Chicago" and event.subject_user == shared


def test_a_manager_can_neither_add_staff_nor_reach_user_accounts(manager, front_desk):
    browser = signed_in(manager)
    assert browser.get(reverse("admin:clinic_staffprofile_add")).status_code == 403
    account = reverse("admin:auth_user_change", args=[front_desk.pk])
    for url in (reverse("admin:auth_user_changelist"), account):
        assert browser.get(url).status_code == 403
    response = browser.post(reverse("admin:auth_user_change", args=[front_desk.pk]),
                            {"username": front_desk.username, "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 403
    front_desk.refresh_from_db()
    assert not (front_desk.is_superuser or front_desk.is_staff)


# --------------------------------------------------------------------------- money keys


def form_key(browser, url) -> str:
    page = browser.get(url).content.decode()
    return re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)


def test_a_deposit_key_from_one_clinic_neither_blocks_nor_reveals_a_deposit_at_another(
    waiting_plan, front_desk, outsider, other_clinic
):
    london_plan = money_helpers.plan_after_session_2(other_clinic, first_name="Lena", last_name="London")
    chicago_desk, london_desk = signed_in(front_desk), signed_in(outsider)
    chicago_url = reverse("money:take_deposit", args=[waiting_plan.pk])
    london_url = reverse("money:take_deposit", args=[london_plan.pk])
    key = form_key(chicago_desk, chicago_url)
    data = {"action": "record", "amount": "100.00", "method": "card", "reference": "", "idempotency_key": key}

    first = chicago_desk.post(chicago_url, data, follow=True)  # Chicago records its deposit
    assert "recorded for Carla Waiting" in first.content.decode()
    replayed = london_desk.post(london_url, {**data, "amount": "80.00"}, follow=True)  # the key, at London
    page = replayed.content.decode()
    assert "already recorded" not in page and "Fran Desk" not in page and "Carla" not in page
    assert Deposit.objects.get(plan=london_plan).amount == Decimal("80.00")  # London's own, recorded
    assert Deposit.objects.get(plan=waiting_plan).amount == Decimal("100.00")


def test_a_payment_key_used_first_at_another_clinic_does_not_block_the_owner(
    waiting_plan, front_desk, outsider, other_clinic
):
    london_plan = money_helpers.plan_after_session_2(other_clinic, first_name="Lena", last_name="London")
    chicago_url = reverse("money:record_payment", args=[waiting_plan.pk])
    key = form_key(signed_in(front_desk), chicago_url)
    data = {"amount": "500.00", "method": "card", "reference": "", "idempotency_key": key}
    signed_in(outsider).post(reverse("money:record_payment", args=[london_plan.pk]), data)
    signed_in(front_desk).post(chicago_url, data)
    assert Payment.objects.filter(plan=waiting_plan).count() == 1  # not blocked
    assert Payment.objects.filter(plan=london_plan).count() == 1


def test_the_service_looks_a_key_up_on_its_own_plan_only(waiting_plan, front_desk, outsider, other_clinic):
    london_plan = money_helpers.plan_after_session_2(other_clinic)
    key = "0b5f4c5e-0d7e-4a57-9f8e-2c1f0c6f3a11"
    chicago = booking.record_payment(plan=waiting_plan, amount="10.00", by=front_desk, idempotency_key=key)
    london = booking.record_payment(plan=london_plan, amount="20.00", by=outsider, idempotency_key=key)
    assert chicago != london and london.plan == london_plan
    with pytest.raises(booking.BookingRefused):  # and never hands back another clinic's row
        booking.record_payment(plan=waiting_plan, amount="10.00", by=outsider, idempotency_key=key)


def test_form_keys_cannot_be_computed_without_the_servers_secret(waiting_plan, settings):
    from frontdesk.money_views import form_key as derive

    key = derive(waiting_plan, "deposit")
    assert derive(waiting_plan, "deposit") == key  # two tabs share it: one deposit
    settings.SECRET_KEY = "another-secret-for-this-test-only-0123456789"
    assert derive(waiting_plan, "deposit") != key


def test_clinical_admin_lists_show_no_clinical_text(manager, world):
    listing = signed_in(manager).get(reverse("admin:sessions_app_sessionrecord_changelist")).content.decode()
    assert "Carl Chicago" in listing and CLINICAL_NOTE not in listing
