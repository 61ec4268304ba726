"""Engine from DATABASE_URL and the unit of work every write goes through.

On PostgreSQL a connection attempt gives up after the connect time-out and a statement after the
statement time-out (portsight.config.database_timeouts), so a server that accepts connections and
never answers, or a lost connection, ends in DatabaseUnavailable within seconds instead of a page
hanging for a minute or more. SQLite keeps its busy time-out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portsight.config import database_timeouts
from portsight.errors import PortSightError

# SQLSTATEs of a statement or lock wait that ran out of time, and of a server shutting down or refusing.
_TIMED_OUT = {"57014", "55P03"}  # query_canceled (statement_timeout), lock_not_available (lock_timeout)
_SERVER_GONE = {"57P01", "57P02", "57P03", "53300"}  # admin/crash shutdown, cannot connect now, too many


class DatabaseUnavailable(PortSightError, OperationalError):
    """The database did not answer in time or cannot be reached: try again in a moment.

    Still an OperationalError, so code that handles database errors keeps working; a PortSightError
    with a message key, so a page shows "database unavailable, try again" in the user's language.
    """

    message_key = "common.database_unavailable"
    message_values: dict[str, Any] = {}

    @property
    def user_message(self) -> str:
        return "The database is not answering; try again in a moment."


def _unavailable(context: ExceptionContext) -> BaseException | None:
    """Connection failures, lost connections and time-outs become DatabaseUnavailable."""
    error = context.sqlalchemy_exception
    if not isinstance(error, OperationalError) or isinstance(error, DatabaseUnavailable):
        return None
    sqlstate = getattr(context.original_exception, "sqlstate", None)
    lost = context.is_disconnect or context.connection is None or sqlstate in _SERVER_GONE
    if not (lost or sqlstate in _TIMED_OUT):
        return None
    return DatabaseUnavailable(
        error.statement,
        error.params,
        context.original_exception,  # type: ignore[arg-type]
        connection_invalidated=error.connection_invalidated,
    )


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


def postgres_connect_args(connect_timeout: int, statement_timeout: int) -> dict[str, Any]:
    """libpq parameters bounding every wait: the connection (seconds, at least 2 for libpq), each
    statement and each lock wait on the server (0 = no limit), and a server gone silent under a
    sent request (TCP user time-out, keepalives on an idle connection)."""
    args: dict[str, Any] = {
        "connect_timeout": max(2, int(connect_timeout)),
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    if statement_timeout > 0:
        ms = int(statement_timeout) * 1000
        args["options"] = f"-c statement_timeout={ms} -c lock_timeout={ms}"
        args["tcp_user_timeout"] = ms + max(2, int(connect_timeout)) * 1000
    return args


# Connections kept open per process, and how many more may be opened for a moment. SQLAlchemy's
# 5 kept were too few for one replica: the session gate's check of each websocket message (on a
# thread pool) and the sessions' script threads together hold more, and every connection opened
# past those kept is closed again on return; with 100 live boards that churn (each new SQLite
# connection sets WAL and its pragmas) took 4 % of the server. 16 + 16 stays well inside
# PostgreSQL's default 100 connections with three replicas.
POOL_SIZE = 16
POOL_OVERFLOW = 16


def _keep_connections(kwargs: dict[str, Any]) -> None:
    """The pool's sizes, unless the caller chose a pool (a migration's NullPool has none)."""
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)


def make_engine(
    url: str, *, connect_timeout: int | None = None, statement_timeout: int | None = None, **kwargs: Any
) -> Engine:
    """The engine for a URL. On PostgreSQL the time-outs default to the environment's
    (portsight.config.database_timeouts); statement_timeout=0 lifts the statement limit (migrations)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            _keep_connections(kwargs)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    default_connect, default_statement = database_timeouts()
    connect_args = postgres_connect_args(
        default_connect if connect_timeout is None else connect_timeout,
        default_statement if statement_timeout is None else statement_timeout,
    )
    connect_args.update(kwargs.pop("connect_args", {}))  # the caller's own (health checks) win
    kwargs.setdefault("pool_pre_ping", True)
    _keep_connections(kwargs)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "handle_error", _unavailable)
    return engine


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
