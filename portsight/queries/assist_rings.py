"""Read side of ringing: what rings an expert now, who is coming to an inspector's request, an expert's skills."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portsight.clock import as_utc
from portsight.db.models import AssistRing, AssistSession, Declaration, ExpertSkill, Inspection, Port, User
from portsight.db.session import Database
from portsight.db.sql import records


def rings_for(db: Database, user_id: int) -> list[dict]:
    """Waiting requests ringing this expert now (not declined), newest ring first."""
    requester = aliased(User)
    stmt = (
        select(
            AssistSession.id,
            AssistRing.id.label("ring_id"),
            AssistSession.inspection_id,
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            AssistSession.step_key,
            AssistSession.question,
            requester.display_name.label("requested_by"),
            AssistSession.requested_at,
            AssistRing.circle,
            AssistRing.rung_at,
        )
        .join(AssistSession, AssistSession.id == AssistRing.session_id)
        .join(Inspection, Inspection.id == AssistSession.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == AssistSession.port_id)
        .join(requester, requester.id == AssistSession.requested_by_id)
        .where(AssistRing.user_id == user_id, AssistRing.declined_at.is_(None), AssistSession.state == "waiting")
        .order_by(AssistRing.rung_at.desc(), AssistSession.id.desc())
    )
    rows = records(db, stmt)
    for row in rows:
        row["requested_at"], row["rung_at"] = as_utc(row["requested_at"]), as_utc(row["rung_at"])
    return rows


def who_is_coming(db: Database, session_id: int) -> dict:
    """The request's circle and the experts it rang (circle, declined or not), and the expert who joined.

    {"state", "circle", "expert": name or None, "rung": [{"user_id", "name", "circle", "rung_at",
    "declined_at"}, ...]} in the order they were rung; an empty dict for an unknown request.
    """
    expert = aliased(User)
    head = records(
        db,
        select(AssistSession.state, AssistSession.circle, AssistSession.expert_id, expert.display_name.label("expert"))
        .outerjoin(expert, expert.id == AssistSession.expert_id)
        .where(AssistSession.id == session_id),
    )
    if not head:
        return {}
    rung = records(
        db,
        select(
            AssistRing.user_id,
            User.display_name.label("name"),
            AssistRing.circle,
            AssistRing.rung_at,
            AssistRing.declined_at,
        )
        .join(User, User.id == AssistRing.user_id)
        .where(AssistRing.session_id == session_id)
        .order_by(AssistRing.circle, AssistRing.rung_at, AssistRing.id),
    )
    for row in rung:
        row["rung_at"] = as_utc(row["rung_at"])
        row["declined_at"] = None if row["declined_at"] is None else as_utc(row["declined_at"])
    return {**head[0], "rung": rung}


def expert_skills(db: Database, user_id: int) -> dict[str, list[str]]:
    """An expert's skills by kind (chapter, rule_family, language), each sorted; a kind with none is absent."""
    stmt = (
        select(ExpertSkill.kind, ExpertSkill.value)
        .where(ExpertSkill.user_id == user_id)
        .order_by(ExpertSkill.kind, ExpertSkill.value)
    )
    skills: dict[str, list[str]] = {}
    for row in records(db, stmt):
        skills.setdefault(row["kind"], []).append(row["value"])
    return skills
