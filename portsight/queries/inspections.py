"""Inspections: the filtered, sorted, paginated list (and its CSV / Excel export) and one inspection's record.

A port scope is a frozenset of port ids, or None for every port. The scope is applied in SQL,
so a supervisor of one port never receives another port's rows; `inspection_record` raises
AccessDenied for an inspection outside the scope.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Select, and_, exists, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from portsight.clock import as_utc
from portsight.db.models import (
    Alert,
    AssistSession,
    AuditEntry,
    ChatMessage,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    Finding,
    GoodsLine,
    Inspection,
    InspectionTransition,
    InspectorAssignment,
    Port,
    ReleaseReceipt,
    Selection,
    StepResult,
    User,
)
from portsight.db.session import Database
from portsight.domain.access import AccessDenied
from portsight.queries import LOCAL_TZ, connection, frame, in_scope
from portsight.services.errors import NotFound

MAX_PAGE = 500
MAX_EXPORT = 100_000


@dataclass(frozen=True)
class InspectionFilter:
    """What the inspections page filters by; empty fields do not filter. Dates are local calendar days."""

    port_id: int | None = None
    states: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    enterprise: str | None = None  # part of the name, or the USCC
    container: str | None = None  # container number or its beginning
    hs_chapter: str | None = None  # two digits
    inspector_id: int | None = None
    decision: str | None = None


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
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(LOCAL_TZ))


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


def _filtered(stmt: Select, port_ids: Iterable[int] | None, flt: InspectionFilter) -> Select:
    """The filter's WHERE clauses (Enterprise must be joined when flt.enterprise is set)."""
    stmt = stmt.where(in_scope(Inspection.port_id, port_ids))
    if flt.port_id is not None:
        stmt = stmt.where(Inspection.port_id == int(flt.port_id))
    if flt.states:
        stmt = stmt.where(Inspection.state.in_(list(flt.states)))
    if flt.date_from is not None:
        stmt = stmt.where(Inspection.created_at >= _local_start(flt.date_from))
    if flt.date_to is not None:
        stmt = stmt.where(Inspection.created_at < _local_start(flt.date_to + timedelta(days=1)))
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
    return stmt


