"""The seed's write in a process of its own, alongside the drawing.

Drawing the history keeps one core busy; writing its rows would keep it busy about half as long
again. The seed hands what it has drawn to this process week by week (Rows.take, portable), and the
process writes it in its one transaction while the next weeks are drawn, and counts the daily rollups
of the days the history has passed (keeping the indexes those counts read). What is left at the end is
the last week, what only the end has (the alerts, settled by the whole history), the other indexes
and the last days' rollups. The rows are those the seed's own write would have written: the
history is drawn the same, in the seed's process; only the write is elsewhere.

On SQLite the write keeps a rollback journal instead of the write-ahead log: a fresh database's new
pages are then written once, where the log writes them twice (to the log, then into the file), and
the file is back in WAL mode when the seed commits. A database another process cannot open (SQLite
in memory, a connection a test rolls back) is written in the seed's own process.
"""

from __future__ import annotations

import gc
import marshal
import os
import queue
import sqlite3
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO

from sqlalchemy import Connection, Engine
from sqlalchemy.pool import NullPool

from portsight.db.instance import mark_demo
from portsight.db.session import WRITER, make_engine, unit_of_work
from portsight.demo.rows import BulkWrite, TableRows, bulk_settings, make_room, reset_sequences
from portsight.errors import Conflict

# How long the seed waits for a word from the write before looking again.
POLL_SECONDS = 1.0
# Messages go both ways as marshal's version 2 behind their length. The rows are plain values (Rows.take,
# portable), which marshal writes several times faster than pickle: version 2 keeps no table of the objects
# it has written, and the seed's rows repeat few.
WIRE_VERSION = 2
_LENGTH = struct.Struct("<Q")


def _frame(message: Any) -> bytes:
    data = marshal.dumps(message, WIRE_VERSION)
    return _LENGTH.pack(len(data)) + data


def _unframe(stream: IO[bytes]) -> Any:
    """The next message, or None when the stream ends (before or within one)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    return marshal.loads(data) if len(data) == size else None


def reachable_from_another_process(db: Engine | Connection) -> bool:
    """Whether a process of its own can write this database: an engine on a server or a SQLite file."""
    if not isinstance(db, Engine):
        return False  # a connection in a transaction of the caller's (tests roll it back)
    url = db.url
    if url.get_backend_name() != "sqlite":
        return True
    name = url.database or ""
    return name not in ("", ":memory:") and "mode=memory" not in name and "mode=memory" not in str(url.query)


class WriteFailed(RuntimeError):
    """The writing process stopped on an error; its transaction was rolled back, nothing was written."""


class BackgroundWrite:
    """The writing process (`python -m portsight.demo.writer`), started on entering and stopped on leaving, its
    transaction rolled back unless `finish` was reached.

    A process of its own rather than multiprocessing's: that would import the caller's main script again in
    the new process. Rows go to it on its standard input, and words come back on its standard output;
    a thread on each pipe keeps the seed drawing while the pipes wait."""

    def __init__(self, db: Engine, *, force: bool, progress: Callable[[str], None]):
        # The URL goes on the pipe, not the command line, where any user of the machine could read its password.
        self._start = ("start", db.url.render_as_string(hide_password=False), force)
        self._progress = progress
        self._audit_after: int | None = None
        self._counts: dict[str, int] | None = None
        self._outgoing: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._incoming: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def __enter__(self) -> BackgroundWrite:
        root = str(Path(__file__).resolve().parents[2])  # where this package is imported from
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": root if not path else os.pathsep.join((root, path))}
        self._process = subprocess.Popen(
            # -P: not the working directory first on the path, where another copy of the package may lie
            [sys.executable, "-P", "-m", "portsight.demo.writer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._sender = threading.Thread(target=self._send_all, name="seed-write-send", daemon=True)
        self._receiver = threading.Thread(target=self._receive_all, name="seed-write-receive", daemon=True)
        self._sender.start()
        self._receiver.start()
        self._outgoing.put(_frame(self._start))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._outgoing.put(None)  # no more: the process rolls back unless it was told the end
        self._sender.join(timeout=30)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._receiver.join(timeout=5)

    def audit_after(self) -> int:
        """The highest id the audit log held when the write's transaction began."""
        while self._audit_after is None:
            self._receive(block=True)
        return self._audit_after

    def send(self, tables: list[TableRows], drawn_until: datetime | None = None) -> None:
        """Rows to write, and the time the history has been drawn up to (every event before it is in these rows
        or those sent before); raises at once if the write has already failed."""
        while self._receive(block=False):
            pass
        until = None if drawn_until is None else drawn_until.timestamp()
        self._outgoing.put(
            _frame(("rows", [(t.table, t.columns, t.values, t.json_text, t.expected) for t in tables], until))
        )

    def finish(self, demo: bool) -> dict[str, int]:
        """No more rows: the write builds the indexes and rollups and commits. Returns the rows per table."""
        self._outgoing.put(_frame(("end", demo)))
        while self._counts is None:
            self._receive(block=True)
        return self._counts

    def _send_all(self) -> None:
        stream = self._process.stdin
        assert stream is not None
        try:
            while (message := self._outgoing.get()) is not None:
                stream.write(message)
                stream.flush()
        except (BrokenPipeError, OSError):
            pass  # the process ended: the receiving side says why
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def _receive_all(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        try:
            while (message := _unframe(stream)) is not None:
                self._incoming.put(message)
        except (OSError, ValueError, EOFError):  # marshal's words for a message it cannot read
            pass
        self._incoming.put(None)

    def _receive(self, *, block: bool) -> bool:
        """Take one word from the write, if there is one (waiting for it with block); False if there was none."""
        try:
            message = self._incoming.get(timeout=POLL_SECONDS) if block else self._incoming.get_nowait()
        except queue.Empty:
            return False
        if message is None:
            self._incoming.put(None)  # every later look sees the end too
            raise WriteFailed(
                f"The seed's writing process ended without a word (exit code {self._process.poll()}); "
                "nothing was written."
            )
        kind, value = message
        if kind == "ready":
            self._audit_after = value
        elif kind == "progress":
            self._progress(value)
        elif kind == "done":
            self._counts = value
        elif kind == "conflict":
            raise Conflict(value)
        else:
            raise WriteFailed(f"Writing the seed failed, nothing was written: {value}")
        return True


class _Abandoned(Exception):
    """The seed stopped before its end: the write rolls back."""


def _rollback_journal(conn: Connection) -> bool:
    """Switch a SQLite file to a rollback journal for the write, outside any transaction; True if it did. It
    cannot while another connection has the file open (the app running, a pooled connection of the seed's
    caller): the write then goes through the write-ahead log, at once, without waiting for them."""
    raw: Any = conn.connection.driver_connection
    timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout=0")
    try:
        return raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(timeout)}")


