"""The home page's cached readers: today's work and alerts in the user's scope, and what waits for the user.

Arguments are small and hashable (a scope is components.shell.state.Scope).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine
from components.shell.state import Scope
from portsight.queries import home as home_queries


@st.cache_data(ttl=30, show_spinner=False)
def load_inspection_states_today(scope: Scope) -> pd.DataFrame:
    return home_queries.inspection_states_today(get_engine(), scope)


@st.cache_data(ttl=30, show_spinner=False)
def load_open_alerts_by_severity(scope: Scope) -> pd.DataFrame:
    return home_queries.open_alerts_by_severity(get_engine(), scope)


@st.cache_data(ttl=15, show_spinner=False)
def load_my_assigned_inspections(user_id: int) -> pd.DataFrame:
    return home_queries.my_assigned_inspections(get_engine(), user_id)


@st.cache_data(ttl=10, show_spinner=False)
def load_waiting_assist_requests(scope: Scope) -> pd.DataFrame:
    return home_queries.waiting_assist_requests(get_engine(), scope)


@st.cache_data(ttl=30, show_spinner=False)
def load_receipts_today(scope: Scope) -> dict[str, int]:
    return home_queries.receipts_today(get_engine(), scope)
