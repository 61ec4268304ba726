"""The seed written in a process of its own while the history is drawn (portsight.demo.writer)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from portsight.db import models as m
from portsight.db.rollups import ROLLUP_TABLES
from portsight.db.session import make_engine
from portsight.demo.seed import seed_demo
from portsight.demo.writer import WriteFailed
from portsight.errors import Conflict
from tests.conftest import own_database

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)
SECRET = "seed-test-secret"


ROLLUPS = frozenset(t.__table__ for t in ROLLUP_TABLES)


def _digest(engine) -> dict[str, str]:
    """Every row of every table but the rollups, in key order (the instance's settings carry the time they
    were set)."""
    digests = {}
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            if table is m.InstanceSetting.__table__ or table in ROLLUPS:
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"
    return digests


def _rollups(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in ROLLUPS
        }


def _seed(url: str, tmp_path, background: bool, **kw):
    engine = make_engine(url)
    try:
        return seed_demo(engine, weeks=3, seed=5, now=NOW, password_hash="x", media_dir=tmp_path / "media",
                         secret=SECRET, background=background, **kw)  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request) -> str:
    return request.param


def test_written_alongside_the_drawing_the_seed_holds_the_rows_of_the_one_process_write(kind, tmp_path):
    with own_database(kind, tmp_path, "seed_here") as here, own_database(kind, tmp_path, "seed_aside") as aside:
        counts_here = _seed(here, tmp_path, background=False)
        said: list[str] = []
        counts_aside = _seed(aside, tmp_path, background=True, progress=said.append)
        assert counts_aside == counts_here
        assert counts_here["declarations"] > 1000 and counts_here["daily_rollups"] > 0
        assert "counting the daily rollups" in said  # the writing process's word reaches the caller
        engines = make_engine(here), make_engine(aside)
        try:
            assert _digest(engines[1]) == _digest(engines[0])
            # Counted day by day as the write went, equal to a rebuild's; the sums of minutes only up to the
            # order PostgreSQL happened to add them in.
            expected = _rollups(engines[0])
            assert all(expected.values())
            assert _rollups(engines[1]) == {
                name: [pytest.approx(row) for row in rows] for name, rows in expected.items()
            }
            if kind == "sqlite":  # the write used a rollback journal and gave the file back in WAL mode
                with engines[1].connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        finally:
            for engine in engines:
                engine.dispose()


def test_a_seed_written_aside_refuses_a_database_with_data_and_leaves_it_as_it_was(kind, tmp_path):
    with own_database(kind, tmp_path, "seed_refused") as url:
        _seed(url, tmp_path, background=False)
        engine = make_engine(url)
        try:
            before = _digest(engine)
            with pytest.raises(Conflict):
                seed_demo(engine, weeks=3, seed=6, now=NOW, password_hash="x", media_dir=tmp_path / "media",
                          secret=SECRET, background=True)  # fmt: skip
            assert _digest(engine) == before
        finally:
            engine.dispose()


class Stopped(Exception):
    pass


def test_a_seed_stopped_before_its_end_writes_nothing(kind, tmp_path):
    def stop_when_drawn(line: str) -> None:
        if line.startswith("week 3 of 3"):  # every week has been handed over by then
            raise Stopped

    with own_database(kind, tmp_path, "seed_stopped") as url:
        engine = make_engine(url)
        try:
            with pytest.raises(Stopped):
                seed_demo(engine, weeks=3, seed=5, now=NOW, password_hash="x", media_dir=tmp_path / "media",
                          secret=SECRET, background=True, progress=stop_when_drawn)  # fmt: skip
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM declarations")).scalar() == 0
                assert conn.execute(text("SELECT count(*) FROM ports")).scalar() == 0
        finally:
            engine.dispose()


def test_a_follow_up_that_fails_stops_the_seed_and_writes_nothing(kind, tmp_path):
    media = tmp_path / "not-a-directory"
    media.write_text("the photos cannot go under a file")
    with own_database(kind, tmp_path, "seed_follow_up_failed") as url:
        engine = make_engine(url)
        try:
            with pytest.raises(WriteFailed, match="follow-up"):
                seed_demo(engine, weeks=3, seed=5, now=NOW, password_hash="x", media_dir=media, secret=SECRET,
                          background=True)  # fmt: skip
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM declarations")).scalar() == 0
                assert conn.execute(text("SELECT count(*) FROM inspections")).scalar() == 0
        finally:
            engine.dispose()
