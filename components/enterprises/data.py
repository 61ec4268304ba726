"""The enterprise page's cached readers, each cut to the reader's ports (a scope is a sorted tuple
of port ids, None for every port). An enterprise with no declaration in the scope reads as None,
the same as an unknown id: the page says neither which enterprises exist elsewhere nor what they did."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shell.runtime import Scope, get_engine, scope_set
from portsight.queries import enterprise_review
from portsight.queries.enterprise_review import EnterpriseInfo
from portsight.queries.enterprises import credit_timeline

__all__ = [
    "EnterpriseInfo",
    "load_alerts",
    "load_credit_timeline",
    "load_enterprise",
    "load_findings",
    "load_history",
    "load_profiles",
    "load_recent",
]


@st.cache_data(ttl=60, show_spinner=False)
def load_enterprise(scope: Scope, enterprise_id: int) -> EnterpriseInfo | None:
    return enterprise_review.enterprise_record(get_engine(), enterprise_id, scope_set(scope))


@st.cache_data(ttl=120, show_spinner=False)
def load_history(scope: Scope, enterprise_id: int) -> pd.DataFrame:
    return enterprise_review.monthly_history(get_engine(), enterprise_id, scope_set(scope))


@st.cache_data(ttl=60, show_spinner=False)
def load_recent(scope: Scope, enterprise_id: int) -> pd.DataFrame:
    return enterprise_review.recent_inspections(get_engine(), enterprise_id, scope_set(scope))


@st.cache_data(ttl=120, show_spinner=False)
def load_findings(scope: Scope, enterprise_id: int) -> pd.DataFrame:
    return enterprise_review.findings_by_rule(get_engine(), enterprise_id, scope_set(scope))


@st.cache_data(ttl=120, show_spinner=False)
def load_profiles(scope: Scope, enterprise_id: int) -> pd.DataFrame:
    return enterprise_review.risk_profiles_hitting(get_engine(), enterprise_id, scope_set(scope))


@st.cache_data(ttl=60, show_spinner=False)
def load_alerts(scope: Scope, enterprise_id: int) -> pd.DataFrame:
    return enterprise_review.open_alerts(get_engine(), enterprise_id, scope_set(scope))


@st.cache_data(ttl=60, show_spinner=False)
def load_credit_timeline(enterprise_id: int) -> list[dict]:
    """The enterprise's dated credit changes, oldest first (the page asks only once the scope admits it)."""
    return credit_timeline(get_engine(), enterprise_id)
