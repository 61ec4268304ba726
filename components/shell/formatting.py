"""Display text that needs no Streamlit session, so that Streamlit-free builders (the overview's
shared board) and the session's widgets format alike."""

from __future__ import annotations

import pandas as pd

from portsight.clock import as_utc
from portsight.i18n import fmt_datetime


def fmt_stored_time(lang: str, value) -> str:
    """A time as the database or pandas hands it back (a datetime, naive from SQLite, which stores
    UTC; a Timestamp; None or NaT) in lang, local time."""
    if value is None or pd.isna(value):
        return fmt_datetime(lang, None)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return fmt_datetime(lang, as_utc(value))


# Active anywhere in a line: emphasis, code, links and images, HTML and entities, tables, LaTeX,
# Streamlit's :icon: and :colour[...] directives.
_INLINE = frozenset("\\`*_{}[]()!|<>~$:@&")
# Active only where a line starts: headings, list items, block quotes, setext and thematic rules.
_LINE_START = frozenset("#+-=>")
# GitHub's bare links ("http://...", "www....", "name@host.org") are found in the text after the
# escapes are undone, so no backslash stops them; an invisible WORD JOINER inside "://", before
# "www"'s dot and before "@" does.
_JOINER = "\u2060"


def _inside_word(text: str, i: int) -> bool:
    """Between two letters or digits, where an underscore can neither open nor close emphasis
    (file_name.csv stays as it is)."""
    return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def as_text(value: object) -> str:
    """Typed text made safe to put inside st.markdown (and captions, labels, alerts, toasts, table
    cells): it shows as written instead of fetching an image, making a link or a heading.

    Characters that are Markdown anywhere are escaped everywhere; "#", "+", "-", "=", ">" and a
    number's "." only where they would start a line (the value's start: line breaks become spaces,
    so nothing else in it starts a line); bare links are broken by an invisible joiner. Escaping
    only what is active keeps ordinary names ("DEC-2025-001", "Co. Ltd") as they are.
    """
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    start = len(text) - len(text.lstrip())  # where the first line's content begins
    digits = start
    while digits < len(text) and text[digits].isdigit():
        digits += 1
    out: list[str] = []
    for i, ch in enumerate(text):
        www_dot = ch == "." and text[max(0, i - 3) : i].lower() == "www"
        if www_dot or ch == "@":
            out.append(_JOINER)
        if (
            (ch in _INLINE and not (ch == "_" and _inside_word(text, i)))
            or (i == start and ch in _LINE_START)
            or (ch == "." and i == digits > start)
        ):
            out.append("\\")
        out.append(ch)
        if ch == ":" and text[i + 1 : i + 3] == "//":
            out.append(_JOINER)
    return "".join(out)
