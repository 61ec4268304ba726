"""The seeded rows: kept in memory with ids assigned here, then written in bulk.

Assigning ids while seeding lets rows point at each other without a round trip; the write
hands the driver plain tuples per table in foreign-key order, and afterwards moves
PostgreSQL's sequences past the ids used.

Most tables are kept as a dict a row (rows are looked at and changed while seeding). The largest,
written once and never read back (photos, audit entries), are kept as tuples in a fixed column
order (`Rows.table`), their JSON columns already as JSON text: a dict and a JSON encoding less per
row is a good part of their cost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Index, Numeric, Table, delete, func, inspect, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from portsight.db import models as m
from portsight.db.bulk import insert_columns
from portsight.errors import Conflict

# A table getting at least this many rows has its indexes dropped for the write and built again after:
# building an index from all the rows at once costs less than growing it row by row.
REINDEX_FROM = 50_000
# SQLite's page cache during the write, in KiB (the 60-week demo is about 1 GB; its largest tables and their
# index builds fit, without doubling the seed's memory).
BULK_CACHE_KIB = 262_144
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Tables in the order they are written (each after those it refers to).
ORDER = (m.Port, m.Enterprise, m.EnterpriseCreditHistory, m.User, m.UserPort, m.ExpertSkill, m.DutyShift,
         m.ConflictOfInterest, m.Declaration, m.GoodsLine, m.Container, m.Selection, m.Inspection,
         m.InspectionTransition, m.InspectorAssignment, m.StepResult, m.Finding, m.ReleaseHold, m.Alert,
         m.AssistSession, m.ChatMessage, m.Evidence, m.ReleaseReceipt, m.GateExit, m.DrawCommitment,
         m.AuditEntry)  # fmt: skip

_HAS_ID: dict[type[m.Base], bool] = {}
# JSON text as a JSON column writes it (json.dumps with its defaults), for the columns kept as text.
to_json = json.JSONEncoder().encode


class Rows:
    """The rows of every table, in the order they were added."""

    def __init__(self) -> None:
        self.rows: dict[type[m.Base], list[dict]] = {}
        self.next_id: dict[type[m.Base], int] = {}
        self.tuples: dict[type[m.Base], tuple[tuple[str, ...], frozenset[str], list[tuple]]] = {}
        self.json_text: dict[type[m.Base], frozenset[str]] = {}  # columns of dict tables that hold JSON text
        self._taken: dict[type[m.Base], int] = {}  # rows of each table handed out by take

    def table(self, model: type[m.Base], columns: tuple[str, ...], json_text: frozenset[str] = frozenset()) -> list:
        """The list a table's rows go into as tuples in the order of columns (ids given by the caller); the
        columns in json_text hold JSON text (None for SQL NULL)."""
        if model not in self.tuples:
            self.tuples[model] = (columns, json_text, [])
        return self.tuples[model][2]

    def add(self, model: type[m.Base], row: dict) -> int:
        """Keep a row (its id assigned unless given); returns the id (0 for tables without one)."""
        kept = self.rows.get(model)
        if kept is None:
            kept = self.rows[model] = []
        if "id" in row:
            kept.append(row)
            return row["id"]
        has_id = _HAS_ID.get(model)
        if has_id is None:
            has_id = _HAS_ID[model] = "id" in model.__table__.c
        if has_id:
            row["id"] = new = self.next_id.get(model, 1)
            self.next_id[model] = new + 1
            kept.append(row)
            return new
        kept.append(row)
        return 0

    def of(self, model: type[m.Base]) -> list[dict]:
        """The rows kept for a table (the list itself: a row changed here is written changed)."""
        return self.rows.setdefault(model, [])

    def count(self) -> int:
        """How many rows are kept, in every table."""
        return sum(map(len, self.rows.values())) + sum(len(kept) for *_, kept in self.tuples.values())

    def clear(self) -> None:
        """Forget every row kept (those not taken yet are not written)."""
        self.rows.clear()
        self.tuples.clear()
        self._taken.clear()

    def take(
        self, done: float = 1.0, held: frozenset[type[m.Base]] = frozenset(), portable: bool = False
    ) -> list[TableRows]:
        """The rows added since the last take, table by table in ORDER (those in `held` left for a later take).

        done: the share of the rows drawn so far, from which each table's expected total is estimated (its
        indexes are rebuilt from REINDEX_FROM). portable: only values marshal can carry to another process, UTC
        datetimes as POSIX microseconds, dates as day numbers and decimals as text (`_portable`); the write turns them
        back.
        """
        taken: list[TableRows] = []
        for model in ORDER:
            if model in held:
                continue
            start = self._taken.get(model, 0)
            groups: Iterable[tuple[tuple[str, ...], list[Sequence]]]
            if model in self.tuples:
                columns, json_text, kept = self.tuples[model]
                groups, count = [(columns, list(zip(*kept[start:], strict=True)))], len(kept)
            else:
                dicts, json_text = self.rows.get(model, []), self.json_text.get(model, frozenset())
                groups, count = _columns(dicts[start:]), len(dicts)
            self._taken[model] = count
            expected = round(count / done)
            taken.extend(
                TableRows(str(model.__table__.name), keys, _portable(model.__table__, keys, values) if portable
                          else values, json_text, expected)
                for keys, values in groups
                if values
            )  # fmt: skip
        return taken

    def write(self, session: Session) -> dict[str, int]:
        """Insert every row not taken yet; returns the number of rows written per table."""
        conn = session.connection()
        with bulk_settings(conn):
            write = BulkWrite(conn)
            for rows in self.take():
                write.insert(rows)
            return write.finish()


@dataclass(frozen=True)
class TableRows:
    """Rows of one table column by column (the values of each column in a sequence), as one write inserts them
    and another process receives them."""

    table: str
    columns: tuple[str, ...]
    values: list[Sequence]
    json_text: frozenset[str]  # columns holding JSON text
    expected: int  # the rows the table is expected to get in all

    def __len__(self) -> int:
        return len(self.values[0]) if self.values else 0


def _columns(rows: list[dict]) -> Iterator[tuple[tuple[str, ...], list[Sequence]]]:
    """Dict rows column by column, grouped by their keys (all the rows of a table have the same, as a rule)."""
    if not rows:
        return
    keys = tuple(rows[0])
    if len(set(map(len, rows))) == 1:
        try:  # as many keys in every row, and each of the first row's: the same keys
            yield keys, [list(map(itemgetter(key), rows)) for key in keys]
            return
        except KeyError:
            pass
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for keys, group in groups.items():
        yield keys, [list(map(itemgetter(key), group)) for key in keys]


def _portable(table: Table, columns: tuple[str, ...], values: list[Sequence]) -> list[Sequence]:
    """The columns with only the values marshal writes: a UTC datetime as whole POSIX microseconds, a date as
    its day number, a decimal as its text; `_restored` turns them back."""
    portable: list[Sequence] = []
    for column, column_values in zip(columns, values, strict=True):
        kind = table.c[column].type
        if isinstance(kind, DateTime):
            column_values = [(v - EPOCH) // MICROSECOND if v.__class__ is datetime and v.tzinfo is UTC else v
                             for v in column_values]  # fmt: skip
        elif isinstance(kind, Date):
            column_values = [v.toordinal() if v.__class__ is date else v for v in column_values]
        elif isinstance(kind, Numeric) and kind.asdecimal:
            column_values = [str(v) if v.__class__ is Decimal else v for v in column_values]
        portable.append(column_values)
    return portable


def _restored(kind: TypeEngine) -> Callable[[Sequence[Any]], list] | None:
    """What turns a column's portable values back (POSIX microseconds, day numbers, decimal text), or None."""
    if isinstance(kind, DateTime):
        return lambda values: [EPOCH + v * MICROSECOND if type(v) is int else v for v in values]
    if isinstance(kind, Date):
        return lambda values: [date.fromordinal(v) if type(v) is int else v for v in values]
    if isinstance(kind, Numeric) and kind.asdecimal:
        return lambda values: [Decimal(v) if type(v) is str else v for v in values]
    return None


