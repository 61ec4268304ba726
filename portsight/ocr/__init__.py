"""Container and seal numbers read from a photo, offline, on the server's CPU.

    reading = read_numbers(photo_bytes, expect="container")
    reading.container  # Proposal("MSCU3054383", 0.97, (x, y, w, h)) or None
    reading.read       # what was read when nothing is proposed, for the inspector to see

The photo passes the photo gate first (portsight.images: format by content, pixel limit, EXIF
orientation), so an unreadable or oversized file raises its PhotoRefused (an InvalidInput with a
message key) and boxes are in the pixels of the upright picture. The picture is scaled down to
WORK_SIDE before the engine sees it, which bounds memory and time whatever the camera.

What counts as a container number is decided in portsight.domain.painted_numbers: eleven
characters read, look-alikes repaired only where ISO 6346 allows, and the check digit as read
confirming the number. When the line lacks its check digit (a boxed digit is often missed by
text detection), the place next to the number is read on its own; the digit is never computed.
Seal numbers are proposed as read; comparing with the declared seal is the caller's business.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from portsight.domain import painted_numbers as painted
from portsight.images import clean_photo

Expect = Literal["container", "seal", "any"]

# Longest side the engine works on: a phone photo (4000 x 3000) shrinks to this, a 1280 x 960
# one is read as it is.
WORK_SIDE = 1600
# How many ten-character runs get their check digit looked for: each costs one recognition.
MAX_PARTIALS = 3


@dataclass(frozen=True)
class Proposal:
    """A number offered to the inspector: as read (a container number with its check digit read
    and verified), how sure the engine is (0..1) and where on the picture (x, y, w, h)."""

    number: str
    confidence: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class NumberReading:
    """What was found on one photo. read: the text read when no number is proposed ("" when one
    is), so the inspector sees why the field stayed empty; seconds: the time the reading took."""

    container: Proposal | None
    seal: Proposal | None
    read: str
    seconds: float


def read_numbers(image: bytes, *, expect: Expect = "any") -> NumberReading:
    """Read the container number and/or the seal number on a photo (JPEG, PNG or WebP bytes)."""
    from PIL import Image

    from portsight.ocr import engine

    started = time.perf_counter()
    photo = clean_photo(image)
    with Image.open(io.BytesIO(photo.data)) as opened:
        picture = opened.convert("RGB")
    scale = 1.0
    if max(picture.size) > WORK_SIDE:
        scale = max(picture.size) / WORK_SIDE
        picture = picture.resize(
            (round(picture.width / scale), round(picture.height / scale)), Image.Resampling.LANCZOS
        )
    bgr = np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])
    pieces = engine.read_pieces(bgr)

    container: painted.Candidate | None = None
    if expect in ("container", "any"):
        found = painted.container_candidates(pieces)
        container = found[0] if found else _with_boxed_digit(bgr, pieces)
    seal: painted.Candidate | None = None
    if expect in ("seal", "any"):
        # On a door photo the container number's groups are not a seal number.
        exclude = painted.container_shaped(pieces) if expect == "any" else []
        seals = painted.seal_candidates(pieces, exclude=exclude)
        seal = seals[0] if seals else None

    wanted = {"container": container is not None, "seal": seal is not None, "any": bool(container or seal)}
    read = "" if wanted[expect] else painted.what_was_read(pieces)
    return NumberReading(
        container=_proposal(container, scale),
        seal=_proposal(seal, scale),
        read=read,
        seconds=time.perf_counter() - started,
    )


def _with_boxed_digit(bgr: np.ndarray, pieces: list[painted.Piece]) -> painted.Candidate | None:
    """Owner code and serial were read but no check digit after them: read the place where the
    boxed digit is painted on its own and accept it only when it confirms the number."""
    from portsight.ocr import engine

    height, width = bgr.shape[:2]
    for partial in painted.container_partials(pieces)[:MAX_PARTIALS]:
        x, y, w, h = partial.after
        left, top = max(0, x), max(0, y)
        right, bottom = min(width, x + w), min(height, y + h)
        if right - left < 4 or bottom - top < 4:
            continue
        area = (left, top, right - left, bottom - top)
        crop = np.ascontiguousarray(bgr[top:bottom, left:right])
        framed = engine.inside_frame(crop)
        text, score = engine.read_line(crop if framed is None else framed)
        candidate = painted.with_check_digit(partial, text, score, area)
        if candidate is not None:
            return candidate
    return None


def _proposal(candidate: painted.Candidate | None, scale: float) -> Proposal | None:
    if candidate is None:
        return None
    x, y, w, h = candidate.box
    box = (round(x * scale), round(y * scale), round(w * scale), round(h * scale))
    return Proposal(candidate.number, round(candidate.confidence, 3), box)


__all__ = ["Expect", "NumberReading", "Proposal", "read_numbers"]
