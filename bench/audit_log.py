"""The managers' access log with a large audit trail, through the real views (run by hand,
not in CI).

    createdb -h 127.0.0.1 -U postgres pigment_bench      # a throwaway database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/audit_log.py [--rows 1000000]

Loads the rows once (two "Bench" clinics, Chicago and London, 2,000 clients, 40 staff, a
year of reads, exports and sign-ins; written with one INSERT ... SELECT, since the trail is
append-only), then times each page as a manager of the Chicago clinic with Django's test
client (median of 5 after a warm-up) and prints the number of queries and PostgreSQL's plan
of the filtered page query.
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
from django.db import connection  # noqa: E402
from django.test import Client as WebClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.audit import AuditEvent  # noqa: E402
from clinic.models import Client, Clinic, StaffProfile  # noqa: E402
from tests.factories import make_client, make_clinic, make_staff, sign_in  # noqa: E402

KINDS = "ARRAY['read','read','read','read','read','read','export','sign_in']"


def load(rows: int) -> tuple[Clinic, object]:
    chicago = Clinic.objects.filter(slug="bench-chicago").first() or make_clinic(
        name="Bench Chicago", slug="bench-chicago", time_zone="America/Chicago")
    london = Clinic.objects.filter(slug="bench-london").first() or make_clinic(
        name="Bench London", slug="bench-london", time_zone="Europe/London")
    for clinic in (chicago, london):
        for _ in range(1000 - Client.objects.filter(clinic=clinic).count()):
            make_client(clinic)
        for _ in range(20 - StaffProfile.objects.filter(clinics=clinic).count()):
            make_staff("practitioner", clinic)
    manager = StaffProfile.objects.filter(clinics=chicago, role="manager").first()
    manager = manager.user if manager else make_staff("manager", chicago, username="bench-manager")
    have = AuditEvent.objects.count()
    if have < rows:
        clients = list(Client.objects.filter(clinic__in=[chicago, london]).values_list("pk", "clinic_id"))
        staff = list(
            StaffProfile.objects.filter(clinics__in=[chicago, london]).values_list("user_id", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"""
                INSERT INTO clinic_auditevent (at, kind, actor_id, actor_name, actor_role, client_id,
                    clinic_id, what, object_ref, detail, ip, path)
                SELECT now() - (random() * interval '365 days'), ({KINDS})[1 + mod(n, 8)],
                    (%(staff)s::bigint[])[1 + mod(n, %(nstaff)s)], 'Bench staff', 'practitioner',
                    (%(clients)s::bigint[])[1 + mod(n, %(nclients)s)],
                    (%(clinics)s::bigint[])[1 + mod(n, %(nclients)s)],
                    'Session log: session 2', '', '', '203.0.113.7', '/practice/sessions/1/'
                FROM generate_series(1, %(count)s) AS n
            """, {
                "staff": staff, "nstaff": len(staff), "clients": [c for c, _ in clients],
                "clinics": [k for _, k in clients], "nclients": len(clients), "count": rows - have,
            })
            cursor.execute("ANALYZE")
    return chicago, manager


def timed(web: WebClient, url: str) -> tuple[float, int]:
    web.get(url)  # warm-up
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        response = web.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        runs.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        web.get(url)
    return statistics.median(runs) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    clinic, manager = load(args.rows)
    client = Client.objects.filter(clinic=clinic).first()
    member = StaffProfile.objects.filter(clinics=clinic, role="practitioner").first().user
    web = WebClient()
    sign_in(web, manager)
    today = timezone.localdate(timezone=clinic.tz)
    first, last = today - dt.timedelta(days=30), today - dt.timedelta(days=24)
    week = f"date_from={first:%Y-%m-%d}&date_to={last:%Y-%m-%d}"
    pages = [
        ("index", reverse("reports:access")),
        ("index, one week, reads", f"{reverse('reports:access')}?{week}&kind=read"),
        ("index, page 500", f"{reverse('reports:access')}?page=500"),
        ("client", reverse("reports:access_client", args=[client.pk])),
        ("client, one week", f"{reverse('reports:access_client', args=[client.pk])}?{week}"),
        ("staff member", reverse("reports:access_staff", args=[member.pk])),
        ("client CSV (all rows)", reverse("reports:access_client_csv", args=[client.pk])),
    ]
    print(f"{AuditEvent.objects.count():,} audit rows")
    for name, url in pages:
        ms, queries = timed(web, url)
        print(f"{name:28} {ms:8.1f} ms  {queries:2d} queries")
    with CaptureQueriesContext(connection) as captured:
        web.get(f"{reverse('reports:access')}?{week}&kind=read")
    page_sql = max(captured.captured_queries, key=lambda q: len(q["sql"]))["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {page_sql}")
        print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
