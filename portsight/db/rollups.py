"""Daily rollups: counts per port and local day, at three grains kept together.

- daily_rollups         (day, port, HS chapter, credit tier): breakdowns by chapter / tier
- daily_port_rollups    (day, port): KPI weeks, 12/52-week trends, the port breakdown
- daily_origin_rollups  (day, port, origin country): the origin breakdown

All three come from one aggregation of the source rows (by day, chapter, tier and origin),
summed in Python to each grain, so they always agree with each other.

Kept up to date as data arrives: after a change, the service that made it calls one of the
refresh functions *in the same session* (so a rollup never disagrees with committed data):

- refresh_rollups_for_declaration(session, declaration_id)   after registering a declaration
- refresh_rollups_for_inspection(session, inspection_id)     after opening, completing or
  deciding an inspection, and after recording a finding
- refresh_rollups(db, port_id, day) / refresh_rollups_at(db, port_id, *instants)  one slice
- rebuild_rollups(db)                                          everything from the source rows

A refresh recomputes the (port, day) slice from the source rows with the definitions of
portsight.domain.stats, deletes the slice and inserts it again: idempotent, and cheap because
one port-day is a few hundred rows read through indexes. On PostgreSQL, a transaction-scoped
advisory lock per slice keeps two concurrent refreshes of one slice from colliding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from operator import add, itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Date,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    extract,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from portsight.db.bulk import insert_columns
from portsight.db.models import (
    DailyOriginRollup,
    DailyPortRollup,
    DailyRollup,
    Declaration,
    Enterprise,
    Finding,
    GoodsLine,
    Inspection,
    InspectionTransition,
    Port,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.stats import (
    HELD_STATE,
    NO_CHAPTER,
    RELEASE_DECISION,
    as_utc,
    local_day,
    local_day_bounds,
)

COUNTS = (
    "declarations",
    "inspected",
    "inspections",
    "non_conforming",
    "released",
    "held",
    "release_minutes_sum",
    "inspection_minutes_sum",
)
_LOCK_BASE = 8_000_000_000_000  # advisory-lock key space of the rollups: base + port * 1e6 + day

Key = tuple[date, str, str, str]  # (day, hs_chapter, credit_tier, origin_country)
ORIGIN_COUNTS = ("declarations", "inspected", "inspections", "non_conforming")
ROLLUP_TABLES = (DailyRollup, DailyPortRollup, DailyOriginRollup)
# What the rollups are counted from: a bulk write that counts as it goes keeps these tables' indexes.
SOURCE_TABLES = (Declaration, Enterprise, GoodsLine, Inspection, InspectionTransition, Finding)


# ---------------------------------------------------------------------------------------------
# SQL building blocks shared with portsight.queries.statistics


def minutes_between(dialect: str, start, end):
    """SQL for (end - start) in minutes, on SQLite (julianday) and PostgreSQL (epoch)."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 1440.0
    return extract("epoch", end - start) / 60.0


def chapter_expr():
    return func.coalesce(func.substr(GoodsLine.hs_code, 1, 2), NO_CHAPTER)


def first_line_join():
    """ON clause of the outer join to the goods line that gives a declaration its chapter."""
    return and_(GoodsLine.declaration_id == Declaration.id, GoodsLine.line_no == 1)


def has_finding():
    return exists().where(Finding.inspection_id == Inspection.id)


