"""Settings and the database engine for the HTTP side, one per process and database URL."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from portsight.config import Settings, load_settings
from portsight.db.migrate import has_schema
from portsight.db.session import make_engine
from portsight.services.accounts import SignedIn
from portsight.services.sessions import resolve_session, session_alive

_lock = threading.Lock()
_settings: dict[tuple[tuple[str, str], ...], Settings] = {}
_engines: dict[str, Engine] = {}


def _env_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k == "DATABASE_URL" or k.startswith("PORTSIGHT_")))


def settings() -> Settings:
    """Settings from the environment, read once per distinct environment."""
    key = _env_key()
    with _lock:
        if key not in _settings:
            _settings[key] = load_settings()
        return _settings[key]


def engine() -> Engine:
    url = settings().database_url
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url, pool_pre_ping=True) if url.startswith("sqlite") else make_engine(url)
        return _engines[url]


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def database_problem(url: str, db: Engine) -> tuple[str, str] | None:
    """None when the database is usable, else (kind, url without password).

    kind is "missing_file" (embedded file absent: nothing is created), "no_schema" or
    "unreachable". Not cached: after `python -m portsight db upgrade` the next request sees it.
    """
    shown = safe_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            return "missing_file", shown
    try:
        if not has_schema(db):
            return "no_schema", shown
    except SQLAlchemyError:
        return "unreachable", shown
    return None


def resolve(token: str | None, *, touch: bool = False) -> SignedIn | None:
    """The user a session token signs in now (see portsight.services.sessions.resolve_session)."""
    if not token:
        return None
    idle = timedelta(minutes=settings().session_idle_minutes)
    return resolve_session(engine(), token, idle=idle, touch=touch)


def alive(token: str | None, *, touch: bool = False) -> bool:
    """Whether a session token still signs someone in (portsight.services.sessions.session_alive)."""
    idle = timedelta(minutes=settings().session_idle_minutes)
    return session_alive(engine(), token, idle=idle, touch=touch)


def lifetime() -> timedelta:
    return timedelta(hours=settings().session_max_hours)
