"""The expert's drawing surface: a transparent canvas laid exactly over the live video.

A Streamlit component (API v1) served from ``frontend/`` by this server: plain HTML, CSS and
JavaScript, no build step and nothing loaded from elsewhere, so it works offline and under the
app's content security policy (scripts from 'self' only). A press, drag and release is one
gesture; the component returns ``{"id": ..., "points": [[x, y], ...]}`` with x, y in 0..1 of the
picture (at most 64 points), a new id per gesture. ``stage`` puts the streamer and the surface
in one container and the surface over the top of the video, whose height follows from the
picture's aspect ratio.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

_surface = components.declare_component("assist_drawing", path=str(Path(__file__).parent / "frontend"))

# streamlit-webrtc 0.79 draws its <video> as wide as the column, below an 8 px padding at the top
# of its iframe (tests/e2e/test_assist_drawing.py checks that the two boxes coincide); the surface
# (its own iframe, inside the surface container) is laid on it.
VIDEO_TOP_PX = 8
_STAGE_CSS = """<style>
.st-key-{stage} {{ position: relative; }}
.st-key-{stage} .st-key-{surface} {{ position: absolute; top: {top}px; left: 0; right: 0; z-index: 2; }}
</style>"""


def _css_class(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


@contextmanager
def stage(key: str, surface_key: str) -> Iterator[None]:
    """A container whose ``surface_key`` container lies over the top of what comes first in it."""
    with st.container(key=key):
        st.html(_STAGE_CSS.format(stage=_css_class(key), surface=_css_class(surface_key), top=VIDEO_TOP_PX))
        yield


def drawing_surface(key: str, *, aspect: float, kind: str, colour: str, label: str) -> dict[str, Any] | None:
    """The last gesture drawn (see the module's docstring), or None; ``aspect`` is height / width."""
    value = _surface(key=key, aspect=aspect, kind=kind, colour=colour, label=label, default=None)
    return value if isinstance(value, dict) else None
