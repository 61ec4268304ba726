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


def test_the_seed_runs_on_a_busy_connection_and_gives_back_its_page_cache(db, tmp_path):
    if db.dialect.name != "sqlite":
        pytest.skip("the page cache is SQLite's setting")
    before = db.exec_driver_sql("PRAGMA cache_size").scalar()
    # A pooled connection may already use temporary storage, inside the transaction the seed runs in.
    db.exec_driver_sql("CREATE TEMP TABLE earlier_work (n INTEGER)")
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x", media_dir=tmp_path, secret="s")
    after = db.exec_driver_sql("PRAGMA cache_size").scalar()
    assert after == before
