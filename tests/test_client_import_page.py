"""The manager's import page (R20): upload, preview and problems by line, then import; only
managers of the clinic reach it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinic.models import Client
from tests.factories import make_client, make_portal_user, sign_in

pytestmark = pytest.mark.django_db

CSV = (b"first_name;last_name;email;quoted_sessions;price\n"
       b"Ana;Lopez;ana@example.com;3;2400\n"
       b"Ben;Short;ben@example.com;2;1800\n")
BAD = b"first_name,last_name,email\nAna,Lopez,ana@example.com\nDee,Bad,not-an-email\n"
PAGE = reverse("frontdesk:client_import")
CONFIRM = reverse("frontdesk:client_import_confirm")


def upload(client, data: bytes, name: str = "clients.csv"):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_preview_then_import(client, manager):
    sign_in(client, manager)
    response = upload(client, CSV)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: 2 client(s) would be imported." in page and "ben@example.com" in page
    assert not Client.objects.exists()
    token = response.context["token"]
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 302
    assert set(Client.objects.values_list("email", flat=True)) == {"ana@example.com", "ben@example.com"}
    assert Client.objects.get(email="ana@example.com").history.get().history_user == manager
    # The same token cannot import twice.
    client.post(CONFIRM, {"token": token})
    assert Client.objects.count() == 2


def test_problems_are_listed_by_line_and_there_is_no_import_button(client, manager):
    sign_in(client, manager)
    response = upload(client, BAD)
    page = response.content.decode()
    assert "line 3: not an e-mail address: &quot;not-an-email&quot;" in page
    assert "token" not in response.context
    assert not Client.objects.exists()


def test_a_token_from_another_session_imports_nothing(client, manager, clinic):
    sign_in(client, manager)
    response = upload(client, CSV)
    token = response.context["token"]
    other = make_staff_manager(clinic)
    client.logout()
    sign_in(client, other)
    client.post(CONFIRM, {"token": token})
    assert not Client.objects.exists()


def make_staff_manager(clinic):
    from tests.factories import make_staff

    return make_staff("manager", clinic)


def test_a_file_that_is_not_a_spreadsheet(client, manager):
    sign_in(client, manager)
    response = upload(client, b"\xff\xfe\x00garbage", name="clients.csv")
    assert response.status_code == 400
    assert "neither UTF-8 CSV nor an XLSX" in response.content.decode()


@pytest.mark.parametrize("url", [PAGE, CONFIRM])
def test_roles(client, url, clinic, front_desk, practitioner, outsider, superuser):
    method = client.get if url == PAGE else client.post
    response = method(url)
    assert response.status_code == 302 and "login" in response.url  # anonymous
    portal = make_portal_user(make_client(clinic))
    for user in (front_desk, practitioner, outsider, superuser):
        sign_in(client, user)
        assert method(url).status_code == 403, user
        client.logout()
    sign_in(client, portal)
    assert method(url).status_code == 403


def test_the_import_goes_to_the_managers_current_clinic_only(client, manager, clinic, other_clinic):
    sign_in(client, manager)
    token = upload(client, CSV).context["token"]
    client.post(CONFIRM, {"token": token})
    assert set(Client.objects.values_list("clinic", flat=True)) == {clinic.pk}
