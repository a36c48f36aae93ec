"""The session log's live shade suggestion has its own URL (practice:session_suggestion):
the fragment for the clinic's practitioners and managers, 403 for the front desk and
clients, 404 for staff of another clinic, the sign-in page for anonymous users. It is part
of the log already read, so it leaves no read in the audit trail."""

import pytest
from django.urls import reverse

from clinic.audit import AuditEvent
from tests.factories import make_portal_user, make_staff, sign_in

# first_log: session 1 logged with shade 4, so session 2 gets a suggestion.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "first_log")]

RATINGS = {"retention_crown": "1", "retention_mid_scalp": "1", "retention_left_temple": "3"}


def suggestion_url(session) -> str:
    return reverse("practice:session_suggestion", args=[session.pk])


@pytest.mark.parametrize("role", ["practitioner", "manager"])
def test_the_clinics_clinical_staff_get_the_fragment(client, clinic, second_session, role):
    # R14: the session's own practitioner, or any manager of the clinic
    sign_in(client, second_session.practitioner if role == "practitioner" else make_staff(role, clinic))
    response = client.get(suggestion_url(second_session), RATINGS, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'data-suggested-shade="5"' in page
    assert not AuditEvent.objects.exists()


def test_the_front_desk_gets_403(client, front_desk, second_session):
    sign_in(client, front_desk)
    assert client.get(suggestion_url(second_session), RATINGS).status_code == 403


def test_a_client_gets_403(client, client_, second_session):
    sign_in(client, make_portal_user(client_))
    assert client.get(suggestion_url(second_session), RATINGS).status_code == 403


@pytest.mark.parametrize("role", ["practitioner", "manager", "front_desk"])
def test_staff_of_another_clinic_get_404(client, other_clinic, second_session, role):
    sign_in(client, make_staff(role, other_clinic))
    assert client.get(suggestion_url(second_session), RATINGS).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, second_session):
    response = client.get(suggestion_url(second_session))
    assert response.status_code == 302 and reverse("login") in response.url


def test_it_only_answers_get(client, practitioner, second_session):
    sign_in(client, practitioner)
    assert client.post(suggestion_url(second_session), RATINGS).status_code == 405
