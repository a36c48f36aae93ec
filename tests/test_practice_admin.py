"""The admin shows session records, hairline versions, alterations and photos read-only,
with their history; nothing is added, changed or deleted there (R16)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from sessions_app import photos, records
from sessions_app.models import SessionPhoto, SessionRecord
from tests.factories import sign_in
from tests.practice_helpers import jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def test_records_and_photos_are_read_only_in_the_admin(client, superuser, second_session, practitioner):
    records.save_session_log(
        session=second_session, by=practitioner, log=records.LogInput(notes="Seen in admin"),
        new_photos=[(photos.prepare(upload(jpeg_with_gps((64, 48)))), "before", "")],
    )
    record, photo = SessionRecord.objects.get(), SessionPhoto.objects.get()
    sign_in(client, superuser)
    for name in ("sessionrecord", "hairlinedesign", "alterationrequest", "sessionphoto"):
        assert client.get(reverse(f"admin:sessions_app_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:sessions_app_{name}_add")).status_code == 403
    def admin_url(name, obj):
        return reverse(f"admin:sessions_app_{name}", args=[obj.pk])

    page = client.get(admin_url("sessionrecord_change", record)).content.decode()
    assert "Seen in admin" in page and 'name="notes"' not in page
    assert client.get(admin_url("sessionrecord_delete", record)).status_code == 403
    assert client.get(admin_url("sessionrecord_history", record)).status_code == 200
    photo_page = client.get(admin_url("sessionphoto_change", photo)).content.decode()
    assert reverse("practice:photo", args=[photo.pk]) in photo_page and photo.image_path not in photo_page
