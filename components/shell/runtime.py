"""What every session shares, and the app's start-up.

- get_settings() / get_engine(): one per server process (per distinct environment / URL).
- database_problem(): why the database cannot be used, or None; the login page shows it.
- ensure_rule_catalogue(): app.py calls it on every run; a malformed rule file stops the app with
  a message naming the file, the rule and the field (never a stack trace).
- start_simulator_once(): the demo simulator, once per process when it is switched on.
- load_ports(scope): the ports of a scope, read by the sidebar and by pages that pick a port.
  Cached readers take small hashable arguments (components.shell.state.Scope: a sorted tuple of
  port ids, None for every port); scope_set() turns one back into what the queries take.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from components.shell.state import Scope, tr
from portsight.catalogue import default_catalogue
from portsight.config import Settings, load_settings
from portsight.db.migrate import has_schema
from portsight.db.session import make_engine
from portsight.domain.rulebook import RuleCatalogueError
from portsight.queries import ports_in_scope

log = logging.getLogger(__name__)

UPGRADE_COMMAND = "python -m portsight db upgrade"
RUN_COMMAND = "make run"


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


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def database_problem() -> tuple[str, str] | None:
    """None when the database is usable, else (kind, url without password).

    kind is "missing_file" (embedded file absent: nothing is created), "no_schema" or
    "unreachable". Not cached: after `python -m portsight db upgrade` the next run sees it.
    """
    url = get_settings().database_url
    shown = safe_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            return "missing_file", shown
    try:
        if not has_schema(get_engine()):
            return "no_schema", shown
    except SQLAlchemyError as exc:
        log.warning("database %s unreachable: %s", shown, exc)
        return "unreachable", shown
    return None


def ensure_rule_catalogue() -> None:
    """Stop the app with the catalogue's own message when a rule file is malformed."""
    try:
        default_catalogue()
    except RuleCatalogueError as exc:
        st.error(tr("rules.catalogue_broken", problem=str(exc)), icon=":material/gavel:")
        st.stop()


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
