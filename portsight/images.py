"""The gate every photo passes before it is kept: decoded within a pixel limit, turned upright,
stripped of its metadata and encoded afresh.

A photo is evidence someone else will open later, on another screen. Keeping the bytes as they
arrived would keep whatever they carry: a file that only starts like a JPEG and breaks every
gallery that shows it, a 20,000 x 20,000 PNG of a few kilobytes that takes gigabytes to decode,
the phone's GPS position and serial number in its EXIF block. So the content decides, in order:

1. the magic bytes name the format (JPEG, PNG, WebP), never the file name or declared type;
2. the header alone gives the size, and more than MAX_PIXELS is refused before a pixel is decoded;
3. the whole picture is decoded; damaged or truncated content is refused;
4. the EXIF orientation is applied to the pixels (the picture shows upright everywhere);
5. a new file is written from the pixels only: JPEG for photos, PNG stays PNG (screenshots and
   annotated pictures keep their sharp edges). EXIF (GPS, device, capture time), XMP and text
   chunks are not carried over; only the colour profile is, since it changes no fact but the
   colours.

The capture time in EXIF is dropped too: the record's time is when the server received the photo
(Evidence.taken_at), which a phone's clock cannot move.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from portsight.errors import InvalidInput

# 50 million pixels: a full-resolution picture from a 50-megapixel phone camera (8160 x 6120)
# still passes; decoding it costs about 150 MB, against 1.2 GB for 20,000 x 20,000.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90

JPEG = ("image/jpeg", ".jpg")
PNG = ("image/png", ".png")
WEBP = ("image/webp", ".webp")
_PILLOW_FORMAT = {JPEG[0]: "JPEG", PNG[0]: "PNG", WEBP[0]: "WEBP"}
_FORMAT_WORD = {JPEG[0]: "JPEG", PNG[0]: "PNG", WEBP[0]: "WebP"}


class PhotoRefused(InvalidInput):
    """A photo that is not kept. message_key and message_values name the message in the
    catalogues (namespace "common"); str() is the English text for logs and the command line."""

    def __init__(self, message_key: str, english: str, **values: Any) -> None:
        super().__init__(english)
        self.message_key = message_key
        self.message_values = values


@dataclass(frozen=True)
class CleanPhoto:
    """The photo as it is stored: freshly encoded bytes, their type and suffix, and the size."""

    data: bytes
    media_type: str
    suffix: str
    width: int
    height: int


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(media type, suffix) from the first bytes: JPEG, PNG or WebP; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def _unreadable(kind: str) -> PhotoRefused:
    word = _FORMAT_WORD[kind]
    return PhotoRefused(
        "common.photo_unreadable",
        f"This file starts like a {word} image but its content is damaged or incomplete, so it is not a "
        "readable photo. Take the photo again, or upload a JPEG or PNG.",
        format=word,
    )


def _too_large(megapixels: float, max_pixels: int) -> PhotoRefused:
    limit = max_pixels / 1_000_000
    return PhotoRefused(
        "common.photo_too_many_pixels",
        f"This picture has {megapixels:,.0f} million pixels; the limit is {limit:,.0f} million. "
        "Take it again at a lower resolution, or upload a smaller copy.",
        megapixels=f"{megapixels:,.0f}",
        limit=f"{limit:,.0f}",
    )


def _bomb_megapixels(exc: Exception) -> float:
    """Pillow refuses very large pictures itself, naming the pixel count only in its message."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return int(found.group(1)) / 1_000_000 if found else 0.0


def clean_photo(
    data: bytes, *, kinds: tuple[str, ...] = (JPEG[0], PNG[0], WEBP[0]), max_pixels: int = MAX_PIXELS
) -> CleanPhoto:
    """Decode data within max_pixels and encode it again without metadata (see the module's steps).

    Raises PhotoRefused when data is empty, not one of kinds by its content, larger than
    max_pixels (checked on the header, before decoding) or not decodable.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise PhotoRefused("common.photo_empty", "The file is empty; take or choose the photo again.")
    sniffed = sniff_image(data)
    if sniffed is None or sniffed[0] not in kinds:
        names = [_FORMAT_WORD[k] for k in kinds]
        words = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise PhotoRefused(
            "common.photo_not_image",
            f"This file is not a {words} image; only photos are accepted.",
            formats=words,
        )
    kind = sniffed[0]
    try:
        # Pillow itself refuses beyond twice its own limit (which is above ours) and only warns
        # below that; the size check after opening refuses everything over max_pixels.
        image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[kind]])
    except Image.DecompressionBombError as exc:
        raise _too_large(_bomb_megapixels(exc), max_pixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _unreadable(kind) from exc
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise _unreadable(kind)
        if width * height > max_pixels:
            raise _too_large(width * height / 1_000_000, max_pixels)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            icc = image.info.get("icc_profile")
            out = io.BytesIO()
            if kind == PNG[0]:
                stored, suffix = PNG
                _as_png(upright).save(out, format="PNG")
            else:
                stored, suffix = JPEG
                rgb = _as_jpeg_mode(upright)
                rgb.save(out, format="JPEG", quality=JPEG_QUALITY, icc_profile=icc)
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise _unreadable(kind) from exc
        return CleanPhoto(out.getvalue(), stored, suffix, upright.width, upright.height)


def _as_jpeg_mode(image: Any) -> Any:
    """RGB or grey pixels for JPEG; transparency is laid on white (the page a photo is shown on)."""
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _as_png(image: Any) -> Any:
    """The pixels alone: a copy whose info keeps only the transparency, so no text or EXIF chunk
    of the upload is written again."""
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        image = image.convert("RGBA")
    clean = image.copy()
    clean.info = {k: v for k, v in image.info.items() if k == "transparency"}
    return clean


def picture_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header alone (no pixel decoded), or None when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Image.DecompressionBombError as exc:
        pixels = _bomb_megapixels(exc) * 1_000_000
        return (int(pixels), 1) if pixels else None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return None


def preview(data: bytes, max_edge: int, *, max_pixels: int = MAX_PIXELS) -> bytes | None:
    """A JPEG (PNG for PNG) no longer than max_edge on either side, for a gallery; None when the
    stored file cannot be shown (damaged, too large, not a picture), so the gallery shows a
    placeholder instead of failing."""
    try:
        photo = clean_photo(data, max_pixels=max_pixels)
    except PhotoRefused:
        return None
    from PIL import Image

    with Image.open(io.BytesIO(photo.data)) as image:
        image.load()
        if max(image.size) <= max_edge:
            return photo.data
        image.thumbnail((max_edge, max_edge))
        out = io.BytesIO()
        if photo.media_type == PNG[0]:
            image.save(out, format="PNG")
        else:
            image.save(out, format="JPEG", quality=85)
        return out.getvalue()


__all__ = [
    "JPEG",
    "MAX_PIXELS",
    "PNG",
    "WEBP",
    "CleanPhoto",
    "PhotoRefused",
    "clean_photo",
    "picture_size",
    "preview",
    "sniff_image",
]
