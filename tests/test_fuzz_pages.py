"""Hostile input never gives a server error. For each role, sign in, crawl every page
reachable from the start page on demo-like data (tests/fuzz_helpers.py), then send hostile
values one at a time to every query parameter, numeric path segment and form field found:
no 5xx, and a refused POST writes no row. New pages join by being linked.

Two tiers. In `make test` (CI) every query parameter gets the values the issue lists
(fuzz_helpers.HOSTILE_CORE); each form, one per URL pattern, gets them shared out over its
fields (at least three per field, every value to some field), its file inputs the hostile
uploads, and hypothesis tops it up to CI_BUDGET values; a form another role already covered
gets three values per field. The long run, by hand (`pytest -m slow tests/test_fuzz_pages.py`),
sends the full list (fuzz_helpers.HOSTILE) to every field of every form variant and tops each
up to FORM_BUDGET. Hypothesis saves failing examples in var/hypothesis and replays them first;
each run appends what it sent per form to var/fuzz-report.txt."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from tests import fuzz_helpers as fz
from tests.factories import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ROLES = ["front_desk", "practitioner", "manager", "portal_client", "outsider"]
CI_BUDGET = 60  # values per form in `make test` (see the module's docstring)
FORM_BUDGET = 1000  # values per form in the long run
EXAMPLES = DirectoryBasedExampleDatabase(Path(__file__).resolve().parent.parent / "var" / "hypothesis")
SENT: Counter = Counter()  # form key -> hostile values sent to it in this run
REPORT = Path(__file__).resolve().parent.parent / "var" / "fuzz-report.txt"


def _top_up(client, form: fz.Form, names: list[str], count: int) -> int:
    """`count` generated values, each to one field of `form` (hypothesis picks which)."""
    sent = 0

    @settings(max_examples=count, database=EXAMPLES, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(name=st.sampled_from(names), value=fz.HOSTILE_VALUES)
    def probe(name, value):
        nonlocal sent
        fz.post_value(client, form, name, value)
        sent += 1

    # One saved-example key per form and field set, not one for every probe.
    probe._hypothesis_internal_add_digest = repr(form.key()).encode()
    probe()
    return sent


def _top_up_files(client, form: fz.Form, count: int) -> int:
    """`count` generated uploads, each to one file input of `form`."""
    sent = 0

    @settings(max_examples=count, database=EXAMPLES, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(name=st.sampled_from(form.files), upload=fz.HOSTILE_UPLOADS)
    def probe(name, upload):
        nonlocal sent
        fz.post_value(client, form, name, upload, is_file=True)
        sent += 1

    probe._hypothesis_internal_add_digest = repr(("files", form.key())).encode()
    probe()
    return sent


@dataclass(frozen=True)
class Tier:
    values: list  # sent to every query parameter, and shared out over each form's fields
    budget: int  # hypothesis tops each form up to this many values
    every_value: bool  # every value to every field, however wide the form


CI = Tier(fz.HOSTILE_CORE, CI_BUDGET, every_value=False)
LONG = Tier(fz.HOSTILE, FORM_BUDGET, every_value=True)
MIN_PER_FIELD = 3


def fuzz_form(client, user, form: fz.Form, tier: Tier, covered: bool) -> int:
    """The tier's values to every field of `form` (a wide form's fields share them out in
    `make test`, at least MIN_PER_FIELD each), its files the hostile uploads, then hypothesis
    tops the form up to the tier's budget. A form an earlier role already covered in this run
    gets MIN_PER_FIELD values per field: what differs is who sends them."""
    sign_in(client, user)  # a post may have signed the role out or switched its clinic
    names = [n for n in form.fields if n != "csrfmiddlewaretoken"]
    values = tier.values
    per_field = len(values) if tier.every_value else max(MIN_PER_FIELD, tier.budget // max(1, len(names)))
    per_field = min(MIN_PER_FIELD if covered else per_field, len(values))
    sent = 0
    for i, name in enumerate(names):
        for j in range(per_field):  # rotated, so every value reaches some field of the form
            fz.post_value(client, form, name, values[(i * per_field + j) % len(values)])
            sent += 1
    for name in form.files:
        for upload in fz.hostile_files()[: None if not covered else 2]:
            fz.post_value(client, form, name, upload, is_file=True)
            sent += 1
    if not names and not form.files:
        fz.post_value(client, form, "csrfmiddlewaretoken", "")  # nothing to vary: sent as found
    elif not covered and sent < tier.budget:
        if names:
            sent += _top_up(client, form, names, tier.budget - sent)
        else:  # a form that is only an upload (the client import): generated files
            sent += _top_up_files(client, form, tier.budget - sent)
    return sent


def fuzz_role(client, user, tier: Tier) -> dict:
    started = time.perf_counter()
    sign_in(client, user)
    pages = fz.crawl(client)
    params, id_samples, forms = {}, {}, {}
    for page in pages.values():
        route = fz.route_key(page.url).split("?")[0]
        id_samples.setdefault(route, page.url)
        for name, _ in fz.parse_qsl(fz.urlsplit(page.url).query, keep_blank_values=True):
            params.setdefault((route, name), page.url)
        for form in page.forms:
            if form.method == "post" and not fz.skipped(fz.local_path(form.action) or "/"):
                # `make test` takes one form per URL pattern (the widest: a session 2's log
                # has the retention fields a session 1's lacks); the long run takes them all.
                key = form.key() if tier.every_value else form.key()[:2]
                if key not in forms or len(form.key()[2]) > len(forms[key].key()[2]):
                    forms[key] = form

    gets = 0
    for path in id_samples.values():
        gets += fz.get_ids(client, path)
    for (_, name), path in sorted(params.items()):
        sign_in(client, user)
        for value in tier.values:
            fz.get_value(client, path, name, value)
            gets += 1

    for form in forms.values():
        key = form.key()
        SENT[key] += fuzz_form(client, user, form, tier, covered=SENT[key] >= tier.budget)
    fz.check_constraints()
    return {"pages": len(pages), "gets": gets, "forms": {f.key(): SENT[f.key()] for f in forms.values()},
            "seconds": round(time.perf_counter() - started, 1)}


def _report(role: str, result: dict) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    lines = [f"{role}: {result['pages']} pages, {result['gets']} hostile GETs, "
             f"{len(result['forms'])} forms, {result['seconds']} s"]
    lines += [f"  {sent:6d} values (run so far)  POST {route}  {list(fields)}"
              for (route, _, fields), sent in sorted(result["forms"].items())]
    with REPORT.open("a") as out:
        out.write("\n".join(lines) + "\n")


@pytest.fixture
def role_user(request, clinic, other_clinic, front_desk, practitioner, second_practitioner, manager,
              outsider):
    portal_client = fz.build_fuzz_world(clinic, other_clinic, front_desk, practitioner, manager,
                                        second_practitioner)
    return {"front_desk": front_desk, "practitioner": practitioner, "manager": manager,
            "portal_client": portal_client, "outsider": outsider}[request.param]


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_no_hostile_value_gives_a_server_error_or_a_half_written_row(client, role_user, request):
    result = fuzz_role(client, role_user, CI)
    _report(request.node.callspec.id, result)
    assert result["pages"] > 1  # the start page and what it links to
    assert all(sent >= CI_BUDGET for (_, _, names), sent in result["forms"].items()
               if set(names) - {"csrfmiddlewaretoken"})


@pytest.mark.slow
@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_the_long_run_sends_a_thousand_values_per_form(client, role_user, request):
    result = fuzz_role(client, role_user, LONG)
    _report(f"long run, {request.node.callspec.id}", result)
    assert all(sent >= FORM_BUDGET for (_, _, names), sent in result["forms"].items()
               if set(names) - {"csrfmiddlewaretoken"})
