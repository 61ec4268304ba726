"""The photo gate: damaged files and pixel bombs are refused, photos are kept upright and without
their metadata, screenshots stay sharp PNGs."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from portsight.images import MAX_PIXELS, PhotoRefused, clean_photo, preview

ROOT = Path(__file__).resolve().parents[2]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height RGB pixels but holds a few bytes of data: tiny on disk,
    1.2 GB once decoded at 20,000 x 20,000."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")
    )


def jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


@pytest.fixture
def no_decoding(monkeypatch):
    """Any attempt to decode pixels fails the test: a refusal must come from the header alone."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"not a picture " * 50,
        b"\x89PNG\r\n\x1a\n" + b"not a picture " * 50,
        b"RIFF\x00\x10\x00\x00WEBPVP8 " + b"not a picture " * 50,
    ],
    ids=["jpeg", "png", "webp"],
)
def test_a_file_that_only_starts_like_a_picture_is_refused_as_unreadable(data):
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(data)
    assert refused.value.message_key == "common.photo_unreadable"
    assert "take the photo again" in str(refused.value).lower()


def test_a_truncated_jpeg_is_refused_as_unreadable():
    whole = jpeg(Image.effect_noise((400, 300), 60).convert("RGB"))
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(whole[: len(whole) // 2])
    assert refused.value.message_key == "common.photo_unreadable"


@pytest.mark.parametrize("side", [20_000, 8_000], ids=["20000x20000", "8000x8000"])
def test_a_picture_over_the_pixel_limit_is_refused_from_its_header(side, no_decoding):
    data = png_header_only(side, side)
    assert len(data) < 200 and side * side > MAX_PIXELS
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(data)
    assert refused.value.message_key == "common.photo_too_many_pixels"
    assert refused.value.message_values["megapixels"] == f"{side * side / 1_000_000:,.0f}"


def test_refusing_a_20000_by_20000_png_keeps_the_process_small(tmp_path):
    """Peak memory of a process that is handed the PNG: decoding it would take 1.2 GB."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(20_000, 20_000))
    script = (
        "import json, re, sys\n"
        "from pathlib import Path\n"
        "from portsight.images import PhotoRefused, clean_photo\n"
        "try:\n"
        "    clean_photo(Path(sys.argv[1]).read_bytes())\n"
        "    refused = None\n"
        "except PhotoRefused as exc:\n"
        "    refused = exc.message_key\n"
        # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the forked pytest across exec.
        "peak = int(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1))\n"
        "print(json.dumps({'refused': refused, 'peak_kb': peak}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(bomb)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout)
    assert result["refused"] == "common.photo_too_many_pixels"
    assert result["peak_kb"] < 200 * 1024, result


def test_a_rotated_phone_photo_comes_out_upright_without_its_gps_position_or_device():
    # Stored sideways (40 x 20, red on the left) with "rotate 90 degrees clockwise to view".
    sideways = Image.new("RGB", (40, 20), (0, 0, 255))
    sideways.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 5.0)
    data = jpeg(sideways, exif=exif, quality=95)
    assert b"PhoneMaker" in data

    photo = clean_photo(data)

    assert (photo.media_type, photo.suffix, photo.width, photo.height) == ("image/jpeg", ".jpg", 20, 40)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.size == (20, 40)
    top, bottom = stored.getpixel((10, 3)), stored.getpixel((10, 36))
    assert top[0] > 200 and top[2] < 50, "red is on top once turned upright"
    assert bottom[2] > 200 and bottom[0] < 50
    assert not stored.getexif() and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in photo.data and b"PhoneMaker" not in photo.data


def test_a_png_screenshot_is_kept_as_png_without_its_text_chunks():
    shot = Image.new("RGBA", (300, 120), (20, 30, 40, 200))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at the warehouse door")
    out = io.BytesIO()
    shot.save(out, "PNG", pnginfo=info)

    photo = clean_photo(out.getvalue())

    assert (photo.media_type, photo.suffix, photo.width, photo.height) == ("image/png", ".png", 300, 120)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.mode == "RGBA" and stored.getpixel((5, 5)) == (20, 30, 40, 200)
    assert b"warehouse" not in photo.data


def test_a_webp_photo_is_stored_as_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 30)).save(out, "WEBP")
    photo = clean_photo(out.getvalue())
    assert (photo.media_type, photo.width, photo.height) == ("image/jpeg", 64, 48)
    assert photo.data[:3] == b"\xff\xd8\xff"


def test_a_gallery_preview_is_small_or_absent():
    big = jpeg(Image.new("RGB", (3000, 2000), (200, 200, 200)))
    small = preview(big, 320)
    assert small is not None and Image.open(io.BytesIO(small)).size == (320, 213)
    assert preview(b"\xff\xd8\xff\xe0 damaged", 320) is None
    assert preview(png_header_only(20_000, 20_000), 320) is None


def test_the_gate_reads_no_qr_code_from_a_pixel_bomb_and_never_decodes_it(monkeypatch):
    import cv2

    from portsight.documents.receipt import decode_qr_image

    def refuse(*args, **kwargs):
        raise AssertionError("OpenCV was asked to decode the picture")

    monkeypatch.setattr(cv2, "imdecode", refuse)
    assert decode_qr_image(png_header_only(20_000, 20_000)) is None
