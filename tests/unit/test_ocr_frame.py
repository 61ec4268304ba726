"""The check digit's painted box cut away before the digit is read again (portsight.ocr.engine)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from portsight.ocr.engine import inside_frame

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def boxed(digit: str, *, ink: tuple[int, int, int], paint: tuple[int, int, int], frame: bool = True) -> np.ndarray:
    image = Image.new("RGB", (160, 120), paint)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 60)
    if frame:
        draw.rectangle((40, 15, 110, 105), outline=ink, width=6)
    draw.text((58, 22), digit, font=font, fill=ink)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def ink_share(bgr: np.ndarray, ink: tuple[int, int, int]) -> float:
    rgb = bgr[:, :, ::-1].astype(int)
    return float((np.abs(rgb - np.array(ink)).sum(axis=2) < 120).mean())


def test_the_box_strokes_are_cut_away_whichever_way_round_the_paint_is():
    for ink, paint in (((250, 250, 250), (150, 30, 30)), ((20, 20, 20), (230, 190, 40))):
        inner = inside_frame(boxed("0", ink=ink, paint=paint))
        assert inner is not None
        assert inner.shape[1] < 120  # the hole and a margin, not the whole crop
        edges = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])
        assert ink_share(edges[None, :, :], ink) == 0  # no stroke of the box left on the border
        assert ink_share(inner, ink) > 0.05  # the digit is still there


def test_no_box_no_inside():
    assert inside_frame(boxed("7", ink=(250, 250, 250), paint=(25, 60, 130), frame=False)) is None
