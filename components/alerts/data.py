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
from portsight.queries.alerts import AlertGroup
from portsight.services import alerts as alert_services


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_open_alert_counts(scope: Scope) -> dict[str, int]:
    return alert_queries.open_alert_counts(get_engine(), scope_set(scope))


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_alerts(
    scope: Scope,
    states: tuple[str, ...],
    severities: tuple[str, ...],
    limit: int,
    kinds: tuple[str, ...] = (),
    enterprise_id: int | None = None,
    group: AlertGroup | None = None,
    search: str = "",
) -> pd.DataFrame:
    return alert_queries.list_alerts(
        get_engine(),
        scope_set(scope),
        states=states,
        severities=severities or None,
        kinds=kinds or None,
        enterprise_id=enterprise_id,
        group=group,
        search=search or None,
        limit=limit,
    )


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_alert_groups(
    scope: Scope, states: tuple[str, ...], severities: tuple[str, ...], kinds: tuple[str, ...], search: str
) -> pd.DataFrame:
    """Every group of the filters (the enterprise filter is applied by the page, so its choices
    are the enterprises these groups name)."""
    return alert_queries.alert_groups(
        get_engine(),
        scope_set(scope),
        states=states,
        severities=severities or None,
        kinds=kinds or None,
        search=search or None,
    )


def load_alert_detail(scope: Scope, alert_id: int) -> dict:
    return alert_queries.alert_detail(get_engine(), scope_set(scope), alert_id)


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def load_alert_assignees(port_id: int | None) -> list[dict]:
    return alert_queries.alert_assignees(get_engine(), port_id)


def clear_alert_readers() -> None:
    """After a write on an alert: the lists, counts and the board show it at once."""
    load_alerts.clear()
    load_alert_groups.clear()
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


def acknowledge_many(actor: Actor, alert_ids: list[int], comment: str | None) -> list[dict]:
    try:
        return alert_services.acknowledge_alerts(get_engine(), actor, alert_ids, comment)
    finally:  # a refused batch changed nothing, but the refusal says the list was stale
        clear_alert_readers()


def resolve_many(actor: Actor, alert_ids: list[int], comment: str) -> list[dict]:
    try:
        return alert_services.resolve_alerts(get_engine(), actor, alert_ids, comment)
    finally:
        clear_alert_readers()


def assign(actor: Actor, alert_id: int, assignee_id: int | None) -> dict:
    result = alert_services.assign_alert(get_engine(), actor, alert_id, assignee_id)
    clear_alert_readers()
    return result


def reopen(actor: Actor, alert_id: int, comment: str) -> dict:
    result = alert_services.reopen_alert(get_engine(), actor, alert_id, comment)
    clear_alert_readers()
    return result
