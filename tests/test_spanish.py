"""A Spanish-speaking client (R20): their portal and their aftercare e-mail are in Spanish,
chosen per client; other clients of the same clinic keep English."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from aftercare.messages import render_reminder
from aftercare.models import Reminder
from sessions_app.models import SessionStatus
from tests.aftercare_helpers import local, step
from tests.factories import make_client, make_plan, make_portal_user, make_session, make_staff, sign_in

pytestmark = pytest.mark.django_db


def completed_session(clinic, practitioner, *, day: int = 10, **client_fields):
    person = make_client(clinic, **client_fields)
    plan = make_plan(person, quoted_sessions=2, status="active")
    return make_session(plan, number=1, starts_at=local("America/Chicago", 2026, 3, day, 14),
                        practitioner=practitioner, status=SessionStatus.COMPLETED)


def instructions(session):
    reminder = Reminder(client=session.client, session=session, step=step("aftercare_instructions"),
                        kind="aftercare_instructions", channel="email", due_at=session.ends_at)
    with time_machine.travel(reminder.due_at, tick=False):
        return render_reminder(reminder)


def test_the_aftercare_email_is_in_the_clients_language(clinic, practitioner):
    lucia = completed_session(clinic, practitioner, first_name="Lucía", language="es")
    message = instructions(lucia)
    assert message.subject.startswith("Sus cuidados: mantenga el cuero cabelludo seco hasta el")
    assert "Hola, Lucía:" in message.text
    assert "No se lave el cuero cabelludo ni se corte el pelo hasta el 14 de marzo de 2026" in message.text
    assert "Hasta entonces, evite también:" in message.html
    english = instructions(completed_session(clinic, practitioner, day=11, first_name="Sam"))
    assert english.subject.startswith("Your aftercare") and "Hello Sam," in english.text


def test_a_spanish_speaker_at_a_london_clinic_gets_spanish_dates(other_clinic, practitioner):
    """Babel has no es_GB: the e-mail falls back to plain Spanish, never to an error."""
    other_clinic.locale, other_clinic.country = "en_GB", "GB"
    other_clinic.save()
    london_practitioner = make_staff("practitioner", other_clinic)
    person = make_client(other_clinic, first_name="Lucía", language="es")
    plan = make_plan(person, quoted_sessions=2, status="active")
    session = make_session(plan, number=1, starts_at=local("Europe/London", 2026, 3, 10, 14),
                           practitioner=london_practitioner, status=SessionStatus.COMPLETED)
    message = instructions(session)
    assert "Hola, Lucía:" in message.text and "14 de marzo de 2026" in message.text


def test_the_portal_is_in_the_clients_language(client, clinic):
    lucia = make_client(clinic, first_name="Lucía", language="es")
    make_plan(lucia, status="active")
    sign_in(client, make_portal_user(lucia))
    page = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="es">' in page
    assert "Hola, Lucía" in page and "Mi factura" in page and "Saldo pendiente" in page
    assert "Mi tratamiento" in page  # the navigation too
    assert "My bill" not in page


def test_the_client_chooses_spanish_in_the_portal(client, clinic):
    sam = make_client(clinic, first_name="Sam")
    make_plan(sam, status="active")
    sign_in(client, make_portal_user(sam))
    assert "My bill" in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("portal:preferences"), {"email": sam.email, "phone": "", "email_consent": "on",
                                                 "language": "es"})
    sam.refresh_from_db()
    assert sam.language == "es"
    assert "Mi factura" in client.get(reverse("portal:home")).content.decode()


def test_the_committed_catalogue_matches_its_source(tmp_path):
    """The .mo is committed (no gettext needed to run Pigment): it must be compiled from the
    current .po - every translated message in the .po is in the .mo with the same text."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "locale" / "es" / "LC_MESSAGES"
    catalogue = gettext.GNUTranslations((folder / "django.mo").open("rb"))
    source = (folder / "django.po").read_text()
    pairs = re.findall(r'\nmsgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)', source)

    def text(block: str) -> str:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)).replace('\\"', '"').replace("\\n", "\n")

    translated = [(text(a), text(b)) for a, b in pairs if text(a) and text(b)]
    assert len(translated) >= 40
    for msgid, msgstr in translated:
        assert catalogue.gettext(msgid) == msgstr, msgid
