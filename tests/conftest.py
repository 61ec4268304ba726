"""Shared fixtures: one database fixture parametrised over SQLite and PostgreSQL.

Locally a test that needs a missing component (PostgreSQL, Chromium) skips with the reason;
with CI=true the same test fails instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, make_url, text

from portsight.db.migrate import upgrade
from portsight.db.session import make_engine

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(component: str, reason: str) -> None:
    """Skip locally, fail in CI: a component the test needs is not on this machine."""
    message = f"{component} is not available: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true turns this skip into a failure)")
    pytest.skip(message)


@cache
def postgres_url() -> str | None:
    """TEST_POSTGRES_URL; under pytest-xdist a database of the worker's own next to it, so one
    worker's long transaction (a seed's wipe) never waits on another's locks."""
    base = os.environ.get("TEST_POSTGRES_URL") or None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if base is None or not worker:
        return base
    url = make_url(base)
    name = f"{url.database}_{worker}"
    try:
        admin = make_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:  # noqa: BLE001 - unreachable or no right to create: the shared database, as before
        return base
    return url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def own_database(kind: str, tmp_path: Path, name: str, revision: str = "head") -> Iterator[str]:
    """The URL of a database of its own migrated to the revision, a SQLite file or a PostgreSQL database next
    to the test database (dropped after), for a test whose processes or threads commit for real."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        upgrade(url, revision)
        yield url
        return
    base = postgres_url()
    if base is None:
        missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
    database = f"{make_url(base).database}_{name}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception as exc:  # noqa: BLE001 - no right to create databases: not available here
        missing("PostgreSQL", f"cannot create {database}: {exc.__class__.__name__}: {exc}")
    url = make_url(base).set(database=database).render_as_string(hide_password=False)
    try:
        upgrade(url, revision)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    """A migrated, empty database of each kind, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portsight.db'}"
    else:
        url = postgres_url()
        if url is None:
            missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
        try:
            reset_postgres(url)
        except Exception as exc:  # noqa: BLE001 - any connection failure means "not available"
            missing("PostgreSQL", f"{url}: {exc.__class__.__name__}: {exc}")
    upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test.

    Services open their unit of work as a savepoint on it, so their commits stay invisible
    to other tests.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()
