"""Use cases on inspections (查验): open, assign inspectors, start, complete, decide.

Each function is one transaction: it checks role and port scope, moves the state through
portsight.domain.inspection.check_transition, stamps the state's timestamp column, writes one
InspectionTransition row per change and the audit entry, and returns plain data.
Later features (checklist steps, photos, receipts) build on these in their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.locks import lock_inspection
from portsight.db.models import (
    ConflictOfInterest,
    Declaration,
    Inspection,
    InspectionTransition,
    InspectorAssignment,
    User,
)
from portsight.db.outbox import add_decision_to_outbox
from portsight.db.rollups import refresh_rollups_for_inspection
from portsight.db.session import Database, unit_of_work
from portsight.db.staff import covers_port, is_active_inspector
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.inspection import (
    DECISION_STATE,
    OPEN_STATES,
    STATE_TIMESTAMP,
    Decision,
    InspectionState,
    check_transition,
)
from portsight.domain.selection import may_decide
from portsight.errors import AccessDenied, Conflict, InvalidInput, NotFound


def _assigned_user_ids(session: Session, inspection_id: int) -> list[int]:
    return list(
        session.scalars(
            select(InspectorAssignment.user_id)
            .where(InspectorAssignment.inspection_id == inspection_id)
            .order_by(InspectorAssignment.id)
        )
    )


def _require_assigned(session: Session, actor: Actor, inspection: Inspection) -> None:
    if actor.user_id not in _assigned_user_ids(session, inspection.id):
        raise AccessDenied(f"Inspection {inspection.id} is assigned to other inspectors.")


def _my_inspection(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    """The inspection locked for the inspector assigned to it, at a port in their scope."""
    require_role(actor, Role.INSPECTOR)
    inspection = lock_inspection(session, inspection_id)
    require_port(actor, inspection.port_id)
    _require_assigned(session, actor, inspection)
    return inspection


def _move(
    session: Session,
    actor: Actor,
    inspection: Inspection,
    target: InspectionState,
    now: datetime,
    action: str,
    extra_after: dict | None = None,
) -> dict:
    before = inspection.state
    state = check_transition(before, target)
    inspection.state = state.value
    setattr(inspection, STATE_TIMESTAMP[state], now)
    session.execute(
        insert(InspectionTransition),
        [
            {
                "inspection_id": inspection.id,
                "from_state": before,
                "to_state": state.value,
                "at": now,
                "user_id": actor.user_id,
            }
        ],
    )
    after = {"state": state.value, **(extra_after or {})}
    record_audit(
        session,
        actor,
        action,
        "inspection",
        inspection.id,
        before={"state": before},
        after=after,
        port_id=inspection.port_id,
    )
    return {"id": inspection.id, "state": state.value, "from_state": before, "at": now}


def open_inspection(
    db: Database,
    actor: Actor,
    declaration_id: int,
    selection_id: int | None = None,
    priority: int = 0,
    *,
    now: datetime | None = None,
) -> int:
    """Open a pending inspection for a declaration selected for inspection; returns its id."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = now or utcnow()
    with unit_of_work(db) as session:
        declaration = session.get(Declaration, declaration_id)
        if declaration is None:
            raise NotFound(f"Declaration {declaration_id} does not exist.")
        require_port(actor, declaration.port_id)
        open_id = session.scalar(
            select(Inspection.id).where(
                Inspection.declaration_id == declaration_id,
                Inspection.state.in_([s.value for s in OPEN_STATES]),
            )
        )
        if open_id is not None:
            raise Conflict(f"Declaration {declaration.number} already has an open inspection ({open_id}).")
        inspection = Inspection(
            declaration_id=declaration_id,
            port_id=declaration.port_id,
            selection_id=selection_id,
            state=InspectionState.PENDING.value,
            priority=int(priority),
            created_at=now,
        )
        session.add(inspection)
        session.flush()
        session.execute(
            insert(InspectionTransition),
            [
                {
                    "inspection_id": inspection.id,
                    "from_state": None,
                    "to_state": InspectionState.PENDING.value,
                    "at": now,
                    "user_id": actor.user_id,
                }
            ],
        )
        record_audit(
            session,
            actor,
            "open",
            "inspection",
            inspection.id,
            after={
                "state": InspectionState.PENDING.value,
                "declaration_id": declaration_id,
                "selection_id": selection_id,
                "priority": int(priority),
            },
            port_id=declaration.port_id,
        )
        refresh_rollups_for_inspection(session, inspection.id)
        return inspection.id


