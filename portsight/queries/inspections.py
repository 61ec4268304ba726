"""Inspections: the filtered, sorted, paginated list and the rows of its export (written as CSV / Excel
by portsight.documents.cells, which keeps text that starts like a formula text).

A port scope is a frozenset of port ids, or None for every port. The scope is applied in SQL,
so a supervisor of one port never receives another port's rows. One inspection's whole record
is portsight.queries.inspection_record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Select, exists, func, or_, select, tuple_

from portsight.clock import LOCAL_TZ
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    Finding,
    GoodsLine,
    Inspection,
    InspectionTransition,
    InspectorAssignment,
    Port,
    User,
)
from portsight.db.overdue import is_overdue
from portsight.db.session import Database
from portsight.db.sql import connection, frame, in_scope, records, utc_columns
from portsight.domain.stats import HELD_STATE, local_day_bounds
from portsight.reference import hs_chapters

MAX_PAGE = 500
MAX_EXPORT = 100_000
ANY_FINDING = "any"  # the finding filter's value for "at least one finding, of any rule"
TIME_COLUMNS = ("declared_at", "created_at", "decided_at")  # of the list and its export


@dataclass(frozen=True)
class InspectionFilter:
    """What the inspections page filters by; empty fields do not filter. Dates are local calendar days."""

    port_id: int | None = None
    states: tuple[str, ...] = ()
    date_from: date | None = None  # opened (created_at) from this day
    date_to: date | None = None
    decided_from: date | None = None  # decided (decided_at) from this day: the board's released/held today
    decided_to: date | None = None
    completed_from: date | None = None  # completed (completed_at) from this day: the weekly review's inspections
    completed_to: date | None = None
    # put on hold (a transition into "held") from this day: the weekly review's holds, also those released since
    held_from: date | None = None
    held_to: date | None = None
    declared_from: date | None = None  # its declaration declared from this day: the review's cohorts
    declared_to: date | None = None
    enterprise: str | None = None  # part of the name, or the USCC
    container: str | None = None  # container number or its beginning
    hs_chapter: str | None = None  # two digits
    inspector_id: int | None = None
    decision: str | None = None
    enterprise_id: int | None = None  # exactly this enterprise
    declaration_id: int | None = None  # the inspections of this declaration
    finding: str | None = None  # a rule id the inspection has a finding of, or ANY_FINDING
    # As the weekly review groups declarations (portsight.domain.stats): the enterprise's credit
    # tier, the origin country, the HS section of the first goods line.
    credit_tier: str | None = None
    origin: str | None = None  # ISO 3166 alpha-2
    hs_section: str | None = None  # Roman numeral, as reference.hs_sections
    # Overdue at this cutoff (portsight.db.overdue.overdue_cutoff): exactly what the board counts.
    overdue_cutoff: datetime | None = None


@dataclass
class InspectionPage:
    rows: pd.DataFrame
    next_after: tuple | None = None  # keyset cursor for the next page (sort value, id)
    offset: int = 0
    columns: list[str] = field(default_factory=list)


# Sort keys the page offers -> column. All NOT NULL, so keyset pagination is exact.
SORTS = {
    "created_at": Inspection.created_at,
    "declared_at": Declaration.declared_at,
    "id": Inspection.id,
    "port": Port.code,
    "state": Inspection.state,
    "declaration": Declaration.number,
    "enterprise": Enterprise.name,
    "priority": Inspection.priority,
}

LIST_COLUMNS = [
    "inspection_id",
    "declaration",
    "port",
    "enterprise",
    "credit_tier",
    "origin",
    "state",
    "decision",
    "priority",
    "declared_at",
    "created_at",
    "decided_at",
]


def _local_start(day: date) -> datetime:
    # In UTC, as the timestamps are stored: SQLite compares them as text, ignoring the zone.
    return local_day_bounds(day, LOCAL_TZ)[0]


def _base(port_ids: Iterable[int] | None, flt: InspectionFilter) -> Select:
    stmt = (
        select(
            Inspection.id.label("inspection_id"),
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            Enterprise.name.label("enterprise"),
            Enterprise.credit_tier.label("credit_tier"),
            Declaration.origin_country.label("origin"),
            Inspection.state.label("state"),
            Inspection.decision.label("decision"),
            Inspection.priority.label("priority"),
            Declaration.declared_at.label("declared_at"),
            Inspection.created_at.label("created_at"),
            Inspection.decided_at.label("decided_at"),
        )
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
    )
    return _filtered(stmt, port_ids, flt)


def _reads_declaration(flt: InspectionFilter) -> bool:
    """Whether the filter reads the declaration or the enterprise (which _filtered then needs joined)."""
    return bool(
        (flt.enterprise and flt.enterprise.strip())
        or flt.credit_tier
        or flt.origin
        or flt.declared_from is not None
        or flt.declared_to is not None
    )


def _filtered(stmt: Select, port_ids: Iterable[int] | None, flt: InspectionFilter) -> Select:
    """The filter's WHERE clauses (Declaration and Enterprise must be joined when _reads_declaration)."""
    stmt = stmt.where(in_scope(Inspection.port_id, port_ids))
    if flt.port_id is not None:
        stmt = stmt.where(Inspection.port_id == int(flt.port_id))
    if flt.states:
        stmt = stmt.where(Inspection.state.in_(list(flt.states)))
    for column, first, last in (
        (Inspection.created_at, flt.date_from, flt.date_to),
        (Inspection.decided_at, flt.decided_from, flt.decided_to),
        (Inspection.completed_at, flt.completed_from, flt.completed_to),
        (Declaration.declared_at, flt.declared_from, flt.declared_to),
    ):
        if first is not None:
            stmt = stmt.where(column >= _local_start(first))
        if last is not None:
            stmt = stmt.where(column < _local_start(last + timedelta(days=1)))
    if flt.enterprise and flt.enterprise.strip():
        text = flt.enterprise.strip()
        stmt = stmt.where(or_(Enterprise.name.ilike(f"%{text}%"), Enterprise.uscc == text.upper()))
    if flt.container and flt.container.strip():
        # A prefix as an index range (LIKE is case-insensitive on SQLite and cannot use the
        # index), and IN rather than a correlated EXISTS, so the few matching containers drive
        # the query instead of a probe per inspection.
        number = "".join(flt.container.split()).upper()
        stmt = stmt.where(
            Inspection.declaration_id.in_(
                select(Container.declaration_id).where(
                    Container.number >= number, Container.number < _next_prefix(number)
                )
            )
        )
    if flt.hs_chapter and flt.hs_chapter.strip():
        chapter = flt.hs_chapter.strip().zfill(2)[:2]
        stmt = stmt.where(
            exists().where(GoodsLine.declaration_id == Inspection.declaration_id, GoodsLine.hs_code.like(f"{chapter}%"))
        )
    if flt.inspector_id is not None:
        # IN: one inspector's few assignments drive the query (through their user_id index).
        stmt = stmt.where(
            Inspection.id.in_(
                select(InspectorAssignment.inspection_id).where(InspectorAssignment.user_id == int(flt.inspector_id))
            )
        )
    if flt.decision:
        stmt = stmt.where(Inspection.decision == flt.decision)
    if flt.enterprise_id is not None:
        # IN: the enterprise's declarations (through their enterprise index) drive the query.
        stmt = stmt.where(
            Inspection.declaration_id.in_(
                select(Declaration.id).where(Declaration.enterprise_id == int(flt.enterprise_id))
            )
        )
    if flt.declaration_id is not None:
        stmt = stmt.where(Inspection.declaration_id == int(flt.declaration_id))
    if flt.finding:
        found = exists().where(Finding.inspection_id == Inspection.id)
        if flt.finding != ANY_FINDING:
            found = found.where(Finding.rule_id == flt.finding)
        stmt = stmt.where(found)
    if flt.overdue_cutoff is not None:
        stmt = stmt.where(is_overdue(flt.overdue_cutoff))
    if flt.held_from is not None or flt.held_to is not None:
        # IN: the range's few holds (through the transitions' (to_state, at) index) drive the query.
        held = select(InspectionTransition.inspection_id).where(InspectionTransition.to_state == HELD_STATE)
        if flt.held_from is not None:
            held = held.where(InspectionTransition.at >= _local_start(flt.held_from))
        if flt.held_to is not None:
            held = held.where(InspectionTransition.at < _local_start(flt.held_to + timedelta(days=1)))
        stmt = stmt.where(Inspection.id.in_(held))
    if flt.credit_tier:
        stmt = stmt.where(Enterprise.credit_tier == flt.credit_tier)
    if flt.origin:
        stmt = stmt.where(Declaration.origin_country == flt.origin.upper())
    if flt.hs_section:
        # The section of the chapter of the first goods line, as the rollups group it; an unknown
        # section has no chapter and matches nothing.
        chapters = sorted(c.chapter for c in hs_chapters().values() if c.section == flt.hs_section)
        stmt = stmt.where(
            exists().where(
                GoodsLine.declaration_id == Inspection.declaration_id,
                GoodsLine.line_no == 1,
                func.substr(GoodsLine.hs_code, 1, 2).in_(chapters),
            )
        )
    return stmt