class BulkWrite:
    """Inserts TableRows into one connection (each table after those it refers to). A table expected to get
    REINDEX_FROM rows or more has its indexes dropped before its first rows and built again by `finish`:
    building an index from all the rows at once costs less than growing it row by row."""

    def __init__(self, conn: Connection, keep_indexes: frozenset[str] = frozenset()):
        self.conn = conn
        self.keep_indexes = keep_indexes  # tables whose indexes stay, whatever their size
        self.counts = {model.__tablename__: 0 for model in ORDER}
        self._started: set[str] = set()
        self._dropped: list[Index] = []

    def insert(self, rows: TableRows) -> None:
        table = m.Base.metadata.tables[rows.table]
        if rows.table not in self._started:
            self._started.add(rows.table)
            if rows.expected >= REINDEX_FROM and rows.table not in self.keep_indexes:
                existing = {i["name"] for i in inspect(self.conn).get_indexes(table.name)}
                for index in table.indexes:
                    if index.name in existing:
                        index.drop(self.conn)
                        self._dropped.append(index)
        dialect = self.conn.dialect
        converters = {c: _converter(table, c, dialect.name, c in rows.json_text, dialect) for c in rows.columns}
        insert_columns(self.conn, table, rows.columns, rows.values, converters)
        self.counts[rows.table] = self.counts.get(rows.table, 0) + len(rows)

    def finish(self) -> dict[str, int]:
        """Build the dropped indexes again; returns the rows written per table."""
        for index in self._dropped:
            index.create(self.conn)
        self._dropped.clear()
        return dict(self.counts)


