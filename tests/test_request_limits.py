"""Oversized and malformed requests: explicit limits, a friendly 413/400 page, no row
written, never a 500."""

import pytest
from django.conf import settings
from django.urls import reverse

from clinic.models import Client
from practice.forms import MAX_PHOTOS_PER_SAVE
from sessions_app.photos import MAX_UPLOAD_BYTES
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


def test_the_limits_are_set_and_fit_the_largest_legitimate_request():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES >= MAX_PHOTOS_PER_SAVE
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    # A session log with its most photos, each at the photo limit, still fits.
    assert settings.REQUEST_MAX_BYTES > MAX_PHOTOS_PER_SAVE * MAX_UPLOAD_BYTES


def test_a_form_body_over_the_limit_gets_the_413_page_and_saves_nothing(desk, clinic):
    before = Client.objects.count()
    response = desk.post(reverse("frontdesk:client_create"), {
        "clinic": clinic.pk, "first_name": "Big",
        "last_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
    })
    assert response.status_code == 413
    assert "Too much sent at once" in response.content.decode()
    assert Client.objects.count() == before


def test_a_request_body_over_the_whole_limit_is_refused_before_it_is_read(desk, settings):
    settings.REQUEST_MAX_BYTES = 10_000
    response = desk.post(reverse("frontdesk:client_create"), {"notes": "x" * 20_000})
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()


def test_too_many_fields_or_files_get_the_400_page(desk):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = desk.post(reverse("frontdesk:client_create"), fields)
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


def test_a_broken_content_length_is_read_as_an_empty_body(desk):
    response = desk.generic("POST", reverse("frontdesk:client_create"), b"", CONTENT_LENGTH="abc",
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)


def test_a_nul_character_in_the_admin_s_list_parameters_is_refused_not_a_500(client, manager):
    sign_in(client, manager)
    for query in ({"channel__exact": "\x00"}, {"q": "a\x00b"}):
        response = client.get("/admin/aftercare/reminder/", query)
        assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_an_impossible_date_drill_down_in_the_admin_is_refused_not_a_500(client, manager):
    sign_in(client, manager)
    response = client.get("/admin/aftercare/reminder/",
                          {"due_at__year": "2026", "due_at__month": "9" * 32})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
