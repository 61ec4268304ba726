"""Cached readers and the write wrapper of the alert thresholds page.

Dates on the page are the ports' calendar days (China time): a change "from a date" takes effect
at the start of that day. A change refused for what was typed comes back as InvalidInput in the
session's language, one sentence per problem.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.shell.runtime import get_engine, get_settings
from components.shell.state import tr
from portsight.clock import LOCAL_TZ, utcnow
from portsight.domain.access import Actor
from portsight.domain.alert_parameters import PARAMETERS, ParameterSpec, defaults, limits_from
from portsight.errors import InvalidInput
from portsight.queries import alert_parameters as parameter_queries
from portsight.queries.backtest import PREVIEWABLE, ParameterPreview, preview_alert_parameter
from portsight.services import alert_parameters as parameter_services

__all__ = [
    "PARAMETERS",
    "PREVIEWABLE",
    "ParameterPreview",
    "ParameterSpec",
    "day_start",
    "default_values",
    "load_history",
    "load_in_force",
    "preview",
    "set_parameter",
]

ZONE = ZoneInfo(LOCAL_TZ)


def day_start(day: date) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZONE).astimezone(UTC)


def default_values() -> dict[str, int]:
    """Each parameter's default (the service time's is the deployment's PORTSIGHT_OVERDUE_MINUTES)."""
    return defaults(get_settings().overdue_minutes)


def _minute() -> datetime:
    """The end of the current minute: one cache entry a minute, and a change made "now" is in it."""
    return utcnow().replace(second=0, microsecond=0) + timedelta(minutes=1)


@st.cache_data(ttl=30, show_spinner=False)
def _in_force(actor: Actor, at: datetime) -> dict[str, int]:
    return parameter_queries.parameters_in_force(get_engine(), actor, at, get_settings())


def load_in_force(actor: Actor) -> dict[str, int]:
    """{parameter: value in force now} (as at the end of this minute)."""
    return _in_force(actor, _minute())


@st.cache_data(ttl=30, show_spinner=False)
def load_history(actor: Actor) -> pd.DataFrame:
    return parameter_queries.parameter_history(get_engine(), actor)


@st.cache_data(ttl=300, show_spinner=False)
def _preview(actor: Actor, name: str, value: int, at: datetime) -> ParameterPreview:
    limits = limits_from(parameter_queries.parameters_in_force(get_engine(), actor, at, get_settings()))
    return preview_alert_parameter(get_engine(), actor, name, value, limits, at)


def preview(actor: Actor, name: str, value: int) -> ParameterPreview:
    """The alerts of the last 7 days with the value in force and with `value` (PREVIEWABLE only)."""
    return _preview(actor, name, int(value), _minute())


def set_parameter(actor: Actor, name: str, value: int, reason: str, effective_on: date | None) -> datetime:
    """Set a threshold from the start of effective_on (None: now); returns when it takes effect."""
    effective = day_start(effective_on) if effective_on is not None else utcnow()
    try:
        parameter_services.set_alert_parameter(
            get_engine(), actor, name, value, reason=reason, effective_from=effective, settings=get_settings()
        )
    except parameter_services.ParameterRefused as exc:
        raise InvalidInput(" ".join(tr(p.key, **p.values) for p in exc.problems)) from exc
    _in_force.clear()
    load_history.clear()
    _preview.clear()
    return effective
