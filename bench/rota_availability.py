"""Who works when, measured (run by hand, not in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/rota_availability.py [--practitioners 8]

Loads (once; a "Bench rota" clinic) practitioners with split days on five weekdays, two years
of time off (a few hours every week and a week off every quarter each) and two years of
public holidays as closures, plus a booked diary; then times, through the real code (median
of 7 after a warm-up), with the number of queries of each: the calendar's day and week views,
the booking service's availability question, and proposing slots for a session 2.
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

import holidays  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as WebClient  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.clinic_time import at_local  # noqa: E402
from clinic.models import Clinic, ClosureDay, TimeOff, TimeOffStatus, WorkingHours  # noqa: E402
from sessions_app import availability, slots  # noqa: E402
from sessions_app.calendar import practitioners_at  # noqa: E402
from sessions_app.models import SessionStatus  # noqa: E402
from tests.factories import (  # noqa: E402
    make_client,
    make_clinic,
    make_plan,
    make_session,
    make_staff,
)


def load(practitioners: int) -> Clinic:
    clinic = Clinic.objects.filter(slug="bench-rota").first()
    if clinic is not None:
        return clinic
    clinic = make_clinic(name="Bench rota", slug="bench-rota", chairs=practitioners)
    pats = [make_staff("practitioner", clinic) for _ in range(practitioners)]
    today = timezone.now().astimezone(clinic.tz).date()
    WorkingHours.objects.bulk_create(
        WorkingHours(user=p, clinic=clinic, weekday=day, starts=s, ends=e)
        for p in pats for day in range(5)
        for s, e in ((dt.time(9), dt.time(13)), (dt.time(14), dt.time(18)))
    )
    offs = []
    for n, p in enumerate(pats):
        for week in range(-52, 52):
            day = today + dt.timedelta(days=7 * week + n % 5)
            offs.append(TimeOff(user=p, starts_at=at_local(day, dt.time(9), clinic.tz),
                                ends_at=at_local(day, dt.time(11), clinic.tz), reason="Errand",
                                status=TimeOffStatus.APPROVED))
            if week % 13 == 0:
                offs.append(TimeOff(user=p, starts_at=at_local(day, dt.time.min, clinic.tz),
                                    ends_at=at_local(day + dt.timedelta(days=7), dt.time.min, clinic.tz),
                                    reason="Holiday", status=TimeOffStatus.APPROVED))
    TimeOff.objects.bulk_create(offs)
    ClosureDay.objects.bulk_create(
        ClosureDay(clinic=clinic, date=day, reason=name)
        for year in (today.year - 1, today.year, today.year + 1)
        for day, name in holidays.country_holidays("US", years=year).items()
    )
    for p in pats:  # a session 1 done last week for each (session 2 to propose)
        plan = make_plan(make_client(clinic))
        make_session(plan, number=1, practitioner=p, status=SessionStatus.COMPLETED,
                     starts_at=at_local(today - dt.timedelta(days=7), dt.time(9), clinic.tz))
    return clinic


def timed(label: str, run) -> None:
    run()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        run()
    times = []
    for _ in range(7):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:<48} {statistics.median(times):7.1f} ms  {len(queries):3d} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--practitioners", type=int, default=8)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    clinic = load(args.practitioners)
    today = timezone.now().astimezone(clinic.tz).date()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    pats = list(practitioners_at(clinic))
    manager = (get_user_model().objects.filter(username="bench-rota-manager").first()
               or make_staff("manager", clinic, username="bench-rota-manager"))
    web = WebClient()
    web.force_login(manager)
    url = reverse("frontdesk:calendar")
    print(f"{len(pats)} practitioners, {TimeOff.objects.filter(user__in=pats).count()} time off rows, "
          f"{ClosureDay.objects.filter(clinic=clinic).count()} closures")
    timed("calendar day view", lambda: web.get(url, {"clinic": clinic.pk, "date": monday.isoformat()}))
    timed("calendar week view", lambda: web.get(url, {"clinic": clinic.pk, "date": monday.isoformat(),
                                                      "view": "week"}))
    start = at_local(monday + dt.timedelta(days=1), dt.time(14), clinic.tz)
    timed("availability.unavailable (one booking check)",
          lambda: availability.unavailable(clinic, pats[0], start, start + dt.timedelta(hours=3)))
    plan = pats[0].practitioner_sessions.first().plan
    timed("propose_slots for session 2 (6 slots)",
          lambda: slots.propose_slots(plan=plan, practitioner=pats[0], by=manager))
    timed("rota page", lambda: web.get(reverse("rota:week", args=[clinic.pk])))


if __name__ == "__main__":
    main()
