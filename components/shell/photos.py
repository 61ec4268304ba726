"""Stored photos in a gallery: a preview decoded once per file, or a placeholder that says why not.

A gallery must open even when a stored file is missing or damaged (a file kept before uploads were
decoded, a disk error): handing such a file to st.image stops the whole page with Streamlit's
error box. Previews are made by portsight.images (the same pixel limit as uploads) and cached by
path, modification time and size, so reruns do not decode full-size photos again.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.shell.formatting import as_text
from components.shell.state import tr
from portsight.images import preview

PREVIEW_EDGE = 1280  # wide enough for the full-screen view on a laptop, a few hundred KB at most


@st.cache_data(max_entries=256, show_spinner=False)
def load_photo_preview(path: str, stamp: tuple[int, int], max_edge: int) -> bytes | None:
    """The preview of the file at path (stamp: modification time and size, so a replaced file is
    read again); None when it cannot be shown."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return preview(data, max_edge)


def photo_preview(path: Path | None, max_edge: int = PREVIEW_EDGE) -> tuple[bytes | None, str]:
    """(preview bytes, "") or (None, why) for a stored file."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        stat = None
    if path is None or stat is None:
        return None, tr("common.photo_why_missing")
    data = load_photo_preview(str(path), (stat.st_mtime_ns, stat.st_size), max_edge)
    if data is None:
        return None, tr("common.photo_why_unreadable")
    return data, ""


def render_photo(path: Path | None, photo_id: int, *, caption: str | None = None, width: int | None = None) -> None:
    """One stored photo, or a placeholder with the reason it cannot be shown. caption is shown as
    typed (never as Markdown)."""
    data, why = photo_preview(path)
    if data is None:
        with st.container(border=True):
            st.caption(f":material/broken_image: {tr('common.photo_unavailable', id=photo_id, why=why)}")
        return
    text = as_text(caption) if caption else None
    if width is None:
        st.image(data, caption=text)
    else:
        st.image(data, caption=text, width=width)


__all__ = ["PREVIEW_EDGE", "load_photo_preview", "photo_preview", "render_photo"]
