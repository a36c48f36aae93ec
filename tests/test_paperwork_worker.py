"""The paperwork reminder (R17) through the aftercare outbox with a real Celery worker on real
Redis: planned when session 1 is booked, handed over once, with the invitation link."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aftercare import services
from aftercare.models import Reminder, ReminderStatus, ScheduleStep
from clinic.models import PortalInvitation
from sessions_app import booking
from tests.aftercare_helpers import needs_postgres, needs_redis, redis_flushdb, thread_worker, wait_until
from tests.factories import make_client, make_plan

pytestmark = [needs_postgres, needs_redis, pytest.mark.django_db(transaction=True)]

# The step the migration seeds (a transactional test may run after a flush of seeded rows).
STEP = dict(
    kind="paperwork_reminder",
    name="Please complete your paperwork (3 days before session 1)",
    anchor="session_start",
    day_offset=-3,
    send_time=dt.time(10),
    by_email=True,
    by_sms=False,
    template="paperwork",
    after_session=1,
)


@pytest.fixture(autouse=True)
def empty_redis():
    redis_flushdb()
    yield
    redis_flushdb()


def test_the_paperwork_reminder_is_sent_once_by_a_real_worker(clinic, practitioner, front_desk):
    ScheduleStep.objects.get_or_create(kind=STEP["kind"], defaults=STEP)
    ivy = make_client(clinic, first_name="Ivy", last_name="Lee", paperwork_completed_at=None)
    local_day = timezone.now().astimezone(clinic.tz).date() + dt.timedelta(days=20)
    starts = dt.datetime.combine(local_day, dt.time(10), tzinfo=clinic.tz)
    first = None
    for days in range(0, 7):  # a day the clinic is open
        try:
            first = booking.book_session(
                plan=make_plan(ivy),
                starts_at=starts + dt.timedelta(days=days),
                practitioner=practitioner,
                by=front_desk,
            )
            break
        except booking.BookingRefused:
            continue
    assert first is not None
    row = Reminder.objects.get(session=first, kind="paperwork_reminder")
    with thread_worker():
        handed = services.dispatch_due(now=row.due_at + dt.timedelta(minutes=1))
        wait_until(
            lambda: Reminder.objects.get(pk=row.pk).status == ReminderStatus.SENT,
            timeout=60,
            what="the paperwork reminder to be sent",
        )
        assert services.dispatch_due(now=row.due_at + dt.timedelta(minutes=2)) == 0
    assert handed == 1
    sent = [m for m in mail.outbox if "paperwork" in m.subject.lower()]
    assert len(sent) == 1 and sent[0].to == [ivy.email]
    assert "/portal/invitation/" in sent[0].body
    assert PortalInvitation.objects.filter(client=ivy, created_by__isnull=True).count() == 1
