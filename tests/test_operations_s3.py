"""Clinical photos on S3-compatible storage (MEDIA_STORAGE=s3) against a real local S3 server
(moto's server, started here on 127.0.0.1): uploaded through the session log, stored
private and server-side encrypted, never on the web server's disk, served only through
the access-checked photo view, and included in backups."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from django.urls import reverse

from clinic import backup
from clinic.object_storage import s3_storage
from sessions_app.models import SessionPhoto
from tests.factories import sign_in
from tests.practice_helpers import jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
KEYS = {"aws_access_key_id": "pigment-test", "aws_secret_access_key": "pigment-test-secret"}
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on 127.0.0.1; its endpoint URL."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def bucket(s3_server, settings, tmp_path):
    """A new bucket as the default storage; MEDIA_ROOT points at an empty folder."""
    name = f"pigment-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **KEYS)
    s3.create_bucket(Bucket=name)
    settings.MEDIA_ROOT = tmp_path / "media-must-stay-empty"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(
        bucket=name, endpoint_url=s3_server, region="us-east-1",
        access_key=KEYS["aws_access_key_id"], secret_key=KEYS["aws_secret_access_key"])}
    return s3, name


def test_the_filesystem_is_the_default():
    from django.conf import settings

    assert settings.MEDIA_STORAGE == "filesystem"
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_photos_go_to_the_bucket_private_and_encrypted_and_are_served_only_by_pigment(
    client, practitioner, other_practitioner, second_session, first_log, bucket, settings
):
    s3, name = bucket
    sign_in(client, practitioner)
    response = client.post(reverse("practice:session_log", args=[second_session.pk]), {
        "revision": "0", "notes": "", "shade_used": "", "photo_kind": "before",
        "photos": upload(jpeg_with_gps()),
    })
    assert response.status_code == 302
    photo = SessionPhoto.objects.get()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"])
    assert keys == sorted([photo.image_path, photo.thumbnail_path])
    for key in keys:
        head = s3.head_object(Bucket=name, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        grants = s3.get_object_acl(Bucket=name, Key=key)["Grants"]
        assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GRANTEES]
    assert not settings.MEDIA_ROOT.exists()  # nothing on the web server's disk

    stored = s3.get_object(Bucket=name, Key=photo.image_path)["Body"].read()
    served = client.get(reverse("practice:photo", args=[photo.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == stored
    assert served["Cache-Control"] == "private, no-store"
    assert name.encode() not in served.serialize_headers()  # no bucket URL handed out

    sign_in(client, other_practitioner)
    assert client.get(reverse("practice:photo", args=[photo.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("practice:photo", args=[photo.pk])).status_code == 302


def test_a_backup_takes_the_files_from_the_bucket(
    practitioner, second_session, first_log, bucket, tmp_path
):
    from sessions_app import photos, records

    s3, name = bucket
    records.save_session_log(session=second_session, by=practitioner,
                             new_photos=[(photos.prepare(upload(jpeg_with_gps())), "before", "")])
    manifest = backup.create(tmp_path / "b.tar")
    objects = {o["Key"]: s3.get_object(Bucket=name, Key=o["Key"])["Body"].read()
               for o in s3.list_objects_v2(Bucket=name)["Contents"]}
    assert {m["name"]: m["sha256"] for m in manifest["media"]} == {
        key: hashlib.sha256(data).hexdigest() for key, data in objects.items()
    }
