"""Strict ISO 6346 container numbers against the shared test vectors (tests/data/container_numbers.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from stdnum import iso6346 as stdnum_iso6346

from portsight.domain import iso6346

VECTORS = list(csv.DictReader((Path(__file__).parent.parent / "data" / "container_numbers.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("row", VECTORS, ids=lambda r: r["number"] or "<empty>")
def test_vector_is_judged_as_its_source_says(row):
    assert iso6346.is_valid(row["number"]) is (row["valid"] == "true")


@pytest.mark.parametrize("row", [r for r in VECTORS if r["valid"] == "false"], ids=lambda r: r["number"] or "<empty>")
def test_explanation_of_an_invalid_vector_matches_its_reason(row):
    problem = iso6346.explain(row["number"])
    assert problem is not None
    assert problem.en == row["invalid_reason"]
    assert problem.zh


@pytest.mark.parametrize("row", [r for r in VECTORS if r["valid"] == "true"], ids=lambda r: r["number"])
def test_check_digit_of_a_valid_vector_is_its_last_digit(row):
    assert iso6346.check_digit(row["number"][:10]) == int(row["number"][10])
    assert iso6346.explain(row["number"]) is None


def _with_check_digit(first10: str) -> str:
    return first10 + str(stdnum_iso6346.calc_check_digit(first10))


@pytest.mark.parametrize(
    "number",
    [
        _with_check_digit("CSQR305438"),  # category R
        _with_check_digit("CS1U305438"),  # digit in the owner code
    ],
)
def test_numbers_python_stdnum_accepts_are_rejected(number):
    assert stdnum_iso6346.is_valid(number)
    assert not iso6346.is_valid(number)


def test_python_stdnum_does_not_strip_hyphens_but_we_do():
    assert not stdnum_iso6346.is_valid("CSQU-305438-3")
    assert iso6346.is_valid("CSQU-305438-3")


@pytest.mark.parametrize("text", ["csqu3054383", " CSQU 305438 3 ", "CSQU-305438-3", "csqu 305438-3\n"])
def test_spaces_hyphens_and_case_are_normalised(text):
    assert iso6346.normalize(text) == "CSQU3054383"
    assert iso6346.is_valid(text)


def test_owner_code_with_a_digit_is_explained():
    problem = iso6346.explain(_with_check_digit("CS1U305438"))
    assert problem is not None and problem.code == "owner"


def test_explanation_gives_the_expected_check_digit():
    problem = iso6346.explain("CSQU3054384")
    assert problem is not None and problem.code == "check_digit" and problem.expected == 3


def test_check_digit_rejects_anything_but_ten_characters():
    with pytest.raises(ValueError):
        iso6346.check_digit("CSQU30543")
