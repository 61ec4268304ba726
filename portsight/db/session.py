"""Engine from DATABASE_URL and the unit of work every write goes through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or has no schema yet; the message says what to run."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (live pages + simulator)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


# A unit of work marks its connection as a writer. On SQLite a writer takes the write lock when its
# transaction begins: a deferred transaction that reads first and writes later fails at once with
# "database is locked" if another writer committed meanwhile (busy_timeout cannot help there),
# while BEGIN IMMEDIATE simply waits for the lock. Reads stay deferred so they never block.
WRITER = "portsight_writer"


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITER) else "BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


# Services take an Engine (the app) or a Connection already in a transaction (tests roll it back).
Database = Engine | Connection


@contextmanager
def unit_of_work(db: Database) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back on any error."""
    bind = db.execution_options(**{WRITER: True}) if isinstance(db, Engine) else db
    session = Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
    try:
        with session.begin():
            yield session
    finally:
        session.close()
