"""Photos as evidence at the container: upload checks and attaching a photo to a checklist step.

Photos are accepted by their content, never by their name: portsight.images decodes them within a
pixel limit and encodes them afresh (upright, no EXIF), and what is stored is that new file. The
stored path derives from the SHA-256 of the stored bytes only, so no file name can choose where
bytes go. Everything is checked before the first byte is written: a refused upload writes nothing.
The audit keeps the SHA-256 and size of the bytes as received, so the stored file can be traced
to the upload.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Evidence
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor
from portsight.domain.inspection import InspectionState
from portsight.errors import InvalidInput
from portsight.images import PhotoRefused, clean_photo, sniff_image
from portsight.services.field import inspection_checklist, require_my_inspection, resolve_slot
from portsight.storage import store_media

PHOTO_SOURCES = ("camera", "upload")
MAX_NAME = 200


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
        raise InvalidInput(
            f"The file name {name[:60]!r} contains a path; upload the photo under a plain name.",
            key="errors.file_name_has_path",
            params={"name": name[:60]},
        )
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput(
            "The file name contains control characters; rename the photo and upload it again.",
            key="errors.file_name_control_characters",
        )
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

    Accepted: JPEG, PNG or WebP by content, at most max_bytes and portsight.images.MAX_PIXELS, a
    plain file name; stored as the cleaned photo (JPEG, or PNG for a PNG). The declared media_type
    is not trusted (the content decides). Nothing is written when refused.
    """
    if source not in PHOTO_SOURCES:
        sources = ", ".join(PHOTO_SOURCES)
        raise InvalidInput(
            f"Photo source must be one of {sources}.", key="errors.photo_source_unknown", params={"sources": sources}
        )
    name = check_upload_name(filename)
    if not data:
        raise PhotoRefused("common.photo_empty", "The file is empty; take or choose the photo again.")
    if len(data) > max_bytes:
        size, most = f"{len(data) / 1048576:.1f}", f"{max_bytes / 1048576:.0f}"
        raise PhotoRefused(
            "common.photo_too_many_bytes",
            f"The photo is {size} MB; the limit is {most} MB. Take it again at a lower resolution.",
            size=size,
            limit=most,
        )
    for value, what in ((lat, "latitude"), (lon, "longitude")):
        limit = 90 if what == "latitude" else 180
        if value is not None and not (-limit <= float(value) <= limit):
            raise InvalidInput(
                f"The {what} {value} is out of range.", key=f"errors.{what}_out_of_range", params={"value": value}
            )
    photo = clean_photo(data)  # decoded and encoded afresh before anything is written
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = require_my_inspection(
            session, actor, inspection_id, InspectionState.IN_PROGRESS.value, InspectionState.COMPLETED.value
        )
        checklist = inspection_checklist(session, inspection_id)
        slot = resolve_slot(checklist, step_key, container_id)
        # Last, once everything is checked: the bytes go to the store (named by their hash only).
        sha, _path = store_media(media_dir, photo.data, photo.suffix)
        evidence = Evidence(
            inspection_id=inspection_id,
            step_key=slot.step.key,
            container_id=slot.container_id,
            sha256=sha,
            media_type=photo.media_type,
            size_bytes=len(photo.data),
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
                "media_type": photo.media_type,
                "declared_media_type": media_type,
                "size_bytes": len(photo.data),
                "received_sha256": hashlib.sha256(data).hexdigest(),
                "received_bytes": len(data),
                "width": photo.width,
                "height": photo.height,
                "source": source,
            },
            port_id=inspection.port_id,
        )
        return evidence.id


__all__ = ["PHOTO_SOURCES", "attach_photo", "check_upload_name", "sniff_image"]
