"""R7 under concurrency: many people booking the same slot at the same moment, on real
connections. Exactly one wins; everyone else gets a clear refusal; no 500s, one row."""

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from sessions_app import booking
from sessions_app.models import TreatmentSession
from tests.clock import CHICAGO
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff

SLOT = dt.datetime(2031, 3, 4, 10, 0, tzinfo=CHICAGO)  # a Tuesday, far in the future
THREADS = 50


def race(calls) -> Counter:
    """Run each call in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("booked")
        except booking.BookingRefused as refusal:
            outcomes.append(refusal.code)
        except Exception as error:  # noqa: BLE001 - any other error is what we look for
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and exclusion constraints: PostgreSQL"
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_bookings_of_one_practitioner_slot_give_one_session():
    clinic = make_clinic(chairs=60)
    desk = make_staff("front_desk", clinic)
    pat = make_staff("practitioner", clinic)
    plans = [make_plan(make_client(clinic)) for _ in range(THREADS)]

    outcomes = race([
        lambda plan=plan: booking.book_session(plan=plan, starts_at=SLOT, practitioner=pat, by=desk)
        for plan in plans
    ])

    assert outcomes == Counter({"booked": 1, "practitioner_busy": THREADS - 1})
    assert TreatmentSession.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_bookings_of_one_client_at_different_practitioners_give_one_session():
    clinic = make_clinic(chairs=60)
    desk = make_staff("front_desk", clinic)
    pats = [make_staff("practitioner", clinic) for _ in range(THREADS)]
    plan = make_plan(make_client(clinic), quoted_sessions=2)

    outcomes = race([
        lambda pat=pat: booking.book_session(plan=plan, starts_at=SLOT, practitioner=pat, by=desk)
        for pat in pats
    ])

    assert outcomes == Counter({"booked": 1, "client_busy": THREADS - 1})
    assert TreatmentSession.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_clinics_booking_one_practitioner_at_once_give_one_session():
    """Different clinics lock different rows: the exclusion constraint decides the race,
    and the service turns its refusal into practitioner_busy."""
    chicago, evanston = make_clinic(chairs=20), make_clinic(chairs=20)
    pat = make_staff("practitioner", chicago, clinics=[evanston])
    desks = {c.pk: make_staff("front_desk", c) for c in (chicago, evanston)}
    plans = [make_plan(make_client(c)) for c in (chicago, evanston) for _ in range(10)]

    outcomes = race([
        lambda plan=plan: booking.book_session(
            plan=plan, starts_at=SLOT, practitioner=pat, by=desks[plan.clinic_id]
        )
        for plan in plans
    ])

    assert outcomes == Counter({"booked": 1, "practitioner_busy": 19})
    assert TreatmentSession.objects.count() == 1


@needs_postgres
@pytest.mark.django_db
def test_the_database_itself_refuses_overlapping_sessions_of_a_practitioner():
    clinic = make_clinic()
    pat = make_staff("practitioner", clinic)
    make_session(make_plan(make_client(clinic)), number=1, starts_at=SLOT, practitioner=pat)
    with pytest.raises(IntegrityError, match="no_practitioner_overlap"), transaction.atomic():
        make_session(make_plan(make_client(clinic)), number=1,
                     starts_at=SLOT + dt.timedelta(hours=1), practitioner=pat)
    # Back to back is fine: the ranges are half-open.
    make_session(make_plan(make_client(clinic)), number=1, starts_at=SLOT + dt.timedelta(hours=3),
                 practitioner=pat)


PROBE = Path(__file__).with_name("sqlite_concurrency_probe.py")


def test_the_embedded_sqlite_default_also_gives_one_session(tmp_path):
    """`make run` uses SQLite: its IMMEDIATE transactions serialise the bookings."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=240,
        cwd=PROBE.parent.parent,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcomes == {"booked": 1, "practitioner_busy": 19, "rows": 1}
