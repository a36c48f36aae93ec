"""What the messages say: kind and clear, with exact local dates and times; text, HTML and
SMS versions of each template, and a manager's own text (R12, R13, R15)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from aftercare.messages import render_reminder
from aftercare.models import Reminder, ScheduleStep
from clinic.clinic_time import client_day as day_label
from clinic.clinic_time import client_moment as moment_label
from clinic.clinic_time import client_time as time_label
from sessions_app.models import SessionStatus
from tests.aftercare_helpers import local, step
from tests.clock import CHICAGO
from tests.factories import make_client, make_plan, make_session

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return local("America/Chicago", 2026, *args)


@pytest.fixture
def second_session(clinic, practitioner):
    """Session 2 of 3 for "Carl <Client>", Tuesday 10 March 2026 14:00-17:00, completed."""
    clinic.phone = "+1 312 555 0100"
    clinic.save()
    client = make_client(clinic, first_name="Carl <b>", last_name="Client", sms_consent=True)
    plan = make_plan(client, quoted_sessions=3)
    make_session(plan, number=1, starts_at=at(2, 24, 10), practitioner=practitioner,
                 status=SessionStatus.COMPLETED)
    return make_session(plan, number=2, starts_at=at(3, 10, 14), practitioner=practitioner,
                        status=SessionStatus.COMPLETED)


def render(session, kind: str, channel: str = "email", due=None):
    reminder = Reminder(client=session.client, session=session, step=step(kind), kind=kind,
                        channel=channel, due_at=due or session.ends_at)
    with time_machine.travel(reminder.due_at, tick=False):
        return render_reminder(reminder)


def test_labels_read_like_a_person_wrote_them():
    assert time_label(dt.time(17)) == "5 pm"
    assert time_label(dt.time(9, 30)) == "9:30 am"
    assert time_label(dt.time(12)) == "12 pm"
    assert day_label(dt.date(2026, 3, 14), reference=dt.date(2026, 3, 1)) == "Saturday 14 March"
    assert day_label(dt.date(2029, 3, 14), reference=dt.date(2026, 3, 1)) == "Wednesday 14 March 2029"
    assert moment_label(at(3, 14, 17), CHICAGO, reference=dt.date(2026, 3, 1)) == "Saturday 14 March, 5 pm"


def test_the_instructions_say_until_when_exactly(second_session):
    message = render(second_session, "aftercare_instructions")
    assert message.subject == "Your aftercare: keep your scalp dry until Saturday 14 March, 5 pm"
    assert "Don't wash your scalp or cut your hair until Saturday 14 March, 5 pm." in message.text
    assert "swimming" in message.text and "sweat heavily" in message.text
    assert "For the next four days" in message.text
    assert "+1 312 555 0100" in message.text
    strong = "<strong>Don't wash your scalp or cut your hair until Saturday 14 March, 5 pm.</strong>"
    assert strong in message.html


def test_the_html_version_escapes_what_the_text_version_keeps(second_session):
    message = render(second_session, "aftercare_instructions")
    assert "Hello Carl <b>," in message.text
    assert "Hello Carl &lt;b&gt;," in message.html
    assert "<b>," not in message.html


def test_the_sms_is_one_short_line_with_the_date(second_session):
    message = render(second_session, "aftercare_instructions", channel="sms")
    assert "\n" not in message.sms
    assert len(message.sms) <= 320  # two SMS segments at most
    assert "until Saturday 14 March, 5 pm" in message.sms


def test_the_window_reminder_and_the_window_closing(second_session):
    reminder = render(second_session, "aftercare_reminder", due=at(3, 12, 10))
    assert "don't wash your scalp or cut your hair until Saturday 14 March, 5 pm" in reminder.text
    closed = render(second_session, "aftercare_window_closed", due=at(3, 14, 17))
    assert closed.subject == "Your four-day aftercare window is over"
    assert "Your four-day aftercare window is over: you may wash your scalp again." in closed.text


def test_the_third_session_prompt_gives_the_window_and_the_deposit(second_session):
    message = render(second_session, "third_session_prompt", due=at(3, 15, 10))
    assert message.subject == "Book your third session (between Tuesday 31 March and Tuesday 7 April)"
    assert "deposit of $100.00" in message.text
    text = render(second_session, "third_session_prompt", channel="sms", due=at(3, 15, 10))
    assert "between Tuesday 31 March and Tuesday 7 April" in text.sms


def test_the_appointment_reminder_names_the_day_time_and_notice(plan, practitioner):
    session = make_session(plan, number=1, starts_at=at(3, 12, 14), practitioner=practitioner)
    message = render(session, "appointment_reminder", due=at(3, 10, 10))
    assert message.subject == "See you on Thursday 12 March at 2 pm"
    assert "at least 48 hours before" in message.text


def test_the_recall_shows_the_years(second_session):
    plan = second_session.plan
    plan.status, plan.completed_at = "completed", second_session.ends_at
    plan.save()
    message = render(second_session, "touch_up_recall", due=local("America/Chicago", 2029, 3, 10, 10))
    assert "It is 3 years since you completed your treatment" in message.text
    assert "shade" in message.text


def test_a_managers_own_text_uses_the_placeholders_and_dates(second_session):
    custom = ScheduleStep.objects.create(
        kind="hat", name="Wear a hat", template="custom", day_offset=3, send_time=dt.time(9),
        subject="A hat until {day_14}",
        body="Hi {first_name},\nplease wear a hat until {day_14}.",
    )
    message = render(second_session, custom.kind, due=at(3, 13, 9))
    assert message.subject == "A hat until Tuesday 24 March"
    assert message.text == "Hi Carl <b>,\nplease wear a hat until Tuesday 24 March.\n"
    assert "Hi Carl &lt;b&gt;,<br>please wear a hat" in message.html


def test_a_managers_text_with_a_broken_placeholder_is_refused_with_a_reason():
    custom = ScheduleStep(kind="bad", name="Bad", template="custom", subject="Hi",
                          body="Hello {{ first_name|nonsense }}", by_email=True)
    with pytest.raises(ValidationError) as error:
        custom.full_clean()
    assert "placeholder" in str(error.value.message_dict["body"])


@pytest.mark.parametrize(("text", "message"), [
    ("Hello {firstname}", "Unknown placeholder {firstname}. Use only: {first_name}, "),
    ("{first_name.__class__.__mro__}", "Unknown placeholder {first_name.__class__.__mro__}"),
    ("{first_name!r}", "without anything after its name"),
    ("{first_name:>99999999}", "without anything after its name"),
    ("{% debug %}", "Unknown placeholder"),
    ("{{ settings.SECRET_KEY }}", "single braces"),
    ("Hello {first_name", "A brace is not closed"),
])
def test_a_custom_text_is_plain_placeholders_and_anything_else_is_refused_at_save(text, message):
    step = ScheduleStep(kind="bad", name="Bad", template="custom", subject="Hi", body=text, by_email=True)
    with pytest.raises(ValidationError) as on_clean:
        step.full_clean()
    assert message in on_clean.value.message_dict["body"][0]
    with pytest.raises(ValidationError):
        step.save()  # not only the admin's form: the row is never stored
    assert not ScheduleStep.objects.filter(kind="bad").exists()


def test_a_custom_text_is_never_compiled_as_a_template(second_session):
    """Template syntax typed into a value (here the client's own name) stays text."""
    second_session.client.first_name = "{% load log %}{{ request }}"
    second_session.client.save()
    ScheduleStep.objects.create(
        kind="plain", name="Plain", template="custom", day_offset=3, send_time=dt.time(9),
        subject="Hello {first_name}", body="Dear {first_name}, see you at {clinic_name}.",
    )
    message = render(second_session, "plain", due=at(3, 13, 9))
    assert message.text == "Dear {% load log %}{{ request }}, see you at Chicago.\n"


def test_a_step_needs_a_channel_and_a_custom_step_needs_text():
    bare = ScheduleStep(kind="bare", name="Bare", template="custom", by_email=False, by_sms=False)
    with pytest.raises(ValidationError) as error:
        bare.full_clean()
    assert set(error.value.message_dict) >= {"by_sms", "subject", "body"}
