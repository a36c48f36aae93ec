"""Clinical photos: checked with Pillow, re-encoded, stored privately, served by a view.

- Only images: Pillow must recognise the content as JPEG, PNG or WebP; the file name and
  the browser's content type are ignored.
- Size-limited: at most MAX_UPLOAD_BYTES and MAX_PIXELS (a decompression bomb is refused
  before it is decoded).
- Re-encoded: the image is turned upright from its EXIF orientation, then saved as a new
  JPEG without any metadata (EXIF, GPS, maker notes, comments). The colour profile is kept,
  because a shade judged on a photo must look like the shade on the scalp.
- Stored in the default storage (MEDIA_ROOT, or a private S3 bucket) as
  clinical/<clinic id>/<random>.jpg (no client name in a name), never under a public URL;
  practice:photo serves them after an access check.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from clinic.history import save_by
from sessions_app.models import SessionPhoto

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; far below Pillow's own bomb limit
MAX_SIDE = 2560  # enough to judge density on a tablet; keeps files near 0.5-1 MB
THUMB_SIDE = 480
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
VARIANTS = ("full", "thumb")


@dataclass(frozen=True)
class PreparedPhoto:
    """A checked, re-encoded upload, ready to be stored."""

    name: str
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def prepare(upload) -> PreparedPhoto:
    """Check and re-encode an uploaded file. Raises ValidationError with a message that
    names the file and says what is accepted; nothing is written."""
    name = os.path.basename(getattr(upload, "name", "") or "The file")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _refuse(
            f"{name} is {size / 1024 / 1024:.1f} MB: a photo can be at most "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Send a smaller photo.",
            "photo_too_large",
        )
    not_a_photo = _refuse(
        f"{name} is not a photo Pigment can read. Upload a JPEG, PNG or WebP image.", "not_an_image"
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_a_photo
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse(
                    f"{name} is {probe.width} x {probe.height} pixels: at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels.",
                    "photo_too_large",
                )
            probe.verify()  # reads the whole file: a truncated or corrupt one fails here
        upload.seek(0)
        with Image.open(upload) as opened:
            opened.load()
            icc_profile = opened.info.get("icc_profile")
            image = _flatten(ImageOps.exif_transpose(opened))
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError,
            EOFError):
        raise not_a_photo from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return PreparedPhoto(
        name=name,
        image=_jpeg(image, quality=86, icc_profile=icc_profile),
        thumbnail=_jpeg(thumb, quality=80, icc_profile=icc_profile),
        width=image.width,
        height=image.height,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent areas become white rather than black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, *, quality: int, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    # A fresh save writes no EXIF, GPS or comment: only pixels (and the colour profile).
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True, **options)
    return buffer.getvalue()


# --------------------------------------------------------------------------- storage
# Files go through Django's default storage: MEDIA_ROOT on the filesystem (the default) or a
# private, encrypted S3 bucket (MEDIA_STORAGE=s3); either way only practice:photo serves them.


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def name_of(photo: SessionPhoto, variant: str = "full") -> str:
    """The storage name of a stored photo; refuses any name that would leave the store."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown photo variant {variant!r}.")
    name = photo.thumbnail_path if variant == "thumb" else photo.image_path
    parts = PurePosixPath(name).parts
    if not name or name.startswith(("/", "\\")) or ".." in parts or "\\" in name:
        raise ValueError("A photo path must stay inside the media store.")
    return name


def path_of(photo: SessionPhoto, variant: str = "full") -> Path:
    """The file of a stored photo on the filesystem storage; refuses any path that would
    leave MEDIA_ROOT."""
    root = media_root()
    path = (root / name_of(photo, variant)).resolve()
    if not path.is_relative_to(root):
        raise ValueError("A photo path must stay inside MEDIA_ROOT.")
    return path


def open_photo(photo: SessionPhoto, variant: str = "full"):
    """The stored file, open for reading (the caller closes it)."""
    return default_storage.open(name_of(photo, variant), "rb")


def _write(name: str, content: bytes, written: list[str]) -> None:
    saved = default_storage.save(name, ContentFile(content))
    written.append(saved)
    if saved != name:  # never replace an existing file, never store under another name
        raise RuntimeError(f"A photo named {name} already exists.")


def store(
    *, session, by, prepared: PreparedPhoto, kind: str, caption: str, written: list[str]
) -> SessionPhoto:
    """Write the files and the SessionPhoto row. Call inside the caller's transaction; the
    caller removes the `written` files with discard() if the transaction fails."""
    stem = f"clinical/{session.clinic_id}/{uuid.uuid4().hex}"
    photo = SessionPhoto(
        session=session, kind=kind, caption=caption.strip(), image_path=f"{stem}.jpg",
        thumbnail_path=f"{stem}_thumb.jpg", width=prepared.width, height=prepared.height,
        uploaded_by=by,
    )
    photo.full_clean()
    _write(photo.image_path, prepared.image, written)
    _write(photo.thumbnail_path, prepared.thumbnail, written)
    save_by(photo, by)
    return photo


def discard(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
