"""Use cases on inspections (查验): open, assign inspectors, start, complete, decide, record a hold's result.

Each function is one transaction: it checks role and port scope, moves the state through
portsight.domain.inspection.check_transition, stamps the state's timestamp column, writes one
InspectionTransition row per change and the audit entry, and returns plain data.
Every decision, whoever takes it (the field page through portsight.services.decisions, a
supervisor clearing a hold, the demo simulator), passes `decide_inspection`, which applies the
release policy (portsight.domain.release): release is refused while anything blocks it.
Later features (checklist steps, photos, receipts) build on these in their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.locks import lock_inspection
from portsight.db.models import (
    ConflictOfInterest,
    Container,
    Declaration,
    Finding,
    Inspection,
    InspectionTransition,
    InspectorAssignment,
    ReleaseHold,
    User,
)
from portsight.db.outbox import add_decision_to_outbox
from portsight.db.release import inspection_decisions
from portsight.db.rollups import refresh_rollups_for_inspection
from portsight.db.session import Database, unit_of_work
from portsight.db.staff import covers_port, is_active_inspector
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.checklist import second_inspector_required, slot_id
from portsight.domain.inspection import (
    AWAITING_RESULT_STATES,
    DECISION_STATE,
    HOLD_OF_DECISION,
    HOLD_RESULTS,
    HOLD_STATE,
    KEEP_FIRST_TIMESTAMP,
    OPEN_STATES,
    STATE_TIMESTAMP,
    TREATMENT,
    WAITING_DECISIONS,
    Decision,
    InspectionState,
    check_transition,
)
from portsight.domain.release import DecisionOptions, blockers_message
from portsight.domain.selection import may_decide
from portsight.errors import AccessDenied, Conflict, InvalidInput, NotFound
from portsight.services.inputs import typed_text

MAX_WHAT = 500  # what a treatment, sample or identification is: method, sample and laboratory, body


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
        raise AccessDenied(
            f"Inspection {inspection.id} is assigned to other inspectors.",
            key="errors.inspection_not_yours",
            params={"id": inspection.id},
        )


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
    extra_after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    before = inspection.state
    state = check_transition(before, target)
    inspection.state = state.value
    column = STATE_TIMESTAMP.get(state)
    if column and not (state in KEEP_FIRST_TIMESTAMP and getattr(inspection, column) is not None):
        setattr(inspection, column, now)
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
            raise NotFound(
                f"Declaration {declaration_id} does not exist.",
                key="errors.declaration_not_found",
                params={"id": declaration_id},
            )
        require_port(actor, declaration.port_id)
        open_id = session.scalar(
            select(Inspection.id).where(
                Inspection.declaration_id == declaration_id,
                Inspection.state.in_([s.value for s in OPEN_STATES]),
            )
        )
        if open_id is not None:
            raise Conflict(
                f"Declaration {declaration.number} already has an open inspection ({open_id}).",
                key="errors.declaration_already_open",
                params={"number": declaration.number, "id": open_id},
            )
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
    draw_inputs: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Assign the inspectors (first = lead, the others = second); re-assigning replaces them."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = now or utcnow()
    user_ids = [int(u) for u in user_ids]
    if not user_ids:
        raise InvalidInput("Choose at least one inspector.", key="errors.inspectors_none")
    if len(set(user_ids)) != len(user_ids):
        raise InvalidInput("The same inspector cannot be assigned twice.", key="errors.inspectors_twice")
    with unit_of_work(db) as session:
        inspection = lock_inspection(session, inspection_id)
        require_port(actor, inspection.port_id)
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        for uid in user_ids:
            user = users.get(uid)
            if user is None:
                raise NotFound(f"User {uid} does not exist.", key="errors.user_not_found", params={"id": uid})
            if not is_active_inspector(user):
                raise InvalidInput(
                    f"{user.username} is not an active inspector.",
                    key="errors.inspector_inactive",
                    params={"user": user.display_name},
                )
            if not covers_port(session, user, inspection.port_id):
                raise InvalidInput(
                    f"{user.username} does not work at this port.",
                    key="errors.second_inspector_other_port",
                    params={"user": user.display_name},
                )
        enterprise_id = session.scalar(
            select(Declaration.enterprise_id).where(Declaration.id == inspection.declaration_id)
        )
        conflicted = session.scalar(
            select(ConflictOfInterest.user_id).where(
                ConflictOfInterest.user_id.in_(user_ids), ConflictOfInterest.enterprise_id == enterprise_id
            )
        )
        if conflicted is not None:
            raise Conflict(
                f"{users[conflicted].username} has a declared conflict of interest with this enterprise.",
                key="errors.second_inspector_conflict",
                params={"user": users[conflicted].display_name},
            )
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


def start_inspection(db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The assigned inspector starts work at the container."""
    with unit_of_work(db) as session:
        inspection = _my_inspection(session, actor, inspection_id)
        return _move(session, actor, inspection, InspectionState.IN_PROGRESS, now or utcnow(), "start")


