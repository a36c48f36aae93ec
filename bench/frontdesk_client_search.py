"""Client search with 100,000 clients, through the real view (run by hand, not in CI).

    createdb -h 127.0.0.1 -U postgres pigment_bench      # a throwaway database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/frontdesk_client_search.py [--clients 100000]

Loads the clients once (a "Bench" clinic; idempotent), then times each search through
`frontdesk:client_list` with Django's test client (median of 7 after a warm-up) and prints
PostgreSQL's plan for the search query, to show the pg_trgm indexes of migration
clinic/0004 at work.
"""

from __future__ import annotations

import argparse
import os
import random
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

from clinic.clients import search_clients  # noqa: E402
from clinic.models import Client, Clinic  # noqa: E402
from tests.factories import make_clinic, make_staff  # noqa: E402

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
         "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Aisha",
         "Wei", "Olu", "Priya", "Mateo", "Yuki", "Ingrid", "Kwame", "Fatima", "Liam", "Zoe"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
        "Jackson", "Martin", "Nguyen", "Okafor", "Kowalski", "Haddad", "Tanaka", "Larsen", "Mensah",
        "Rossi", "O'Brien", "Fischer"]
QUERIES = ["", "smith", "Nguyen", "carlos mar", "kowal", "aisha.okafor", "@example.org", "555 0142",
           "(312) 555-01", "zz-no-match", "jo"]


def load(count: int) -> Clinic:
    clinic = Clinic.objects.filter(slug="bench").first() or make_clinic(name="Bench", slug="bench")
    have = Client.objects.filter(clinic=clinic).count()
    rng = random.Random(7)
    batch = []
    for n in range(have, count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        batch.append(Client(
            clinic=clinic, first_name=first, last_name=f"{last}{'' if n % 4 else n % 97}",
            email=f"{first}.{last}{n}@example.org".lower().replace("'", ""),
            phone=f"+1 ({rng.choice([312, 773, 872])}) 555-{n % 10000:04d}",
            paperwork_completed_at=None,
        ))
        if len(batch) == 5000:
            Client.objects.bulk_create(batch)
            batch.clear()
    Client.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clinic_client")
    return clinic


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...): the indexes are pg_trgm.")
    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    clinic = load(args.clients)
    total = Client.objects.filter(clinic=clinic).count()
    print(f"{total:,} clients at {clinic.name} (loaded in {time.perf_counter() - started:.1f} s)\n")
    desk = (get_user_model().objects.filter(username="bench.desk").first()
            or make_staff("front_desk", clinic, username="bench.desk"))
    web = WebClient()
    web.force_login(desk)
    url = reverse("frontdesk:client_list")

    print(f"{'query':<16}{'matches':>9}{'median ms':>11}{'queries':>9}")
    for query in QUERIES:
        web.get(url, {"q": query})  # warm-up
        timings = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = web.get(url, {"q": query})
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        matches = search_clients(Client.objects.filter(clinic=clinic), query).count()
        print(f"{query!r:<16}{matches:>9,}{statistics.median(timings):>11.1f}{len(queries):>9}")

    for query in ("smith", "(312) 555-01"):
        page = search_clients(Client.objects.filter(clinic=clinic), query)[:25]
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
            print(f"\nPlan for {query!r}:")
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
