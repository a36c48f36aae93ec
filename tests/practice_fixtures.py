"""Fixtures of the practice tests (loaded with `pytest_plugins` by tests/test_practice_*.py).

A plan of three sessions for Carl: session 1 completed on Monday 16 February (logged with
shade 4), session 2 booked today, Monday 2 March 2026 at 09:00 in Chicago (frozen_now is
08:00). Photos go to a temporary MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sessions_app import records
from sessions_app.models import Density, SessionStatus, Zone
from tests.conftest import CHICAGO
from tests.factories import make_session, make_staff

MARKER = "ZQX-CLINICAL-MARKER-7731"  # written into every clinical text field


def chicago(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def first_session(plan, practitioner, frozen_now):
    return make_session(plan, number=1, starts_at=chicago(2, 16), practitioner=practitioner,
                        status=SessionStatus.COMPLETED)


@pytest.fixture
def first_log(first_session, practitioner):
    """Session 1's log: shade 4, a light foundation everywhere, the crown medium."""
    zones = {z: records.ZoneInput(density=Density.LIGHT) for z in Zone.values if z != Zone.SCAR}
    zones[Zone.CROWN] = records.ZoneInput(density=Density.MEDIUM, gaps_filled=True)
    return records.save_session_log(
        session=first_session, by=practitioner,
        log=records.LogInput(haircut_done=True, shade_used=4, dilution="1:3", needle="3RL 0.25",
                             notes="Foundation laid; skin took the pigment well.", zones=zones),
    )


@pytest.fixture
def second_session(plan, practitioner, first_session):
    return make_session(plan, number=2, starts_at=chicago(3, 2), practitioner=practitioner)


@pytest.fixture
def other_practitioner(other_clinic):
    """A practitioner at another clinic: must never reach this clinic's records."""
    return make_staff("practitioner", other_clinic, first_name="Otto", last_name="Elsewhere")


def jpeg_with_gps(size=(1200, 900), color=(120, 100, 90)) -> bytes:
    """A JPEG with EXIF camera and GPS data, rotated by its EXIF orientation."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (41.0, 52.0, 55.0)
    gps[3], gps[4] = "W", (87.0, 37.0, 40.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(size=(300, 200), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 0) if mode == "RGBA" else (10, 20, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(content: bytes, name: str = "before.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
