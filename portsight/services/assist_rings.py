"""Ringing experts for a request for remote help: the first circle, escalation, declining.

Whom each circle rings is decided by portsight.domain.assist_routing; this module loads what it
decides on (the request's goods chapters, the rule families of its step, the inspector's language,
the experts with their ports, skills, shifts now and calls in progress), writes one assist_rings
row per expert rung, queues its messages on the rung expert's notification subscriptions and
audits it. `escalate_unanswered` is run periodically by the background
checks (components/shell/background.py), so a request escalates whether or not any page is open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.catalogue import default_catalogue
from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import (
    AssistRing,
    AssistSession,
    AuditEntry,
    DutyShift,
    ExpertSkill,
    GoodsLine,
    Inspection,
    User,
    UserPort,
)
from portsight.db.notification_outbox import queue_rings
from portsight.db.session import Database, unit_of_work
from portsight.domain import assist_routing as routing
from portsight.domain.access import SYSTEM, AccessDenied, Actor, Role, require_port, require_role
from portsight.errors import Conflict, NotFound

# the states of portsight.services.assist, which imports this module
_WAITING, _ACTIVE = "waiting", "active"
MAX_ESCALATIONS = 200  # per run: the next run takes the rest


def rule_families() -> frozenset[str]:
    """Every rule family of the catalogue: the names of its rule files."""
    return frozenset(PurePosixPath(r.source).stem for r in default_catalogue().rules)


def rule_families_of_step(step_key: str | None) -> frozenset[str]:
    """The rule families (rule files, e.g. "meat") whose rules add or check the step."""
    if not step_key:
        return frozenset()
    return frozenset(PurePosixPath(r.source).stem for r in default_catalogue().rules if r.step_key == step_key)


def _need(session: Session, record: AssistSession) -> routing.HelpNeeded:
    hs_codes = session.scalars(
        select(GoodsLine.hs_code)
        .join(Inspection, Inspection.declaration_id == GoodsLine.declaration_id)
        .where(Inspection.id == record.inspection_id)
    )
    language = session.scalar(select(User.language).where(User.id == record.requested_by_id))
    return routing.HelpNeeded(
        port_id=record.port_id,
        chapters=routing.chapters_of(hs_codes),
        rule_families=rule_families_of_step(record.step_key),
        language=language,
    )


def _experts(session: Session, now: datetime) -> list[routing.ExpertOnCall]:
    """Every active expert with their ports, skills, shifts running now and whether they are in a call."""
    people = session.execute(
        select(User.id, User.all_ports).where(User.role == Role.EXPERT.value, User.active.is_(True))
    ).all()
    ids = [p.id for p in people]
    if not ids:
        return []
    ports: dict[int, set[int]] = {}
    for user_id, port_id in session.execute(
        select(UserPort.user_id, UserPort.port_id).where(UserPort.user_id.in_(ids))
    ):
        ports.setdefault(user_id, set()).add(port_id)
    skills: dict[int, set[tuple[str, str]]] = {}
    for user_id, kind, value in session.execute(
        select(ExpertSkill.user_id, ExpertSkill.kind, ExpertSkill.value).where(ExpertSkill.user_id.in_(ids))
    ):
        skills.setdefault(user_id, set()).add((kind, value))
    duty: dict[int, set[int]] = {}
    for user_id, port_id in session.execute(
        select(DutyShift.user_id, DutyShift.port_id).where(
            DutyShift.user_id.in_(ids), DutyShift.starts_at <= now, DutyShift.ends_at > now
        )
    ):
        duty.setdefault(user_id, set()).add(port_id)
    busy = set(
        session.scalars(
            select(AssistSession.expert_id).where(AssistSession.state == _ACTIVE, AssistSession.expert_id.in_(ids))
        )
    )
    return [
        routing.ExpertOnCall(
            user_id=p.id,
            all_ports=bool(p.all_ports),
            port_ids=frozenset(ports.get(p.id, ())),
            skills=frozenset(skills.get(p.id, ())),
            on_duty_at=frozenset(duty.get(p.id, ())),
            busy=p.id in busy,
        )
        for p in people
    ]


def _rung(session: Session, session_id: int) -> list[AssistRing]:
    return list(session.scalars(select(AssistRing).where(AssistRing.session_id == session_id)))


def _ring(
    session: Session, actor: Actor, record: AssistSession, circle: int, already: set[int], now: datetime, action: str
) -> routing.Ringing:
    """Ring the first circle from `circle` that adds someone; rows, circle and audit in the caller's transaction."""
    ringing = routing.ring_from(_need(session, record), _experts(session, now), circle, already)
    before = {"circle": record.circle}
    rings = [
        AssistRing(session_id=record.id, user_id=user_id, circle=ringing.circle, rung_at=now)
        for user_id in ringing.user_ids
    ]
    session.add_all(rings)
    record.circle = ringing.circle
    record.circle_since = now
    session.flush()
    queue_rings(session, [(ring.id, ring.user_id) for ring in rings], record.port_id, now)
    record_audit(
        session,
        actor,
        action,
        "assist_session",
        record.id,
        before=before,
        after={"circle": ringing.circle, "rung": list(ringing.user_ids)},
        port_id=record.port_id,
    )
    return ringing