def _next_prefix(prefix: str) -> str:
    """The smallest string after every string that starts with prefix (for a range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _plain(value):
    """A cursor value as a plain Python object the driver can bind (not a pandas/numpy scalar)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _localise(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("declared_at", "created_at", "decided_at"):
        if col in df.columns and not df.empty:
            df[col] = df[col].map(lambda v: None if v is None or pd.isna(v) else as_utc(v))
    return df


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
    df = _localise(df.drop(columns=["_sort"]).reset_index(drop=True))
    return InspectionPage(rows=df, next_after=next_after, offset=offset, columns=LIST_COLUMNS)


def count_inspections(db: Database, port_ids: Iterable[int] | None, flt: InspectionFilter | None = None) -> int:
    """How many inspections match. Counted on inspections alone (an index range for most
    filters); declarations and enterprises are joined only for the enterprise filter, since
    every inspection has exactly one of each."""
    flt = flt or InspectionFilter()
    stmt = select(func.count(Inspection.id)).select_from(Inspection)
    if flt.enterprise and flt.enterprise.strip():
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
    return _localise(df)


def _export_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in ("declared_at", "created_at", "decided_at"):
        if col in out.columns:
            out[col] = out[col].map(lambda v: "" if v is None or pd.isna(v) else v.isoformat())
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so spreadsheet programs open Chinese names correctly."""
    return _export_frame(df).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(df: pd.DataFrame, sheet: str = "inspections") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _export_frame(df).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


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
    with connection(db) as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


# ------------------------------------------------------------------ one inspection's record


def _rows(conn, stmt) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(stmt)]


def inspection_record(db: Database, port_ids: Iterable[int] | None, inspection_id: int) -> dict:
    """Everything about one inspection, as plain dicts and lists of dicts.

    Keys: inspection, declaration, enterprise, port, goods, containers, selection, inspectors,
    timeline, steps, evidence, findings, assist_sessions, receipt, alerts, audit.
    """
    scope = None if port_ids is None else frozenset(port_ids)
    decided_by = aliased(User)
    with connection(db) as conn:
        head = conn.execute(
            select(Inspection.__table__, decided_by.display_name.label("decided_by"))
            .outerjoin(decided_by, decided_by.id == Inspection.decided_by_id)
            .where(Inspection.id == int(inspection_id))
        ).first()
        if head is None:
            raise NotFound(f"Inspection {inspection_id} does not exist; check the number.")
        ins = head
        if scope is not None and ins.port_id not in scope:
            raise AccessDenied("This inspection belongs to a port outside your scope.")
        decl = conn.execute(select(Declaration.__table__).where(Declaration.id == ins.declaration_id)).mappings().one()
        enterprise = conn.execute(select(Enterprise.__table__).where(Enterprise.id == decl["enterprise_id"])).mappings()
        port = conn.execute(select(Port.__table__).where(Port.id == ins.port_id)).mappings().one()
        record: dict = {
            "inspection": {
                "id": ins.id,
                "state": ins.state,
                "priority": ins.priority,
                "decision": ins.decision,
                "decided_by": head.decided_by,
                "current_step": ins.current_step,
                "created_at": ins.created_at,
                "assigned_at": ins.assigned_at,
                "started_at": ins.started_at,
                "completed_at": ins.completed_at,
                "decided_at": ins.decided_at,
                "selection_id": ins.selection_id,
            },
            "declaration": dict(decl),
            "enterprise": dict(enterprise.one_or_none() or {}),
            "port": dict(port),
        }
        record["goods"] = _rows(
            conn,
            select(
                GoodsLine.line_no,
                GoodsLine.hs_code,
                GoodsLine.description,
                GoodsLine.quantity,
                GoodsLine.unit,
                GoodsLine.gross_weight_kg,
                GoodsLine.value,
                GoodsLine.currency,
            )
            .where(GoodsLine.declaration_id == ins.declaration_id)
            .order_by(GoodsLine.line_no),
        )
        record["containers"] = _rows(
            conn,
            select(Container.id, Container.number, Container.size_type, Container.declared_seal)
            .where(Container.declaration_id == ins.declaration_id)
            .order_by(Container.id),
        )
        record["selection"] = None
        if ins.selection_id is not None:
            sel = conn.execute(select(Selection.__table__).where(Selection.id == ins.selection_id)).mappings().first()
            record["selection"] = dict(sel) if sel else None
        else:
            sel = (
                conn.execute(
                    select(Selection.__table__)
                    .where(Selection.declaration_id == ins.declaration_id)
                    .order_by(Selection.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            record["selection"] = dict(sel) if sel else None
        record["inspectors"] = _rows(
            conn,
            select(
                User.id,
                User.username,
                User.display_name,
                InspectorAssignment.position,
                InspectorAssignment.assigned_at,
                InspectorAssignment.draw_seed,
            )
            .join(User, User.id == InspectorAssignment.user_id)
            .where(InspectorAssignment.inspection_id == ins.id)
            .order_by(InspectorAssignment.id),
        )
        record["timeline"] = _rows(
            conn,
            select(
                InspectionTransition.from_state,
                InspectionTransition.to_state,
                InspectionTransition.at,
                User.display_name.label("by"),
            )
            .outerjoin(User, User.id == InspectionTransition.user_id)
            .where(InspectionTransition.inspection_id == ins.id)
            .order_by(InspectionTransition.at, InspectionTransition.id),
        )
        record["steps"] = _rows(
            conn,
            select(
                StepResult.id,
                StepResult.step_key,
                StepResult.container_id,
                Container.number.label("container"),
                StepResult.outcome,
                StepResult.values,
                StepResult.rules_applied,
                StepResult.note,
                StepResult.recorded_at,
                User.display_name.label("by"),
            )
            .outerjoin(Container, Container.id == StepResult.container_id)
            .outerjoin(User, User.id == StepResult.recorded_by_id)
            .where(StepResult.inspection_id == ins.id)
            .order_by(StepResult.recorded_at, StepResult.id),
        )
        record["evidence"] = _rows(
            conn,
            select(
                Evidence.id,
                Evidence.step_key,
                Evidence.container_id,
                Evidence.assist_session_id,
                Evidence.sha256,
                Evidence.media_type,
                Evidence.size_bytes,
                Evidence.original_name,
                Evidence.source,
                Evidence.taken_at,
                User.display_name.label("by"),
            )
            .outerjoin(User, User.id == Evidence.taken_by_id)
            .where(Evidence.inspection_id == ins.id)
            .order_by(Evidence.taken_at, Evidence.id),
        )
        record["findings"] = _rows(
            conn,
            select(
                Finding.id,
                Finding.step_key,
                Finding.rule_id,
                Finding.severity,
                Finding.description,
                Finding.citation,
                Finding.created_at,
                User.display_name.label("by"),
            )
            .outerjoin(User, User.id == Finding.created_by_id)
            .where(Finding.inspection_id == ins.id)
            .order_by(Finding.created_at, Finding.id),
        )
        expert = aliased(User)
        requester = aliased(User)
        chat_count = (
            select(func.count(ChatMessage.id)).where(ChatMessage.session_id == AssistSession.id).scalar_subquery()
        )
        record["assist_sessions"] = _rows(
            conn,
            select(
                AssistSession.id,
                AssistSession.step_key,
                AssistSession.question,
                AssistSession.state,
                AssistSession.requested_at,
                AssistSession.joined_at,
                AssistSession.ended_at,
                AssistSession.note,
                AssistSession.conclusion,
                requester.display_name.label("requested_by"),
                expert.display_name.label("expert"),
                chat_count.label("messages"),
            )
            .join(requester, requester.id == AssistSession.requested_by_id)
            .outerjoin(expert, expert.id == AssistSession.expert_id)
            .where(AssistSession.inspection_id == ins.id)
            .order_by(AssistSession.requested_at),
        )
        receipt = (
            conn.execute(
                select(
                    ReleaseReceipt.receipt_no,
                    ReleaseReceipt.issued_at,
                    ReleaseReceipt.used_at,
                    ReleaseReceipt.used_gate,
                ).where(ReleaseReceipt.inspection_id == ins.id)
            )
            .mappings()
            .first()
        )
        record["receipt"] = dict(receipt) if receipt else None
        record["alerts"] = _rows(
            conn,
            select(Alert.id, Alert.kind, Alert.severity, Alert.state, Alert.count, Alert.title, Alert.last_raised_at)
            .where(or_(Alert.inspection_id == ins.id, Alert.declaration_id == ins.declaration_id))
            .order_by(Alert.id),
        )
        related = [
            and_(AuditEntry.entity == "inspection", AuditEntry.entity_id == str(ins.id)),
            and_(AuditEntry.entity == "declaration", AuditEntry.entity_id == str(ins.declaration_id)),
        ]
        alert_ids = [str(a["id"]) for a in record["alerts"]]
        if alert_ids:
            related.append(and_(AuditEntry.entity == "alert", AuditEntry.entity_id.in_(alert_ids)))
        session_ids = [str(s["id"]) for s in record["assist_sessions"]]
        if session_ids:
            related.append(
                and_(AuditEntry.entity.in_(["assist_session", "assist"]), AuditEntry.entity_id.in_(session_ids))
            )
        record["audit"] = _rows(
            conn,
            select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.entity,
                AuditEntry.entity_id,
                AuditEntry.before,
                AuditEntry.after,
            )
            .where(or_(*related))
            .order_by(AuditEntry.id),
        )
    return record
