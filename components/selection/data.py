"""Cached readers and write wrappers of the selection page (draws, dispatch, realised rates, the
published list) and of the roster page (duty shifts, conflicts of interest).

Arguments are small and hashable: a scope is a sorted tuple of port ids (None = every port),
dates are dates. A write clears the readers of its page that it changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine, load_ports
from components.shell.state import Scope
from portsight.catalogue import default_credit_calendar, selection_policy
from portsight.catalogue import tier_name as catalogue_tier_name
from portsight.clock import LOCAL_TZ
from portsight.documents import published_list as published_document
from portsight.domain.access import Actor
from portsight.domain.credit import CreditMeasures
from portsight.domain.selection import SelectionPolicy
from portsight.queries import draws as draw_queries
from portsight.queries import selection as selection_queries
from portsight.queries.selection import PUBLISHED_COLUMNS
from portsight.services import dispatch as dispatch_services
from portsight.services import roster as roster_services
from portsight.services import selection as selection_services
from portsight.services.dispatch import DispatchRecord

__all__ = [
    "PUBLISHED_COLUMNS",
    "credit_measures",
    "current_policy",
    "declare_conflict",
    "dispatch_inspectors",
    "load_awaiting_dispatch",
    "load_conflicts",
    "load_dispatched_today",
    "load_draw_commitments",
    "load_draws_today",
    "load_enterprises",
    "load_on_duty_now",
    "load_pool_summary",
    "load_port_inspectors",
    "load_ports",
    "load_published_list",
    "load_realised_rates",
    "load_roster",
    "published_list_csv",
    "published_list_pdf",
    "remove_duty_shift",
    "replay_selection",
    "select_pending",
    "set_duty_shift",
    "tier_name",
]

ZONE = ZoneInfo(LOCAL_TZ)


def current_policy(on_date: date | None = None) -> SelectionPolicy:
    """The selection policy (tier targets, bounds, minimum random rate) in force on the local date (today
    for None): the same the draw uses and the statistics page compares with."""
    return selection_policy(on_date or datetime.now(ZONE).date())


def credit_measures(on_date: date) -> CreditMeasures | None:
    """The credit measures in force on the date (which tiers exist, the base of the bounds), None before 2018-05-01."""
    return default_credit_calendar().on(on_date)


def tier_name(code: str, on_date: date, lang: str) -> str | None:
    """The tier's name under the credit measures in force on the date, None when they do not name it."""
    return catalogue_tier_name(code, on_date, lang)


# ---------------------------------------------------------------- selection: cached readers


@st.cache_data(ttl=15, show_spinner=False)
def load_pool_summary(scope: Scope) -> pd.DataFrame:
    return selection_queries.pool_summary(get_engine(), scope)


@st.cache_data(ttl=15, show_spinner=False)
def load_draws_today(scope: Scope) -> pd.DataFrame:
    return selection_queries.draws_today(get_engine(), scope)


@st.cache_data(ttl=15, show_spinner=False)
def load_awaiting_dispatch(scope: Scope) -> pd.DataFrame:
    return selection_queries.awaiting_dispatch(get_engine(), scope)


@st.cache_data(ttl=15, show_spinner=False)
def load_dispatched_today(scope: Scope) -> pd.DataFrame:
    return selection_queries.dispatched_today(get_engine(), scope)


@st.cache_data(ttl=60, show_spinner=False)
def load_realised_rates(scope: Scope, start: date, end: date) -> pd.DataFrame:
    lo, hi = _bounds(start, end)
    return selection_queries.realised_rates(get_engine(), scope, lo, hi, current_policy(end))


@st.cache_data(ttl=60, show_spinner=False)
def load_published_list(scope: Scope, start: date, end: date) -> pd.DataFrame:
    lo, hi = _bounds(start, end)
    return selection_queries.published_list(get_engine(), scope, lo, hi)


