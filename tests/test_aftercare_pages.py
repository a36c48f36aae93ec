"""Staff pages of the outbox (R14): a client's messages and the clinic's messages, with
"send again" for a failed one. Front desk and managers of the client's clinic; practitioners
and clients 403; anonymous users sign in first; another clinic's staff 404. The admin lets
managers edit the schedule."""

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Reminder, ReminderStatus, ScheduleStep
from sessions_app.models import SessionStatus
from tests.factories import make_client, make_plan, make_portal_user, make_session, make_staff, sign_in

pytestmark = pytest.mark.django_db

_days = itertools.count()


def add_messages(client, practitioner, n: int, status=ReminderStatus.SENT) -> list[Reminder]:
    """`n` messages to `client`, one per completed session (written directly)."""
    steps = list(ScheduleStep.objects.filter(anchor="session_end"))
    made = []
    start = timezone.now() - dt.timedelta(days=400)
    for i in range(n):
        plan = make_plan(client)
        day = next(_days)  # every session on its own day: no overlap for the practitioner
        session = make_session(plan, number=1, starts_at=start + dt.timedelta(days=day),
                               practitioner=practitioner, status=SessionStatus.COMPLETED)
        step = steps[i % len(steps)]
        made.append(Reminder.objects.create(
            client=client, session=session, step=step, kind=step.kind, channel="email",
            due_at=session.ends_at, status=status, attempts=1, claimed_at=session.ends_at,
            sent_at=session.ends_at if status == ReminderStatus.SENT else None,
            last_error="Connection refused" if status == ReminderStatus.FAILED else "",
        ))
    return made


@pytest.fixture
def failed(client_, practitioner) -> Reminder:
    return add_messages(client_, practitioner, 1, status=ReminderStatus.FAILED)[0]


@pytest.fixture
def urls(client_, failed):
    return {
        "aftercare:outbox": reverse("aftercare:outbox"),
        "aftercare:client_messages": reverse("aftercare:client_messages", args=[client_.pk]),
    }


PAGES = ["aftercare:outbox", "aftercare:client_messages"]


# --------------------------------------------------------------------------- who


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_front_desk_and_managers_see_the_messages(client, urls, name, role, request, failed):
    sign_in(client, request.getfixturevalue(role))
    response = client.get(urls[name])
    assert response.status_code == 200
    assert "Aftercare instructions" in response.text
    assert "Connection refused" in response.text
    assert reverse("aftercare:resend", args=[failed.pk]) in response.text


@pytest.mark.parametrize("name", PAGES)
def test_practitioners_are_refused(client, urls, name, practitioner):
    sign_in(client, practitioner)
    assert client.get(urls[name]).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_clients_are_refused(client, urls, name, client_):
    sign_in(client, make_portal_user(client_))
    assert client.get(urls[name]).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_clinics_staff_get_404_for_this_clinics_client(client, urls, outsider):
    sign_in(client, outsider)
    assert client.get(urls["aftercare:client_messages"]).status_code == 404


def test_another_clinics_staff_see_their_own_outbox_without_this_clinics_messages(client, urls, outsider):
    sign_in(client, outsider)
    response = client.get(urls["aftercare:outbox"])
    assert response.status_code == 200
    assert "Carl Client" not in response.text
    assert "No failed messages." in response.text


def test_resend_is_post_only_and_scoped(client, failed, front_desk, practitioner, outsider, client_):
    url = reverse("aftercare:resend", args=[failed.pk])
    sign_in(client, front_desk)
    assert client.get(url).status_code == 405
    sign_in(client, practitioner)
    assert client.post(url).status_code == 403
    sign_in(client, make_portal_user(client_))
    assert client.post(url).status_code == 403
    sign_in(client, outsider)
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302
    failed.refresh_from_db()
    assert failed.status == ReminderStatus.FAILED


# --------------------------------------------------------------------------- what