def complete_inspection(
    db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """The assigned inspector has finished the checklist; the decision comes next."""
    with unit_of_work(db) as session:
        inspection = _my_inspection(session, actor, inspection_id)
        result = _move(session, actor, inspection, InspectionState.COMPLETED, now or utcnow(), "complete")
        session.flush()
        refresh_rollups_for_inspection(session, inspection.id)
        return result


def _decider(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    """The inspection, locked, for its assigned inspector or a supervisor at its port, neither with a
    declared conflict of interest with the enterprise."""
    require_role(actor, Role.INSPECTOR, Role.SUPERVISOR)
    inspection = lock_inspection(session, inspection_id)
    require_port(actor, inspection.port_id)
    if actor.role == Role.INSPECTOR:
        if inspection.state == InspectionState.HELD.value:
            raise AccessDenied("Only a supervisor can clear a hold.", key="errors.hold_supervisor_only")
        _require_assigned(session, actor, inspection)
    conflicted = session.scalars(
        select(ConflictOfInterest.user_id)
        .join(Declaration, Declaration.enterprise_id == ConflictOfInterest.enterprise_id)
        .where(Declaration.id == inspection.declaration_id)
    )
    if not may_decide(actor.user_id, conflicted):
        raise AccessDenied(
            "You have declared a conflict of interest with this enterprise: another officer must decide.",
            key="errors.own_conflict",
        )
    return inspection


def _require_two_people(session: Session, actor: Actor, inspection: Inspection) -> None:
    """Return and destroy are decided by two people (portsight.domain.checklist.second_inspector_required):
    an inspector needs a second inspector recorded on the inspection; a supervisor clearing a hold is
    the second person to the inspector who held it."""
    others = set(_assigned_user_ids(session, inspection.id)) - {actor.user_id}
    if not others:
        raise InvalidInput(
            f"Returning or destroying needs a second inspector recorded on inspection {inspection.id}: "
            "choose the colleague who checked it with you.",
            key="errors.second_inspector_needed",
        )


def _options(session: Session, inspection_id: int) -> DecisionOptions:
    found = inspection_decisions(session.connection(), inspection_id)
    if found is None:  # pragma: no cover - the inspection was just locked
        raise NotFound(
            f"Inspection {inspection_id} does not exist.",
            key="errors.inspection_not_found",
            params={"id": inspection_id},
        )
    return found[1]


def _refuse(decision: Decision, state: str, options: DecisionOptions) -> Conflict:
    if decision == Decision.RELEASE and options.blockers:
        return Conflict(
            f"Release is not allowed: {blockers_message(options.blockers)}. "
            "Hold, return or destroy instead, or ask a supervisor.",
            key="errors.release_blocked",
            params={"blockers": {lang: blockers_message(options.blockers, lang) for lang in ("zh", "en")}},
        )
    if decision == Decision.TREAT:
        return Conflict(
            "No rule calls for treatment here: treatment follows a finding whose rule says to treat.",
            key="errors.treat_not_called_for",
        )
    if decision == Decision.IDENTIFY:
        return Conflict(
            "Attribute identification is not open here: no rule in scope calls for it, or it has already concluded.",
            key="errors.identify_not_open",
        )
    open_now = ", ".join(options.allowed) or "none"
    return Conflict(
        f"'{decision.value}' is not open on a {state} inspection (open: {open_now}).",
        key="errors.decision_not_open",
        params={
            "decision": {"key": f"field.decision_{decision.value}"},
            "state": {"state": state},
            "open": [{"key": f"field.decision_{d}"} for d in options.allowed] or "—",
        },
    )


def decide_inspection(
    db: Database,
    actor: Actor,
    inspection_id: int,
    decision: str,
    *,
    what: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Decide. The assigned inspector or a supervisor decides a completed inspection; only a
    supervisor clears a hold.

    Release, hold, return and destroy close the inspection. Treat, sample and identify make it wait
    for a hold's result (`what` says what is done: the treatment, the sample and laboratory, the body
    commissioned); `record_hold_result` brings it back. The release policy applies to every caller:
    release is refused with the blockers' reasons, and treatment and identification are open only
    where a rule calls for them.
    """
    try:
        chosen = Decision(decision)
    except ValueError as exc:
        raise InvalidInput(
            f"'{decision}' is not a decision ({', '.join(d.value for d in Decision)}).", key="errors.decision_unknown"
        ) from exc
    waiting = chosen in WAITING_DECISIONS
    what_text = typed_text(what, "description", MAX_WHAT) if waiting else None
    if waiting and what_text is None:
        raise InvalidInput(
            {
                Decision.TREAT: "Say which treatment is ordered (e.g. methyl bromide fumigation).",
                Decision.SAMPLE: "Say what is sampled and which laboratory tests it.",
                Decision.IDENTIFY: "Say which body is commissioned for the attribute identification.",
            }[chosen],
            key=f"errors.what_missing_{chosen.value}",
        )
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = _decider(session, actor, inspection_id)
        if inspection.state not in AWAITING_RESULT_STATES:
            check_transition(inspection.state, DECISION_STATE[chosen])
        options = _options(session, inspection_id)
        if chosen.value not in options.allowed:
            raise _refuse(chosen, inspection.state, options)
        if second_inspector_required(chosen.value):
            _require_two_people(session, actor, inspection)
        extra: dict[str, Any] = {"decision": chosen.value}
        if waiting:
            hold = HOLD_OF_DECISION[chosen]
            rule_ids = list(options.suggested.get(chosen.value, ()))
            session.add(
                ReleaseHold(
                    inspection_id=inspection_id,
                    kind=hold,
                    what=what_text,
                    rule_ids=rule_ids,
                    ordered_at=now,
                    ordered_by_id=actor.user_id,
                )
            )
            extra.update(hold=hold, what=what_text, rule_ids=rule_ids)
        result = _move(session, actor, inspection, DECISION_STATE[chosen], now, "decide", extra)
        if waiting:
            return {**result, "decision": chosen.value}
        inspection.decision = chosen.value
        inspection.decided_by_id = actor.user_id
        session.flush()
        refresh_rollups_for_inspection(session, inspection.id)
        # Last write before commit: the outbox lock (PostgreSQL) is held only briefly.
        add_decision_to_outbox(session, inspection.id, now=now)
        return {**result, "decision": chosen.value}


def record_hold_result(
    db: Database,
    actor: Actor,
    inspection_id: int,
    result: str,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the result of what the inspection waits for, by its inspector or a supervisor.

    Treatment: "done" (the note names the certificate); the goods are inspected again, from the
    step of the finding that was treated. Laboratory: "pass" or "fail". Attribute identification:
    "waste" or "not_waste". A result or conclusion brings the decision back, where the release policy
    weighs it (a failed result or solid waste blocks release).
    """
    note_text = typed_text(note, "note", MAX_WHAT)
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = _decider(session, actor, inspection_id)
        kind = next((k for k, state in HOLD_STATE.items() if state.value == inspection.state), None)
        hold = None
        if kind is not None:
            hold = session.scalar(
                select(ReleaseHold)
                .where(
                    ReleaseHold.inspection_id == inspection_id,
                    ReleaseHold.kind == kind,
                    ReleaseHold.result.is_(None),
                )
                .order_by(ReleaseHold.id.desc())
            )
        if kind is None or hold is None:
            raise Conflict(
                f"Inspection {inspection_id} is {inspection.state}: it waits for no result.",
                key="errors.no_result_awaited",
                params={"id": inspection_id, "state": {"state": inspection.state}},
            )
        if result not in HOLD_RESULTS[kind]:
            raise InvalidInput(
                f"The result of the {kind} is one of {', '.join(HOLD_RESULTS[kind])}, not '{result}'.",
                key="errors.result_unknown",
                params={"results": [{"key": f"field.result_{r}"} for r in HOLD_RESULTS[kind]]},
            )
        hold.result = result
        hold.result_note = note_text
        hold.result_at = now
        hold.result_by_id = actor.user_id
        target = InspectionState.IN_PROGRESS if kind == TREATMENT else InspectionState.COMPLETED
        if kind == TREATMENT:
            # Re-inspection starts at the step of the first finding the treatment was for.
            first = session.execute(
                select(Finding.step_key, Container.number)
                .outerjoin(Container, Container.id == Finding.container_id)
                .where(Finding.inspection_id == inspection_id, Finding.rule_id.in_(list(hold.rule_ids or [])))
                .order_by(Finding.id)
                .limit(1)
            ).first()
            if first is not None and first.step_key:
                inspection.current_step = slot_id(first.step_key, first.number)[:64]
        moved = _move(
            session,
            actor,
            inspection,
            target,
            now,
            "hold_result",
            {"hold": kind, "result": result, "note": note_text},
        )
        return {**moved, "hold": kind, "result": result}
