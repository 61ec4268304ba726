"""ISO 6346 container numbers (集装箱号), strict.

Owner code of 3 letters, category identifier U, J or Z, 6 serial digits and a check digit
(ISO 6346 Annex A): letters take the values A=10 upward skipping multiples of 11, the 10
characters are weighted 2**position, the sum is taken mod 11 and a remainder of 10 is written 0.

Stricter than python-stdnum's `stdnum.iso6346`, which accepts the category letter R, digits in
the owner code and does not strip hyphens.

`normalize` and `is_valid` are a stable interface used by other modules.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from operator import mul

from portsight.domain.codes import normalize_code

CATEGORIES = frozenset("UJZ")
_STRICT = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")


def _letter_values() -> dict[str, int]:
    values: dict[str, int] = {}
    n = 10
    for letter in string.ascii_uppercase:
        if n % 11 == 0:
            n += 1
        values[letter] = n
        n += 1
    return values


_VALUES = {**_letter_values(), **{d: int(d) for d in string.digits}}
_WEIGHTS = tuple(1 << i for i in range(10))  # the weight of each of the 10 characters, by position: 2**i


def normalize(text: str | None) -> str:
    """As typed to as compared: full-width forms folded (NFKC), blanks and hyphens removed, upper-case.

    'csqu 305438-3' and 'ＣＳＱＵ３０５４３８３' -> 'CSQU3054383'.
    """
    return normalize_code(text)


def check_digit(first10: str) -> int:
    """The check digit for the first 10 characters (owner code, category, serial number)."""
    if not (first10.isascii() and first10.isalnum() and first10.isupper()):
        first10 = normalize(first10)  # text already as compared (most: numbers made, not typed) is left as it is
    if len(first10) != 10 or not all(map(_VALUES.__contains__, first10)):
        raise ValueError(f"check_digit needs 10 letters/digits, got {first10!r}")
    total: int = sum(map(mul, map(_VALUES.__getitem__, first10), _WEIGHTS))
    return total % 11 % 10


@dataclass(frozen=True)
class Problem:
    """What is wrong with a container number, for the inspector's as-you-type hint."""

    code: str  # length / owner / category / digits / check_digit
    en: str
    zh: str
    expected: int | None = None  # the check digit that would make the number valid


def explain(text: str | None) -> Problem | None:
    """None when the number is valid; otherwise the first thing that is wrong with it."""
    number = normalize(text)
    if len(number) != 11:
        return Problem("length", f"wrong length ({len(number)} chars)", f"长度不对（{len(number)} 位，应为 11 位）")
    owner, category, digits = number[:3], number[3], number[4:]
    if not all(ch in string.ascii_uppercase for ch in owner):
        return Problem("owner", f"owner code {owner!r} must be 3 letters", f"箱主代码 {owner} 应为 3 个字母")
    if category not in CATEGORIES:
        return Problem(
            "category", f"category letter {category!r} not one of U/J/Z", f"类别代码 {category} 不是 U/J/Z 之一"
        )
    if not digits.isascii() or not digits.isdigit():
        return Problem("digits", "serial/check digit must be digits", "箱号序列号和校验位应为数字")
    expected = check_digit(number[:10])
    if int(number[10]) != expected:
        return Problem(
            "check_digit",
            f"wrong check digit (expected {expected})",
            f"校验位错误（应为 {expected}）",
            expected=expected,
        )
    return None


def is_valid(text: str | None) -> bool:
    """True for a strictly valid ISO 6346 number (after normalisation)."""
    number = normalize(text)
    return bool(_STRICT.fullmatch(number)) and explain(number) is None
