"""Run by test_booking_concurrency in a subprocess on a fresh SQLite file (DATABASE_URL):
20 threads book one practitioner slot; prints the outcome counts as JSON."""

import datetime as dt
import json
import sys
import threading
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

call_command("migrate", verbosity=0)

from sessions_app import booking  # noqa: E402
from sessions_app.models import TreatmentSession  # noqa: E402
from tests.factories import make_client, make_clinic, make_plan, make_staff  # noqa: E402

clinic = make_clinic(chairs=30)
desk = make_staff("front_desk", clinic)
pat = make_staff("practitioner", clinic)
plans = [make_plan(make_client(clinic)) for _ in range(20)]
slot = dt.datetime(2031, 3, 4, 10, tzinfo=ZoneInfo("America/Chicago"))
connection.close()

barrier = threading.Barrier(len(plans))
outcomes = Counter()
lock = threading.Lock()


def book(plan):
    try:
        barrier.wait()
        booking.book_session(plan=plan, starts_at=slot, practitioner=pat, by=desk)
        result = "booked"
    except booking.BookingRefused as refusal:
        result = refusal.code
    except Exception as error:  # noqa: BLE001 - reported to the test
        result = f"error: {error!r}"
    finally:
        connection.close()
    with lock:
        outcomes[result] += 1


threads = [threading.Thread(target=book, args=(plan,)) for plan in plans]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
outcomes["rows"] = TreatmentSession.objects.count()
print(json.dumps(dict(outcomes)))