def fixed_offset_minutes(tz: str, start: datetime, end: datetime) -> int | None:
    """The zone's UTC offset in minutes when it is the same over [start, end], else None."""
    zone = ZoneInfo(tz)
    offsets: set[timedelta] = set()
    probe = as_utc(start)
    while probe <= as_utc(end) + timedelta(days=31):
        for month in (1, 4, 7, 10):
            offset = datetime(probe.year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset()
            assert offset is not None  # an aware datetime always has an offset
            offsets.add(offset)
        probe += timedelta(days=365)
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def local_date_expr(dialect: str, column, tz: str, span: tuple[datetime, datetime] | None = None):
    """SQL for the port-local calendar date of a timestamp column (rebuilds group by it).

    PostgreSQL converts with the zone itself (DST-safe). SQLite has no zones: a zone with one
    offset over the data's span (all of China) shifts by that offset; otherwise a Python
    function registered on the connection (ps_local_date) converts each row.
    """
    if dialect == "postgresql":
        return cast(func.timezone(tz, column), Date)
    if span is not None:
        offset = fixed_offset_minutes(tz, *span)
        if offset is not None:
            return func.date(column, f"{offset:+d} minutes")
    return func.ps_local_date(column, tz)


def _sqlite_local_date(value: str | None, tz: str) -> str | None:
    if value is None:
        return None
    return local_day(datetime.fromisoformat(value), tz).isoformat()


# ---------------------------------------------------------------------------------------------
# Transactions: a Session (the caller's unit of work), a Connection or an Engine


@contextmanager
def _connection(db: Database | Session) -> Iterator[Connection]:
    if isinstance(db, Session):
        yield db.connection()
        return
    with unit_of_work(db) as session:
        yield session.connection()


def _dialect(conn: Connection) -> str:
    return conn.dialect.name


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------------------------------------
# Aggregation of one port over a time range, grouped by local day (or one known day)


def aggregate(
    conn: Connection,
    port_id: int,
    tz: str,
    start: datetime,
    end: datetime,
    day: date | None = None,
) -> dict[Key, list[float]]:
    """Rollup counts of one port for events in [start, end), by (day, chapter, tier, origin), in the order of
    COUNTS.

    With day given, every event in the range belongs to that day (a refresh of one slice);
    otherwise each event is grouped by its own local date (a rebuild).
    """
    dialect = _dialect(conn)
    if dialect == "sqlite" and day is None:
        driver = conn.connection.driver_connection
        assert driver is not None  # None only once the connection is closed, and this one is in use
        driver.create_function("ps_local_date", 2, _sqlite_local_date, deterministic=True)

    chapter = chapter_expr().label("chapter")
    tier = Enterprise.credit_tier.label("tier")
    origin = Declaration.origin_country.label("origin")
    out: dict[Key, list[float]] = {}
    days: dict[object, date] = {}  # each day's value as the database gave it, read once

    def run(stmt, names: tuple[str, ...]) -> None:
        positions = [COUNTS.index(name) for name in names]
        for row in conn.execute(stmt):
            if day is None:
                found = days.get(row[0])
                if found is None:
                    found = days[row[0]] = _as_date(row[0])
                key, values = (found, row[1] or NO_CHAPTER, row[2], row[3]), row[4:]
            else:
                key, values = (day, row[0] or NO_CHAPTER, row[1], row[2]), row[3:]
            counts = out.get(key)
            if counts is None:
                counts = out[key] = [0] * len(COUNTS)
            for position, value in zip(positions, values, strict=True):
                if value:
                    counts[position] += value

    def grouped(day_col, *measures):
        """select (day,) chapter, tier, origin, measures; with the GROUP BY keys. A known day is not selected."""
        if day is not None:
            return select(chapter, tier, origin, *measures), (chapter, tier, origin)
        d = local_date_expr(dialect, day_col, tz, (start, end)).label("day")
        return select(d, chapter, tier, origin, *measures), (d, chapter, tier, origin)

    # Declarations declared that day, and how many of them have an inspection (cohort).
    inspected = case((exists().where(Inspection.declaration_id == Declaration.id), 1), else_=0)
    stmt, keys = grouped(Declaration.declared_at, func.count(Declaration.id), func.sum(inspected))
    stmt = (
        stmt.select_from(Declaration)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .outerjoin(GoodsLine, first_line_join())
        .where(Declaration.port_id == port_id, Declaration.declared_at >= start, Declaration.declared_at < end)
        .group_by(*keys)
    )
    run(stmt, ("declarations", "inspected"))

    def from_inspections(stmt):
        return (
            stmt.select_from(Inspection)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
            .outerjoin(GoodsLine, first_line_join())
        )

    # Inspections completed that day, detections among them, and their minutes.
    stmt, keys = grouped(
        Inspection.completed_at,
        func.count(Inspection.id),
        func.sum(case((has_finding(), 1), else_=0)),
        func.sum(minutes_between(dialect, Inspection.started_at, Inspection.completed_at)),
    )
    stmt = (
        from_inspections(stmt)
        .where(Inspection.port_id == port_id, Inspection.completed_at >= start, Inspection.completed_at < end)
        .group_by(*keys)
    )
    run(stmt, ("inspections", "non_conforming", "inspection_minutes_sum"))

    # Releases decided that day and their time from declaration.
    stmt, keys = grouped(
        Inspection.decided_at,
        func.count(Inspection.id),
        func.sum(minutes_between(dialect, Declaration.declared_at, Inspection.decided_at)),
    )
    stmt = (
        from_inspections(stmt)
        .where(
            Inspection.port_id == port_id,
            Inspection.decision == RELEASE_DECISION,
            Inspection.decided_at >= start,
            Inspection.decided_at < end,
        )
        .group_by(*keys)
    )
    run(stmt, ("released", "release_minutes_sum"))

    # Holds made that day (transitions into "held"), even when cleared later.
    stmt, keys = grouped(InspectionTransition.at, func.count(InspectionTransition.id))
    stmt = (
        from_inspections(stmt)
        .join(InspectionTransition, InspectionTransition.inspection_id == Inspection.id)
        .where(
            Inspection.port_id == port_id,
            InspectionTransition.to_state == HELD_STATE,
            InspectionTransition.at >= start,
            InspectionTransition.at < end,
        )
        .group_by(*keys)
    )
    run(stmt, ("held",))
    return out


# Each rollup table: its key columns (what of a Key), their names and its counts, the first of COUNTS.
_GRAINS = (
    (DailyRollup, itemgetter(0, 1, 2), ("day", "hs_chapter", "credit_tier"), COUNTS),
    (DailyPortRollup, itemgetter(slice(0, 1)), ("day",), COUNTS),
    (DailyOriginRollup, itemgetter(0, 3), ("day", "origin_country"), ORIGIN_COUNTS),
)
assert all(measures == COUNTS[: len(measures)] for *_, measures in _GRAINS)


def _rows(port_id: int, counts: dict[Key, list[float]]) -> dict[Table, tuple[tuple[str, ...], list[list]]]:
    """The rows of each rollup table for one port, column by column (the columns' names, then their values):
    the fine counts summed to each table's grain, those with every count 0 left out."""
    out: dict[Table, tuple[tuple[str, ...], list[list]]] = {}
    for model, grain_of, key_names, measures in _GRAINS:
        acc: dict[tuple, list[float]] = {}
        for key, values in counts.items():
            grain = grain_of(key)
            target = acc.get(grain)
            # map(add) stops at the shorter: a table with fewer counts sums only its own
            acc[grain] = values[: len(measures)] if target is None else list(map(add, target, values))
        kept = [(grain, values) for grain, values in acc.items() if any(values)]
        if not kept:
            out[model.__table__] = (("port_id", *key_names, *measures), [])
            continue
        grains, values = zip(*kept, strict=True)
        kinds = [float if name.endswith("_sum") else int for name in measures]
        columns = [[port_id] * len(kept), *map(list, zip(*grains, strict=True))]
        columns += [list(map(kind, column)) for kind, column in zip(kinds, zip(*values, strict=True), strict=True)]
        out[model.__table__] = (("port_id", *key_names, *measures), columns)
    return out


def _insert(conn: Connection, tables: dict[Table, tuple[tuple[str, ...], list[list]]]) -> int:
    for table, (columns, values) in tables.items():
        insert_columns(conn, table, columns, values)
    day_columns = tables[DailyRollup.__table__][1]
    return len(day_columns[0]) if day_columns else 0  # the rows of daily_rollups, as rebuild_rollups counts


def _delete(conn: Connection, port_id: int, day: date | None = None) -> None:
    for table in ROLLUP_TABLES:
        stmt = delete(table).where(table.port_id == port_id)
        conn.execute(stmt if day is None else stmt.where(table.day == day))


def _port_timezone(conn: Connection, port_id: int) -> str:
    tz = conn.scalar(select(Port.timezone).where(Port.id == port_id))
    if tz is None:
        raise ValueError(f"Port {port_id} does not exist.")
    return tz


# ---------------------------------------------------------------------------------------------
# Public API


def refresh_slice(conn: Connection, port_id: int, day: date, tz: str | None = None) -> int:
    """Recompute one (port, local day) slice on an open connection; returns the rows written."""
    tz = tz or _port_timezone(conn, port_id)
    if _dialect(conn) == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_LOCK_BASE + port_id * 1_000_000 + day.toordinal())))
    start, end = local_day_bounds(day, tz)
    rows = _rows(port_id, aggregate(conn, port_id, tz, start, end, day=day))
    _delete(conn, port_id, day)
    return _insert(conn, rows)