@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_sending_a_failed_message_again_sends_it_and_says_so(
    client, failed, role, request, eager, django_capture_on_commit_callbacks
):
    sign_in(client, request.getfixturevalue(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aftercare:resend", args=[failed.pk]), follow=True)
    assert response.status_code == 200
    assert "being sent again" in response.text
    failed.refresh_from_db()
    assert failed.status == ReminderStatus.SENT
    assert len(mail.outbox) == 1
    assert "Sent again by" in response.text


def test_a_message_that_is_not_failed_cannot_be_sent_again(client, client_, practitioner, front_desk):
    [sent] = add_messages(client_, practitioner, 1)
    sign_in(client, front_desk)
    response = client.post(reverse("aftercare:resend", args=[sent.pk]), follow=True)
    assert "only a failed message can be sent again" in response.text
    sent.refresh_from_db()
    assert sent.status == ReminderStatus.SENT


def test_a_message_for_a_cancelled_session_is_not_sent_again(client, failed, front_desk):
    failed.session.status = SessionStatus.CANCELLED
    failed.session.save()
    sign_in(client, front_desk)
    response = client.post(reverse("aftercare:resend", args=[failed.pk]), follow=True)
    assert "cannot be sent any more" in response.text
    failed.refresh_from_db()
    assert failed.status == ReminderStatus.FAILED


def test_the_client_page_shows_consents_and_an_empty_state(client, clinic, front_desk):
    quiet = make_client(clinic, email_consent=False, first_name="Quinn", last_name="Quiet")
    sign_in(client, front_desk)
    response = client.get(reverse("aftercare:client_messages", args=[quiet.pk]))
    assert "None: no messages are sent" in response.text
    assert "No messages yet." in response.text


def test_the_outbox_filters_by_status(client, client_, practitioner, front_desk, failed):
    add_messages(client_, practitioner, 2)
    sign_in(client, front_desk)
    response = client.get(reverse("aftercare:outbox"), {"status": "sent"})
    assert response.context["page"].paginator.count == 2
    assert client.get(reverse("aftercare:outbox"), {"status": "bogus"}).context["status"] == "failed"


@pytest.mark.parametrize("name", PAGES)
def test_lists_take_the_same_queries_for_few_and_many_messages(
    client, client_, practitioner, front_desk, name, django_assert_max_num_queries
):
    url = {"aftercare:outbox": reverse("aftercare:outbox"),
           "aftercare:client_messages": reverse("aftercare:client_messages", args=[client_.pk])}[name]
    sign_in(client, front_desk)
    add_messages(client_, practitioner, 2, status=ReminderStatus.FAILED)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    add_messages(client_, practitioner, 40, status=ReminderStatus.FAILED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 25  # paginated


# --------------------------------------------------------------------------- admin


def test_superusers_edit_the_shared_schedule_in_the_admin(client, superuser):
    sign_in(client, superuser)
    assert client.get(reverse("admin:aftercare_schedulestep_changelist")).status_code == 200
    step = ScheduleStep.objects.get(kind="aftercare_reminder")
    url = reverse("admin:aftercare_schedulestep_change", args=[step.pk])
    response = client.post(url, {
        "name": step.name, "kind": step.kind, "active": "on", "anchor": "session_end", "day_offset": "3",
        "send_time": "11:00", "by_email": "on", "template": "window_reminder", "subject": "", "body": "",
    })
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.day_offset, step.send_time) == (3, dt.time(11))
    assert step.history.first().history_user == superuser  # steps keep their history


def test_managers_extend_the_schedule_for_their_own_clinic_only(client, manager, clinic, other_clinic):
    sign_in(client, manager)
    shared = ScheduleStep.objects.get(kind="aftercare_reminder")
    listing = client.get(reverse("admin:aftercare_schedulestep_changelist"))
    assert listing.status_code == 200 and shared.name not in listing.text
    url = reverse("admin:aftercare_schedulestep_change", args=[shared.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"day_offset": "9"}).status_code == 404
    step = {
        "name": "Avoid the gym", "kind": "avoid_gym", "active": "on", "anchor": "session_end",
        "day_offset": "5", "send_time": "10:00", "by_email": "on", "template": "custom",
        "subject": "Back to the gym on {day_7}",
        "body": "Hello {first_name}, the gym can wait until {day_7}.",
    }
    add = reverse("admin:aftercare_schedulestep_add")
    shared_try = client.post(add, {**step, "clinic": ""})
    assert shared_try.status_code == 200 and "This field is required." in shared_try.text
    elsewhere = client.post(add, {**step, "clinic": other_clinic.pk})
    assert elsewhere.status_code == 200 and "Select a valid choice" in elsewhere.text
    assert client.post(add, {**step, "clinic": clinic.pk}).status_code == 302
    assert ScheduleStep.objects.get(kind="avoid_gym").clinic == clinic


def test_an_unknown_placeholder_is_refused_in_the_admin_with_the_list(client, superuser):
    sign_in(client, superuser)
    response = client.post(reverse("admin:aftercare_schedulestep_add"), {
        "name": "Hat", "kind": "hat", "active": "on", "anchor": "session_end", "day_offset": "5",
        "send_time": "10:00", "by_email": "on", "template": "custom",
        "subject": "A hat", "body": "Hello {{ first_name }}, wear a hat until {day_30}.",
    })
    assert response.status_code == 200 and "single braces" in response.text
    assert not ScheduleStep.objects.filter(kind="hat").exists()


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_front_desk_and_practitioners_have_no_aftercare_admin(client, clinic, role):
    sign_in(client, make_staff(role, clinic))
    for name in ("admin:aftercare_schedulestep_changelist", "admin:aftercare_reminder_changelist"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_the_outbox_in_the_admin_is_read_only_and_scoped(client, manager, other_clinic, failed):
    sign_in(client, make_staff("manager", other_clinic))
    assert "aftercare_instructions" not in client.get(reverse("admin:aftercare_reminder_changelist")).text
    assert client.get(reverse("admin:aftercare_reminder_change", args=[failed.pk])).status_code == 404
    sign_in(client, manager)
    listing = client.get(reverse("admin:aftercare_reminder_changelist"))
    assert listing.status_code == 200 and "aftercare_instructions" in listing.text
    assert client.post(reverse("admin:aftercare_reminder_change", args=[failed.pk]), {}).status_code == 403