def _next_prefix(prefix: str) -> str:
    """The smallest string after every string that starts with prefix (for a range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _plain(value):
    """A cursor value as a plain Python object the driver can bind (not a pandas/numpy scalar)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def search_inspections(
    db: Database,
    port_ids: Iterable[int] | None,
    flt: InspectionFilter | None = None,
    *,
    sort: str = "created_at",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
    after: tuple | None = None,
) -> InspectionPage:
    """One page of inspections. Pass `after` (the previous page's next_after) for keyset pagination,
    which stays fast deep into millions of rows; `offset` works too for jumping to a page."""
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)}.")
    flt = flt or InspectionFilter()
    limit = max(1, min(int(limit), MAX_PAGE))
    col = SORTS[sort]
    stmt = _base(port_ids, flt)
    if after is not None:
        key = tuple_(col, Inspection.id)
        stmt = stmt.where(key < tuple_(*after) if descending else key > tuple_(*after))
    order = (col.desc(), Inspection.id.desc()) if descending else (col.asc(), Inspection.id.asc())
    stmt = stmt.add_columns(col.label("_sort")).order_by(*order).limit(limit + 1)
    if after is None and offset:
        stmt = stmt.offset(int(offset))
    df = frame(db, stmt)
    more = len(df) > limit
    df = df.iloc[:limit]
    next_after = None
    if more and not df.empty:
        last = df.iloc[-1]
        next_after = (_plain(last["_sort"]), int(last["inspection_id"]))
    df = utc_columns(df.drop(columns=["_sort"]).reset_index(drop=True), *TIME_COLUMNS)
    return InspectionPage(rows=df, next_after=next_after, offset=offset, columns=LIST_COLUMNS)