def refresh_rollups(db: Database | Session, port_id: int, day: date) -> int:
    """Recompute the rollups of one port and local day from the source rows."""
    with _connection(db) as conn:
        return refresh_slice(conn, port_id, day)


def refresh_rollups_at(db: Database | Session, port_id: int, *instants: datetime | None) -> list[date]:
    """Refresh the local days (in the port's zone) that contain the given instants.

    A few days are refreshed slice by slice; many (a bulk import) by one aggregation over the
    range they span, which rewrites every day in between from the source rows as a rebuild would.
    """
    with _connection(db) as conn:
        tz = _port_timezone(conn, port_id)
        days = sorted({local_day(i, tz) for i in instants if i is not None})
        if len(days) <= _SLICES_AT_MOST:
            for day in days:
                refresh_slice(conn, port_id, day, tz)
        else:
            _refresh_range(conn, port_id, days[0], days[-1], tz)
        return days


_SLICES_AT_MOST = 3


def _refresh_range(conn: Connection, port_id: int, first: date, last: date, tz: str) -> int:
    if _dialect(conn) == "postgresql":
        base = _LOCK_BASE + port_id * 1_000_000
        # The same per-day locks as refresh_slice, so a range and a slice never interleave.
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:base + n) FROM generate_series(:first, :last) AS n"),
            {"base": base, "first": first.toordinal(), "last": last.toordinal()},
        )
    start, end = local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]
    rows = _rows(port_id, aggregate(conn, port_id, tz, start, end))
    for table in ROLLUP_TABLES:
        conn.execute(delete(table).where(table.port_id == port_id, table.day >= first, table.day <= last))
    return _insert(conn, rows)


