"""The expert's marks drawn on the inspector's picture, and the picture as a JPEG snapshot.

Frames are numpy arrays (H x W x 3, uint8) in BGR, as aiortc's ``frame.to_ndarray(format="bgr24")``
gives them; pass ``order="rgb"`` for RGB. Marks carry normalised coordinates (0..1 of the frame's
width and height, see ``portsight.domain.annotations``), so they land on the same spot whatever
resolution the browser sends (Chrome adapts it under load).

``draw_annotations`` never changes the frame it gets: the media relay hands the same frame
object to every consumer, so it draws on a copy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from portsight.domain.annotations import Mark, parse_colour

MAX_MARKS = 50
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def _colour_for(mark: Mark, order: str) -> tuple[int, int, int]:
    r, g, b = parse_colour(mark.colour)
    return (b, g, r) if order == "bgr" else (r, g, b)


def _thickness(height: int, width: int) -> int:
    return max(2, round(min(height, width) / 160))


def _px(x: float, y: float, width: int, height: int) -> tuple[int, int]:
    return round(x * (width - 1)), round(y * (height - 1))


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    return next((p for p in _FONT_CANDIDATES if Path(p).exists()), None)


@lru_cache(maxsize=256)
def _label_patch(text: str, px_height: int, rgb: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The label rendered once (RGB pixels and an alpha mask), on a dark plate for legibility.

    Pillow with a CJK font renders Chinese labels; without the font, OpenCV's Hershey font
    renders ASCII only (other characters become '?').
    """
    pad = max(2, px_height // 6)
    font_path = _font_path()
    if font_path is not None:
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.truetype(font_path, px_height)
        left, top, right, bottom = font.getbbox(text)
        w, h = right - left + 2 * pad, bottom - top + 2 * pad
        # getbbox is typed float; a FreeType font measures in whole pixels
        image = Image.new("RGBA", (int(w), int(h)), (0, 0, 0, 160))
        ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=(*rgb, 255))
        array = np.asarray(image)
        return np.ascontiguousarray(array[:, :, :3]), array[:, :, 3].astype(np.float32) / 255.0
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    scale = px_height / 22.0
    thickness = max(1, px_height // 12)
    (w, h), base = cv2.getTextSize(ascii_text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    plate = np.zeros((h + base + 2 * pad, w + 2 * pad, 3), np.uint8)
    cv2.putText(plate, ascii_text, (pad, pad + h), cv2.FONT_HERSHEY_SIMPLEX, scale, rgb, thickness, cv2.LINE_AA)
    alpha = np.full(plate.shape[:2], 160 / 255.0, np.float32)
    alpha[plate.any(axis=2)] = 1.0
    return plate, alpha


def _blend_label(canvas: np.ndarray, mark: Mark, order: str) -> None:
    height, width = canvas.shape[:2]
    rgb = parse_colour(mark.colour)
    pixels, alpha = _label_patch(mark.text, max(12, height // 18), rgb)
    if order == "bgr":
        pixels = pixels[:, :, ::-1]
    x, y = _px(mark.x1, mark.y1, width, height)
    ph, pw = alpha.shape
    x0, y0 = min(x, max(0, width - pw)), min(y, max(0, height - ph))
    x1, y1 = min(width, x0 + pw), min(height, y0 + ph)
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[: y1 - y0, : x1 - x0, None]
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (pixels[: y1 - y0, : x1 - x0] * a + region * (1.0 - a)).astype(np.uint8)


def _draw_mark(canvas: np.ndarray, mark: Mark, order: str, thick: int) -> None:
    height, width = canvas.shape[:2]
    colour = _colour_for(mark, order)
    p1 = _px(mark.x1, mark.y1, width, height)
    p2 = _px(mark.x2, mark.y2, width, height)
    if mark.kind == "circle":
        radius = max(thick * 2, round(math.dist(p1, p2)))
        cv2.circle(canvas, p1, radius, colour, thick, cv2.LINE_AA)
    elif mark.kind == "box":
        cv2.rectangle(canvas, p1, p2, colour, thick, cv2.LINE_AA)
    elif mark.kind == "arrow":
        length = max(1.0, math.dist(p1, p2))
        tip = min(0.35, max(0.08, 4 * thick / length))
        cv2.arrowedLine(canvas, p1, p2, colour, thick, cv2.LINE_AA, tipLength=tip)
    elif mark.kind == "line":
        path = np.array([_px(x, y, width, height) for x, y in mark.points], np.int32)
        cv2.polylines(canvas, [path], False, colour, thick, cv2.LINE_AA)
    if mark.kind == "text" or mark.text:
        _blend_label(canvas, mark, order)


def draw_annotations(
    frame: np.ndarray,
    marks: Iterable[Mark],
    order: str = "bgr",
    alphas: Sequence[float] | None = None,
    shown_height: int | None = None,
) -> np.ndarray:
    """A copy of frame with the marks drawn on it; frame itself is left untouched.

    ``alphas`` (one per mark, 0..1) lets a mark the camera lost fade out; by default all are opaque.
    ``shown_height``: the picture is sent smaller than drawn (a poor link's 320x240), so lines are
    drawn as thick as they would be on that smaller picture, not thinned by the scaling.
    """
    if order not in ("bgr", "rgb"):
        raise ValueError("order is 'bgr' or 'rgb'")
    marks = list(marks)
    if not marks:
        return frame
    canvas = np.array(frame, dtype=np.uint8, copy=True, order="C")
    height, width = canvas.shape[:2]
    thick = _thickness(height, width)
    if shown_height and shown_height < height:
        # an anti-aliased line of thickness t covers about t + 1 pixels: scale the covered width
        scale = height / shown_height
        thick = max(thick, math.ceil((_thickness(shown_height, round(width / scale)) + 1) * scale) - 1)
    for i, mark in enumerate(marks[:MAX_MARKS]):
        alpha = 1.0 if alphas is None else min(1.0, max(0.0, float(alphas[i])))
        if alpha >= 1.0:
            _draw_mark(canvas, mark, order, thick)
        elif alpha > 0.0:
            layer = canvas.copy()
            _draw_mark(layer, mark, order, thick)
            cv2.addWeighted(layer, alpha, canvas, 1.0 - alpha, 0.0, dst=canvas)
    return canvas


def encode_snapshot(frame: np.ndarray, order: str = "bgr", quality: int = 85) -> bytes:
    """The frame as JPEG bytes (about 13 KB at 640x480)."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.size == 0:
        raise ValueError("A snapshot needs an H x W x 3 image.")
    bgr = frame if order == "bgr" else frame[:, :, ::-1]
    ok, buffer = cv2.imencode(".jpg", np.ascontiguousarray(bgr), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("The frame could not be encoded as JPEG.")
    return buffer.tobytes()
