"""What every session shares, and the app's start-up.

- get_settings() / get_engine(): one per server process (per distinct environment / URL).
- database_problem(): why the database cannot be used, or None; the signed-out view shows it.
- start_simulator_once(): the demo simulator, once per process when it is switched on.
- load_ports(scope): the ports of a scope, read by the sidebar and by pages that pick a port.
  Cached readers take small hashable arguments (components.shell.state.Scope: a sorted tuple of
  port ids, None for every port); scope_set() turns one back into what the queries take.
"""

from __future__ import annotations

import importlib.util
import logging
import os

import streamlit as st
from sqlalchemy import Engine

from portsight.config import Settings, load_settings
from portsight.db.session import make_engine
from portsight.queries import ports_in_scope
from portsight.web import backend

Scope = tuple[int, ...] | None  # a port scope as a cache argument: sorted port ids, None for every port

log = logging.getLogger(__name__)


def _env_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k == "DATABASE_URL" or k.startswith("PORTSIGHT_")))


@st.cache_resource(show_spinner=False)
def _settings(env_key: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """Settings from the environment, read once per distinct environment."""
    return _settings(_env_key())


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url, pool_pre_ping=True) if url.startswith("sqlite") else make_engine(url)


def get_engine() -> Engine:
    """The process-wide engine for DATABASE_URL (pool_pre_ping on)."""
    return _engine(get_settings().database_url)


def database_problem() -> tuple[str, str] | None:
    """None when the database is usable, else (kind, url without password).

    kind is "missing_file" (embedded file absent: nothing is created), "no_schema" or
    "unreachable". Not cached: after `python -m portsight db upgrade` the next run sees it.
    """
    url = get_settings().database_url
    problem = backend.database_problem(url, get_engine())
    if problem is not None and problem[0] == "unreachable":
        log.warning("database %s unreachable", problem[1])
    return problem


@st.cache_resource(show_spinner=False)
def _simulator(url: str):
    settings = get_settings()
    if importlib.util.find_spec("portsight.demo.simulator") is None:
        log.warning("simulator is on but portsight.demo.simulator is not installed")
        return None
    from portsight.demo.simulator import start_simulator

    return start_simulator(get_engine(), settings)


def start_simulator_once() -> None:
    """Start the demo simulator once per server process when settings.simulator is on."""
    settings = get_settings()
    if settings.simulator:
        try:
            _simulator(settings.database_url)
        except Exception:  # noqa: BLE001 - the dashboards must still work without the simulator
            log.exception("the simulator could not be started")


# ---------------------------------------------------------------- shared readers


def scope_set(scope: Scope) -> frozenset[int] | None:
    """A cache argument's scope back as the queries take it."""
    return None if scope is None else frozenset(scope)


@st.cache_data(ttl=300, show_spinner=False)
def load_ports(scope: Scope) -> list[dict]:
    return ports_in_scope(get_engine(), scope)