def ring_first_circle(
    session: Session, record: AssistSession, now: datetime, *, simulated: bool = False
) -> routing.Ringing:
    """A new request rings its first circle (called inside request_assist's unit of work); the system rings,
    marked simulated when the request is (the demo's simulator asks too)."""
    return _ring(session, replace(SYSTEM, simulated=simulated), record, routing.LOCAL, set(), now, "assist.ring")


def _system_for(session: Session, record: AssistSession) -> Actor:
    """The system acting on a request, simulated when the request was (its audit entry says so)."""
    simulated = session.scalar(
        select(AuditEntry.simulated).where(
            AuditEntry.entity == "assist_session",
            AuditEntry.entity_id == str(record.id),
            AuditEntry.action == "assist.request",
        )
    )
    return replace(SYSTEM, simulated=bool(simulated))


def _escalate_if_due(session: Session, record: AssistSession, now: datetime) -> bool:
    rings = _rung(session, record.id)
    all_declined = bool(rings) and all(r.declined_at is not None for r in rings)
    since = as_utc(record.circle_since or record.requested_at)
    if not routing.escalation_due(record.circle, since, now, all_declined=all_declined):
        return False
    rung = {r.user_id for r in rings}
    _ring(session, _system_for(session, record), record, record.circle + 1, rung, now, "assist.escalate")
    return True


def escalate_unanswered(db: Database, now: datetime | None = None) -> list[int]:
    """Move every waiting request whose circle rang unanswered long enough to its next circle; their ids."""
    now = as_utc(now or utcnow())
    with unit_of_work(db) as session:
        stmt = (
            select(AssistSession)
            .where(AssistSession.state == _WAITING, AssistSession.circle < routing.LAST_CIRCLE)
            .order_by(AssistSession.id)
            .limit(MAX_ESCALATIONS)
        )
        if session.get_bind().dialect.name == "postgresql":
            # two server processes running the checks at once escalate each request once
            stmt = stmt.with_for_update(skip_locked=True)
        return [record.id for record in list(session.scalars(stmt)) if _escalate_if_due(session, record, now)]


def decline_ring(db: Database, actor: Actor, session_id: int) -> None:
    """An expert rung for a request says they cannot take it; when everyone rung declined, it rings further."""
    require_role(actor, Role.EXPERT)
    now = utcnow()
    with unit_of_work(db) as session:
        record = session.scalars(
            select(AssistSession).where(AssistSession.id == session_id).with_for_update()
        ).one_or_none()
        if record is None:
            raise NotFound(
                f"Assistance request #{session_id} does not exist.",
                key="errors.assist_not_found",
                params={"id": session_id},
            )
        require_port(actor, record.port_id)
        ring = session.scalars(
            select(AssistRing).where(AssistRing.session_id == session_id, AssistRing.user_id == actor.user_id)
        ).one_or_none()
        if ring is None:
            raise AccessDenied(
                f"Request #{session_id} did not ring you; there is nothing to decline.",
                key="errors.assist_not_rung",
                params={"id": session_id},
            )
        if ring.declined_at is not None:
            return
        if record.state != _WAITING:
            raise Conflict(
                f"Request #{session_id} is {record.state}; only a waiting request can be declined.",
                key="errors.assist_not_waiting_decline",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        ring.declined_at = now
        session.flush()
        record_audit(
            session,
            actor,
            "assist.decline",
            "assist_session",
            session_id,
            after={"circle": ring.circle},
            port_id=record.port_id,
        )
        _escalate_if_due(session, record, now)
