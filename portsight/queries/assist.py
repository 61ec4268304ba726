"""Read side of remote assistance: the experts' queue, one session's state and its record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portsight.clock import as_utc, utcnow
from portsight.db.models import (
    AssistSession,
    ChatMessage,
    Declaration,
    Evidence,
    Inspection,
    InspectorAssignment,
    Port,
    User,
)
from portsight.db.session import Database
from portsight.db.sql import connection, frame, in_scope, records
from portsight.domain.inspection import OPEN_STATES

QUEUE_COLUMNS = [
    "id",
    "inspection_id",
    "declaration",
    "port",
    "step_key",
    "question",
    "expertise",
    "requested_by",
    "requested_at",
    "waiting_minutes",
]


def _minutes_since(values: pd.Series, now: datetime) -> pd.Series:
    return values.map(lambda v: round((now - as_utc(v)).total_seconds() / 60.0, 1))


def waiting_queue(db: Database, port_ids: Iterable[int] | None, now: datetime | None = None) -> pd.DataFrame:
    """Waiting requests in scope, oldest first, with how long each has waited (minutes)."""
    requester = aliased(User)
    stmt = (
        select(
            AssistSession.id,
            AssistSession.inspection_id,
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            AssistSession.step_key,
            AssistSession.question,
            AssistSession.expertise,
            requester.display_name.label("requested_by"),
            AssistSession.requested_at,
        )
        .join(Inspection, Inspection.id == AssistSession.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == AssistSession.port_id)
        .join(requester, requester.id == AssistSession.requested_by_id)
        .where(AssistSession.state == "waiting")
        .where(in_scope(AssistSession.port_id, port_ids))
        .order_by(AssistSession.requested_at, AssistSession.id)
    )
    df = frame(db, stmt)
    df["waiting_minutes"] = _minutes_since(df["requested_at"], now or utcnow()) if len(df) else pd.Series(dtype=float)
    return df[QUEUE_COLUMNS]


def session_record(db: Database, session_id: int, port_ids: Iterable[int] | None) -> dict | None:
    """One session: who, when, duration, question, note, conclusion, snapshots and chat (None if unseen)."""
    requester, expert = aliased(User), aliased(User)
    stmt = (
        select(
            AssistSession.id,
            AssistSession.inspection_id,
            AssistSession.port_id,
            Port.code.label("port"),
            AssistSession.step_key,
            AssistSession.question,
            AssistSession.expertise,
            AssistSession.state,
            AssistSession.requested_by_id,
            requester.display_name.label("requested_by"),
            AssistSession.requested_at,
            AssistSession.expert_id,
            expert.display_name.label("expert"),
            AssistSession.joined_at,
            AssistSession.ended_at,
            AssistSession.note,
            AssistSession.conclusion,
            AssistSession.recording_path,
        )
        .join(Port, Port.id == AssistSession.port_id)
        .join(requester, requester.id == AssistSession.requested_by_id)
        .outerjoin(expert, expert.id == AssistSession.expert_id)
        .where(AssistSession.id == session_id)
        .where(in_scope(AssistSession.port_id, port_ids))
    )
    with connection(db) as conn:
        row = conn.execute(stmt).one_or_none()
        if row is None:
            return None
        record = dict(row._mapping)
        for key in ("requested_at", "joined_at", "ended_at"):
            if record[key] is not None:
                record[key] = as_utc(record[key])
        if record["joined_at"] is not None:
            until = record["ended_at"] or utcnow()
            record["duration_seconds"] = max(0.0, (until - record["joined_at"]).total_seconds())
        else:
            record["duration_seconds"] = None
        record["snapshots"] = snapshots(conn, session_id)
        record["chat"] = chat_messages(conn, session_id)
    return record


def snapshots(db: Database, session_id: int) -> list[dict]:
    """Evidence taken during the session, oldest first: id, sha256, size, taken_at, taken_by."""
    stmt = (
        select(
            Evidence.id,
            Evidence.sha256,
            Evidence.step_key,
            Evidence.size_bytes,
            Evidence.taken_at,
            User.display_name.label("taken_by"),
        )
        .outerjoin(User, User.id == Evidence.taken_by_id)
        .where(Evidence.assist_session_id == session_id)
        .order_by(Evidence.id)
    )
    return records(db, stmt)


def chat_messages(db: Database, session_id: int, after_id: int = 0) -> list[dict]:
    """Chat lines newer than after_id, oldest first: id, user_id, sender, sent_at, text."""
    stmt = (
        select(
            ChatMessage.id,
            ChatMessage.user_id,
            User.display_name.label("sender"),
            ChatMessage.sent_at,
            ChatMessage.text,
        )
        .join(User, User.id == ChatMessage.user_id)
        .where(ChatMessage.session_id == session_id, ChatMessage.id > after_id)
        .order_by(ChatMessage.id)
    )
    return records(db, stmt)


def sessions_for_inspection(db: Database, inspection_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """The assistance sessions of one inspection (its record), newest first, with snapshot counts."""
    requester, expert = aliased(User), aliased(User)
    shots = (
        select(Evidence.assist_session_id, func.count(Evidence.id).label("snapshots"))
        .where(Evidence.assist_session_id.is_not(None))
        .group_by(Evidence.assist_session_id)
        .subquery()
    )
    stmt = (
        select(
            AssistSession.id,
            AssistSession.step_key,
            AssistSession.state,
            AssistSession.question,
            requester.display_name.label("requested_by"),
            expert.display_name.label("expert"),
            AssistSession.requested_at,
            AssistSession.joined_at,
            AssistSession.ended_at,
            AssistSession.conclusion,
            func.coalesce(shots.c.snapshots, 0).label("snapshots"),
        )
        .join(requester, requester.id == AssistSession.requested_by_id)
        .outerjoin(expert, expert.id == AssistSession.expert_id)
        .outerjoin(shots, shots.c.assist_session_id == AssistSession.id)
        .where(AssistSession.inspection_id == inspection_id)
        .where(in_scope(AssistSession.port_id, port_ids))
        .order_by(AssistSession.requested_at.desc(), AssistSession.id.desc())
    )
    return frame(db, stmt)


def open_session_for_user(db: Database, user_id: int) -> dict | None:
    """The user's own waiting or active session (as inspector or expert), the newest one."""
    stmt = (
        select(
            AssistSession.id,
            AssistSession.state,
            AssistSession.inspection_id,
            AssistSession.requested_by_id,
            AssistSession.expert_id,
        )
        .where(AssistSession.state.in_(("waiting", "active")))
        .where((AssistSession.requested_by_id == user_id) | (AssistSession.expert_id == user_id))
        .order_by(AssistSession.id.desc())
        .limit(1)
    )
    with connection(db) as conn:
        row = conn.execute(stmt).one_or_none()
        return None if row is None else dict(row._mapping)


