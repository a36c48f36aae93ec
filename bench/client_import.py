"""Importing 10,000 clients with plans and past sessions from one CSV (run by hand, not in CI).

    createdb -h 127.0.0.1 -U postgres pigment_bench      # a throwaway database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/client_import.py [--lines 10000]

Writes a CSV of LINES clients (each with a plan, half with two past sessions) into a fresh
"Import bench" clinic, times the dry run, the import and a second run (which adds nothing),
then removes the clinic's rows again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from clinic.client_import import import_clients  # noqa: E402
from clinic.models import Client, Clinic, TreatmentPlan  # noqa: E402
from sessions_app.models import TreatmentSession  # noqa: E402

HEADER = ("first_name,last_name,email,phone,date_of_birth,email_consent,sms_consent,"
          "paperwork_completed_on,treatment_area,quoted_sessions,price,sessions_done,last_session_on")


def csv_file(lines: int) -> bytes:
    rows = [HEADER]
    for n in range(lines):
        done = "2,2025-06-02" if n % 2 else ","
        rows.append(f"First{n},Last{n},client{n}@bench.example,+1312555{n % 10000:04d},"
                    f"1980-01-{n % 28 + 1:02d},yes,no,2025-05-01,full_scalp,3,2400.00,{done}")
    return ("\n".join(rows) + "\n").encode()


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label:<14} {time.perf_counter() - started:6.2f} s  {result.summary()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    clinic, _ = Clinic.objects.get_or_create(
        slug="import-bench", defaults={"name": "Import bench", "time_zone": "America/Chicago"})
    cleanup(clinic)
    data = csv_file(args.lines)
    print(f"{args.lines} lines, {len(data) / 1e6:.1f} MB")
    timed("dry run", lambda: import_clients(data, clinic, dry_run=True))
    timed("import", lambda: import_clients(data, clinic))
    timed("second run", lambda: import_clients(data, clinic))
    cleanup(clinic)


def cleanup(clinic: Clinic) -> None:
    with transaction.atomic():
        TreatmentSession.history.filter(clinic=clinic).delete()
        TreatmentSession.objects.filter(clinic=clinic).delete()
        TreatmentPlan.history.filter(clinic=clinic).delete()
        TreatmentPlan.objects.filter(clinic=clinic).delete()
        Client.history.filter(clinic=clinic).delete()
        Client.objects.filter(clinic=clinic).delete()


if __name__ == "__main__":
    main()