def refresh_rollups_for_declaration(db: Database | Session, declaration_id: int) -> list[date]:
    """After a declaration was registered (or re-imported with changes)."""
    with _connection(db) as conn:
        row = conn.execute(
            select(Declaration.port_id, Declaration.declared_at).where(Declaration.id == declaration_id)
        ).first()
        if row is None:
            return []
        return refresh_rollups_at(conn, row.port_id, row.declared_at)


def refresh_rollups_for_inspection(db: Database | Session, inspection_id: int) -> list[date]:
    """After an inspection was opened, completed or decided, or a finding was recorded.

    Refreshes every day the inspection counts in: its declaration's day (cohort), the day it
    was completed, decided, and put on hold.
    """
    with _connection(db) as conn:
        row = conn.execute(
            select(Inspection.port_id, Declaration.declared_at, Inspection.completed_at, Inspection.decided_at)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(Inspection.id == inspection_id)
        ).first()
        if row is None:
            return []
        holds = conn.scalars(
            select(InspectionTransition.at).where(
                InspectionTransition.inspection_id == inspection_id, InspectionTransition.to_state == HELD_STATE
            )
        ).all()
        return refresh_rollups_at(conn, row.port_id, row.declared_at, row.completed_at, row.decided_at, *holds)


def _source_span(conn: Connection, port_id: int) -> tuple[datetime, datetime] | None:
    lo, hi = conn.execute(
        select(func.min(Declaration.declared_at), func.max(Declaration.declared_at)).where(
            Declaration.port_id == port_id
        )
    ).one()
    lo2, hi2 = conn.execute(
        select(
            func.min(Inspection.created_at), func.max(func.coalesce(Inspection.decided_at, Inspection.created_at))
        ).where(Inspection.port_id == port_id)
    ).one()
    values = [as_utc(v) if isinstance(v, datetime) else None for v in (lo, hi, lo2, hi2)]
    values = [v for v in values if v is not None]
    if not values:
        return None
    # A margin of a day either side: inspections are completed and decided after their declaration.
    return min(values) - timedelta(days=1), max(values) + timedelta(days=60)


