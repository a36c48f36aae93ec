"""Phone numbers (R20): E.164 with the clinic's country as the default region, validated on
the forms and in the import, shown in the national format; SMS only to mobile-capable numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftercare.models import Channel
from aftercare.services import consents
from clinic.client_import import import_clients
from clinic.models import Client
from clinic.phones import national, sms_capable, to_e164
from tests.factories import make_client, make_portal_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "country", "stored"), [
    ("(312) 555-0142", "US", "+13125550142"),
    ("312.555.0142", "US", "+13125550142"),
    ("020 7946 0100", "GB", "+442079460100"),
    ("+1 312 555 0142", "GB", "+13125550142"),
    ("", "US", ""),
])
def test_numbers_are_stored_in_e164(typed, country, stored):
    assert to_e164(typed, country) == stored


@pytest.mark.parametrize("typed", ["12", "not a number", "+999 1234"])
def test_impossible_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        to_e164(typed, "US")


def test_national_format_in_the_clinics_country():
    assert national("+13125550142", "US") == "(312) 555-0142"
    assert national("+442079460100", "GB") == "020 7946 0100"
    assert national("+442079460100", "US") == "+44 20 7946 0100"


def test_sms_only_to_mobile_capable_numbers(clinic):
    assert sms_capable("+13125550142")  # US numbers may be mobiles
    assert not sms_capable("+442079460100")  # a London landline
    landline = make_client(clinic, phone="+442079460100", sms_consent=True)
    mobile = make_client(clinic, phone="+13125550142", sms_consent=True)
    assert not consents(landline, Channel.SMS) and consents(mobile, Channel.SMS)


def test_the_desk_form_stores_e164(client, clinic, front_desk):
    sign_in(client, front_desk)
    response = client.post(reverse("frontdesk:client_create"), {
        "first_name": "Pia", "last_name": "Phone", "email": "pia@example.com",
        "phone": "(312) 555-0177", "clinic": clinic.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Client.objects.get(email="pia@example.com").phone == "+13125550177"
    bad = client.post(reverse("frontdesk:client_create"), {
        "first_name": "Pia", "last_name": "Two", "phone": "5550 12", "clinic": clinic.pk,
    })
    assert bad.status_code == 200 and "not a phone number" in bad.content.decode()


def test_the_portal_form_stores_e164(client, other_clinic):
    other_clinic.country = "GB"
    other_clinic.save()
    person = make_client(other_clinic, phone="")
    sign_in(client, make_portal_user(person))
    client.post(reverse("portal:preferences"), {"email": person.email, "phone": "020 7946 0100",
                                                 "email_consent": "on"})
    person.refresh_from_db()
    assert person.phone == "+442079460100"


def test_the_import_checks_and_normalises_phones(clinic):
    data = b"first_name,last_name,phone\nAl,Ok,(312) 555-0101\nBo,Bad,12345\n"
    report = import_clients(data, clinic, dry_run=True)
    assert [str(p) for p in report.problems] == ['line 3: not a phone number: "12345"']
    import_clients(data.rsplit(b"\n", 2)[0] + b"\n", clinic)
    assert Client.objects.get().phone == "+13125550101"


def test_the_client_page_shows_the_national_format(client, clinic, front_desk):
    person = make_client(clinic, phone="+13125550142")
    sign_in(client, front_desk)
    page = client.get(reverse("frontdesk:client_detail", args=[person.pk])).content.decode()
    assert "(312) 555-0142" in page


@pytest.mark.usefixtures("frozen_now")  # Monday 2 March 2026
def test_the_day_sheet_and_worklists_show_the_national_format(client, clinic, practitioner, front_desk):
    from sessions_app.models import SessionStatus
    from tests.clock import chicago
    from tests.factories import make_plan, make_session

    person = make_client(clinic, phone="+13125550142", last_name="Phoned")
    plan = make_plan(person)
    make_session(plan, number=1, starts_at=chicago(3, 3, 9), practitioner=practitioner)
    missed = make_plan(make_client(clinic, phone="+13125550143", last_name="Missed"))
    make_session(missed, number=1, starts_at=chicago(2, 27, 9), practitioner=practitioner,
                 status=SessionStatus.NO_SHOW)
    sign_in(client, front_desk)
    sheet = client.get(reverse("money:day_sheet")).content.decode()
    assert "(312) 555-0142" in sheet and "+13125550142" not in sheet.replace('tel:+13125550142', "")
    worklist = client.get(reverse("money:worklist_no_shows")).content.decode()
    assert "(312) 555-0143" in worklist
