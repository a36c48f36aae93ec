"""Staff page throughput with and without the idle-logoff middleware (run by hand, not in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/idle_sessions.py [--requests 300] [--rounds 5]

Loads (once; a "Bench idle" clinic) a practitioner's day of ten sessions, signs a front desk
and a practitioner in, then serves My day, the front desk's start page and the calendar's day
view through Django's full request stack (test client: middleware, session, templates), in
alternating rounds with and without `clinic.idle.IdleLogoutMiddleware` so that the machine's
other load falls on both alike. Prints requests per second (median of the rounds) and the
session writes counted in each variant: with the middleware, at most one a minute per session.
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
os.environ.setdefault("DEBUG", "true")  # the development key; DEBUG itself is turned off below

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as WebClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.clinic_time import at_local  # noqa: E402
from clinic.models import Clinic  # noqa: E402
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff, sign_in  # noqa: E402

IDLE = "clinic.idle.IdleLogoutMiddleware"


def load():
    clinic = Clinic.objects.filter(slug="bench-idle").first()
    if clinic is None:
        clinic = make_clinic(name="Bench idle", slug="bench-idle", chairs=10)
        desk = make_staff("front_desk", clinic, username="bench-idle-desk")
        pat = make_staff("practitioner", clinic, username="bench-idle-pat")
    else:
        desk = clinic.staff.get(role="front_desk").user
        pat = clinic.staff.get(role="practitioner").user
    today = timezone.now().astimezone(clinic.tz).date()
    if not pat.practitioner_sessions.filter(starts_at__date=today).exists():
        for hour in range(9, 19):  # ten short sessions today (the clinic's hours allow them)
            plan = make_plan(make_client(clinic), quoted_sessions=2)
            make_session(plan, number=1, starts_at=at_local(today, dt.time(hour), clinic.tz),
                         minutes=50, practitioner=pat)
    return clinic, desk, pat


def run(pages, users, requests: int) -> tuple[float, int]:
    """Requests per second over `requests` GETs spread over the pages, and session writes."""
    web = {user.pk: WebClient() for user in users}
    for user in users:
        sign_in(web[user.pk], user)
    for user, url in pages:  # warm-up: templates, connections
        assert web[user.pk].get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for i in range(requests):
            user, url = pages[i % len(pages)]
            web[user.pk].get(url)
        elapsed = time.perf_counter() - started
    writes = sum(1 for q in queries if "django_session" in q["sql"] and q["sql"].startswith("UPDATE"))
    return requests / elapsed, writes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    settings.DEBUG = False
    clinic, desk, pat = load()
    pages = [
        (pat, reverse("practice:my_day")),
        (desk, reverse("frontdesk:home")),
        (desk, reverse("frontdesk:calendar")),
    ]
    without = [m for m in settings.MIDDLEWARE if m != IDLE]
    assert IDLE in settings.MIDDLEWARE
    results: dict[str, list[float]] = {"with": [], "without": []}
    writes: dict[str, int] = {"with": 0, "without": 0}
    for _ in range(args.rounds):
        for name, middleware in (("without", without), ("with", settings.MIDDLEWARE)):
            with override_settings(MIDDLEWARE=middleware):
                rate, written = run(pages, [desk, pat], args.requests)
            results[name].append(rate)
            writes[name] += written
    base, idle = statistics.median(results["without"]), statistics.median(results["with"])
    print(f"{connection.vendor}, {args.rounds} rounds of {args.requests} requests "
          f"(My day, front desk start, calendar day), median requests/s:")
    for label, name, rate in (("without", "without", base), ("with   ", "with", idle)):
        rounds = ", ".join(f"{r:.0f}" for r in results[name])
        print(f"  {label} idle middleware: {rate:7.1f}  (rounds: {rounds})")
    print(f"  difference: {100 * (idle - base) / base:+.1f}%  (must stay within -10%)")
    print(f"  session writes during the timed requests: with {writes['with']}, without {writes['without']}")


if __name__ == "__main__":
    main()