class RollingRebuild:
    """The rollups of a bulk write counted as it goes (the demo seed's writing process), each port's local day
    once no event of it is still to come, so that only the last days are left for the end. The same rows as
    rebuild_rollups on the finished data: a day's counts come from that day's events alone.

    Meant for tables that held no rollups (a fresh or wiped database): nothing is deleted first.
    """

    def __init__(self, conn: Connection, batch_days: int = 28):
        self.conn = conn
        self.batch_days = batch_days  # days that wait before they are counted together
        self.written = 0
        self._next: dict[int, date] = {}  # each port's first day not counted yet
        self._zones: list[tuple[int, str]] | None = None

    def complete_before(self, instant: datetime) -> None:
        """Every event before instant is written: count each port's days that ended by then, once at least
        batch_days of them wait (each count is four statements a port, whatever the days it spans)."""
        for port_id, tz in self._ports():
            last = local_day(instant, tz) - timedelta(days=1)
            first = self._next.get(port_id)
            if first is None or (last - first).days + 1 >= self.batch_days:
                self._count(port_id, tz, last)

    def finish(self) -> int:
        """Count the days left (up to the last event); returns the rollup rows written in all."""
        for port_id, tz in self._ports():
            span = _source_span(self.conn, port_id)
            if span is not None:
                self._count(port_id, tz, local_day(span[1], tz))
        return self.written

    def _ports(self) -> list[tuple[int, str]]:
        if self._zones is None:
            self._zones = [(row[0], row[1]) for row in self.conn.execute(select(Port.id, Port.timezone))]
        return self._zones

    def _count(self, port_id: int, tz: str, last: date) -> None:
        first = self._next.get(port_id)
        if first is None:
            span = _source_span(self.conn, port_id)
            if span is None:
                return  # nothing of this port written yet
            first = local_day(span[0], tz)
        if last < first:
            return
        start, end = local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]
        self.written += _insert(self.conn, _rows(port_id, aggregate(self.conn, port_id, tz, start, end)))
        self._next[port_id] = last + timedelta(days=1)


def rebuild_rollups(db: Database | Session, port_ids: Iterable[int] | None = None) -> int:
    """Recompute all rollups (of the given ports) from the source rows; returns the rows written."""
    written = 0
    with _connection(db) as conn:
        ports = conn.execute(select(Port.id, Port.timezone).order_by(Port.id)).all()
        wanted = None if port_ids is None else set(port_ids)
        for port_id, tz in ports:
            if wanted is not None and port_id not in wanted:
                continue
            _delete(conn, port_id)
            span = _source_span(conn, port_id)
            if span is None:
                continue
            written += _insert(conn, _rows(port_id, aggregate(conn, port_id, tz, span[0], span[1])))
    return written
