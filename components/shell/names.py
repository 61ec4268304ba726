"""Enterprise names in the reader's language for any table that shows one (by its registered name)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shell.formatting import enterprise_label
from components.shell.runtime import get_engine
from components.shell.state import lang
from portsight.queries.enterprises import english_names


@st.cache_data(ttl=300, show_spinner=False)
def _english_names() -> dict[str, str]:
    return english_names(get_engine())


def enterprise_name(name: object) -> str:
    """The registered name, or on an English page the enterprise's English name where it has one."""
    lg = lang()
    return enterprise_label(lg, name, _english_names().get(str(name)) if lg == "en" else None)


def enterprise_names(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """df with its enterprise-name columns (default "enterprise") in the reader's language."""
    out = df.copy()
    for col in columns or ("enterprise",):
        if col in out:
            out[col] = out[col].map(lambda v: enterprise_name(v) if isinstance(v, str) else v)
    return out
