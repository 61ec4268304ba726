"""The seed's write in a process of its own, alongside the drawing and the follow-up of the draws.

Drawing the history keeps one core busy; writing its rows would keep it busy about as long again. The
seed hands what it has drawn to this process week by week (Rows.take, portable), and hands the draws of
the week to the follow-up's process (demo/follow_up.py: inspections, alerts, receipts, audit), whose rows
of the week come here on a pipe of their own. This process writes both in its one transaction while the
next weeks are drawn, and counts the daily rollups of the days the history has passed (keeping the indexes
those counts read). What is left at the end is the last week, what only the end has (the alerts, settled
by the whole history), the other indexes and the last days' rollups. The rows are those the seed's own
write would have written: the history is drawn the same; only the follow-up and the write are elsewhere.

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


def frame(message: Any) -> bytes:
    data = marshal.dumps(message, WIRE_VERSION)
    return _LENGTH.pack(len(data)) + data


def unframe(stream: IO[bytes]) -> Any:
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


class _Outbox:
    """Messages to a process's standard input, written by a thread of their own so the seed draws on while the
    pipe waits; None ends the input."""

    def __init__(self, process: subprocess.Popen, name: str):
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._stream = process.stdin
        self._thread = threading.Thread(target=self._send_all, name=name, daemon=True)
        self._thread.start()

    def put(self, message: bytes | None) -> None:
        self._queue.put(message)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _send_all(self) -> None:
        stream = self._stream
        assert stream is not None
        try:
            while (message := self._queue.get()) is not None:
                stream.write(message)
                stream.flush()
        except (BrokenPipeError, OSError):
            pass  # the process ended: the writing process says why
        finally:
            try:
                stream.close()
            except OSError:
                pass


class BackgroundWrite:
    """The writing process (`python -m portsight.demo.writer`) and the follow-up's (`python -m
    portsight.demo.follow_up`), started on entering and stopped on leaving, the write's transaction rolled back
    unless `finish` was reached.

    Processes of their own rather than multiprocessing's: that would import the caller's main script again in
    each. The seed's rows go to the writing process on its standard input, and its words come back on its
    standard output. The draws to follow up go to the follow-up's standard input, and its rows straight to the
    writing process on a pipe of their own: the write takes the follow-up's rows of each week after the seed's.
    A thread on each pipe keeps the seed drawing while the pipes wait."""

    def __init__(self, db: Engine, *, force: bool, progress: Callable[[str], None], follow_up: tuple):
        # The URL goes on the pipe, not the command line, where any user of the machine could read its password.
        self._url = db.url.render_as_string(hide_password=False)
        self._force = force
        self._follow_up_start = follow_up  # follow_up.start_message
        self._progress = progress
        self._audit_after: int | None = None
        self._counts: dict[str, int] | None = None
        self._incoming: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def __enter__(self) -> BackgroundWrite:
        root = str(Path(__file__).resolve().parents[2])  # where this package is imported from
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": root if not path else os.pathsep.join((root, path))}
        follow_ups, follow_ups_in = os.pipe()
        try:
            # -P: not the working directory first on the path, where another copy of the package may lie
            self._follower = subprocess.Popen(
                [sys.executable, "-P", "-m", "portsight.demo.follow_up"], stdin=subprocess.PIPE, stdout=follow_ups_in,
                env=env,
            )  # fmt: skip
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", "portsight.demo.writer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=env, pass_fds=(follow_ups,),
            )  # fmt: skip
        finally:  # each end is the child's now: the write sees the follow-up's end when its process ends
            os.close(follow_ups)
            os.close(follow_ups_in)
        self._to_writer = _Outbox(self._process, "seed-write-send")
        self._to_follower = _Outbox(self._follower, "seed-follow-up-send")
        self._receiver = threading.Thread(target=self._receive_all, name="seed-write-receive", daemon=True)
        self._receiver.start()
        self._to_writer.put(frame(("start", self._url, self._force, follow_ups)))
        self._to_follower.put(frame(self._follow_up_start))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # No more: the write rolls back unless it was told the end, and the follow-up stops where it is.
        self._to_follower.close()
        self._to_writer.close()
        for process in (self._follower, self._process):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._receiver.join(timeout=5)

    def audit_after(self) -> int:
        """The highest id the audit log held when the write's transaction began."""
        while self._audit_after is None:
            self._receive(block=True)
        return self._audit_after

    def send(
        self,
        tables: list[TableRows],
        drawn_until: datetime | None = None,
        *,
        followed: list[tuple] | None = None,
        done: float = 1.0,
        selection_days: list[int] | None = None,
    ) -> None:
        """Rows to write, the draws to follow up since the last send (follow_up.FollowUp), and the time the
        history has been drawn up to (every event before it is in these rows or those sent before), with the
        share of the history drawn; raises at once if the write has already failed.

        Without drawn_until, the last: the follow-up ends (FollowUp.end, with selection_days, the day numbers of
        the days with a selection)."""
        while self._receive(block=False):
            pass
        until = None if drawn_until is None else drawn_until.timestamp()
        self._to_writer.put(
            frame(("rows", [(t.table, t.columns, t.values, t.json_text, t.expected) for t in tables], until))
        )
        follow = ("week", followed or [], until, done, self.audit_after()) if until is not None else (
            "end", followed or [], selection_days or [], self.audit_after())  # fmt: skip
        self._to_follower.put(frame(follow))

    def finish(self, demo: bool) -> dict[str, int]:
        """No more rows: the write builds the indexes and rollups and commits. Returns the rows per table."""
        self._to_writer.put(frame(("end", demo)))
        while self._counts is None:
            self._receive(block=True)
        return self._counts

    def _receive_all(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        try:
            while (message := unframe(stream)) is not None:
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


class _FollowUpStopped(Exception):
    """The follow-up's process ended before the seed did: the write rolls back."""


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
        outbox.write(frame((kind, value)))
        outbox.flush()

    def next_message() -> Any:
        return unframe(inbox)  # None: the seed ended (or died) without saying the end

    gc.disable()  # it reads millions of objects and makes no garbage worth collecting
    start = next_message()
    if start is None:
        return
    _, url, force, follow_ups = start
    followed_rows = os.fdopen(follow_ups, "rb")
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
                        followed = unframe(followed_rows)  # the follow-up's rows of the same weeks
                        if followed is None:
                            raise _FollowUpStopped
                        for table in followed:
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
    except _FollowUpStopped:
        tell("failed", "the follow-up of the draws stopped (its process ended; its error, if any, is above)")
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
