"""Photos as evidence at the container: upload checks and attaching a photo to a checklist step.

Photos are accepted by their content (JPEG, PNG or WebP magic bytes), never by their name; the
stored path derives from the SHA-256 of the bytes only, so no file name can choose where bytes go.
Everything is checked before the first byte is written: a refused upload writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Evidence
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor
from portsight.domain.inspection import InspectionState
from portsight.errors import InvalidInput
from portsight.services.field import inspection_checklist, require_my_inspection, resolve_slot
from portsight.storage import store_media

PHOTO_SOURCES = ("camera", "upload")
MAX_NAME = 200

_IMAGE_TYPES = (("image/jpeg", ".jpg"), ("image/png", ".png"), ("image/webp", ".webp"))


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(media type, suffix) from the first bytes: JPEG, PNG or WebP; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return _IMAGE_TYPES[0]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _IMAGE_TYPES[1]
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _IMAGE_TYPES[2]
    return None


def check_upload_name(filename: str | None) -> str | None:
    """The file name as kept for the record; refuses names that try to reach another folder.

    The name is never used to build a path (the store uses the hash), but a name with a path in
    it is a sign of a crafted upload and is refused rather than silently cleaned.
    """
    if filename is None or not str(filename).strip():
        return None
    name = str(filename).strip()
    if (
        "/" in name
        or "\\" in name
        or "\x00" in name
        or name in {".", ".."}
        or name.startswith("~")
        or (len(name) > 1 and name[1] == ":")
    ):
        raise InvalidInput(f"The file name {name[:60]!r} contains a path; upload the photo under a plain name.")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput("The file name contains control characters; rename the photo and upload it again.")
    return name[:MAX_NAME]


def attach_photo(
    db: Database,
    actor: Actor,
    inspection_id: int,
    step_key: str,
    data: bytes,
    filename: str | None,
    media_type: str | None,
    container_id: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    source: str = "camera",
    *,
    media_dir: Path | str,
    max_bytes: int,
    now: datetime | None = None,
) -> int:
    """Keep a photo as evidence on a step (and container). Returns the Evidence id.

    Accepted: JPEG, PNG or WebP by content, at most max_bytes, a plain file name. The declared
    media_type is not trusted (the content decides). Nothing is written when refused.
    """
    if source not in PHOTO_SOURCES:
        raise InvalidInput(f"Photo source must be one of {', '.join(PHOTO_SOURCES)}.")
    name = check_upload_name(filename)
    if not data:
        raise InvalidInput("The file is empty; take or choose the photo again.")
    if len(data) > max_bytes:
        raise InvalidInput(
            f"The photo is {len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB. "
            "Take it again at a lower resolution."
        )
    sniffed = sniff_image(data)
    if sniffed is None:
        raise InvalidInput("This file is not a JPEG, PNG or WebP image; only photos are accepted as evidence.")
    kind, suffix = sniffed
    for value, what in ((lat, "latitude"), (lon, "longitude")):
        limit = 90 if what == "latitude" else 180
        if value is not None and not (-limit <= float(value) <= limit):
            raise InvalidInput(f"The {what} {value} is out of range.")
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = require_my_inspection(
            session, actor, inspection_id, InspectionState.IN_PROGRESS.value, InspectionState.COMPLETED.value
        )
        checklist = inspection_checklist(session, inspection_id)
        slot = resolve_slot(checklist, step_key, container_id)
        # Last, once everything is checked: the bytes go to the store (named by their hash only).
        sha, _path = store_media(media_dir, data, suffix)
        evidence = Evidence(
            inspection_id=inspection_id,
            step_key=slot.step.key,
            container_id=slot.container_id,
            sha256=sha,
            media_type=kind,
            size_bytes=len(data),
            original_name=name,
            source=source,
            taken_at=now,
            taken_by_id=actor.user_id,
            lat=lat,
            lon=lon,
        )
        session.add(evidence)
        session.flush()
        record_audit(
            session,
            actor,
            "field.photo",
            "evidence",
            evidence.id,
            after={
                "inspection_id": inspection_id,
                "step": slot.id,
                "sha256": sha,
                "media_type": kind,
                "declared_media_type": media_type,
                "size_bytes": len(data),
                "source": source,
            },
            port_id=inspection.port_id,
        )
        return evidence.id


__all__ = ["PHOTO_SOURCES", "attach_photo", "check_upload_name", "sniff_image"]
