"""The alerts page's cached readers and write wrappers (the sidebar's badge reads the counts too).

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port).
A write clears the lists, the counts and the overview's change token, so every page shows it at once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.overview.data import load_change_token
from components.shell.runtime import get_engine, scope_set
from components.shell.state import Scope
from portsight.domain.access import Actor
from portsight.queries import alerts as alert_queries
from portsight.services import alerts as alert_services


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_open_alert_counts(scope: Scope) -> dict[str, int]:
    return alert_queries.open_alert_counts(get_engine(), scope_set(scope))


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_alerts(scope: Scope, states: tuple[str, ...], severities: tuple[str, ...], limit: int) -> pd.DataFrame:
    return alert_queries.list_alerts(
        get_engine(), scope_set(scope), states=states, severities=severities or None, limit=limit
    )


def load_alert_detail(scope: Scope, alert_id: int) -> dict:
    return alert_queries.alert_detail(get_engine(), scope_set(scope), alert_id)


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def load_alert_assignees(port_id: int | None) -> list[dict]:
    return alert_queries.alert_assignees(get_engine(), port_id)


def clear_alert_readers() -> None:
    """After a write on an alert: the lists, counts and the board show it at once."""
    load_alerts.clear()
    load_open_alert_counts.clear()
    load_change_token.clear()


def acknowledge(actor: Actor, alert_id: int, comment: str | None) -> dict:
    result = alert_services.acknowledge_alert(get_engine(), actor, alert_id, comment)
    clear_alert_readers()
    return result


def resolve(actor: Actor, alert_id: int, comment: str) -> dict:
    result = alert_services.resolve_alert(get_engine(), actor, alert_id, comment)
    clear_alert_readers()
    return result


def assign(actor: Actor, alert_id: int, assignee_id: int | None) -> dict:
    result = alert_services.assign_alert(get_engine(), actor, alert_id, assignee_id)
    clear_alert_readers()
    return result


def reopen(actor: Actor, alert_id: int, comment: str) -> dict:
    result = alert_services.reopen_alert(get_engine(), actor, alert_id, comment)
    clear_alert_readers()
    return result
