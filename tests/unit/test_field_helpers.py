"""Pure helpers of field inspection: image sniffing, upload names, bilingual text, decision policy, tokens, slots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portsight.catalogue import default_catalogue
from portsight.domain.checklist import (
    checklist_slots,
    generate_checklist,
    second_inspector_required,
    split_slot_id,
)
from portsight.domain.conditions import Text, bilingual, in_language
from portsight.domain.facts import DeclarationFacts
from portsight.errors import InvalidInput
from portsight.services import evidence, receipts

CATALOGUE = default_catalogue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0" + b"\0" * 8, ("image/jpeg", ".jpg")),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, ("image/png", ".png")),
        (b"RIFF\x10\0\0\0WEBPVP8 ", ("image/webp", ".webp")),
        (b"GIF89a" + b"\0" * 8, None),
        (b"%PDF-1.7" + b"\0" * 8, None),
        (b"<svg xmlns=", None),
        (b"RIFF\x10\0\0\0WAVEfmt ", None),
        (b"", None),
    ],
    ids=["jpeg", "png", "webp", "gif", "pdf", "svg", "wav", "empty"],
)
def test_images_are_recognised_by_their_bytes_not_their_name(head, expected):
    assert evidence.sniff_image(head) == expected


@pytest.mark.parametrize(
    "name", ["../x.png", "..\\x.png", "/etc/passwd", "a/b.jpg", "C:evil.png", "~root.png", "..", "a\x00.png"]
)
def test_names_with_a_path_are_refused(name):
    with pytest.raises(InvalidInput):
        evidence.check_upload_name(name)


@pytest.mark.parametrize("name", ["IMG_0001.JPG", "封识.png", "photo..final.webp", "a b.jpg"])
def test_plain_names_are_kept(name):
    assert evidence.check_upload_name(name) == name


def test_bilingual_text_is_stored_once_and_read_per_language():
    stored = bilingual(Text("夹杂物超标", "Impurity above the limit"), Text("0.8%", "0.8 %"))
    assert in_language(stored, "zh_CN") == "夹杂物超标（0.8%）"
    assert in_language(stored, "en") == "Impurity above the limit (0.8 %)"
    assert in_language("written by hand", "en") == "written by hand"


def test_return_or_destroy_need_two():
    assert [d for d in ("release", "hold", "return", "destroy") if second_inspector_required(d)] == [
        "return",
        "destroy",
    ]


def test_a_token_is_the_receipt_number_and_a_shortened_signature():
    sig = "ab" * 32
    token = receipts.make_token("RR-CNSGH-20250303-A1B2C3", sig)
    assert token == "RR-CNSGH-20250303-A1B2C3." + sig[:24]
    assert receipts.parse_token(f"  {token}\n") == ("RR-CNSGH-20250303-A1B2C3", None, sig[:24])
    assert receipts.parse_token("RR-CNSGH-20250303-A1B2C3") is None
    assert receipts.parse_token("42") is None and receipts.parse_token(None) is None
    at = datetime(2025, 3, 3, 8, 0, 1, tzinfo=UTC)
    assert receipts.receipt_message("RR-X", 7, at) == "portsight-receipt:v1:RR-X:7:20250303T080001Z"


def test_per_container_steps_become_one_slot_per_container():
    facts = DeclarationFacts.from_mapping({
        "declared_on": "2024-05-01", "hs": ["8471300000"],
        "containers": [{"number": "CSQU3054383", "size_type": "22G1"}, {"number": "MSKU7654320", "size_type": "22G1"}],
    })  # fmt: skip
    slots = checklist_slots(generate_checklist(facts, None, CATALOGUE), {"CSQU3054383": 1, "MSKU7654320": 2})
    ids = [s.id for s in slots]
    assert ids[:4] == ["container_number@CSQU3054383", "container_number@MSKU7654320", "seal@CSQU3054383",
                       "seal@MSKU7654320"]  # fmt: skip
    assert "goods" in ids and slots[1].container_id == 2
    assert split_slot_id("seal@CSQU3054383") == ("seal", "CSQU3054383") and split_slot_id("goods") == ("goods", None)
