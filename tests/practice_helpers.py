"""Helpers of the practice tests: photos to upload and what ends up stored. Their fixtures
(conftest.py) give Carl a plan of three sessions: session 1 completed on Monday 16 February
(logged with shade 4), session 2 booked today, Monday 2 March 2026 at 09:00 in Chicago
(frozen_now is 08:00)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

MARKER = "ZQX-CLINICAL-MARKER-7731"  # written into every clinical text field












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
