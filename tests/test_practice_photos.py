"""Clinical photos: only real images (checked by Pillow, not by name), at most 10 MB,
re-encoded without EXIF/GPS, thumbnailed, stored under the private MEDIA_ROOT and served
only by practice:photo to staff who may see the client (R14)."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from sessions_app import photos, records
from sessions_app.models import SessionPhoto
from tests.factories import make_portal_user, sign_in
from tests.practice_helpers import jpeg_with_gps, png_bytes, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def log_url(session):
    return reverse("practice:session_log", args=[session.pk])


def post_photo(client, session, file, **extra):
    data = {"revision": "0", "photo_kind": "before", "photos": file} | extra
    return client.post(log_url(session), data)


@pytest.fixture
def stored_photo(second_session, practitioner):
    records.save_session_log(session=second_session, by=practitioner, new_photos=[
        (photos.prepare(upload(jpeg_with_gps())), "before", "Crown before"),
    ])
    return SessionPhoto.objects.get()


# --------------------------------------------------------------------------- checking and re-encoding


def test_a_jpeg_is_re_encoded_upright_without_exif_or_gps(private_media):
    prepared = photos.prepare(upload(jpeg_with_gps(size=(1200, 900))))
    image = Image.open(io.BytesIO(prepared.image))
    assert image.format == "JPEG"
    assert image.size == (900, 1200)  # turned upright from EXIF orientation 6
    assert not image.getexif()
    assert b"PhoneMaker" not in prepared.image and b"GPS" not in prepared.image
    thumb = Image.open(io.BytesIO(prepared.thumbnail))
    assert max(thumb.size) == photos.THUMB_SIDE and not thumb.getexif()


def test_a_large_photo_is_scaled_down_to_the_stored_size():
    prepared = photos.prepare(upload(jpeg_with_gps(size=(4000, 3000))))
    assert max(prepared.width, prepared.height) == photos.MAX_SIDE


def test_a_transparent_png_becomes_a_white_backed_jpeg():
    prepared = photos.prepare(upload(png_bytes(), name="drawing.png", content_type="image/png"))
    image = Image.open(io.BytesIO(prepared.image))
    assert image.format == "JPEG" and image.getpixel((5, 5)) >= (250, 250, 250)


@pytest.mark.parametrize("content,name", [
    (b"%PDF-1.4 a scanned consent form", "consent.jpg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "hairline.png"),
    (b"", "empty.jpg"),
    (b"GIF89a" + b"\x00" * 40, "animated.gif"),
])
def test_files_that_are_not_photos_are_refused_whatever_their_name(content, name):
    with pytest.raises(photos.ValidationError, match="is not a photo Pigment can read"):
        photos.prepare(upload(content, name=name))


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(photos.ValidationError, match="not a photo"):
        photos.prepare(upload(jpeg_with_gps()[:2000]))


def test_a_file_over_10_mb_is_refused_before_it_is_read():
    big = upload(b"\xff\xd8" + b"\x00" * (photos.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(photos.ValidationError, match="at most 10 MB"):
        photos.prepare(big)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)
    with pytest.raises(photos.ValidationError, match="megapixels"):
        photos.prepare(upload(png_bytes(size=(200, 200), mode="RGB"), name="huge.png"))


# --------------------------------------------------------------------------- through the log


def test_an_uploaded_photo_is_stored_privately_with_a_thumbnail(client, practitioner, second_session,
                                                                private_media):
    sign_in(client, practitioner)
    response = post_photo(client, second_session, upload(jpeg_with_gps()), photo_caption="Crown")
    assert response.status_code == 302
    photo = SessionPhoto.objects.get()
    assert (photo.session, photo.kind, photo.caption, photo.uploaded_by) == (
        second_session, "before", "Crown", practitioner)
    files = stored_files(private_media)
    assert len(files) == 2 and all(str(f).startswith(str(private_media)) for f in files)
    assert "Carl" not in photo.image_path
    assert photo.image_path.startswith(f"clinical/{second_session.clinic_id}/")
    assert photo.history.get().history_user == practitioner


def test_a_bad_upload_gets_a_clear_error_and_nothing_is_saved(client, practitioner, second_session,
                                                             private_media):
    sign_in(client, practitioner)
    response = post_photo(client, second_session, upload(b"just text", name="photo.jpg"),
                          notes="Kept while the photo is fixed")
    page = response.content.decode()
    assert response.status_code == 200
    assert "photo.jpg is not a photo Pigment can read. Upload a JPEG, PNG or WebP image." in page
    assert "Nothing was saved" in page and "Kept while the photo is fixed" in page
    assert not SessionPhoto.objects.exists()
    assert stored_files(private_media) == []


def test_one_bad_file_among_good_ones_saves_none_of_them(client, practitioner, second_session, private_media):
    sign_in(client, practitioner)
    response = post_photo(client, second_session, [upload(jpeg_with_gps()), upload(b"nope", name="b.jpg")])
    assert response.status_code == 200
    assert not SessionPhoto.objects.exists() and stored_files(private_media) == []


# --------------------------------------------------------------------------- serving


def test_a_practitioner_of_the_clinic_gets_the_photo_and_its_thumbnail(client, practitioner, stored_photo):
    sign_in(client, practitioner)
    full = client.get(reverse("practice:photo", args=[stored_photo.pk]))
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (900, 1200)
    thumb = client.get(reverse("practice:photo", args=[stored_photo.pk, "thumb"]))
    assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size == (360, 480)


def test_a_manager_of_the_clinic_gets_the_photo(client, manager, stored_photo):
    sign_in(client, manager)
    assert client.get(reverse("practice:photo", args=[stored_photo.pk])).status_code == 200


def test_front_desk_and_clients_get_403_for_photos(client, front_desk, client_, stored_photo):
    sign_in(client, front_desk)
    assert client.get(reverse("practice:photo", args=[stored_photo.pk])).status_code == 403
    sign_in(client, make_portal_user(client_))
    assert client.get(reverse("practice:photo", args=[stored_photo.pk])).status_code == 403


def test_staff_of_another_clinic_get_404_for_photos(client, other_practitioner, outsider, stored_photo):
    for user in (other_practitioner, outsider):
        sign_in(client, user)
        assert client.get(reverse("practice:photo", args=[stored_photo.pk])).status_code == 404
        assert client.get(reverse("practice:photo", args=[stored_photo.pk, "thumb"])).status_code == 404


def test_anonymous_users_are_sent_to_sign_in_for_photos(client, stored_photo):
    response = client.get(reverse("practice:photo", args=[stored_photo.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_unknown_photo_sizes_and_ids_are_404(client, practitioner, stored_photo):
    sign_in(client, practitioner)
    assert client.get(reverse("practice:photo", args=[stored_photo.pk, "original"])).status_code == 404
    assert client.get(reverse("practice:photo", args=[999999])).status_code == 404


def test_photos_have_no_public_url(client, practitioner, stored_photo, private_media, settings):
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    sign_in(client, practitioner)
    for public in (f"/media/{stored_photo.image_path}", f"/{stored_photo.image_path}",
                   f"/static/{stored_photo.image_path}"):
        assert client.get(public).status_code == 404, public


def test_a_tampered_path_never_leaves_media_root(stored_photo):
    stored_photo.image_path = "../../etc/passwd"
    with pytest.raises(ValueError):
        photos.path_of(stored_photo)
