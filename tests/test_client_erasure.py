"""Erasure on request (R20): identifying fields go from the client row and every history row,
the portal login is emptied, aftercare stops, clinical and financial rows stay under the
pseudonym until the retention period is over; two steps with a reason; managers only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Reminder, ReminderStatus
from clinic.erasure import ClientErasure, ErasureRefused, erase_client, purge_expired_erasures
from clinic.models import Client, TreatmentPlan
from clinic.tasks import purge_erased_clients
from sessions_app import booking
from sessions_app.models import Payment, SessionRecord, SessionStatus, TreatmentSession
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
IDENTIFYING = {"first_name": "Dana", "last_name": "Secret", "email": "dana@example.com",
               "phone": "+13125550199", "date_of_birth": dt.date(1979, 9, 9)}


@pytest.fixture
def dana(clinic, practitioner, front_desk):
    """A treated client with a portal login, a changed e-mail (two history rows), a completed
    session with a log, a payment and an aftercare message still to send."""
    person = make_client(clinic, **{**IDENTIFYING, "email": "old-dana@example.com"})
    person.email = IDENTIFYING["email"]
    person.save()
    plan = make_plan(person, quoted_sessions=2, status="active")
    session = make_session(plan, number=1, starts_at=chicago(3, 1, 10), practitioner=practitioner,
                           status=SessionStatus.CHECKED_IN)
    booking.complete_session(session=session, by=practitioner)
    SessionRecord.objects.create(session=session, assessment="Healthy scalp", shade_used=4)
    Payment.objects.create(plan=plan, amount=Decimal("800.00"), currency="USD",
                           received_at=timezone.now(), received_by=front_desk)
    make_portal_user(person)
    assert Reminder.objects.filter(client=person, status=ReminderStatus.SCHEDULED).exists()
    return person


def test_erasure_removes_every_identifying_field_including_history(dana, manager):
    login = dana.user
    assert Client.history.filter(id=dana.pk).count() >= 3
    erasure = erase_client(client=dana, by=manager, reason="The client asked by e-mail")
    dana.refresh_from_db()
    # The live row, field by field.
    assert (dana.first_name, dana.last_name) == ("Erased", erasure.pseudonym)
    assert dana.email == "" and dana.phone == "" and dana.date_of_birth is None
    assert dana.email_consent is False and dana.sms_consent is False and dana.user is None
    # Every history row, field by field.
    for row in Client.history.filter(id=dana.pk):
        assert (row.first_name, row.last_name) == ("Erased", erasure.pseudonym)
        assert (row.email, row.phone, row.date_of_birth) == ("", "", None)
    values = [str(v) for row in Client.history.filter(id=dana.pk).values() for v in row.values()]
    secrets = ("Dana", "Secret", "dana@example.com", "old-dana@example.com", "+13125550199", "1979-09-09")
    for secret in secrets:
        assert not any(secret in v for v in values), secret
    # The portal login: emptied, inactive, no password.
    login.refresh_from_db()
    assert not login.is_active and not login.has_usable_password()
    assert (login.first_name, login.last_name, login.email) == ("", "", "")
    assert "dana" not in login.username.lower()
    # Clinical and financial rows stay, under the pseudonym.
    plan = TreatmentPlan.objects.get(client=dana)
    assert plan.sessions.get().record.assessment == "Healthy scalp"
    assert plan.payments.get().amount == Decimal("800.00")
    # Aftercare stops.
    assert not Reminder.objects.filter(client=dana, status=ReminderStatus.SCHEDULED).exists()
    assert Reminder.objects.filter(client=dana, status=ReminderStatus.CANCELLED).exists()
    # Recorded: who, when, why, until when.
    assert (erasure.by, erasure.reason) == (manager, "The client asked by e-mail")
    assert erasure.retain_until == dt.date(2034, 3, 2)  # 8 years, the default setting


def test_erasure_cannot_be_undone_or_repeated_and_needs_a_manager_and_a_reason(dana, manager, front_desk):
    with pytest.raises(ErasureRefused):
        erase_client(client=dana, by=front_desk, reason="asked")
    with pytest.raises(ErasureRefused):
        erase_client(client=dana, by=manager, reason="  ")
    erasure = erase_client(client=dana, by=manager, reason="asked")
    with pytest.raises(ErasureRefused):
        erase_client(client=dana, by=manager, reason="again")
    with pytest.raises(PermissionError):
        erasure.delete()


def test_a_client_with_booked_sessions_is_not_erased(client_, plan, practitioner, manager):
    make_session(plan, number=1, starts_at=chicago(3, 10, 10), practitioner=practitioner)
    with pytest.raises(ErasureRefused, match="booked sessions"):
        erase_client(client=client_, by=manager, reason="asked")


def test_after_the_retention_period_the_beat_task_removes_the_rest(dana, manager, clinic):
    erasure = erase_client(client=dana, by=manager, reason="asked")
    plan_id = TreatmentPlan.objects.get(client=dana).pk
    assert purge_expired_erasures(today=erasure.retain_until) == 0
    assert TreatmentSession.objects.filter(client=dana).exists()
    clinic.retention_years = 1
    clinic.save()
    ClientErasure.objects.filter(pk=erasure.pk).update(retain_until=dt.date(2026, 3, 1))
    assert purge_erased_clients.apply().get() == 1
    assert not TreatmentPlan.objects.filter(client=dana).exists()
    assert not TreatmentSession.objects.filter(client=dana).exists()
    assert not TreatmentSession.history.filter(client_id=dana.pk).exists()
    assert not Payment.history.filter(plan_id=plan_id).exists()
    assert not TreatmentPlan.history.filter(id=plan_id).exists()
    assert not Reminder.objects.filter(client=dana).exists()
    erasure.refresh_from_db()
    assert erasure.purged_at is not None
    assert Client.objects.get(pk=dana.pk).last_name == erasure.pseudonym  # only the pseudonym left


def test_two_step_page(client, dana, manager):
    url = reverse("frontdesk:client_erase", args=[dana.pk])
    sign_in(client, manager)
    assert client.get(url).status_code == 200
    step2 = client.post(url, {"reason": "Asked at the desk", "step": "1"})
    assert step2.context["step"] == 2 and not ClientErasure.objects.exists()
    unticked = client.post(url, {"reason": "Asked at the desk", "step": "2"})
    assert unticked.context["form"].errors["confirm"] and not ClientErasure.objects.exists()
    done = client.post(url, {"reason": "Asked at the desk", "step": "2", "confirm": "on"})
    assert done.status_code == 302
    assert ClientErasure.objects.get().reason == "Asked at the desk"
    assert "Erased on" in client.get(url).content.decode()


def test_page_roles(client, dana, clinic, front_desk, practitioner, outsider, superuser, other_clinic):
    url = reverse("frontdesk:client_erase", args=[dana.pk])
    assert client.get(url).status_code == 302
    for user in (front_desk, practitioner, superuser, outsider):
        sign_in(client, user)
        assert client.get(url).status_code == 403
        client.logout()
    from tests.factories import make_staff
    other_manager = make_staff("manager", other_clinic)
    sign_in(client, other_manager)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "step": "2", "confirm": "on"}).status_code == 404
    client.logout()
    sign_in(client, get_user_model().objects.get(pk=dana.user_id))
    assert client.get(url).status_code == 403
    assert not ClientErasure.objects.exists()
