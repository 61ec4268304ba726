"""Reference data loads from data/ and answers the look-ups importers and pages need."""

from __future__ import annotations

import pytest

from portsight import reference


def test_the_twelve_demo_ports_have_chinese_names_and_a_kind():
    ports = reference.ports()
    assert len(ports) == 12
    by_code = {p.code: p for p in ports}
    assert by_code["CNSGH"].name_zh == "上海"
    assert by_code["CNPVG"].kind == "air"
    assert {p.kind for p in ports} <= {"sea", "air", "land", "rail"}
    assert all(p.code in reference.locodes() for p in ports)


@pytest.mark.parametrize(
    ("old", "canonical"),
    [
        ("CNSHA", "CNSGH"),
        ("CNNGB", "CNNBO"),
        ("CNSZX", "CNSNZ"),
        ("CNTAO", "CNQIN"),
        ("CNTSN", "CNTNJ"),
        ("CNXMN", "CNXAM"),
        ("CNCAN", "CNGGZ"),
        ("CNDLC", "CNDAL"),
    ],
)
def test_old_city_codes_resolve_to_the_port_entry_with_a_note(old, canonical):
    code, note = reference.resolve_port_code(old.lower())
    assert code == canonical
    assert note is not None and old in note and canonical in note


def test_a_current_code_resolves_to_itself_without_a_note():
    assert reference.resolve_port_code(" cnsgh ") == ("CNSGH", None)
    assert reference.resolve_port_code("CNYTN") == ("CNYTN", None)


def test_an_airport_code_keeps_its_airport_meaning_for_air_cargo():
    assert reference.resolve_port_code("CNSHA", transport_mode="air") == ("CNSHA", None)


def test_an_unknown_port_code_resolves_to_none():
    assert reference.resolve_port_code("CNZZZ") == (None, None)
    assert not reference.is_known_port_code("CNZZZ")


@pytest.mark.parametrize(
    ("alpha2", "zh"), [("DE", "德国"), ("US", "美国"), ("VN", "越南"), ("JP", "日本"), ("BR", "巴西")]
)
def test_country_names_in_simplified_chinese(alpha2, zh):
    assert reference.country_name(alpha2, "zh_CN") == zh


def test_country_names_in_english_prefer_the_common_name():
    assert reference.country_name("de", "en") == "Germany"
    assert reference.country_name("KR", "en") == "South Korea"
    assert reference.country_name("XX", "en") == "XX"


def test_hs_chapter_of_a_ten_digit_code():
    chapter = reference.hs_chapter("8471.30.0000")
    assert chapter is not None and chapter.chapter == "84" and chapter.section == "XVI"
    assert reference.hs_chapter("77") is None  # reserved chapter


def test_hs_heading_lookups():
    assert reference.hs_heading_exists("470790")
    assert reference.hs_heading("4707").description.startswith("Waste and scrap of paper")
    assert reference.hs_heading("7404").chapter == "74"
    assert not reference.hs_heading_exists("9999")
    assert not reference.hs_heading_exists("84")
    assert len(reference.hs_headings()) == 1228
    assert len(reference.hs_chapters()) == 96
