"""Hostile input never gives a server error. For each role, sign in, crawl every page
reachable from the start page on demo-like data (tests/fuzz_helpers.py), then send hostile
values one at a time to every query parameter, numeric path segment and form field found:
no 5xx, and a refused POST writes no row. New pages join by being linked.

Each form gets at least FORM_BUDGET values over the run: the first role to reach it sends
the fixed list to every field and tops up with hypothesis's values (saved failures are
replayed from var/hypothesis); roles reaching it later send the fixed list. The long variant
(`pytest -m slow tests/test_fuzz_pages.py`) sends every value of the full list to every
field and tops each form up to FORM_BUDGET."""

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
CI_BUDGET = 100  # values per form in `make test` (see the module's docstring)
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


@dataclass(frozen=True)
class Tier:
    values: list  # sent to every field and every query parameter
    budget: int  # hypothesis tops each form up to this many values


CI = Tier(fz.HOSTILE_CORE, CI_BUDGET)
LONG = Tier(fz.HOSTILE, FORM_BUDGET)


def fuzz_form(client, user, form: fz.Form, tier: Tier, top_up: bool) -> int:
    sign_in(client, user)  # a post may have signed the role out or switched its clinic
    names = [n for n in form.fields if n != "csrfmiddlewaretoken"]
    sent = 0
    for name in names:
        for value in tier.values:
            fz.post_value(client, form, name, value)
            sent += 1
    for name in form.files:
        for upload in fz.hostile_files():
            fz.post_value(client, form, name, upload, is_file=True)
            sent += 1
        for value in ["", "x" * 5000, "\x00"]:
            fz.post_value(client, form, name, value)
            sent += 1
    if not names and not form.files:
        fz.post_value(client, form, "csrfmiddlewaretoken", "")  # nothing to vary: sent as found
    elif names and top_up and sent < tier.budget:
        sent += _top_up(client, form, names, tier.budget - sent)
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
                forms.setdefault(form.key(), form)

    gets = 0
    for path in id_samples.values():
        gets += fz.get_ids(client, path)
    for (_, name), path in sorted(params.items()):
        sign_in(client, user)
        for value in tier.values:
            fz.get_value(client, path, name, value)
            gets += 1

    for key, form in forms.items():
        SENT[key] += fuzz_form(client, user, form, tier, top_up=SENT[key] < tier.budget)
    fz.check_constraints()
    return {"pages": len(pages), "gets": gets, "forms": {k: SENT[k] for k in forms},
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
