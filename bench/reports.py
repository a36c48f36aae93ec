"""The managers' figure reports on a chain-sized database, through the real views (run by
hand, never in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/reports.py [--sessions 1000000] [--keep]

Creates its own database (<name>_reports_bench; dropped at the end unless --keep), seeds 20
clinics (Chicago and London time, USD and GBP), 320 practitioners, and --sessions sessions
over three years: one plan of five sessions per client (so 200,000 clients for 1,000,000),
session 2 rated per zone, a payment and a deposit per plan, two aftercare messages per
plan - all with INSERT ... SELECT from generate_series (bulk, no ORM per row). The
booking constraints that refuse overlapping sessions (R7) are dropped in this throwaway
database: random history would trip them, and the reports never rely on them.

Then times every report page and CSV (median of 3 after a warm-up) for two scopes: a
manager of one clinic over the last 90 days, and a chain manager of all 20 over this year;
and prints the number of queries of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

REPORTS = ["overview", "retention", "attendance", "conversion", "deposits", "revenue", "aftercare"]
CLINICS = 20
PRACTITIONERS_PER_CLINIC = 16
YEARS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time the database kept by an earlier --keep run again (after `migrate` on it)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark creates its own database there.")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    db = settings.DATABASES["default"]
    db["TEST"]["NAME"] = f"{db['NAME']}_reports_bench"
    if args.reuse:
        from django.contrib.auth import get_user_model

        connection.settings_dict["NAME"] = db["NAME"] = db["TEST"]["NAME"]
        users = get_user_model().objects
        measure(users.get(username="bench-chain"), users.get(username="bench-single"))
        return
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        chain, single = seed(args.sessions)
        print(f"Seeded in {time.perf_counter() - started:.0f} s.", flush=True)
        measure(chain, single)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(db["TEST"]["NAME"], verbosity=0)


def seed(sessions: int):
    from django.db import connection

    from aftercare.models import ScheduleStep
    from tests.factories import make_clinic, make_staff

    plans = sessions // 5
    clinics = [
        make_clinic(
            name=f"Bench {n:02d}",
            slug=f"bench-{n:02d}",
            time_zone="Europe/London" if n % 4 == 0 else "America/Chicago",
            currency="GBP" if n % 4 == 0 else "USD",
        )
        for n in range(CLINICS)
    ]
    practitioners = [
        make_staff("practitioner", c).pk for c in clinics for _ in range(PRACTITIONERS_PER_CLINIC)
    ]
    front_desk = make_staff("front_desk", clinics[0]).pk
    chain = make_staff("manager", clinics[0], clinics=clinics[1:], username="bench-chain")
    single = make_staff("manager", clinics[0], username="bench-single")
    step = ScheduleStep.objects.first().pk
    ids = [c.pk for c in clinics]
    currencies = [c.currency for c in clinics]
    params = {
        "ids": ids,
        "cur": currencies,
        "n": len(ids),
        "plans": plans,
        "prac": practitioners,
        "per": PRACTITIONERS_PER_CLINIC,
        "desk": front_desk,
        "step": step,
        "days": 365 * YEARS,
    }
    steps = [
        (
            "constraints",
            """
            ALTER TABLE sessions_app_treatmentsession DROP CONSTRAINT IF EXISTS no_practitioner_overlap;
            ALTER TABLE sessions_app_treatmentsession DROP CONSTRAINT IF EXISTS no_client_overlap;
        """,
        ),
        (
            "clients",
            """
            INSERT INTO clinic_client (first_name, last_name, email, phone, clinic_id, email_consent,
                sms_consent, paperwork_completed_at, created_at)
            SELECT 'Bench', 'Client ' || g, 'c' || g || '@bench.example', '',
                (%(ids)s::bigint[])[1 + g %% %(n)s], true, false, now(), now()
            FROM generate_series(0, %(plans)s - 1) g
        """,
        ),
        (
            "plans",
            """
            INSERT INTO clinic_treatmentplan (client_id, clinic_id, treatment_area, quoted_sessions, price,
                currency, starting_shade, hairline_notes, status, created_at)
            SELECT c.id, c.clinic_id, 'full_scalp', 5, 2400.00,
                (%(cur)s::text[])[array_position(%(ids)s::bigint[], c.clinic_id::bigint)],
                4, '', CASE WHEN c.id %% 3 = 0 THEN 'completed' ELSE 'active' END, now()
            FROM clinic_client c
        """,
        ),
        (
            "sessions",
            """
            INSERT INTO sessions_app_treatmentsession (plan_id, client_id, clinic_id, number, practitioner_id,
                starts_at, ends_at, status, override_reason, hours_override_reason, booked_by_id, booked_at,
                completed_at, cancel_reason, late_cancellation)
            SELECT p.id, p.client_id, p.clinic_id, k, pr, s, s + interval '3 hours',
                CASE WHEN s > now() THEN 'booked' WHEN r < 0.04 THEN 'no_show' WHEN r < 0.10 THEN 'cancelled'
                     ELSE 'completed' END,
                '', '', pr, s - interval '10 days',
                CASE WHEN s <= now() AND r >= 0.10 THEN s + interval '3 hours' END, '', r >= 0.07 AND r < 0.10
            FROM (
                SELECT p.*, k,
                    (%(prac)s::bigint[])[1 + p.id %% %(per)s
                        + %(per)s * (array_position(%(ids)s::bigint[], p.clinic_id::bigint) - 1)] AS pr,
                    date_trunc('day', now()) - ((p.id * 7919) %% (%(days)s - 90)) * interval '1 day'
                        + (ARRAY[0, 12, 35, 60, 85])[k] * interval '1 day'
                        + (14 + (p.id + k) %% 8) * interval '1 hour' AS s,
                    ((p.id * 31 + k * 17) %% 1000) / 1000.0 AS r
                FROM clinic_treatmentplan p CROSS JOIN generate_series(1, 5) k
            ) p
        """,
        ),
        (
            "records",
            """
            INSERT INTO sessions_app_sessionrecord (session_id, haircut_done, skin_condition, assessment,
                shade_used, dilution, needle, blending_notes, notes, revision, created_at, updated_at)
            SELECT id, true, '', '', 4, '', '', '', '', 1, now(), now()
            FROM sessions_app_treatmentsession WHERE number = 2 AND status = 'completed'
        """,
        ),
        (
            "zone ratings",
            """
            INSERT INTO sessions_app_zoneassessment (record_id, zone, retention, gaps_filled, blended)
            SELECT r.id, z, 1 + (r.id + length(z)) %% 3, false, false
            FROM sessions_app_sessionrecord r
            CROSS JOIN unnest(ARRAY['frontal_hairline','left_temple','right_temple','mid_scalp','crown']) z
        """,
        ),
        (
            "payments",
            """
            INSERT INTO sessions_app_payment (plan_id, amount, currency, method, reference, received_at,
                received_by_id)
            SELECT s.plan_id, 1200.00, p.currency, 'card', '', s.starts_at, %(desk)s
            FROM sessions_app_treatmentsession s JOIN clinic_treatmentplan p ON p.id = s.plan_id
            WHERE s.number = 1 AND s.starts_at <= now()
        """,
        ),
        (
            "deposits",
            """
            INSERT INTO sessions_app_deposit (plan_id, session_id, amount, currency, state, method, reference,
                paid_at, closed_at, note)
            SELECT s.plan_id, s.id, 100.00, p.currency,
                CASE WHEN s.status = 'completed' THEN 'applied' WHEN s.status = 'no_show' THEN 'forfeited'
                     WHEN s.status = 'cancelled' AND s.late_cancellation THEN 'forfeited'
                     WHEN s.status = 'cancelled' THEN 'refunded' ELSE 'paid' END,
                'card', '', s.starts_at - interval '7 days',
                CASE WHEN s.status IN ('booked', 'checked_in') THEN NULL ELSE s.starts_at END, ''
            FROM sessions_app_treatmentsession s JOIN clinic_treatmentplan p ON p.id = s.plan_id
            WHERE s.number = 3 AND s.starts_at - interval '7 days' <= now()
        """,
        ),
        (
            "aftercare messages",
            """
            INSERT INTO aftercare_reminder (client_id, session_id, step_id, kind, channel, due_at, status,
                attempts, queued, sent_at, provider_id, last_error, note, created_at, updated_at)
            SELECT s.client_id, s.id, %(step)s, 'bench-' || k, 'email', s.ends_at + k * interval '1 day',
                CASE WHEN s.id %% 50 = 0 THEN 'failed' ELSE 'sent' END, 1, 1,
                CASE WHEN s.id %% 50 = 0 THEN NULL
                     ELSE s.ends_at + k * interval '1 day' + (s.id %% 97) * interval '1 minute' END,
                '', '', '', now(), now()
            FROM sessions_app_treatmentsession s CROSS JOIN generate_series(1, 2) k
            WHERE s.status = 'completed' AND s.number <= 2
        """,
        ),
        ("analyze", "ANALYZE"),
    ]
    with connection.cursor() as cursor:
        for name, sql in steps:
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            print(
                f"  {name}: {cursor.rowcount if cursor.rowcount >= 0 else ''} rows, "
                f"{time.perf_counter() - t0:.1f} s",
                flush=True,
            )
    return chain, single


def measure(chain, single) -> None:
    from django.db import connection
    from django.test import Client as WebClient
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.factories import sign_in

    scopes = [
        ("one clinic, last 90 days", single, {"period": "last_90_days"}, 0.300),
        ("chain of 20, this year", chain, {"period": "this_year"}, 1.000),
    ]
    print(f"\n{'report':<26}{'scope':<28}{'median ms':>10}{'queries':>9}  limit")
    for label, user, params, limit in scopes:
        web = WebClient()
        sign_in(web, user)
        for report in REPORTS:
            for name in (report, f"{report}_csv"):
                url = reverse(f"reports:{name}")
                assert web.get(url, params).status_code == 200  # warm-up
                times = []
                for _ in range(3):
                    with CaptureQueriesContext(connection) as queries:
                        t0 = time.perf_counter()
                        response = web.get(url, params)
                        times.append(time.perf_counter() - t0)
                    assert response.status_code == 200, (name, response.status_code)
                median = statistics.median(times)
                flag = "" if median <= limit else "  OVER"
                print(
                    f"{name:<26}{label:<28}{median * 1000:>10.0f}{len(queries):>9}  {limit * 1000:.0f}{flag}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
