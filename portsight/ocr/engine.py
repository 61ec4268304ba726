"""The OCR engine: RapidOCR with the PP-OCR models that come inside its wheel, on the CPU.

The models are named by their path in the installed package, so a missing file is an error at
load time and never a download (RapidOCR fetches models it does not find). The engine is loaded
once per process, on first use, and runs one picture at a time: RapidOCR keeps the options of
the current call on the engine object, so two threads must not interleave calls.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from portsight.domain.painted_numbers import Box, Piece, clean, union

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
# Text detection runs on the picture scaled to this longest side: painted numbers on a door are
# large (still 25 pixels high at this scale), and detection time grows with the area.
DETECT_SIDE = 736
# One thread per inference: on two cores a second one halved nothing but spun (CPU per photo
# 0.52 s with one thread, 0.87 s with two, bench/README.md), and the app's other requests need
# the other core.
THREADS = 1
# At most this many texts are found and read on one picture: a door has about ten, and each
# costs a recognition, so a photo of a printed page cannot take minutes.
MAX_TEXTS = 100

_lock = threading.Lock()
_engine: Any = None


def models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def _load() -> Any:
    from rapidocr import RapidOCR

    models = models_dir()
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Det.model_path": str(models / DET_MODEL),
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECT_SIDE,
            "Det.max_candidates": MAX_TEXTS,
            "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": THREADS,
            "Rec.model_path": str(models / REC_MODEL),
            "Cls.model_path": str(models / CLS_MODEL),
        }
    )


def _box(points: Any) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    left, top = int(min(xs)), int(min(ys))
    return left, top, max(1, int(max(xs)) - left), max(1, int(max(ys)) - top)


def _loaded() -> Any:
    """The engine, loaded on first use; the caller holds _lock."""
    global _engine
    if _engine is None:
        _engine = _load()
    return _engine


def load() -> None:
    """Load the models now (seconds), so that the first photo read does not wait for them."""
    with _lock:
        _loaded()


def read_pieces(bgr: np.ndarray) -> list[Piece]:
    """The words found on the picture (BGR pixels), each with its confidence, box and line box.

    A line is cut into words where its characters' boxes leave a gap, so "MSCU 305438" gives the
    owner code and the serial as the groups they are painted in. A line standing upright (one
    character under the other) is kept whole: its character boxes are not reliable.
    """
    with _lock:
        result = _loaded()(
            bgr, use_det=True, use_cls=False, use_rec=True, return_word_box=True, return_single_char_box=True
        )
    if result.boxes is None or result.txts is None:
        return []
    pieces: list[Piece] = []
    chars_of_lines = result.word_results if len(result.word_results) == len(result.txts) else [()] * len(result.txts)
    for text, score, points, chars in zip(result.txts, result.scores, result.boxes, chars_of_lines, strict=True):
        line = _box(points)
        if line[3] > 1.5 * line[2] or not chars or any(c[2] is None for c in chars):
            pieces.append(Piece(str(text), float(score), line, line))
        else:
            pieces.extend(_words(chars, line))
    return pieces


def _words(chars: Any, line: Box) -> list[Piece]:
    """Characters (text, score, corner points) grouped into words at the gaps between them; a
    character that is no letter or digit (a box stroke read as "|") ends a word too."""
    words: list[Piece] = []
    current: list[tuple[str, float, Box]] = []

    def close() -> None:
        if current:
            box = union(c[2] for c in current)
            words.append(Piece("".join(c[0] for c in current), min(c[1] for c in current), box, line))
            current.clear()

    for text, score, points in chars:
        box = _box(points)
        if not clean(str(text)):
            close()
            continue
        if current:
            previous = current[-1][2]
            if box[0] - (previous[0] + previous[2]) > 0.25 * max(box[3], previous[3]):
                close()
        current.append((str(text), float(score), box))
    close()
    return words


def read_line(bgr: np.ndarray) -> tuple[str, float]:
    """The text of a picture that holds one line (no detection): a crop around a check digit."""
    with _lock:
        result = _loaded()(bgr, use_det=False, use_cls=False, use_rec=True)
    if not result.txts:
        return "", 0.0
    return str(result.txts[0]), float(result.scores[0])


def inside_frame(bgr: np.ndarray) -> np.ndarray | None:
    """What a painted box holds, the box's strokes cut away, on a margin of its own background;
    None when the picture shows no closed box around something.

    The recognition model reads a boxed digit as a CJK character (a boxed 0 as "回"); the digit
    alone it reads as a digit. The box is the outline with a hole that holds a shape, whichever
    way round the paint is (light on dark or dark on light).
    """
    import cv2

    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu may split the corrugation's shades instead of paint from ink: also the brightest and
    # the darkest strokes against the middle of the picture.
    middle = float(np.median(grey))
    bright = np.where(grey >= (middle + float(grey.max())) / 2, 255, 0).astype(np.uint8)
    dark = np.where(grey <= (middle + float(grey.min())) / 2, 255, 0).astype(np.uint8)
    height, width = grey.shape
    best: tuple[int, int, int, int] | None = None
    for mask in (ink, 255 - ink, bright, dark):
        contours, hierarchy = cv2.findContours(mask, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
        if hierarchy is None:
            continue
        for index, (_next, _prev, child, _parent) in enumerate(hierarchy[0]):
            if child < 0 or hierarchy[0][child][2] < 0:
                continue  # an outline, but no hole holding a shape
            x, y, w, h = cv2.boundingRect(contours[index])
            if h < max(10, height / 8) or not 0.4 <= w / h <= 1.6 or x <= 0 or y <= 0:
                continue
            hx, hy, hw, hh = cv2.boundingRect(contours[child])
            hole = (hx, hy, hw, hh)
            if best is None or hole[2] * hole[3] > best[2] * best[3]:
                best = hole
    if best is None:
        return None
    x, y, w, h = best
    trim = max(1, min(w, h) // 12)
    inner = bgr[y + trim : y + h - trim, x + trim : x + w - trim]
    if inner.size == 0:
        return None
    margin = max(4, h // 4)
    colour = [int(v) for v in np.median(inner.reshape(-1, 3), axis=0)]
    return cv2.copyMakeBorder(inner, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=colour)
