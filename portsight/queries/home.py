"""Home page data, one query per role's panel. Scope is a frozenset of port ids or None (all)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import func, or_, select

from portsight.clock import utcnow
from portsight.db.alert_store import UNRESOLVED
from portsight.db.models import (
    Alert,
    AssistSession,
    Declaration,
    Inspection,
    InspectorAssignment,
    Port,
    ReleaseReceipt,
)
from portsight.db.session import Database
from portsight.db.sql import connection, day_bounds, frame, in_scope
from portsight.domain.inspection import OPEN_STATES
from portsight.domain.rulebook import SEVERITIES_HIGH_FIRST


def inspection_states_today(db: Database, port_ids: Iterable[int] | None, now: datetime | None = None) -> pd.DataFrame:
    """Per port and state: open inspections now, plus those decided today. Columns port, state, count."""
    start, end = day_bounds(now or utcnow())
    stmt = (
        select(Port.code.label("port"), Inspection.state.label("state"), func.count(Inspection.id).label("count"))
        .join(Port, Port.id == Inspection.port_id)
        .where(in_scope(Inspection.port_id, port_ids))
        .where(
            or_(
                Inspection.state.in_(sorted(OPEN_STATES)),
                Inspection.decided_at.between(start, end),
            )
        )
        .group_by(Port.code, Inspection.state)
        .order_by(Port.code, Inspection.state)
    )
    return frame(db, stmt)


def open_alerts_by_severity(db: Database, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Unresolved alerts counted by severity (high first). Columns severity, count."""
    stmt = (
        select(Alert.severity.label("severity"), func.count(Alert.id).label("count"))
        .where(Alert.state.in_(UNRESOLVED))
        .where(in_scope(Alert.port_id, port_ids))
        .group_by(Alert.severity)
    )
    df = frame(db, stmt)
    rank = {s: i for i, s in enumerate(SEVERITIES_HIGH_FIRST)}
    return df.sort_values("severity", key=lambda s: s.map(lambda v: rank.get(v, 99))).reset_index(drop=True)


def my_assigned_inspections(db: Database, user_id: int, limit: int = 50) -> pd.DataFrame:
    """The inspector's open inspections, most urgent first."""
    stmt = (
        select(
            Inspection.id.label("inspection_id"),
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            Inspection.state.label("state"),
            Inspection.priority.label("priority"),
            InspectorAssignment.position.label("position"),
            InspectorAssignment.assigned_at.label("assigned_at"),
        )
        .join(InspectorAssignment, InspectorAssignment.inspection_id == Inspection.id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .where(InspectorAssignment.user_id == user_id)
        .where(Inspection.state.in_(sorted(OPEN_STATES)))
        .order_by(Inspection.priority.desc(), InspectorAssignment.assigned_at)
        .limit(limit)
    )
    return frame(db, stmt)


def waiting_assist_requests(db: Database, port_ids: Iterable[int] | None, limit: int = 50) -> pd.DataFrame:
    """Remote-assist requests nobody has joined yet, oldest first."""
    stmt = (
        select(
            AssistSession.id.label("request_id"),
            Port.code.label("port"),
            Declaration.number.label("declaration"),
            AssistSession.step_key.label("step"),
            AssistSession.expertise.label("expertise"),
            AssistSession.question.label("question"),
            AssistSession.requested_at.label("requested_at"),
        )
        .join(Inspection, Inspection.id == AssistSession.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == AssistSession.port_id)
        .where(AssistSession.state == "waiting")
        .where(in_scope(AssistSession.port_id, port_ids))
        .order_by(AssistSession.requested_at)
        .limit(limit)
    )
    return frame(db, stmt)


def receipts_today(db: Database, port_ids: Iterable[int] | None, now: datetime | None = None) -> dict[str, int]:
    """Release receipts issued today and used (verified at the gate) today in the scope."""
    start, end = day_bounds(now or utcnow())
    scoped = (
        select(func.count(ReleaseReceipt.id))
        .join(Inspection, Inspection.id == ReleaseReceipt.inspection_id)
        .where(in_scope(Inspection.port_id, port_ids))
    )
    with connection(db) as conn:
        issued = conn.scalar(scoped.where(ReleaseReceipt.issued_at >= start, ReleaseReceipt.issued_at < end))
        used = conn.scalar(scoped.where(ReleaseReceipt.used_at >= start, ReleaseReceipt.used_at < end))
    return {"issued": int(issued or 0), "used": int(used or 0)}