def active_sessions(db: Database, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Calls in progress in scope (supervisors may watch): id, inspection, port, inspector, expert, joined_at."""
    requester, expert = aliased(User), aliased(User)
    stmt = (
        select(
            AssistSession.id,
            AssistSession.inspection_id,
            Port.code.label("port"),
            requester.display_name.label("requested_by"),
            expert.display_name.label("expert"),
            AssistSession.joined_at,
        )
        .join(Port, Port.id == AssistSession.port_id)
        .join(requester, requester.id == AssistSession.requested_by_id)
        .outerjoin(expert, expert.id == AssistSession.expert_id)
        .where(AssistSession.state == "active")
        .where(in_scope(AssistSession.port_id, port_ids))
        .order_by(AssistSession.joined_at)
    )
    return frame(db, stmt)


def inspections_for_assist(db: Database, user_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Open inspections the inspector is assigned to (to pick one when asking from the assist page)."""
    stmt = (
        select(
            Inspection.id,
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            Inspection.state,
            Inspection.current_step,
        )
        .join(InspectorAssignment, InspectorAssignment.inspection_id == Inspection.id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .where(InspectorAssignment.user_id == user_id)
        .where(Inspection.state.in_(sorted(OPEN_STATES)))
        .where(in_scope(Inspection.port_id, port_ids))
        .order_by(Inspection.priority.desc(), Inspection.id)
        .limit(200)
    )
    return frame(db, stmt)