@st.cache_data(ttl=60, show_spinner=False)
def load_draw_commitments(days: int = 14) -> pd.DataFrame:
    """The draw seed commitments of the last `days` local days and any published ahead, newest first:
    day, seed_sha256, published_at, seed (None until revealed), revealed_at."""
    today = datetime.now(ZONE).date()
    return draw_queries.draw_commitments(get_engine(), today - timedelta(days=days - 1), today + timedelta(days=1))


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The local days start..end (both included) as UTC instants."""
    lo = datetime.combine(start, time.min, tzinfo=ZONE).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=ZONE).astimezone(UTC)
    return lo, hi


def _clear_selection_readers() -> None:
    for reader in (load_pool_summary, load_draws_today, load_awaiting_dispatch, load_dispatched_today,
                   load_realised_rates, load_published_list, load_draw_commitments):  # fmt: skip
        reader.clear()


# ---------------------------------------------------------------- selection: writes and documents


def select_pending(actor: Actor, port_ids: Iterable[int] | None) -> int:
    """Draw every waiting declaration in the ports; returns how many were drawn."""
    drawn = selection_services.select_pending(get_engine(), actor, port_ids)
    _clear_selection_readers()
    return drawn


def dispatch_inspectors(actor: Actor, inspection_id: int) -> DispatchRecord:
    """Draw and assign the inspectors of an inspection among those on duty."""
    result = dispatch_services.dispatch_inspectors(get_engine(), actor, inspection_id)
    _clear_selection_readers()
    return result


def replay_selection(selection_id: int) -> selection_services.Replay:
    """Draw a stored selection again from its recorded inputs (reads only)."""
    return selection_services.replay_selection(get_engine(), selection_id)


def published_list_csv(published: pd.DataFrame, lang: str) -> bytes:
    return published_document.published_list_csv(published, lang)


def published_list_pdf(published: pd.DataFrame, lang: str, title: str, subtitle: str = "") -> bytes:
    return published_document.published_list_pdf(published, lang, title, subtitle)


# ---------------------------------------------------------------- roster: cached readers


@st.cache_data(ttl=30, show_spinner=False)
def load_roster(port_id: int, week_start: date) -> pd.DataFrame:
    start = datetime.combine(week_start, time.min, tzinfo=ZONE).astimezone(UTC)
    return selection_queries.roster(get_engine(), frozenset({port_id}), start, start + timedelta(days=7))


@st.cache_data(ttl=30, show_spinner=False)
def load_on_duty_now(port_id: int) -> pd.DataFrame:
    return selection_queries.on_duty_now(get_engine(), frozenset({port_id}))


@st.cache_data(ttl=60, show_spinner=False)
def load_port_inspectors(port_id: int) -> pd.DataFrame:
    return selection_queries.port_inspectors(get_engine(), port_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_conflicts(scope: Scope) -> pd.DataFrame:
    return selection_queries.conflicts(get_engine(), scope)


@st.cache_data(ttl=30, show_spinner=False)
def load_enterprises(text: str) -> list[dict]:
    return selection_queries.find_enterprises(get_engine(), text)


def _clear_roster_readers() -> None:
    for reader in (load_roster, load_on_duty_now, load_conflicts):
        reader.clear()


# ---------------------------------------------------------------- roster: writes


def set_duty_shift(actor: Actor, user_id: int, port_id: int, starts: datetime, ends: datetime) -> int:
    result = roster_services.set_duty_shift(get_engine(), actor, user_id, port_id, starts, ends)
    _clear_roster_readers()
    return result


def remove_duty_shift(actor: Actor, shift_id: int) -> None:
    roster_services.remove_duty_shift(get_engine(), actor, shift_id)
    _clear_roster_readers()


def declare_conflict(actor: Actor, user_id: int, enterprise_id: int, reason: str | None) -> int:
    result = roster_services.declare_conflict(get_engine(), actor, user_id, enterprise_id, reason)
    _clear_roster_readers()
    return result