def assign_inspectors(
    db: Database,
    actor: Actor,
    inspection_id: int,
    user_ids: Sequence[int],
    *,
    draw_seed: str | None = None,
    draw_inputs: dict | None = None,
    now: datetime | None = None,
) -> dict:
    """Assign the inspectors (first = lead, the others = second); re-assigning replaces them."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = now or utcnow()
    user_ids = [int(u) for u in user_ids]
    if not user_ids:
        raise InvalidInput("Choose at least one inspector.")
    if len(set(user_ids)) != len(user_ids):
        raise InvalidInput("The same inspector cannot be assigned twice.")
    with unit_of_work(db) as session:
        inspection = lock_inspection(session, inspection_id)
        require_port(actor, inspection.port_id)
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        for uid in user_ids:
            user = users.get(uid)
            if user is None:
                raise NotFound(f"User {uid} does not exist.")
            if not is_active_inspector(user):
                raise InvalidInput(f"{user.username} is not an active inspector.")
            if not covers_port(session, user, inspection.port_id):
                raise InvalidInput(f"{user.username} does not work at this port.")
        enterprise_id = session.scalar(
            select(Declaration.enterprise_id).where(Declaration.id == inspection.declaration_id)
        )
        conflicted = session.scalar(
            select(ConflictOfInterest.user_id).where(
                ConflictOfInterest.user_id.in_(user_ids), ConflictOfInterest.enterprise_id == enterprise_id
            )
        )
        if conflicted is not None:
            raise Conflict(f"{users[conflicted].username} has a declared conflict of interest with this enterprise.")
        previous = _assigned_user_ids(session, inspection.id)
        session.execute(delete(InspectorAssignment).where(InspectorAssignment.inspection_id == inspection.id))
        session.execute(
            insert(InspectorAssignment),
            [
                {
                    "inspection_id": inspection.id,
                    "user_id": uid,
                    "position": "lead" if i == 0 else "second",
                    "assigned_at": now,
                    "draw_seed": draw_seed,
                    "draw_inputs": draw_inputs,
                }
                for i, uid in enumerate(user_ids)
            ],
        )
        result = _move(
            session,
            actor,
            inspection,
            InspectionState.ASSIGNED,
            now,
            "assign",
            {"inspectors": user_ids, "previous_inspectors": previous},
        )
        return {**result, "inspectors": user_ids}


def start_inspection(db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> dict:
    """The assigned inspector starts work at the container."""
    with unit_of_work(db) as session:
        inspection = _my_inspection(session, actor, inspection_id)
        return _move(session, actor, inspection, InspectionState.IN_PROGRESS, now or utcnow(), "start")


def complete_inspection(db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> dict:
    """The assigned inspector has finished the checklist; the decision comes next."""
    with unit_of_work(db) as session:
        inspection = _my_inspection(session, actor, inspection_id)
        result = _move(session, actor, inspection, InspectionState.COMPLETED, now or utcnow(), "complete")
        session.flush()
        refresh_rollups_for_inspection(session, inspection.id)
        return result


def decide_inspection(
    db: Database, actor: Actor, inspection_id: int, decision: str, *, now: datetime | None = None
) -> dict:
    """Release, hold, return or destroy. The assigned inspector or a supervisor decides a completed
    inspection; only a supervisor clears a hold."""
    try:
        decision = Decision(decision)
    except ValueError as exc:
        raise InvalidInput(f"'{decision}' is not a decision (release, hold, return, destroy).") from exc
    now = now or utcnow()
    require_role(actor, Role.INSPECTOR, Role.SUPERVISOR)
    with unit_of_work(db) as session:
        inspection = lock_inspection(session, inspection_id)
        require_port(actor, inspection.port_id)
        if actor.role == Role.INSPECTOR:
            if inspection.state == InspectionState.HELD.value:
                raise AccessDenied("Only a supervisor can clear a hold.")
            _require_assigned(session, actor, inspection)
        conflicted = session.scalars(
            select(ConflictOfInterest.user_id)
            .join(Declaration, Declaration.enterprise_id == ConflictOfInterest.enterprise_id)
            .where(Declaration.id == inspection.declaration_id)
        )
        if not may_decide(actor.user_id, conflicted):
            raise AccessDenied(
                "You have declared a conflict of interest with this enterprise: another officer must decide."
            )
        result = _move(
            session,
            actor,
            inspection,
            DECISION_STATE[decision],
            now,
            "decide",
            {"decision": decision.value},
        )
        inspection.decision = decision.value
        inspection.decided_by_id = actor.user_id
        session.flush()
        refresh_rollups_for_inspection(session, inspection.id)
        # Last write before commit: the outbox lock (PostgreSQL) is held only briefly.
        add_decision_to_outbox(session, inspection.id, now=now)
        return {**result, "decision": decision.value}
