"""Content-addressed media store for photos and snapshots: <media_dir>/<sha[:2]>/<sha><suffix>.

The same bytes always land at the same path, so a retried upload or a repeated snapshot
never duplicates a file. Writes go to a temporary file in the target folder and are renamed
into place, so a reader never sees a half-written file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".mp4", ".webm", ".pdf"}


def _normal_suffix(suffix: str) -> str:
    value = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if value not in _SUFFIXES:
        raise ValueError(f"Unsupported media type {suffix!r}; use one of {', '.join(sorted(_SUFFIXES))}.")
    return ".jpg" if value == ".jpeg" else value


def media_path(media_dir: Path | str, sha256: str, suffix: str) -> Path:
    """Where the file with this hash lives (whether or not it exists yet)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("A media hash is 64 lowercase hexadecimal characters.")
    return Path(media_dir) / sha256[:2] / f"{sha256}{_normal_suffix(suffix)}"


def store_media(media_dir: Path | str, data: bytes, suffix: str) -> tuple[str, Path]:
    """Store data under its SHA-256 and return (sha256, path). Idempotent; atomic (temp + rename)."""
    if not data:
        raise ValueError("An empty file cannot be stored as evidence.")
    sha = hashlib.sha256(data).hexdigest()
    path = media_path(media_dir, sha, suffix)
    if path.exists() and path.stat().st_size == len(data):
        return sha, path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha, path


def read_media(media_dir: Path | str, sha256: str, suffix: str) -> bytes:
    return media_path(media_dir, sha256, suffix).read_bytes()
