"""A PostgreSQL that accepts connections and never answers, or a statement that runs too long, ends in
DatabaseUnavailable ("database unavailable, try again") after the configured time-out instead of
hanging the page. The elapsed time is printed, not asserted."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from portsight.db.session import DatabaseUnavailable, make_engine
from portsight.errors import PortSightError
from portsight.i18n import t
from tests.conftest import missing, postgres_url

HANG_GUARD = 120  # seconds: only turns a hang into a failure; the time taken is printed, not asserted


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback TCP port that accepts connections and never sends a byte."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)  # kept open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()


def test_a_server_that_accepts_and_never_answers_gives_database_unavailable(silent_server):
    engine = make_engine(f"postgresql+psycopg://portsight@127.0.0.1:{silent_server}/portsight", connect_timeout=2)
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    started = time.monotonic()
    attempt = threading.Thread(target=connect, daemon=True)
    attempt.start()
    attempt.join(HANG_GUARD)  # without a connect time-out the attempt would wait forever
    engine.dispose()
    print(f"silent server refused after {time.monotonic() - started:.1f} s")
    if not outcome:
        pytest.fail(f"no answer after {HANG_GUARD} s: the connect time-out is not applied")
    error = outcome[0]
    assert isinstance(error, DatabaseUnavailable), repr(error)
    # Still a database error for code that handles those, and a project error a page shows as a message.
    assert isinstance(error, OperationalError) and isinstance(error, PortSightError)
    assert "timeout" in str(error.orig).lower()


def test_the_time_outs_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORTSIGHT_DB_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("PORTSIGHT_DB_STATEMENT_TIMEOUT", "7")
    engine = make_engine("postgresql+psycopg://portsight@127.0.0.1:1/portsight")
    seen: dict = {}

    class Stop(Exception):
        pass

    @event.listens_for(engine, "do_connect")
    def capture(_dialect, _record, _cargs, cparams):
        seen.update(cparams)
        raise Stop

    try:
        with pytest.raises(Stop), engine.connect():
            pass
    finally:
        engine.dispose()
    assert seen["connect_timeout"] == 3
    assert seen["options"] == "-c statement_timeout=7000 -c lock_timeout=7000"


def test_the_user_is_told_the_database_is_unavailable_in_both_languages():
    for lang in ("zh_CN", "en"):
        message = t(lang, DatabaseUnavailable.message_key)
        assert message and message != DatabaseUnavailable.message_key


def test_a_statement_past_the_time_out_gives_database_unavailable_and_the_engine_recovers():
    url = postgres_url()
    if url is None:
        missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
    engine = make_engine(url, statement_timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_sleep(5)"))
        print(f"statement cancelled after {time.monotonic() - started:.1f} s")
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "1s"
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_an_ordinary_error_stays_what_it_was():
    url = postgres_url()
    if url is None:
        missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
    engine = make_engine(url)
    try:
        with pytest.raises(SQLAlchemyError) as raised:
            with engine.connect() as conn:
                conn.execute(text("SELECT * FROM no_such_table"))
        assert not isinstance(raised.value, DatabaseUnavailable)
    finally:
        engine.dispose()
