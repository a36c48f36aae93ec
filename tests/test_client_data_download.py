"""Download my data (R20): the client's own ZIP with their details, plans, sessions, money,
messages, signed hairline versions and photos; nothing of another client; recorded in the
audit trail; clients only."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.audit import AuditEvent, AuditKind
from sessions_app import photos
from sessions_app.models import HairlineDesign, Payment, SessionStatus
from tests.clock import chicago
from tests.factories import make_client, make_plan, make_portal_user, make_session, sign_in
from tests.practice_helpers import jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
URL = reverse("portal:download_data")


def treated(clinic, practitioner, front_desk, *, name: str, email: str, day: int = 17):
    person = make_client(clinic, first_name=name, last_name="Person", email=email)
    plan = make_plan(person, quoted_sessions=2, status="active")
    session = make_session(plan, number=1, starts_at=chicago(2, day), practitioner=practitioner,
                           status=SessionStatus.COMPLETED)
    Payment.objects.create(plan=plan, amount=Decimal("500.00"), currency="USD",
                           received_at=timezone.now(), received_by=front_desk)
    HairlineDesign.objects.create(plan=plan, version=1, session=session, description=f"{name}'s line",
                                  created_by=practitioner, signed_off_at=timezone.now(),
                                  signed_off_witness=front_desk, signed_off_in="paper")
    photos.store(session=session, by=practitioner, prepared=photos.prepare(upload(jpeg_with_gps())),
                 kind="before", caption=f"{name} before", written=[])
    make_portal_user(person)
    return person


def test_the_zip_holds_the_clients_data_and_nothing_of_another(client, clinic, practitioner, front_desk):
    sam = treated(clinic, practitioner, front_desk, name="Sam", email="sam@example.com")
    treated(clinic, practitioner, front_desk, name="Kim", email="kim@example.com", day=18)
    sign_in(client, sam.user)
    response = client.get(URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["client"]["first_name"] == "Sam" and data["client"]["email"] == "sam@example.com"
    assert data["client"]["consents"] == {"email": True, "sms": False}
    assert [p["price"] for p in data["plans"]] == ["2400.00"]
    assert [s["number"] for s in data["sessions"]] == [1]
    assert [p["amount"] for p in data["payments"]] == ["500.00"]
    assert [h["description"] for h in data["hairline_versions_signed"]] == ["Sam's line"]
    photo_files = [n for n in archive.namelist() if n.startswith("photos/")]
    assert len(photo_files) == 1 and archive.read(photo_files[0])[:2] == b"\xff\xd8"
    everything = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".json"))
    assert b"Kim" not in everything and b"kim@example.com" not in everything
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert (event.client, event.actor) == (sam, sam.user)


def test_only_clients_download(client, clinic, front_desk, practitioner, manager, superuser):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url
    for user in (front_desk, practitioner, manager, superuser):
        sign_in(client, user)
        assert client.get(URL).status_code == 403
        client.logout()
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


def test_the_zip_holds_the_signed_paperwork_pdf(client, clinic):
    from tests.paperwork_helpers import complete_online, pdf_text

    nora = make_client(clinic, first_name="Nora", last_name="Quinn", paperwork_completed_at=None)
    make_portal_user(nora)
    make_plan(nora)
    sign_in(client, nora.user)
    signed = complete_online(client, nora)
    archive = zipfile.ZipFile(io.BytesIO(client.get(URL).content))
    data = json.loads(archive.read("data.json"))
    [entry] = data["paperwork"]
    assert entry["via"] == "online" and entry["typed_name"] == nora.full_name
    assert entry["file"].startswith("paperwork/") and entry["file"] in archive.namelist()
    assert archive.read(entry["file"]) == bytes(signed.pdf)
    assert "Nora Quinn" in pdf_text(archive.read(entry["file"]))
