"""Pictures for the tests of numbers read from photos: a container door with its number painted
(owner code and serial, the check digit in a box, the size/type code below), and the same picture
as a Y4M clip for Chromium's fake camera (--use-file-for-fake-video-capture)."""

from __future__ import annotations

import io
from pathlib import Path

import reportlab
from PIL import Image, ImageDraw, ImageFont

FONT = Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"  # comes with a pinned dependency


def door_image(number: str, size: tuple[int, int] = (640, 480), size_type: str = "45G1") -> Image.Image:
    """A grey corrugated door with number painted on it as "CSQU 305438 [3]" and size_type below."""
    width, height = size
    image = Image.new("RGB", size, (118, 124, 130))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 24):  # the door's corrugation: darker ribs
        draw.rectangle((x, 0, x + 5, height), fill=(104, 110, 116))
    font = ImageFont.truetype(str(FONT), height // 9)
    small = ImageFont.truetype(str(FONT), height // 14)
    text = f"{number[:4]} {number[4:10]}"
    left, top = width // 10, height // 4
    draw.text((left, top), text, font=font, fill=(245, 245, 245))
    right = left + draw.textlength(text + " ", font=font)
    digit_box = draw.textbbox((right, top), number[10], font=font)
    draw.text((right, top), number[10], font=font, fill=(245, 245, 245))
    pad = height // 60
    draw.rectangle(
        (digit_box[0] - pad, digit_box[1] - pad, digit_box[2] + pad, digit_box[3] + pad),
        outline=(245, 245, 245),
        width=3,
    )
    draw.text((left, top + height // 6), size_type, font=small, fill=(245, 245, 245))
    return image


def door_png(number: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    door_image(number, size).save(out, format="PNG")
    return out.getvalue()


def door_y4m(number: str, path: Path, frames: int = 2) -> Path:
    """The door as a 640x480 Y4M clip (4:2:0, JPEG range), written by hand: no ffmpeg needed."""
    image = door_image(number, (640, 480)).convert("YCbCr")
    y, cb, cr = image.split()
    half = (320, 240)
    planes = y.tobytes() + cb.resize(half, Image.Resampling.BILINEAR).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path
