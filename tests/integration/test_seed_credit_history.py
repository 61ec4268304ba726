"""The seeded credit history says where it came from: source "seed", recorded at the start of the day it
applies from (China time), by nobody; and the seed leaves a SQLite connection with its own page cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.seed import seed_demo

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)


def test_seeded_credit_rows_are_marked_as_the_seeds_from_their_first_day(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x", media_dir=tmp_path, secret="s")
    rows = db.execute(
        select(
            m.EnterpriseCreditHistory.valid_from,
            m.EnterpriseCreditHistory.recorded_at,
            m.EnterpriseCreditHistory.recorded_by_id,
            m.EnterpriseCreditHistory.source,
        )
    ).all()
    assert rows
    assert {source for *_, source in rows} == {"seed"}
    assert {by for _, _, by, _ in rows} == {None}
    for valid_from, recorded_at, _, _ in rows:
        local = as_utc(recorded_at) + timedelta(hours=8)
        assert (local.date(), local.time().isoformat()) == (valid_from, "00:00:00")


def test_the_seed_gives_the_connection_back_with_its_page_cache(db, tmp_path):
    if db.dialect.name != "sqlite":
        pytest.skip("the page cache and temporary store are SQLite's settings")
    before = db.exec_driver_sql("PRAGMA cache_size").scalar(), db.exec_driver_sql("PRAGMA temp_store").scalar()
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x", media_dir=tmp_path, secret="s")
    after = db.exec_driver_sql("PRAGMA cache_size").scalar(), db.exec_driver_sql("PRAGMA temp_store").scalar()
    assert after == before
