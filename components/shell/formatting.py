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


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:")


def as_text(value: object) -> str:
    """Typed text made safe to put inside st.markdown: every Markdown character is escaped, so a
    note such as `![](http://host/x.png)` shows as written instead of fetching an image or a link."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(value)).replace("\n", " ")
