"""Cached readers and write wrappers for the overview, inspections and alerts pages.

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port).
The live panel asks `load_change_token` every period (ttl = the period, so all open boards
share one query per period); the board itself is cached by that token and the minute, so it is
recomputed only when something happened (or the minute turned, for the overdue count).
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from components.data import Scope, get_engine, get_settings
from components.overview_board import BoardView, board_view
from portsight.clock import utcnow
from portsight.domain.access import Actor
from portsight.queries import alerts as alert_queries
from portsight.queries import inspections as inspection_queries
from portsight.queries import overview as overview_queries
from portsight.services import alerts as alert_services

REFRESH_SECONDS = 1.0  # the live panel's period; the change token's ttl is half of it (commit -> screen < 2 s)


def _scope(scope: Scope) -> frozenset[int] | None:
    return None if scope is None else frozenset(scope)


# ------------------------------------------------------------------ overview


@st.cache_data(ttl=REFRESH_SECONDS / 2, max_entries=512, show_spinner=False)
def load_change_token(scope: Scope) -> tuple[int, str]:
    return overview_queries.change_token(get_engine(), _scope(scope))


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def load_overview(scope: Scope, token: tuple[int, str], minute: str) -> overview_queries.Overview:
    """The board for this scope as of `token` (and the minute, which moves the overdue count)."""
    return overview_queries.overview(
        get_engine(), _scope(scope), utcnow(), overdue_minutes=get_settings().overdue_minutes
    )


@st.cache_resource(ttl=120, max_entries=64, show_spinner=False)
def load_board_view(scope: Scope, token: tuple[int, str], minute: str, lang: str) -> BoardView:
    """The board ready to show (cards, table, feed, figures), built once per change (token, minute)
    and language and shared by every session showing it: a refresh then only emits elements.
    Shared objects: never mutate them."""
    return board_view(load_overview(scope, token, minute), lang, token, REFRESH_SECONDS)


def current_minute() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M")


@st.cache_data(ttl=REFRESH_SECONDS, max_entries=512, show_spinner=False)
def load_new_high_alerts(
    scope: Scope, since: datetime, token: tuple[int, str]
) -> tuple[tuple[str | None, str, datetime], ...]:
    """(port, title, last_raised_at) of the high alerts raised after `since`, newest first: plain
    tuples, which every session showing the board reads after each change (a DataFrame costs more
    to copy out of the cache and to iterate than the board's other pieces)."""
    new = alert_queries.high_alerts_raised_since(get_engine(), _scope(scope), since)
    return tuple(zip(new["port"], new["title"], new["last_raised_at"], strict=True))


# ------------------------------------------------------------------ alerts


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_open_alert_counts(scope: Scope) -> dict[str, int]:
    return alert_queries.open_alert_counts(get_engine(), _scope(scope))


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def load_alerts(scope: Scope, states: tuple[str, ...], severities: tuple[str, ...], limit: int) -> pd.DataFrame:
    return alert_queries.list_alerts(
        get_engine(), _scope(scope), states=states, severities=severities or None, limit=limit
    )


def load_alert_detail(scope: Scope, alert_id: int) -> dict:
    return alert_queries.alert_detail(get_engine(), _scope(scope), alert_id)


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


# ------------------------------------------------------------------ inspections


@st.cache_data(ttl=10, max_entries=256, show_spinner=False)
def load_inspections(
    scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    engine = get_engine()
    page = inspection_queries.search_inspections(
        engine, _scope(scope), flt, sort=sort, descending=descending, limit=limit, offset=offset
    )
    return page.rows, inspection_queries.count_inspections(engine, _scope(scope), flt)


@st.cache_data(ttl=30, max_entries=32, show_spinner=False)
def load_export(
    scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool, kind: str
) -> bytes:
    df = inspection_queries.export_inspections(get_engine(), _scope(scope), flt, sort=sort, descending=descending)
    return inspection_queries.to_excel_bytes(df) if kind == "xlsx" else inspection_queries.to_csv_bytes(df)


@st.cache_data(ttl=10, max_entries=64, show_spinner=False)
def load_inspection_record(scope: Scope, inspection_id: int) -> dict:
    return inspection_queries.inspection_record(get_engine(), _scope(scope), inspection_id)


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def load_inspectors(scope: Scope) -> list[dict]:
    return inspection_queries.inspectors_in_scope(get_engine(), _scope(scope))


def media_dir():
    return get_settings().media_dir


def filter_of(**values) -> inspection_queries.InspectionFilter:
    """An InspectionFilter from widget values (dates as date, empty strings as None)."""
    clean = {k: (v or None) if isinstance(v, str) else v for k, v in values.items()}
    for key in ("date_from", "date_to"):
        if clean.get(key) is not None and not isinstance(clean[key], date):
            clean[key] = None
    clean["states"] = tuple(clean.get("states") or ())
    return inspection_queries.InspectionFilter(**clean)
