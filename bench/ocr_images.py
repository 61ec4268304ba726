"""A labelled set of container doors and seal close-ups drawn with Pillow, for bench/ocr.py.

PYTHONPATH=. .venv/bin/python bench/ocr_images.py [--doors 200] [--seals 100] [--seed 21]
    [--out bench/datasets/ocr]

Each picture is phone-photo sized (1280 x 960) and deterministic by seed. Doors: a valid ISO
6346 number in one of the painted layouts (one line, owner code over serial, one character under
the other down the door), the check digit in a box, the size/type code and weight markings
nearby, corrugation, varied fonts and colours, then a slight perspective, rotation, blur, noise
and JPEG compression. Seals: a number with or without a letter prefix on a plastic or metal
body, with the maker's name and the ISO 17712 mark in smaller print. labels.csv lists file,
kind (container/seal), number and layout.
"""

from __future__ import annotations

import argparse
import csv
import random
import string
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from portsight.domain.iso6346 import check_digit  # noqa: E402

SIZE = (1280, 960)
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)
# Container paint: (background, lettering).
DOOR_COLOURS = (
    ((150, 30, 30), (245, 245, 245)),
    ((25, 60, 130), (250, 250, 250)),
    ((30, 100, 60), (240, 240, 240)),
    ((120, 120, 120), (255, 255, 255)),
    ((215, 110, 30), (250, 250, 250)),
    ((225, 225, 220), (20, 20, 20)),
    ((100, 35, 45), (235, 235, 235)),
    ((230, 190, 40), (25, 25, 25)),
    ((60, 140, 170), (255, 255, 255)),
)
SEAL_COLOURS = (
    ((235, 200, 20), (10, 10, 10)),
    ((200, 30, 30), (255, 255, 255)),
    ((30, 80, 170), (255, 255, 255)),
    ((40, 140, 60), (255, 255, 255)),
    ((240, 120, 20), (15, 15, 15)),
    ((190, 190, 195), (10, 10, 10)),
    ((245, 245, 240), (20, 20, 120)),
)
SIZE_TYPES = ("22G1", "45G1", "22R1", "42G1", "L5G1", "22U1", "45R1", "22T6")
SEAL_MAKERS = ("TYDEN BRAMMALL", "SEALCO", "UNISTAR", "E.J. BROOKS", "MEGA FORTRIS", "HUAHONG")
SEAL_PREFIXES = ("", "", "CN", "EMC", "SL", "H", "ML-", "A", "COSCO ", "MSK")


@dataclass(frozen=True)
class Label:
    file: str
    kind: str  # container / seal
    number: str
    layout: str


def container_number(rng: random.Random) -> str:
    owner = "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + rng.choice("UUUUUJZ")
    serial = "".join(rng.choice(string.digits) for _ in range(6))
    return f"{owner}{serial}{check_digit(owner + serial)}"


def _font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(rng.choice(FONTS), size)


