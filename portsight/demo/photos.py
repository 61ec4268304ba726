"""The photos of the seeded history: a few small generated pictures per checklist step, stored as real ones.

Every step that asks for photos gets them as evidence. Drawing a picture for each of a quarter of a
million photos would take minutes, so each step has a small pool (VARIANTS pictures), drawn once per
seed on first use: a plain scene in the step's colour with its name and variant, encoded as a JPEG,
passed through the app's photo gate (portsight.images.clean_photo: what the field service stores is
the cleaned file) and stored content-addressed in the media directory (portsight.storage), so the
record page opens them like any photo an inspector took.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from portsight.images import clean_photo
from portsight.storage import store_media

VARIANTS = 3
SIZE = (320, 240)


@dataclass(frozen=True)
class StoredPhoto:
    """A pool picture as the evidence row and the audit name it: stored bytes, and bytes as received."""

    sha256: str
    media_type: str
    size_bytes: int
    received_sha256: str
    received_bytes: int
    width: int
    height: int


def _draw(step_key: str, variant: int) -> bytes:
    """A small picture of a step: background and shapes in colours derived from the step, its name on it."""
    from PIL import Image, ImageDraw

    tone = hashlib.sha256(f"{step_key}|{variant}".encode()).digest()
    image = Image.new("RGB", SIZE, (60 + tone[0] % 120, 70 + tone[1] % 110, 80 + tone[2] % 100))
    draw = ImageDraw.Draw(image)
    for i in range(6):  # a container door's ribs, a label, a seal: some structure for the eye
        x = 20 + i * 48 + tone[3 + i] % 12
        draw.rectangle((x, 30, x + 18, 200), fill=(tone[9 + i] % 60 + 30, tone[15 + i] % 60 + 30, 40))
    draw.rectangle((190, 150, 300, 220), fill=(235, 235, 225))
    draw.text((198, 160), step_key[:14], fill=(20, 20, 20))
    draw.text((198, 180), f"#{variant + 1}", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    return out.getvalue()


class PhotoPool:
    """Pictures per (step, variant), drawn and stored on first use."""

    def __init__(self, media_dir: Path | str):
        self.media_dir = Path(media_dir)
        self._stored: dict[tuple[str, int], StoredPhoto] = {}

    def photo(self, step_key: str, variant: int) -> StoredPhoto:
        key = (step_key, variant % VARIANTS)
        found = self._stored.get(key)
        if found is None:
            received = _draw(*key)
            clean = clean_photo(received)  # what attach_photo keeps: the picture encoded afresh
            sha, _path = store_media(self.media_dir, clean.data, clean.suffix)
            found = self._stored[key] = StoredPhoto(
                sha, clean.media_type, len(clean.data), hashlib.sha256(received).hexdigest(), len(received),
                clean.width, clean.height,
            )  # fmt: skip
        return found
