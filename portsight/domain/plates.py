"""Truck number plates (车牌号) as the gate officer types them.

A Chinese plate (GA 36) is a province's one-character abbreviation, the issuing office's letter and a
serial: five letters or digits (a truck's yellow plate; I and O are never used), the last one possibly a
use character (挂 a trailer, 港/澳 a cross-border truck of Hong Kong or Macao, 学, 警, 领); or, on a
new-energy plate, six: D or F then a letter or digit and four digits (small vehicles), or five digits
then D or F (large vehicles). '沪A12345', '沪A D12345' and '沪a·12345' are typed; '沪A12345' and
'沪AD12345' are kept.

A truck from abroad (land ports) carries its own country's plate: it is taken as typed (letters in any
script, digits, a blank, dot or hyphen between them) only when the officer says so, so that a mistyped
Chinese plate is not let through as "foreign".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
USE_CHARACTERS = "挂港澳学警领"
MAX_PLATE = 16  # gate_exits.truck_plate
_SERIAL = "[A-HJ-NP-Z0-9]"
_CHINESE = re.compile(
    rf"[{PROVINCES}][A-HJ-NP-Z]"
    rf"(?:{_SERIAL}{{5}}|{_SERIAL}{{4}}[{USE_CHARACTERS}]|[DF]{_SERIAL}[0-9]{{4}}|[0-9]{{5}}[DF])"
)
_SEPARATORS = re.compile(r"[\s·•・.\-_]+")
_FOREIGN = re.compile(r"[^\W_]+(?:[ .\-][^\W_]+)*")


@dataclass(frozen=True)
class PlateProblem:
    """Why a typed plate is not taken: missing / too_long / not_chinese / not_a_plate."""

    code: str


def normalize_plate(text: str | None) -> str:
    """As typed to as kept: full-width forms folded (NFKC), upper-case, runs of blanks and dots made one
    blank, ends trimmed."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return " ".join(_SEPARATORS.sub(" ", folded).split())


def parse_plate(text: str | None, *, foreign: bool = False) -> str | PlateProblem:
    """The plate to keep, or why it is not taken. A Chinese plate is kept without blanks
    ('沪A D12345' -> '沪AD12345'); a foreign one as typed, blanks, dots and hyphens between its parts."""
    typed = normalize_plate(text)
    if not typed:
        return PlateProblem("missing")
    if len(typed) > MAX_PLATE:
        return PlateProblem("too_long")
    compact = typed.replace(" ", "")
    if _CHINESE.fullmatch(compact):
        return compact
    if not foreign:
        return PlateProblem("not_chinese")
    raw = " ".join(unicodedata.normalize("NFKC", text or "").upper().split())
    if len(raw) < 2 or not _FOREIGN.fullmatch(raw) or not any(ch.isdigit() for ch in raw):
        return PlateProblem("not_a_plate")
    return raw


__all__ = ["MAX_PLATE", "PlateProblem", "normalize_plate", "parse_plate"]
