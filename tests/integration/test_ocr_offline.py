"""Numbers read from a drawn door photo by the real engine, also with networking switched off."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from portsight.domain.iso6346 import check_digit
from portsight.images import PhotoRefused
from portsight.ocr import read_numbers
from tests.conftest import missing

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
NUMBER = "TGHU7613254"
assert check_digit(NUMBER[:10]) == int(NUMBER[10])


def door_photo(number: str = NUMBER) -> bytes:
    """A red door at phone size: owner code, serial and the check digit in a box, the size/type
    code and the weights below, slightly blurred and JPEG-compressed."""
    image = Image.new("RGB", (1280, 960), (150, 30, 30))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1280, 56):
        draw.rectangle((x, 0, x + 10, 960), fill=(125, 20, 20))
    font = ImageFont.truetype(FONT, 80)
    small = ImageFont.truetype(FONT, 36)
    draw.text((120, 160), number[:4], font=font, fill="white")
    draw.text((380, 160), number[4:10], font=font, fill="white")
    left, top, right, bottom = draw.textbbox((760, 160), number[10], font=font)
    draw.rectangle((left - 14, top - 14, right + 14, bottom + 14), outline="white", width=6)
    draw.text((760, 160), number[10], font=font, fill="white")
    draw.text((120, 320), "22G1", font=font, fill="white")
    draw.text((120, 470), "MAX GROSS 30480 KG", font=small, fill="white")
    draw.text((120, 520), "TARE 2200 KG", font=small, fill="white")
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(0.8)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def test_a_door_photo_gives_its_container_number():
    reading = read_numbers(door_photo(), expect="container")
    assert reading.container is not None, reading.read
    assert reading.container.number == NUMBER
    assert 0 < reading.container.confidence <= 1
    x, y, w, h = reading.container.box
    assert x < 160 and x + w > 760 and y < 200  # around the owner code, serial and boxed digit
    assert reading.read == ""
    assert reading.seal is None


def test_a_photo_that_is_not_an_image_is_refused_with_a_message_key():
    with pytest.raises(PhotoRefused) as refused:
        read_numbers(b"this is no photo")
    assert refused.value.message_key == "common.photo_not_image"


def test_the_command_prints_one_json_line_per_file_and_names_the_unreadable_one(tmp_path):
    door = tmp_path / "door.jpg"
    door.write_bytes(door_photo())
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff" + b"\0" * 100)
    run = subprocess.run(
        [sys.executable, "-m", "portsight", "read-numbers", str(door), str(broken)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 2
    [line] = [json.loads(text) for text in run.stdout.splitlines()]
    assert line["file"] == str(door)
    assert line["container_number"] == NUMBER
    assert line["seal_number"] is None and line["read"] is None  # a number proposed: nothing else to show
    assert set(line) == {"file", "container_number", "seal_number", "confidence", "seconds", "read"}
    assert "broken.jpg" in run.stderr and "damaged" in run.stderr


# Inside the namespace: first make sure no connection can be made, then read the number.
OFFLINE = """
import socket, sys
try:
    socket.create_connection(("151.101.0.223", 443), timeout=3)
except OSError:
    pass
else:
    sys.exit("the network is reachable inside the namespace")
from portsight.__main__ import main
sys.exit(main(["read-numbers", sys.argv[1]]))
"""


def test_a_number_is_read_with_networking_disabled(tmp_path):
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        missing("a network namespace (unshare -rn)", probe.stderr.strip() or f"exit {probe.returncode}")
    door = tmp_path / "door.jpg"
    door.write_bytes(door_photo())
    run = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", OFFLINE, str(door)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["container_number"] == NUMBER
