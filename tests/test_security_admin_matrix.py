"""Every admin URL for every kind of user (R14): the route x role matrix.

The URLs come from `admin.site._registry`, so an admin registered later joins the matrix by
itself: its list, add, change, history, version, revert (a POST), delete and autocomplete
pages, plus the admin's index, each app's index and the password change. Who may do what
is written out below, not read back from the admin: a manager of the row's clinic may open
what MANAGER_PAGES lists and nothing else; a superuser everything but SUPERUSER_REFUSED.
Anything reachable that is not expected fails the test, with the whole list of surprises."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from clinic.admin_scoping import ClinicScopedAdmin
from tests.factories import make_client, make_portal_user, make_staff, sign_in

pytestmark = [pytest.mark.django_db]

LOGIN = "302 to the admin's sign-in"
CLINICAL = ("sessionrecord", "hairlinedesign", "alterationrequest", "sessionphoto")
READ = {"changelist", "change", "history", "version"}

# What a manager may open for a row of their own clinic; anything else is 403 (or 404 for
# the version pages of a model that keeps no versions). "revert" is the version's POST.
MANAGER_PAGES: dict[str, set[str]] = {
    "clinic.clinic": READ,
    "clinic.staffprofile": READ,  # a colleague's profile
    "clinic.client": READ | {"add", "revert"},
    "clinic.treatmentplan": READ | {"add", "revert"},
    "clinic.quoteamendment": {"changelist", "change", "history"},
    "sessions_app.treatmentsession": READ | {"add", "revert"},
    "sessions_app.deposit": READ | {"add"},
    "sessions_app.payment": READ,
    **{f"sessions_app.{name}": READ for name in CLINICAL},
    "aftercare.schedulestep": READ | {"add"},  # their clinic's own steps
    "aftercare.reminder": {"changelist", "change", "history"},
}
MANAGER_APPS = {"clinic", "sessions_app", "aftercare"}

# What even a superuser may not do, by design (R16: nothing clinical or financial is
# deleted; records are written by the session log only; reverts only through a service).
NO_DELETE = ["clinic.treatmentplan", "clinic.quoteamendment", "sessions_app.treatmentsession",
             "sessions_app.deposit", "sessions_app.payment", "aftercare.schedulestep",
             "aftercare.reminder", *(f"sessions_app.{name}" for name in CLINICAL)]
NO_ADD = ["clinic.quoteamendment", "sessions_app.payment", "aftercare.reminder",
          *(f"sessions_app.{name}" for name in CLINICAL)]
NO_REVERT = ["clinic.clinic", "clinic.staffprofile", "sessions_app.deposit", "sessions_app.payment",
             "aftercare.schedulestep", *(f"sessions_app.{name}" for name in CLINICAL)]
SUPERUSER_REFUSED = (
    {(label, "delete") for label in NO_DELETE} | {(label, "add") for label in NO_ADD}
    | {(label, "revert") for label in NO_REVERT}
)

OUTSIDERS = ("anonymous", "client_a", "client_b", "front_desk", "practitioner", "london_front_desk")
ROLES = (*OUTSIDERS, "manager", "london_manager", "superuser")


@dataclass(frozen=True)
class Route:
    kind: str  # index, app_index, password_change, changelist, add, change, history, ...
    url: str
    label: str = ""  # the model's label ("clinic.client"), "" for site pages
    method: str = "get"
    scoped: bool = False  # the admin scopes rows to the user's clinics
    versions: bool = False  # the model keeps versions (django-simple-history)
    declared: bool = False  # an autocomplete field the admin declares


def admin_routes(rows: dict) -> list[Route]:
    routes = [Route("index", reverse("admin:index")),
              Route("password_change", reverse("admin:password_change"))]
    for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
        routes.append(Route("app_index", reverse("admin:app_list", args=[app_label]), app_label))
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        label, prefix = opts.label_lower, f"admin:{opts.app_label}_{opts.model_name}"
        obj = rows.get(label) or model._default_manager.first()
        assert obj is not None, f"Add a row of {label} to the matrix world (tests/security_helpers.py)."
        common = {"label": label, "scoped": isinstance(model_admin, ClinicScopedAdmin),
                  "versions": bool(getattr(opts, "simple_history_manager_attribute", None))}
        routes += [
            Route("changelist", reverse(f"{prefix}_changelist"), **common),
            Route("add", reverse(f"{prefix}_add"), **common),
            Route("change", reverse(f"{prefix}_change", args=[obj.pk]), **common),
            Route("history", reverse(f"{prefix}_history", args=[obj.pk]), **common),
            Route("delete", reverse(f"{prefix}_delete", args=[obj.pk]), **common),
        ]
        try:
            version = obj.history.order_by("-history_id").first().history_id if common["versions"] else 999999
            version_url = reverse(f"{prefix}_simple_history", args=[obj.pk, version])
        except NoReverseMatch:
            version_url = None  # not a history admin (e.g. Django's own user admin)
        if version_url:
            routes += [Route("version", version_url, **common),
                       Route("revert", version_url, method="post", **common)]
        for field in opts.get_fields():
            if field.concrete and (field.many_to_one or field.one_to_one):
                query = urlencode({"app_label": opts.app_label, "model_name": opts.model_name,
                                   "field_name": field.name, "term": ""})
                routes.append(Route("autocomplete", f"{reverse('admin:autocomplete')}?{query}",
                                    declared=field.name in model_admin.autocomplete_fields, **common))
    return routes


def expected(role: str, route: Route):
    if role in OUTSIDERS:
        return LOGIN
    if route.kind in ("index", "password_change"):
        return 200
    if route.kind == "app_index":
        return 200 if role == "superuser" or route.label in MANAGER_APPS else 404
    object_page = route.kind in ("change", "history", "version", "revert", "delete")
    no_versions = route.kind in ("version", "revert") and not route.versions
    if role == "superuser":
        if no_versions:
            return 404
        if route.kind == "autocomplete":
            return 200 if route.declared else 403
        if (route.label, route.kind) in SUPERUSER_REFUSED:
            return 403
        return 302 if route.kind == "revert" else 200
    if role == "london_manager" and object_page and route.scoped:
        return 404  # another clinic's row: out of scope, whatever the page
    if no_versions and route.scoped:
        return 404
    pages = MANAGER_PAGES.get(route.label, set())
    if route.kind == "autocomplete":
        return 200 if route.declared and "changelist" in pages else 403
    if route.kind in pages:
        return 302 if route.kind == "revert" else 200
    return 403


@pytest.fixture
def people(world, front_desk, practitioner, manager, outsider, superuser, clinic):
    return {
        "anonymous": None,
        "client_a": world.client.user,
        "client_b": make_portal_user(make_client(clinic, first_name="Bea", last_name="Other")),
        "front_desk": front_desk,
        "practitioner": practitioner,
        "london_front_desk": outsider,
        "manager": manager,
        "london_manager": world.london_manager,
        "superuser": superuser,
    }


def outcome(response):
    if response.status_code == 302 and response.url.startswith(reverse("admin:login")):
        return LOGIN
    return response.status_code


# Names that must never appear on a Chicago manager's page: London's rows and people.
LONDON_NAMES = ("Lena", "Londonboss", "Lars", "Outside")


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_answers_each_role_as_expected(role, world, people, front_desk, group):
    browser = Client()
    if people[role] is not None:
        sign_in(browser, people[role])
    routes = admin_routes(world.rows(front_desk, group))
    surprises = []
    for route in routes:
        response = getattr(browser, route.method)(route.url)
        got, want = outcome(response), expected(role, route)
        if got != want:
            surprises.append(f"{route.kind} {route.url} ({route.method}): got {got}, expected {want}")
        elif role == "manager" and got == 200:
            page = response.content.decode()
            leaked = [name for name in LONDON_NAMES if name in page]
            if leaked:
                surprises.append(f"{route.kind} {route.url} shows London's {leaked}")
    assert not surprises, "\n".join(surprises)
    assert {r.kind for r in routes} >= {"changelist", "add", "change", "history", "version", "revert",
                                       "delete", "autocomplete", "index", "app_index", "password_change"}


def test_the_matrix_covers_every_registered_admin(world, front_desk, group):
    routes = admin_routes(world.rows(front_desk, group))
    assert {r.label for r in routes if r.kind == "change"} == {
        m._meta.label_lower for m in admin.site._registry
    }


def test_a_manager_with_is_staff_but_another_role_at_a_second_clinic_still_enters(
    client, clinic, other_clinic, manager
):
    """The door asks for the manager role (the admin scopes them to all their clinics)."""
    both = make_staff("manager", clinic, clinics=[other_clinic])
    sign_in(client, both)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_front_desk_login_with_a_leftover_is_staff_flag_is_still_refused(client, front_desk, client_):
    front_desk.is_staff = True  # e.g. set by hand before the data migration ran
    front_desk.save()
    sign_in(client, front_desk)
    for url in (reverse("admin:index"), reverse("admin:clinic_client_change", args=[client_.pk])):
        assert outcome(client.get(url)) == LOGIN