@contextmanager
def bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: a page cache that holds the whole write and its index builds, for the write only.

    With the default cache (2 MB) a write of a gigabyte spills dirty pages to the journal and reads them back
    as the tables and indexes grow; the connection goes back to the pool with its own setting. (The cache size,
    unlike the temporary store, may change inside the transaction the seed is already in.)
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")


REFUSED = "The database already has data; seed refuses to mix demo data into it (use --force)."


def make_room(session: Session, force: bool) -> int:
    """Refuse (Conflict) a database that has data, unless force, which first deletes it all; returns the highest
    id the audit log holds (a database without ports may have audit entries: an account created first)."""
    if not is_empty(session):
        if not force:
            raise Conflict(REFUSED)
        wipe(session)
    return session.scalar(select(func.max(m.AuditEntry.id))) or 0


def is_empty(session: Session) -> bool:
    """True when the database has no port, the mark of a database nobody has filled yet."""
    return session.scalar(select(func.count()).select_from(m.Port)) == 0


def wipe(session: Session) -> None:
    """Delete every row of every table, children first.

    PostgreSQL truncates them in one statement: a DELETE checks every foreign key row by row, and a child
    table whose rows were just deleted still holds them (dead, not yet vacuumed) for that check to scan.
    """
    tables = list(reversed(m.Base.metadata.sorted_tables))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("TRUNCATE " + ", ".join(f'"{table.name}"' for table in tables)))
        return
    for table in tables:
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


def _converter(table: Table, column: str, dialect_name: str, is_json_text: bool, dialect: Any) -> Callable | None:
    """What turns a column's values into the driver's: None when they go as they are (JSON text included).

    SQLite keeps a datetime as text in SQLAlchemy's storage format, YYYY-MM-DD HH:MM:SS.ffffff: written from
    the POSIX microseconds (`_sqlite_datetimes`) in about a third of the bind processor's time, which the
    rest (and any other type) still goes through.
    """
    if is_json_text:
        return None
    column_type = table.c[column].type
    processor = column_type._cached_bind_processor(dialect)
    restore = _restored(column_type)
    if isinstance(column_type, DateTime) and dialect_name == "sqlite":
        assert processor is not None  # SQLite stores datetimes as text
        return lambda values: _sqlite_datetimes(values, processor)
    if processor is None:
        return restore
    if restore is None:
        return lambda values: list(map(processor, values))
    return lambda values: list(map(processor, restore(values)))


# Every time of a day as HH:MM:SS, by its second of the day.
_CLOCK = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
_EPOCH_DAY = EPOCH.toordinal()


def _sqlite_datetimes(values: Sequence[Any], processor: Callable) -> list:
    """SQLite's datetime text of each value: POSIX microseconds (portable) or a UTC datetime, each day's date
    written once; anything else through the bind processor."""
    days: dict[int, str] = {}
    texts = []
    for v in values:
        if v.__class__ is datetime and v.tzinfo is UTC:
            v = (v - EPOCH) // MICROSECOND
        if v.__class__ is not int:
            texts.append(processor(v))
            continue
        seconds, micro = divmod(v, 1_000_000)
        day, second = divmod(seconds, 86_400)
        date_text = days.get(day)
        if date_text is None:
            date_text = days[day] = date.fromordinal(_EPOCH_DAY + day).isoformat()
        texts.append(f"{date_text} {_CLOCK[second]}.{micro:06d}")
    return texts
