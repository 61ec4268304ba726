"""The live overview's cached readers.

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port).
The live panel asks `load_change_token` every period (ttl = the period, so all open boards
share one query per period); the board itself is cached by that token and the minute, so it is
recomputed only when something happened (or the minute turned, for the overdue count).
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from components.overview.board import BoardView, board_view
from components.shell.messages import alert_title
from components.shell.runtime import get_engine, get_settings, load_ports, scope_set
from components.shell.state import Scope
from portsight.clock import utcnow
from portsight.queries import alert_parameters
from portsight.queries import alerts as alert_queries
from portsight.queries import overview as overview_queries

REFRESH_SECONDS = 1.0  # the live panel's period; the change token's ttl is half of it (commit -> screen < 2 s)


@st.cache_data(ttl=REFRESH_SECONDS / 2, max_entries=512, show_spinner=False)
def load_change_token(scope: Scope) -> tuple[int, str]:
    return overview_queries.change_token(get_engine(), scope_set(scope))


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def load_overview(scope: Scope, token: tuple[int, str], minute: str) -> overview_queries.Overview:
    """The board for this scope as of `token` (and the minute, which moves the overdue count)."""
    now = utcnow()
    overdue_minutes = alert_parameters.overdue_minutes_in_force(get_engine(), now, get_settings())
    return overview_queries.overview(get_engine(), scope_set(scope), now, overdue_minutes=overdue_minutes)


@st.cache_resource(ttl=120, max_entries=64, show_spinner=False)
def load_board_view(scope: Scope, token: tuple[int, str], minute: str, lang: str) -> BoardView:
    """The board ready to show (cards, table, feed, figures, the links behind them), built once
    per change (token, minute) and language and shared by every session showing it: a refresh
    then only emits elements. Shared objects: never mutate them."""
    ports = () if scope is None else tuple(p["code"] for p in load_ports(scope))
    return board_view(load_overview(scope, token, minute), lang, token, REFRESH_SECONDS, ports=ports)


def port_of(code: str | None, scope: Scope) -> dict | None:
    """The port {'id', 'code', 'name_en', 'name_zh'} of code among the ports in scope; None when
    no code is given or the port is not in the scope."""
    if not code:
        return None
    return next((p for p in load_ports(scope) if p["code"] == code), None)


def current_minute() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M")


@st.cache_data(ttl=REFRESH_SECONDS, max_entries=512, show_spinner=False)
def load_new_high_alerts(
    scope: Scope, since: datetime, token: tuple[int, str], lang: str
) -> tuple[tuple[str | None, str, datetime], ...]:
    """(port, title in lang, last_raised_at) of the high alerts raised after `since`, newest first:
    plain tuples, which every session showing the board reads after each change (a DataFrame costs
    more to copy out of the cache and to iterate than the board's other pieces)."""
    new = alert_queries.high_alerts_raised_since(get_engine(), scope_set(scope), since)
    return tuple(
        (r["port"], alert_title(lang, r["title_key"], r["title_params"], r["title"]), r["last_raised_at"])
        for r in new.to_dict("records")
    )
