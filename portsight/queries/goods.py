"""How a stored goods line's description reads in a language: one function for the pages and the
printed receipt (portsight.documents.receipt), which may not import the pages' components."""

from __future__ import annotations

from portsight import reference
from portsight.domain.conditions import in_language


def goods_text(lang: str, hs_code: object, description: object) -> str:
    """A goods line's description for the reader: a bilingual stored text in lang's line, and the
    heading's description in lang where the line kept only the heading's English text."""
    text = in_language(str(description or ""), lang)
    heading = reference.hs_heading(str(hs_code or ""))
    if heading is not None and text.strip() in ("", heading.description):
        return heading.text(lang)
    return text


__all__ = ["goods_text"]
