"""The seed's bulk write stores values exactly as SQLAlchemy's own insert does (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from portsight.db import models as m
from portsight.demo.rows import BulkWrite, Rows

INSTANTS = [
    datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(2025, 12, 31, 16, 0, 7, 120000, tzinfo=UTC),
]


def stored(db, days: list[date]) -> list[tuple]:
    """published_at and revealed_at as the database holds them (SQLite: its text), in the order of days."""
    rows = dict(
        (row[0], row[1:])
        for row in db.exec_driver_sql("SELECT day, published_at, revealed_at FROM draw_commitments").fetchall()
    )
    return [rows[d if db.dialect.name == "postgresql" else d.isoformat()] for d in days]


def test_datetimes_written_in_bulk_are_stored_as_sqlalchemy_stores_them(db):
    """Whether handed to another process (portable: whole POSIX microseconds) or written in the seed's own,
    an instant is stored as the same text (SQLite) or value (PostgreSQL) as an ordinary insert stores it."""
    first = date(2030, 1, 1)

    def commitments(offset: int) -> list[dict]:
        return [{"day": first + timedelta(days=offset + i), "seed_sha256": "0" * 64, "seed": "s",
                 "published_at": at, "revealed_at": None if i % 2 else at + timedelta(microseconds=i)}
                for i, at in enumerate(INSTANTS)]  # fmt: skip

    db.execute(insert(m.DrawCommitment), commitments(0))
    write = BulkWrite(db)
    for offset, portable in ((10, True), (20, False)):
        rows = Rows()
        for row in commitments(offset):
            rows.add(m.DrawCommitment, row)
        for table in rows.take(portable=portable):
            write.insert(table)
    write.finish()
    days = [first + timedelta(days=i) for i in range(len(INSTANTS))]
    expected = stored(db, days)
    assert expected[1][0] in ("2026-03-01 23:59:59.999999", INSTANTS[1])
    for offset in (10, 20):
        assert stored(db, [d + timedelta(days=offset) for d in days]) == expected