def _corrugate(draw: ImageDraw.ImageDraw, rng: random.Random, colour: tuple[int, int, int]) -> None:
    step = rng.randint(40, 70)
    dark = tuple(max(0, c - 25) for c in colour)
    light = tuple(min(255, c + 15) for c in colour)
    for x in range(rng.randint(0, step), SIZE[0], step):
        draw.rectangle((x, 0, x + step // 5, SIZE[1]), fill=dark)
        draw.rectangle((x + step // 2, 0, x + step // 2 + 3, SIZE[1]), fill=light)


def _boxed_digit(draw, xy, digit, font, ink) -> tuple[int, int]:  # noqa: ANN001
    """The check digit in its painted box; returns the box's width and height."""
    left, top, right, bottom = draw.textbbox(xy, digit, font=font)
    pad = max(4, (bottom - top) // 5)
    draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), outline=ink, width=max(2, pad // 2))
    draw.text(xy, digit, font=font, fill=ink)
    return right - left + 2 * pad, bottom - top + 2 * pad


def draw_door(rng: random.Random) -> tuple[Image.Image, str, str]:
    number = container_number(rng)
    background, ink = rng.choice(DOOR_COLOURS)
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    _corrugate(draw, rng, background)
    layout = rng.choices(("line", "two_lines", "vertical"), weights=(55, 20, 25))[0]
    size = rng.randint(48, 90)
    font = _font(rng, size)
    small = _font(rng, max(22, size // 2))
    owner, serial, digit = number[:4], number[4:10], number[10]
    if layout == "vertical":
        x, y = rng.randint(120, 900), rng.randint(60, 120)
        font = _font(rng, rng.randint(40, 60))
        step = int(font.size * 1.1)
        for ch in number[:10]:
            draw.text((x, y), ch, font=font, fill=ink)
            y += step
        _boxed_digit(draw, (x, y + step // 5), digit, font, ink)
        side = x + 160 if x < 700 else x - 420
        draw.text((side, rng.randint(100, 500)), rng.choice(SIZE_TYPES), font=font, fill=ink)
        draw.text((side, rng.randint(600, 800)), "MAX GROSS 30480 KG", font=small, fill=ink)
    else:
        x, y = rng.randint(40, 300), rng.randint(40, 300)
        gap = size // 2
        draw.text((x, y), owner, font=font, fill=ink)
        owner_right = draw.textbbox((x, y), owner, font=font)[2]
        if layout == "line":
            sx, sy = owner_right + gap, y
        else:
            sx, sy = x, y + int(size * 1.3)
        draw.text((sx, sy), serial, font=font, fill=ink)
        serial_right = draw.textbbox((sx, sy), serial, font=font)[2]
        _boxed_digit(draw, (serial_right + gap, sy), digit, font, ink)
        below = sy + int(size * 1.6)
        draw.text((x, below), rng.choice(SIZE_TYPES), font=font, fill=ink)
        marks = ("MAX GROSS 30480 KG", "67200 LB", "TARE 2200 KG", "NET 28280 KG")
        line = below + int(size * 1.5)
        for mark in rng.sample(marks, 2):
            if line < SIZE[1] - 60:
                draw.text((x, line), mark, font=small, fill=ink)
                line += int(small.size * 1.4)
    return _photographed(image, rng), number, layout


def draw_seal(rng: random.Random) -> tuple[Image.Image, str, str]:
    digits = "".join(rng.choice(string.digits) for _ in range(rng.randint(6, 8)))
    prefix = rng.choice(SEAL_PREFIXES)
    printed = f"{prefix}{digits}"
    background, ink = rng.choice(SEAL_COLOURS)
    image = Image.new("RGB", SIZE, tuple(max(0, c - 60) for c in background))
    draw = ImageDraw.Draw(image)
    body = (rng.randint(60, 200), rng.randint(150, 300), rng.randint(1000, 1220), rng.randint(650, 820))
    draw.rounded_rectangle(body, radius=40, fill=background)
    size = rng.randint(60, 110)
    font = _font(rng, size)
    small = _font(rng, max(22, size // 3))
    x = body[0] + rng.randint(40, 120)
    y = body[1] + rng.randint(30, 80)
    draw.text((x, y), rng.choice(SEAL_MAKERS), font=small, fill=ink)
    y += int(small.size * 1.8)
    draw.text((x, y), printed, font=font, fill=ink)
    y += int(size * 1.5)
    if y < body[3] - 40:
        draw.text((x, y), rng.choice(("ISO 17712:2013 H", "HIGH SECURITY", "ISO 17712 H")), font=small, fill=ink)
    return _photographed(image, rng), printed.replace("-", "").replace(" ", ""), "prefix" if prefix else "digits"


def _photographed(image: Image.Image, rng: random.Random) -> Image.Image:
    """As a phone takes it: a little perspective and tilt, lighting, blur and sensor noise."""
    width, height = image.size
    d = 0.06
    # Source corners in Pillow's order: upper left, lower left, lower right, upper right.
    corners = [
        (rng.uniform(0, d) * width, rng.uniform(0, d) * height),
        (rng.uniform(0, d) * width, height - rng.uniform(0, d) * height),
        (width - rng.uniform(0, d) * width, height - rng.uniform(0, d) * height),
        (width - rng.uniform(0, d) * width, rng.uniform(0, d) * height),
    ]
    image = image.transform(
        image.size, Image.Transform.QUAD, [c for corner in corners for c in corner], Image.Resampling.BICUBIC
    )
    image = image.rotate(rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(60, 60, 60))
    factor = rng.uniform(0.7, 1.2)
    image = image.point(lambda v: max(0, min(255, int(v * factor))))
    blur = rng.choice((0, 0, 0.6, 1.0, 1.5))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    noise = Image.effect_noise(image.size, rng.uniform(4, 20)).convert("RGB")
    image = Image.blend(image, noise, rng.uniform(0.03, 0.1))
    return image


def generate(out: Path, *, doors: int, seals: int, seed: int) -> list[Label]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    labels: list[Label] = []
    for kind, count, draw in (("container", doors, draw_door), ("seal", seals, draw_seal)):
        for index in range(count):
            image, number, layout = draw(rng)
            name = f"{kind}_{index:04d}.jpg"
            image.save(out / name, format="JPEG", quality=rng.randint(55, 90))
            labels.append(Label(name, kind, number, layout))
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "kind", "number", "layout"])
        writer.writerows((lab.file, lab.kind, lab.number, lab.layout) for lab in labels)
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doors", type=int, default=200)
    parser.add_argument("--seals", type=int, default=100)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "datasets" / "ocr")
    args = parser.parse_args()
    labels = generate(args.out, doors=args.doors, seals=args.seals, seed=args.seed)
    print(f"{len(labels)} pictures and labels.csv in {args.out}")


if __name__ == "__main__":
    main()
