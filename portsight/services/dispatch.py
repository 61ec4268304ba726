"""Dispatch (派员): draw the inspectors of an inspection among those on duty at its port.

The draw (portsight.domain.selection.dispatch) is recorded on the assignments (seed and inputs), so
replay_dispatch recomputes it and compares with what was assigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portsight.clock import LOCAL_TZ, as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.credit_history import tier_in_force
from portsight.db.models import (
    ConflictOfInterest,
    Declaration,
    DutyShift,
    Enterprise,
    Inspection,
    InspectorAssignment,
    Port,
    Selection,
    User,
)
from portsight.db.session import Database, unit_of_work
from portsight.db.staff import active_inspector_at
from portsight.domain import selection as domain
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.draws import dispatch_seed
from portsight.errors import Conflict, NotFound
from portsight.services.draws import day_seed_for_draw
from portsight.services.inspections import assign_inspectors
from portsight.services.selection import Replay

WORKLOAD_WINDOW_DAYS = 7


@dataclass(frozen=True)
class DispatchRecord:
    inspection_id: int
    user_ids: list[int]
    seed: str
    relaxed: bool
    excluded: dict[str, str]


def _port_inspectors(session: Session, port_id: int) -> list[int]:
    """Active inspectors who work at the port (all ports, or the port in their scope)."""
    return list(session.scalars(select(User.id).where(active_inspector_at(port_id)).order_by(User.id)))


def on_duty_user_ids(session: Session, port_id: int, at: datetime) -> set[int]:
    return set(
        session.scalars(
            select(DutyShift.user_id).where(
                DutyShift.port_id == port_id, DutyShift.starts_at <= at, DutyShift.ends_at > at
            )
        )
    )


def _candidates(session: Session, inspection: Inspection, enterprise_id: int, now: datetime) -> list[domain.Candidate]:
    users = _port_inspectors(session, inspection.port_id)
    if not users:
        return []
    on_duty = on_duty_user_ids(session, inspection.port_id, now)
    since = now - timedelta(days=WORKLOAD_WINDOW_DAYS)
    workload = dict(
        session.execute(
            select(InspectorAssignment.user_id, func.count())
            .where(
                InspectorAssignment.user_id.in_(users),
                InspectorAssignment.assigned_at >= since,
                InspectorAssignment.assigned_at <= now,
            )
            .group_by(InspectorAssignment.user_id)
        ).all()
    )
    conflicted = set(
        session.scalars(
            select(ConflictOfInterest.user_id).where(
                ConflictOfInterest.enterprise_id == enterprise_id, ConflictOfInterest.user_id.in_(users)
            )
        )
    )
    previous_inspection = session.scalar(
        select(Inspection.id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(
            Declaration.enterprise_id == enterprise_id,
            Inspection.id != inspection.id,
            Inspection.id.in_(select(InspectorAssignment.inspection_id)),
        )
        .order_by(Inspection.created_at.desc(), Inspection.id.desc())
        .limit(1)
    )
    previous = (
        set(
            session.scalars(
                select(InspectorAssignment.user_id).where(InspectorAssignment.inspection_id == previous_inspection)
            )
        )
        if previous_inspection is not None
        else set()
    )
    return [
        domain.Candidate(
            user_id=u,
            on_duty=u in on_duty,
            workload=int(workload.get(u, 0)),
            conflicted=u in conflicted,
            previous_team=u in previous,
        )
        for u in users
    ]


def dispatch_inspectors(
    db: Database,
    actor: Actor,
    inspection_id: int,
    *,
    seed: str | None = None,
    now: datetime | None = None,
    needed: int | None = None,
) -> DispatchRecord:
    """Draw the inspectors for an inspection among those on duty at its port and assign them.

    needed: defaults to what the selection requires (two for rule hits and the dishonest tier).
    Refuses with Conflict when fewer eligible inspectors are on duty than needed.
    """
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = as_utc(now or utcnow())  # SQLite keeps wall-clock time: store UTC only
    # Without a given seed the team's seed comes from the day's committed seed (portsight.domain.draws).
    seed = seed or dispatch_seed(day_seed_for_draw(db, actor, now), inspection_id)
    with unit_of_work(db) as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(
                f"Inspection {inspection_id} does not exist.",
                key="errors.inspection_not_found",
                params={"id": inspection_id},
            )
        require_port(actor, inspection.port_id)
        # non-null foreign keys: the declaration and its enterprise are there
        declaration = session.get_one(Declaration, inspection.declaration_id)
        enterprise = session.get_one(Enterprise, declaration.enterprise_id)
        if needed is None:
            stored = session.get(Selection, inspection.selection_id) if inspection.selection_id else None
            if stored is not None and stored.inputs.get("inspectors_needed"):
                needed = int(stored.inputs["inspectors_needed"])
            else:
                declared_on = as_utc(declaration.declared_at).astimezone(ZoneInfo(LOCAL_TZ)).date()
                needed = domain.inspectors_needed(tier_in_force(session, enterprise.id, declared_on), ())
        candidates = _candidates(session, inspection, enterprise.id, now)
        result = domain.dispatch(candidates, needed, seed)
        if result.shortfall:
            port = session.get_one(Port, inspection.port_id)  # a non-null foreign key
            raise Conflict(
                f"Only {len(result.user_ids)} inspector(s) without a conflict are on duty at {port.code} now; "
                f"this inspection needs {needed}. Add a shift in the roster, then dispatch again.",
                key="errors.dispatch_shortfall",
                params={
                    "found": len(result.user_ids),
                    "port": {"zh": port.name_zh, "en": port.name_en},
                    "needed": needed,
                },
            )
        inputs = domain.dispatch_inputs(
            candidates, needed, inspection_id=inspection.id, enterprise_id=enterprise.id, at=now.isoformat()
        )
        assign_inspectors(
            session.connection(), actor, inspection.id, list(result.user_ids),
            draw_seed=seed, draw_inputs=inputs, now=now,
        )  # fmt: skip
        record_audit(
            session,
            actor,
            "dispatch",
            "inspection",
            inspection.id,
            after={"inspectors": list(result.user_ids), "seed": seed, "relaxed": result.relaxed},
            port_id=inspection.port_id,
        )
        return DispatchRecord(
            inspection.id, list(result.user_ids), seed, result.relaxed, {str(k): v for k, v in result.excluded.items()}
        )


def replay_dispatch(db: Database, inspection_id: int) -> Replay:
    """Recompute the recorded dispatch of an inspection from its seed and inputs."""
    with unit_of_work(db) as session:
        rows = session.execute(
            select(InspectorAssignment.user_id, InspectorAssignment.draw_seed, InspectorAssignment.draw_inputs)
            .where(InspectorAssignment.inspection_id == inspection_id)
            .order_by(InspectorAssignment.id)
        ).all()
        if not rows or rows[0].draw_seed is None:
            raise NotFound(
                f"Inspection {inspection_id} has no recorded draw of inspectors.",
                key="errors.dispatch_no_draw",
                params={"id": inspection_id},
            )
        again = domain.replay_dispatch(rows[0].draw_inputs, rows[0].draw_seed)
        return Replay({"user_ids": [r.user_id for r in rows]}, {"user_ids": list(again.user_ids)})


__all__ = ["WORKLOAD_WINDOW_DAYS", "DispatchRecord", "dispatch_inspectors", "on_duty_user_ids", "replay_dispatch"]