def _write(inbox: BinaryIO, outbox: BinaryIO) -> None:
    """The writing process: one transaction, the rows as they come, then indexes, rollups and the commit."""
    from portsight.db.rollups import SOURCE_TABLES, RollingRebuild

    def tell(kind: str, value: object) -> None:
        outbox.write(_frame((kind, value)))
        outbox.flush()

    def next_message() -> Any:
        return _unframe(inbox)  # None: the seed ended (or died) without saying the end

    gc.disable()  # it reads millions of objects and makes no garbage worth collecting
    start = next_message()
    if start is None:
        return
    _, url, force = start
    engine = make_engine(url, statement_timeout=0, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            journal = _rollback_journal(conn) if conn.dialect.name == "sqlite" else False
            with unit_of_work(conn.execution_options(**{WRITER: True})) as session:
                tell("ready", make_room(session, force))
                connection = session.connection()
                with bulk_settings(connection):
                    write = BulkWrite(connection, frozenset(t.__tablename__ for t in SOURCE_TABLES))
                    rollups = RollingRebuild(connection)
                    while True:
                        message = next_message()
                        if message is None:
                            raise _Abandoned
                        kind, *value = message
                        if kind == "end":
                            (demo,) = value
                            break
                        tables, drawn_until = value
                        for table in tables:
                            write.insert(TableRows(*table))
                        if drawn_until is not None:
                            rollups.complete_before(datetime.fromtimestamp(drawn_until, UTC))
                    counts = write.finish()
                reset_sequences(session)
                tell("progress", "counting the daily rollups")
                counts["daily_rollups"] = rollups.finish()
                mark_demo(session, demo)
            if journal:
                conn.connection.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        tell("done", counts)
    except _Abandoned:
        pass
    except Conflict as exc:
        tell("conflict", str(exc))
    except BaseException as exc:  # noqa: BLE001 - whatever stopped the write, the seed says it
        tell("failed", f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


if __name__ == "__main__":
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print goes to stderr, not into the replies
    _write(sys.stdin.buffer, replies)
