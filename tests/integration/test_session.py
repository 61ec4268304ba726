"""The unit of work on SQLite: concurrent writers wait for each other instead of failing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portsight.db.migrate import upgrade
from portsight.db.models import Port
from portsight.db.session import make_engine, unit_of_work


def test_a_writer_that_reads_first_waits_for_another_writer_instead_of_failing(tmp_path):
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    upgrade(url)
    engine = make_engine(url)
    first_has_read = threading.Event()
    second_committed = threading.Event()
    errors: list[BaseException] = []

    def reader_then_writer() -> None:
        try:
            with unit_of_work(engine) as session:
                session.scalar(select(func.count(Port.id)))  # a deferred transaction would snapshot here
                first_has_read.set()
                second_committed.wait(timeout=2)  # the other writer gets (or waits for) its turn
                session.add(Port(code="CNAAA", name_en="A", name_zh="甲", kind="sea"))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)
            first_has_read.set()

    def writer() -> None:
        first_has_read.wait(timeout=5)
        try:
            with unit_of_work(engine) as session:
                session.add(Port(code="CNBBB", name_en="B", name_zh="乙", kind="sea"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            second_committed.set()

    threads = [threading.Thread(target=reader_then_writer), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with unit_of_work(engine) as session:
        assert sorted(session.scalars(select(Port.code))) == ["CNAAA", "CNBBB"]
    engine.dispose()


def test_several_services_in_one_transaction_hold_the_write_lock_from_the_start(tmp_path):
    """A transaction that reads first and writes later must not fail at once on SQLite when another connection
    writes in between (a photo saved while a step is recorded): it takes the write lock as it begins."""
    import sqlite3

    from portsight.services.field import one_transaction

    path = tmp_path / "one.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with one_transaction(engine) as conn:
                conn.exec_driver_sql("SELECT count(*) FROM t").scalar()
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")  # the other writer waits its turn
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        engine.dispose()
