"""R14 for clinical content: a marker written into every clinical text of a session log
never appears on any page of the front desk (every URL of the frontdesk, money and
aftercare areas that exists when this runs, requested with real ids), nor on any page of
the client portal. Practitioners see it; that proves the marker is really on the record."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from sessions_app import booking, photos, records
from sessions_app.models import AlterationKind, Density, Retention, SessionStatus, Zone
from tests.clock import chicago
from tests.factories import make_portal_user, make_session, sign_in
from tests.practice_helpers import MARKER, jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

FRONT_DESK_AREAS = ("frontdesk", "money", "aftercare")
CLIENT_AREAS = ("portal",)


@pytest.fixture
def clinical_world(plan, practitioner, front_desk, first_session, second_session):
    """Every clinical text of sessions 1 and 2 carries MARKER; the plan also has a deposit,
    a payment and a booked third session, so money and booking pages have rows to show."""
    zones = {z: records.ZoneInput(retention=Retention.FADED, density=Density.MEDIUM) for z in Zone.values}
    for session, rate in ((first_session, False), (second_session, True)):
        records.save_session_log(
            session=session, by=practitioner,
            log=records.LogInput(
                notes=f"{MARKER} notes", assessment=f"{MARKER} assessment",
                blending_notes=f"{MARKER} blending", dilution="1:3", needle=f"{MARKER}"[:40],
                shade_used=5,
                zones=zones if rate else {z: records.ZoneInput(density=Density.LIGHT) for z in Zone.values},
            ),
            alteration=records.AlterationInput(kind=AlterationKind.DARKER, request=f"{MARKER} request",
                                               decision_note=f"{MARKER} decision"),
            hairline=records.HairlineInput(f"{MARKER} hairline"),
            new_photos=[(photos.prepare(upload(jpeg_with_gps((64, 48)))), "before", f"{MARKER} caption")],
        )
    booking.complete_session(session=second_session, by=practitioner)
    deposit = booking.record_deposit(plan=plan, amount=Decimal("100.00"), by=front_desk)
    payment = booking.record_payment(plan=plan, amount=Decimal("500.00"), by=front_desk)
    third = make_session(plan, number=3, starts_at=chicago(3, 24, 9), practitioner=practitioner)
    return {
        "client": plan.client, "plan": plan, "session": second_session, "third": third,
        "deposit": deposit, "payment": payment, "clinic": plan.clinic,
        "photo": second_session.photos.get(),
    }


def named_patterns(namespace: str):
    """(view name, [(kwarg, converter name)]) for every named URL of a namespace."""
    resolver = get_resolver()
    if namespace not in resolver.namespace_dict:
        return []
    _prefix, sub = resolver.namespace_dict[namespace]
    found = []

    def walk(patterns, prefix_kwargs):
        for entry in patterns:
            kwargs = prefix_kwargs + _kwargs_of(entry)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, kwargs)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((f"{namespace}:{entry.name}", kwargs))

    walk(sub.url_patterns, [])
    return found


def _kwargs_of(entry) -> list[tuple[str, str]]:
    converters = getattr(entry.pattern, "converters", {}) or {}
    names = list(converters) or list(entry.pattern.regex.groupindex)
    return [(name, type(converters.get(name)).__name__) for name in names]


def candidate_values(name: str, converter: str, world) -> list:
    """Real ids for a URL keyword, guessed from its name; every id when the name says
    nothing (`pk`, `id`)."""
    lowered = name.lower()
    for key in ("client", "plan", "session", "deposit", "payment", "clinic", "photo"):
        if key in lowered:
            return [world[key].pk]
    if any(word in lowered for word in ("day", "date")):
        return ["2026-03-02"]
    if any(word in lowered for word in ("week", "month")):
        return ["2026-03-02", "2026-W10", "2026-03"]
    if converter in ("IntConverter",) or lowered in ("pk", "id", "obj_id", "object_id"):
        return [world[k].pk for k in ("client", "plan", "session", "third", "deposit", "payment")]
    return ["2026-03-02", str(world["client"].pk), "a"]


def urls_of(namespaces, world) -> list[str]:
    urls = set()
    for namespace in namespaces:
        for view_name, kwargs in named_patterns(namespace):
            options = [candidate_values(name, conv, world) for name, conv in kwargs]
            for values in itertools.product(*options):
                try:
                    urls.add(reverse(view_name, kwargs=dict(zip([n for n, _ in kwargs], values))))
                except NoReverseMatch:
                    continue
    return sorted(urls)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_the_marker_is_really_on_the_practitioners_pages(client, practitioner, clinical_world):
    sign_in(client, practitioner)
    for url in (reverse("practice:session_log", args=[clinical_world["session"].pk]),
                reverse("practice:plan_progress", args=[clinical_world["plan"].pk])):
        assert MARKER.encode() in client.get(url).content, url


def test_no_front_desk_page_shows_clinical_content(client, front_desk, clinical_world):
    sign_in(client, front_desk)
    urls = ["/", "/signed-in/"] + urls_of(FRONT_DESK_AREAS, clinical_world)
    shown = {}
    for url in urls:
        response = client.get(url, follow=True)
        shown[url] = response.status_code
        assert MARKER.encode() not in body_of(response), f"clinical text on {url}"
    assert shown  # the pages visited, for the failure report


def test_the_front_desk_gets_403_on_practice_pages_and_photos(client, front_desk, clinical_world):
    sign_in(client, front_desk)
    photo = clinical_world["photo"]
    for url in (
        reverse("practice:my_day"),
        reverse("practice:session_log", args=[clinical_world["session"].pk]),
        reverse("practice:plan_progress", args=[clinical_world["plan"].pk]),
        reverse("practice:photo", args=[photo.pk]),
        reverse("practice:photo", args=[photo.pk, "thumb"]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert MARKER.encode() not in body_of(response)


def test_no_client_portal_page_shows_internal_notes(client, client_, clinical_world):
    """Nothing clinical reaches the portal except the agreed hairline design, which the
    client reads there to sign it off (R11)."""
    agreed_hairline = f"{MARKER} hairline".encode()
    sign_in(client, make_portal_user(client_))
    assert agreed_hairline in client.get(reverse("portal:home")).content
    urls = ["/", "/signed-in/"] + urls_of(CLIENT_AREAS, clinical_world)
    for url in urls:
        response = client.get(url, follow=True)
        body = body_of(response).replace(agreed_hairline, b"")
        assert MARKER.encode() not in body, f"internal notes on {url}"
    for url in (reverse("practice:session_log", args=[clinical_world["session"].pk]),
                reverse("practice:photo", args=[clinical_world["photo"].pk])):
        assert client.get(url).status_code == 403


def test_the_completed_session_really_is_in_the_world(clinical_world):
    clinical_world["session"].refresh_from_db()
    assert clinical_world["session"].status == SessionStatus.COMPLETED


def test_the_url_walker_reaches_every_practice_page_with_real_ids(clinical_world):
    """The walker above, tried on this area: it must find each page with the right ids."""
    urls = urls_of(("practice",), clinical_world)
    assert reverse("practice:my_day") in urls
    assert reverse("practice:session_log", args=[clinical_world["session"].pk]) in urls
    assert reverse("practice:plan_progress", args=[clinical_world["plan"].pk]) in urls
    assert reverse("practice:photo", args=[clinical_world["photo"].pk]) in urls
