"""Set-up promises: demo data, production settings, the dry-run check, and the admin
booking through the service."""

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from clinic.models import Client, Clinic, StaffProfile, TreatmentPlan
from sessions_app import booking
from sessions_app.booking import BookingRefused
from sessions_app.models import SessionStatus, TreatmentSession
from tests.clock import chicago
from tests.factories import sign_in

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_seed_demo_loads_every_stage_once_and_prints_a_login_per_role():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Demo data loaded." in text and "already loaded" in text
    for login in ["manager", "frontdesk", "practitioner", "client"]:
        assert f" {login} " in text
    assert set(Clinic.objects.values_list("time_zone", flat=True)) == {
        "America/Chicago", "Europe/London",
    }
    assert Clinic.objects.count() == 2
    assert set(StaffProfile.objects.values_list("role", flat=True)) == {
        "front_desk", "practitioner", "manager",
    }
    assert Client.objects.filter(paperwork_completed_at__isnull=True).exists()  # new client
    assert TreatmentPlan.objects.filter(status="completed").exists()
    waiting = [p for p in TreatmentPlan.objects.filter(quoted_sessions=3)
               if p.sessions.filter(status=SessionStatus.COMPLETED).count() == 2
               and not p.sessions.filter(number=3).exists()]
    assert waiting, "a plan awaiting its third session"
    assert Client.objects.filter(user__username="client").exists()


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DEBUG="false", DJANGO_SETTINGS_MODULE="clinic.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_check_booking_runs_every_rule_without_writing(plan, practitioner, front_desk):
    check = booking.check_booking(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner,
                                  by=front_desk)
    assert check.number == 1 and check.ends_at - check.starts_at == dt.timedelta(hours=3)
    with pytest.raises(BookingRefused) as refusal:
        booking.check_booking(plan=plan, starts_at=chicago(3, 8), practitioner=practitioner,
                              by=front_desk)
    assert refusal.value.code == "outside_hours"
    assert not TreatmentSession.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_the_admin_books_through_the_service_and_shows_its_refusal(
    client, plan, practitioner, manager
):
    sign_in(client, manager)
    url = reverse("admin:sessions_app_treatmentsession_add")
    form = {
        "plan": plan.pk, "practitioner": practitioner.pk, "override_reason": "",
        "starts_at_0": "2026-03-08", "starts_at_1": "10:00:00",  # a Sunday, clinic time
        "ends_at_0": "", "ends_at_1": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert b"closed on Sundays. Open: Monday-Saturday 09:00-18:00." in refused.content
    assert b"[outside_hours]" in refused.content
    assert not TreatmentSession.objects.exists()

    form.update({"starts_at_0": "2026-03-03"})  # Tuesday 10:00 in Chicago
    booked = client.post(url, form)
    assert booked.status_code == 302, booked.content.decode()[:2000]
    session = TreatmentSession.objects.get()
    assert session.starts_at == chicago(3, 3) and session.booked_by == manager


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_admin_actions_apply_the_rules(client, clinic, practitioner, front_desk, manager):
    from tests.factories import make_client, make_plan

    no_paperwork = make_plan(make_client(clinic, paperwork_completed_at=None))
    session = booking.book_session(plan=no_paperwork, starts_at=chicago(3, 3),
                                   practitioner=practitioner, by=front_desk)
    sign_in(client, manager)
    response = client.post(
        reverse("admin:sessions_app_treatmentsession_changelist"),
        {"action": "check_in_session_action", "_selected_action": [session.pk]}, follow=True,
    )
    assert b"medical questionnaire" in response.content
    session.refresh_from_db()
    assert session.status == SessionStatus.BOOKED


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_check_booking_without_a_staff_member_checks_the_clinics_rules_only(plan, practitioner):
    """What the portal uses to offer a client only times the clinic could book."""
    assert booking.check_booking(plan=plan, starts_at=chicago(3, 3), practitioner=practitioner).number == 1
    with pytest.raises(BookingRefused) as refusal:
        booking.check_booking(plan=plan, starts_at=chicago(3, 8), practitioner=practitioner)
    assert refusal.value.code == "outside_hours"


@pytest.mark.django_db
def test_seed_demo_leaves_aftercare_messages_due_for_the_worker(settings):
    from aftercare.models import Reminder

    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Aftercare messages due now:" in out.getvalue()
    assert Reminder.objects.due(dt.datetime.now(dt.UTC)).exists()
