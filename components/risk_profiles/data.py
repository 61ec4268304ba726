"""Cached readers and write wrappers of the risk profiles page (布控).

Dates on the page are the ports' calendar days (China time): a profile is in force from the start
of its first day until the end of its expiry day. A write refused for what was typed comes back as
InvalidInput in the session's language, one sentence per problem.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine, load_ports, scope_set
from components.shell.state import Scope, tr
from portsight.clock import LOCAL_TZ
from portsight.domain.access import Actor
from portsight.errors import InvalidInput
from portsight.queries import risk_profiles as profile_queries
from portsight.services import risk_profiles as profile_services

__all__ = [
    "change_expiry",
    "create_profile",
    "day_end",
    "day_start",
    "deactivate_profile",
    "load_ports",
    "load_profile_hits",
    "load_risk_profiles",
]

ZONE = ZoneInfo(LOCAL_TZ)
T = TypeVar("T")


def day_start(day: date) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZONE).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The first instant after a local day (a profile expiring on `day` is in force all of it), in UTC."""
    return day_start(day + timedelta(days=1))


# ---------------------------------------------------------------- cached readers


@st.cache_data(ttl=30, show_spinner=False)
def load_risk_profiles(scope: Scope) -> pd.DataFrame:
    return profile_queries.risk_profiles(get_engine(), scope_set(scope))


@st.cache_data(ttl=30, show_spinner=False)
def load_profile_hits(profile_id: int, scope: Scope) -> pd.DataFrame:
    return profile_queries.risk_profile_hits(get_engine(), profile_id, scope_set(scope))


def _clear_readers() -> None:
    load_risk_profiles.clear()
    load_profile_hits.clear()


# ---------------------------------------------------------------- writes


def _in_session_language(write: Callable[[], T]) -> T:
    try:
        return write()
    except profile_services.ProfileRefused as exc:
        raise InvalidInput(" ".join(tr(p.key, **p.values) for p in exc.problems)) from exc


def create_profile(
    actor: Actor,
    *,
    name: str,
    reason: str,
    action: str,
    rate_pct: float | None,
    port_id: int | None,
    enterprise_uscc: str,
    hs_prefix: str,
    origin_country: str,
    min_value: float | None,
    max_value: float | None,
    currency: str,
    starts_on: date,
    expires_on: date,
) -> int:
    """Store a profile in force from the start of starts_on to the end of expires_on; returns its id."""
    profile_id = _in_session_language(
        lambda: profile_services.create_risk_profile(
            get_engine(),
            actor,
            name=name,
            reason=reason,
            action=action,
            rate=None if rate_pct is None else float(rate_pct) / 100.0,
            port_id=port_id,
            enterprise_uscc=enterprise_uscc,
            hs_prefix=hs_prefix,
            origin_country=origin_country,
            min_value=min_value,
            max_value=max_value,
            currency=currency,
            starts_at=day_start(starts_on),
            expires_at=day_end(expires_on),
        )
    )
    _clear_readers()
    return profile_id


def change_expiry(actor: Actor, profile_id: int, expires_on: date) -> None:
    """Let the profile run until the end of expires_on."""
    _in_session_language(
        lambda: profile_services.change_risk_profile_expiry(get_engine(), actor, profile_id, day_end(expires_on))
    )
    _clear_readers()


def deactivate_profile(actor: Actor, profile_id: int) -> None:
    _in_session_language(lambda: profile_services.deactivate_risk_profile(get_engine(), actor, profile_id))
    _clear_readers()
