"""Truck plates as the gate officer types them: Chinese plates (regular, new energy, trailer, cross-border)
kept without blanks, a foreign plate only when the officer says so, anything else refused with its reason."""

from __future__ import annotations

import pytest

from portsight.domain.plates import PlateProblem, parse_plate


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("沪A12345", "沪A12345"),
        ("沪a 12345", "沪A12345"),
        ("沪A·12345", "沪A12345"),
        ("沪A D12345", "沪AD12345"),  # new energy, small vehicle
        ("粤B 12345F", "粤B12345F"),  # new energy, large vehicle
        ("浙B1234挂", "浙B1234挂"),  # trailer
        ("粤Z1234港", "粤Z1234港"),  # cross-border truck of Hong Kong
        ("沪Ａ１２３４５", "沪A12345"),  # full-width, as a Chinese keyboard types it
    ],
)
def test_chinese_plates_are_kept_without_blanks(typed, kept):
    assert parse_plate(typed) == kept


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "missing"),
        ("  ", "missing"),
        (None, "missing"),
        ("沪A12345" * 3, "too_long"),
        ("沪I12345", "not_chinese"),  # I and O are never issued
        ("沪A1234", "not_chinese"),
        ("美A12345", "not_chinese"),
        ("AB-1234", "not_chinese"),  # a foreign plate is taken only when the officer says so
    ],
)
def test_what_is_not_a_chinese_plate_says_why(typed, problem):
    assert parse_plate(typed) == PlateProblem(problem)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("ab-1234", "AB-1234"), ("1234  уба", "1234 УБА"), ("29c-123.45", "29C-123.45"), ("沪A12345", "沪A12345")],
)
def test_a_foreign_plate_is_taken_as_typed_when_the_officer_says_so(typed, kept):
    assert parse_plate(typed, foreign=True) == kept


@pytest.mark.parametrize("typed", ["<script>", "'; DROP TABLE", "----", "AB", "\u202e1234", "12\x00 34"])
def test_hostile_or_empty_foreign_plates_are_refused(typed):
    assert isinstance(parse_plate(typed, foreign=True), PlateProblem)
