"""Codes as people type them: container and seal numbers, HS codes.

A Chinese input method in full-width mode gives ＣＳＱＵ３０５４３８３ for CSQU3054383, and people
add blanks, hyphens or dots where the printed code has them. NFKC (Unicode compatibility
normalisation) turns full-width letters, digits and punctuation into their ASCII forms; then a
code loses its blanks and hyphens and is upper-cased, an HS code keeps its digits only. Every
check compares codes in these forms.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Hyphen-like characters people type between the parts of a number (ASCII hyphen-minus, hyphen,
# non-breaking hyphen, figure dash, en dash, em dash, minus sign); NFKC keeps most of them apart.
_DASHES = re.compile("[-\u2010\u2011\u2012\u2013\u2014\u2212]")
_HS_SEPARATORS = re.compile(r"[\s.\-\u2010\u2011\u2012\u2013\u2014\u2212]")

CODE_FORMS = ("code", "hs")  # how a typed code input is normalised (InputSpec.code)


def as_typed(value: Any) -> str:
    """The text with full-width forms folded to ASCII (NFKC) and surrounding blanks removed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalize_code(value: Any) -> str:
    """A container or seal number: NFKC, blanks and hyphens removed, upper-case.

    'ｃｓｑｕ ３０５４３８-３' -> 'CSQU3054383'.
    """
    return _DASHES.sub("", "".join(as_typed(value).split())).upper()


def normalize_hs(value: Any) -> str:
    """An HS code: NFKC, blanks, dots and hyphens removed ('８５１７．１３' -> '851713'). Other characters stay, so
    that a check can refuse them."""
    return _HS_SEPARATORS.sub("", as_typed(value))


def is_hs_code(code: str) -> bool:
    """A normalised HS code of 2 to 10 ASCII digits (chapter, heading, subheading, national code)."""
    return code.isascii() and code.isdigit() and 2 <= len(code) <= 10


def hs_agree(found: str, declared: str) -> bool:
    """Whether two HS codes agree as far as both go: one is the start of the other ('8517' and '8517130000')."""
    a, b = normalize_hs(found), normalize_hs(declared)
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))


def normalize(form: str, value: Any) -> str:
    """The typed value in the given CODE_FORMS form."""
    if form == "hs":
        return normalize_hs(value)
    return normalize_code(value)
