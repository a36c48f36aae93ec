"""The session log's live shade suggestion has its own URL (practice:session_suggestion):
the fragment for the clinic's practitioners and managers, 403 for the front desk and
clients, 404 for staff of another clinic, the sign-in page for anonymous users. It is part
of the log already read, so it leaves no read in the audit trail."""

import datetime as dt

import pytest
from django.urls import reverse

from clinic.audit import AuditEvent
from sessions_app import records
from sessions_app.models import Density, SessionStatus, Zone
from tests.factories import make_portal_user, make_session, make_staff, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

RATINGS = {"retention_crown": "1", "retention_mid_scalp": "1", "retention_left_temple": "3"}


def chicago(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=dt.timezone(dt.timedelta(hours=-6)))


@pytest.fixture
def second_session(plan, practitioner):
    """Session 2 after a logged session 1 (shade 4), so a suggestion exists."""
    first = make_session(plan, number=1, starts_at=chicago(2, 16), practitioner=practitioner,
                         status=SessionStatus.COMPLETED)
    zones = {z: records.ZoneInput(density=Density.LIGHT) for z in Zone.values if z != Zone.SCAR}
    records.save_session_log(session=first, by=practitioner,
                             log=records.LogInput(shade_used=4, zones=zones))
    return make_session(plan, number=2, starts_at=chicago(3, 2), practitioner=practitioner)


def suggestion_url(session) -> str:
    return reverse("practice:session_suggestion", args=[session.pk])


@pytest.mark.parametrize("role", ["practitioner", "manager"])
def test_the_clinics_clinical_staff_get_the_fragment(client, clinic, second_session, role):
    sign_in(client, make_staff(role, clinic))
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
