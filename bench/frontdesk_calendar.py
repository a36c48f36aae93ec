"""The calendar with two years of sessions in the database (run by hand, not in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/frontdesk_calendar.py [--days 730] [--practitioners 8]

Loads (once; a "Bench calendar" clinic) a full diary: every open day, each practitioner three
3-hour sessions, then times the day and week views and the start page through the real views
(median of 7 after a warm-up) and prints the number of queries of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as WebClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.clinic_time import at_local  # noqa: E402
from clinic.models import Client, Clinic, TreatmentPlan  # noqa: E402
from sessions_app.models import SessionStatus, TreatmentSession  # noqa: E402
from tests.factories import make_clinic, make_staff  # noqa: E402


def load(days: int, practitioners: int) -> Clinic:
    clinic = Clinic.objects.filter(slug="bench-calendar").first()
    if clinic is not None:
        return clinic
    clinic = make_clinic(name="Bench calendar", slug="bench-calendar", chairs=practitioners)
    pats = [make_staff("practitioner", clinic) for _ in range(practitioners)]
    today = timezone.now().astimezone(clinic.tz).date()
    first = today - dt.timedelta(days=days // 2)
    sessions = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        clients = Client.objects.bulk_create(
            Client(clinic=clinic, first_name="Cal", last_name=f"{day:%Y%m%d}-{n}")
            for n in range(practitioners * 3)
        )
        plans = TreatmentPlan.objects.bulk_create(
            TreatmentPlan(client=c, clinic=clinic, quoted_sessions=3, price=2400, currency="USD",
                          status="active")
            for c in clients
        )
        for n, plan in enumerate(plans):
            starts = at_local(day, dt.time(9 + 3 * (n // practitioners)), clinic.tz)
            done = day < today
            sessions.append(TreatmentSession(
                plan=plan, client_id=plan.client_id, clinic=clinic, number=1 + n % 3,
                practitioner=pats[n % practitioners], starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3), booked_by=pats[0],
                status=SessionStatus.COMPLETED if done else SessionStatus.BOOKED,
                completed_at=starts if done else None,
            ))
        if len(sessions) > 5000:
            TreatmentSession.objects.bulk_create(sessions)
            sessions.clear()
    TreatmentSession.objects.bulk_create(sessions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return clinic


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--practitioners", type=int, default=8)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    clinic = load(args.days, args.practitioners)
    total = TreatmentSession.objects.filter(clinic=clinic).count()
    print(f"{total:,} sessions at {clinic.name} ({time.perf_counter() - started:.1f} s)\n")
    desk = (get_user_model().objects.filter(username="bench.calendar.desk").first()
            or make_staff("front_desk", clinic, username="bench.calendar.desk"))
    desk.staff_profile.current_clinic = clinic
    desk.staff_profile.save()
    web = WebClient()
    web.force_login(desk)
    today = timezone.now().astimezone(clinic.tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    pages = {
        "day view": (reverse("frontdesk:calendar"), {"date": monday.isoformat()}),
        "week view": (reverse("frontdesk:calendar"), {"date": monday.isoformat(), "view": "week"}),
        "start page": (reverse("frontdesk:home"), {}),
    }
    print(f"{'page':<12}{'median ms':>11}{'queries':>9}")
    for name, (url, params) in pages.items():
        web.get(url, params)
        timings = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                assert web.get(url, params).status_code == 200
                timings.append((time.perf_counter() - start) * 1000)
        print(f"{name:<12}{statistics.median(timings):>11.1f}{len(queries):>9}")


if __name__ == "__main__":
    main()
