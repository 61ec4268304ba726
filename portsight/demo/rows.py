"""The seeded rows: kept in memory with ids assigned here, then written in bulk.

Assigning ids while seeding lets rows point at each other without a round trip; the write
hands the driver plain tuples per table in foreign-key order, and afterwards moves
PostgreSQL's sequences past the ids used.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from portsight.db import models as m

BATCH = 5000
# Tables in the order they are written (each after those it refers to).
ORDER = (m.Port, m.Enterprise, m.EnterpriseCreditHistory, m.User, m.UserPort, m.DutyShift, m.ConflictOfInterest,
         m.Declaration, m.GoodsLine, m.Container, m.Selection, m.Inspection, m.InspectionTransition,
         m.InspectorAssignment, m.StepResult, m.Finding, m.ReleaseHold, m.Alert, m.AssistSession, m.ChatMessage,
         m.DrawCommitment)  # fmt: skip

_HAS_ID: dict[type[m.Base], bool] = {}


class Rows:
    """The rows of every table, in the order they were added."""

    def __init__(self) -> None:
        self.rows: dict[type[m.Base], list[dict]] = {}
        self.next_id: dict[type[m.Base], int] = {}

    def add(self, model: type[m.Base], row: dict) -> int:
        """Keep a row (its id assigned unless given); returns the id (0 for tables without one)."""
        has_id = _HAS_ID.get(model)
        if has_id is None:
            has_id = _HAS_ID[model] = "id" in model.__table__.c
        if has_id and "id" not in row:
            row["id"] = self.next_id.get(model, 1)
            self.next_id[model] = row["id"] + 1
        self.rows.setdefault(model, []).append(row)
        return row.get("id", 0)

    def of(self, model: type[m.Base]) -> list[dict]:
        """The rows kept for a table (the list itself: a row changed here is written changed)."""
        return self.rows.setdefault(model, [])

    def write(self, session: Session) -> dict[str, int]:
        """Insert every row; returns the number of rows per table."""
        counts = {}
        conn = session.connection()
        for model in ORDER:
            rows = self.rows.get(model, [])
            _bulk_insert(conn, model.__table__, rows)
            counts[model.__tablename__] = len(rows)
        return counts


def is_empty(session: Session) -> bool:
    """True when the database has no port, the mark of a database nobody has filled yet."""
    return session.scalar(select(func.count()).select_from(m.Port)) == 0


def wipe(session: Session) -> None:
    """Delete every row of every table, children first."""
    for table in reversed(m.Base.metadata.sorted_tables):
        session.execute(delete(table))


def reset_sequences(session: Session) -> None:
    """Ids were assigned here; move PostgreSQL's sequences past them so later inserts do not collide."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in m.Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def _bulk_insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """executemany straight to the driver with SQLAlchemy's own bind processors (types stay exact).

    The ORM-free Core insert spends most of its time building parameters row by row; this does the
    same conversion once per column and hands the driver plain tuples (SQLite) or dicts (psycopg).
    """
    if not rows:
        return
    cols = list(rows[0])
    first = rows[0].keys()
    if not all(r.keys() == first for r in rows):
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(table), rows[i : i + BATCH])
        return
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=cols)
    processors = [(c, table.c[c].type._cached_bind_processor(dialect)) for c in cols]
    escaped = getattr(compiled, "escaped_bind_names", None) or {}

    sql = str(compiled)
    if compiled.positional:  # SQLite: tuples in the statement's parameter order, converted column by column
        unescaped = {v: k for k, v in escaped.items()}
        by_name = dict(processors)
        assert compiled.positiontup is not None  # a positional compile lists its parameters in order
        names = [unescaped.get(n, n) for n in compiled.positiontup]
        getter = itemgetter(*names)
        convert = [(j, by_name[c]) for j, c in enumerate(names) if by_name[c] is not None]
        for i in range(0, len(rows), BATCH):
            raw = [getter(r) for r in rows[i : i + BATCH]]
            if len(names) == 1:
                raw = [(v,) for v in raw]
            if convert:
                columns: list[Sequence[Any]] = list(zip(*raw, strict=True))
                for j, proc in convert:
                    columns[j] = list(map(proc, columns[j]))
                raw = list(zip(*columns, strict=True))
            conn.exec_driver_sql(sql, raw)
        return
    for i in range(0, len(rows), BATCH):
        params = [{escaped.get(c, c): (p(r[c]) if p else r[c]) for c, p in processors} for r in rows[i : i + BATCH]]
        conn.exec_driver_sql(sql, params)