def count_inspections(db: Database, port_ids: Iterable[int] | None, flt: InspectionFilter | None = None) -> int:
    """How many inspections match. Counted on inspections alone (an index range for most
    filters); declarations and enterprises are joined only for the filters that read them, since
    every inspection has exactly one of each."""
    flt = flt or InspectionFilter()
    stmt = select(func.count(Inspection.id)).select_from(Inspection)
    if _reads_declaration(flt):
        stmt = stmt.join(Declaration, Declaration.id == Inspection.declaration_id).join(
            Enterprise, Enterprise.id == Declaration.enterprise_id
        )
    with connection(db) as conn:
        return int(conn.scalar(_filtered(stmt, port_ids, flt)) or 0)


def export_inspections(
    db: Database,
    port_ids: Iterable[int] | None,
    flt: InspectionFilter | None = None,
    *,
    sort: str = "created_at",
    descending: bool = True,
    max_rows: int = MAX_EXPORT,
) -> pd.DataFrame:
    """The whole filtered list (up to max_rows) for download, in the page's order."""
    col = SORTS[sort]
    order = (col.desc(), Inspection.id.desc()) if descending else (col.asc(), Inspection.id.asc())
    df = frame(db, _base(port_ids, flt or InspectionFilter()).order_by(*order).limit(max_rows))
    return utc_columns(df, *TIME_COLUMNS)


def inspectors_in_scope(db: Database, port_ids: Iterable[int] | None) -> list[dict]:
    """Inspectors assigned at least once in the scope (for the filter): [{'id', 'username', 'display_name'}]."""
    stmt = (
        select(User.id, User.username, User.display_name)
        .where(User.role == "inspector")
        .where(
            exists().where(
                InspectorAssignment.user_id == User.id,
                InspectorAssignment.inspection_id == Inspection.id,
                in_scope(Inspection.port_id, port_ids),
            )
        )
        .order_by(User.username)
    )
    return records(db, stmt)


def enterprise_by_id(db: Database, enterprise_id: int) -> dict | None:
    """{'id', 'name', 'name_en'} of one enterprise (the list's enterprise filter shows its name); None if unknown."""
    rows = records(
        db, select(Enterprise.id, Enterprise.name, Enterprise.name_en).where(Enterprise.id == int(enterprise_id))
    )
    return rows[0] if rows else None


def declaration_number(db: Database, port_ids: Iterable[int] | None, declaration_id: int) -> str | None:
    """One declaration's number in the scope (the list's declaration filter shows it); None if none."""
    stmt = select(Declaration.number).where(
        Declaration.id == int(declaration_id), in_scope(Declaration.port_id, port_ids)
    )
    with connection(db) as conn:
        return conn.scalar(stmt)


def finding_rules(db: Database, port_ids: Iterable[int] | None) -> list[str]:
    """The rule ids of the findings recorded in the scope, sorted (the finding filter's choices)."""
    stmt = (
        select(Finding.rule_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Finding.rule_id.is_not(None), in_scope(Inspection.port_id, port_ids))
        .distinct()
        .order_by(Finding.rule_id)
    )
    with connection(db) as conn:
        return [str(r) for r in conn.scalars(stmt)]
