"""R14: a practitioner reads the record of clients they hold a past or booked session with;
any other client of their clinic only by breaking the glass (a typed reason, recorded and
listed for the managers). Managers read all at their clinics."""

import pytest
from django.urls import reverse

from clinic.audit import AuditEvent, AuditKind
from tests.factories import make_staff, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def log_url(session):
    return reverse("practice:session_log", args=[session.pk])


def test_the_sessions_practitioner_and_managers_read_the_log(client, second_session, manager):
    sign_in(client, second_session.practitioner)
    assert client.get(log_url(second_session)).status_code == 200
    sign_in(client, manager)
    assert client.get(log_url(second_session)).status_code == 200


def test_another_practitioner_must_break_the_glass_with_a_reason(client, clinic, second_session, manager):
    colleague = make_staff("practitioner", clinic)
    sign_in(client, colleague)
    response = client.get(log_url(second_session))
    assert response.status_code == 302 and "/break-glass/" in response["Location"]
    progress = reverse("practice:plan_progress", args=[second_session.plan_id])
    assert "/break-glass/" in client.get(progress)["Location"]
    glass = reverse("practice:break_glass", args=[second_session.pk])
    assert "not your client" in client.get(glass).content.decode()

    short = client.post(glass, {"reason": "look", "next": log_url(second_session)})
    assert "at least 10 characters" in short.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditKind.BREAK_GLASS).exists()

    client.post(glass, {"reason": "Covering for Pat, client in the chair", "next": log_url(second_session)})
    event = AuditEvent.objects.get(kind=AuditKind.BREAK_GLASS)
    assert (event.actor, event.client, event.detail) == (
        colleague, second_session.client, "Covering for Pat, client in the chair"
    )
    assert client.get(log_url(second_session)).status_code == 200

    sign_in(client, manager)  # listed for the managers in the access log
    page = client.get(reverse("reports:access")).content.decode()
    assert "Reason: Covering for Pat, client in the chair" in page


@pytest.mark.parametrize("who,expected", [
    ("anonymous", 302), ("front_desk", 403), ("manager", 302), ("outsider", 404),
])
def test_who_opens_the_break_glass_page(client, request, second_session, who, expected):
    if who != "anonymous":
        sign_in(client, request.getfixturevalue(who))
    response = client.get(reverse("practice:break_glass", args=[second_session.pk]))
    assert response.status_code == expected
    if who == "manager":  # a manager reads it anyway: straight to the log
        assert response["Location"] == log_url(second_session)


def test_a_client_gets_403_on_the_break_glass_page(client, second_session):
    from tests.factories import make_portal_user

    sign_in(client, make_portal_user(second_session.client))
    assert client.get(reverse("practice:break_glass", args=[second_session.pk])).status_code == 403
