"""Paperwork online (R17) through the real views and services (run by hand, not in CI).

    createdb -h 127.0.0.1 -U postgres pigment_bench      # a fresh throwaway database each run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench \\
        .venv/bin/python bench/paperwork.py [--runs 5]

Times (median of --runs after a warm-up, with the number of queries): the questions step as
the client sees it, signing (validation, PDF by WeasyPrint, save) and the PDF alone, and the
practitioner's answers page.
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

from clinic import paperwork  # noqa: E402
from clinic.models import Clinic  # noqa: E402
from tests.factories import make_client, make_clinic, make_portal_user, make_staff, sign_in  # noqa: E402
from tests.paperwork_helpers import ABOUT, signature_data_url  # noqa: E402


def timed(fn, runs: int) -> tuple[float, int]:
    fn()
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times) * 1000, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clinic = Clinic.objects.filter(slug="bench-paper").first() or make_clinic(
        name="Bench Paper", slug="bench-paper", time_zone="America/Chicago")
    practitioner = make_staff("practitioner", clinic)

    def new_draft(login: bool = False):
        client = make_client(clinic, first_name="Bench", last_name="Client", paperwork_completed_at=None)
        if login:
            make_portal_user(client)
        draft = paperwork.draft_for(client)
        paperwork.save_about(draft, {**ABOUT, "date_of_birth": dt.date(1985, 6, 15)})
        answers = {q.key: ("yes" if q.key == "keloid" else "no") if q.kind == "yes_no" else ""
                   for q in draft.questionnaire.questions.all()}
        answers["diabetes"] = "No"
        paperwork.save_answers(draft, answers)
        return client, draft

    client, draft = new_draft(login=True)
    web = WebClient()
    sign_in(web, client.user)
    step = reverse("portal:paperwork_step", args=[draft.pk, 2])
    assert web.get(step).status_code == 200
    results = {"questions step (GET)": timed(lambda: web.get(step), args.runs)}

    signature = signature_data_url()

    drafts = [new_draft()[1] for _ in range(args.runs + 1)]  # made beforehand: not timed

    def sign():
        fresh = drafts.pop()
        paperwork.submit(fresh, typed_name="Bench Client", signature=signature, consent_id=None,
                         ip="127.0.0.1", ticked=fresh.consent.statement_list)

    results["signing incl. PDF (service)"] = timed(sign, args.runs)
    done = paperwork.last_completed(client) or paperwork.submit(
        draft, typed_name="Bench Client", signature=signature, consent_id=None, ip="127.0.0.1",
        ticked=draft.consent.statement_list)
    results["PDF alone (WeasyPrint)"] = timed(lambda: paperwork.render_pdf(done), args.runs)
    staff = WebClient()
    sign_in(staff, practitioner)
    answers_url = reverse("practice:paperwork", args=[client.pk])
    results["answers page (practitioner)"] = timed(lambda: staff.get(answers_url), args.runs)
    assert staff.get(answers_url).status_code == 200
    for name, (ms, queries) in results.items():
        print(f"{name:32} {ms:8.1f} ms  {queries:3d} queries")


if __name__ == "__main__":
    main()
