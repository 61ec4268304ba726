"""Proposals during a call (专家建议): the expert proposes, the inspector confirms or dismisses.

The expert who joined a call proposes a value for one of the inputs of the step the request names,
or an outcome for it (a finding, with a note). The inspector who asked confirms or dismisses each
proposal; confirming fills in the inspector's form and nothing else: the inspector still saves the
step, so the step's result stays theirs. Every write is one unit of work and audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.checklists import load_checklist
from portsight.db.models import AssistProposal, AssistSession
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.domain.checklist import Slot
from portsight.domain.proposals import (
    CONFIRMED,
    DISMISSED,
    PROPOSED,
    PROPOSED_OUTCOMES,
    asked_slot,
    check_proposed_value,
)
from portsight.domain.rules import NON_CONFORMING
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.services.inputs import typed_text

MAX_PROPOSAL_NOTE = 1000
ACTIVE = "active"


def _session_record(session: Session, session_id: int) -> AssistSession:
    record = session.get(AssistSession, session_id)
    if record is None:
        raise NotFound(
            f"Assistance request #{session_id} does not exist.",
            key="errors.assist_not_found",
            params={"id": session_id},
        )
    return record


def _asked_slot(session: Session, record: AssistSession) -> Slot:
    """The checklist slot the request names: proposals are about that step only."""
    checklist = load_checklist(session.connection(), record.inspection_id)
    slot = None if checklist is None else asked_slot(checklist, record.step_key)
    if slot is None:
        raise InvalidInput(
            f"Request #{record.id} names no step of the inspection's checklist; say it in the chat instead.",
            key="errors.proposal_no_step",
            params={"id": record.id},
        )
    return slot


def propose(
    db: Database,
    actor: Actor,
    session_id: int,
    *,
    field: str | None = None,
    value: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
) -> int:
    """The call's expert proposes a value for one input of the step, or an outcome; returns its id."""
    require_role(actor, Role.EXPERT)
    note_text = typed_text(note, "note", MAX_PROPOSAL_NOTE)
    if (field is None) == (outcome is None):
        raise InvalidInput(
            "Propose either a value for one input or an outcome of the step.", key="errors.proposal_one_thing"
        )
    if outcome is not None and outcome not in PROPOSED_OUTCOMES:
        raise InvalidInput(
            f"'{outcome}' is not an outcome a step can have.",
            key="errors.proposal_bad_outcome",
            params={"outcome": outcome},
        )
    if outcome == NON_CONFORMING and note_text is None:
        raise InvalidInput(
            "Say what does not conform: the note becomes the finding's text.", key="errors.proposal_finding_note"
        )
    with unit_of_work(db) as session:
        record = _session_record(session, session_id)
        require_port(actor, record.port_id)
        if record.expert_id != actor.user_id:
            raise AccessDenied(
                f"Only the expert who joined request #{session_id} proposes on it.",
                key="errors.proposal_expert_only",
                params={"id": session_id},
            )
        if record.state != ACTIVE:
            raise Conflict(
                f"Request #{session_id} is {record.state}; proposals are made during the call.",
                key="errors.proposal_call_over",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        slot = _asked_slot(session, record)
        kept = None
        if field is not None:
            check = check_proposed_value(slot.step.inputs, field, value)
            if check.problem is not None:
                raise InvalidInput(
                    f"The proposed value is not accepted: {check.problem.en}",
                    key="errors.proposal_invalid_value",
                    params={"problem": {"zh": check.problem.zh, "en": check.problem.en}},
                )
            kept = check.value
        proposal = AssistProposal(
            session_id=session_id,
            inspection_id=record.inspection_id,
            step_key=slot.step.key,
            container_id=slot.container_id,
            field=field,
            value=kept,
            outcome=outcome,
            note=note_text,
            proposed_by_id=actor.user_id,
            proposed_at=utcnow(),
            state=PROPOSED,
        )
        session.add(proposal)
        session.flush()
        record_audit(
            session,
            actor,
            "assist.propose",
            "assist_proposal",
            proposal.id,
            after={
                "session_id": session_id,
                "inspection_id": record.inspection_id,
                "step": slot.id,
                "field": field,
                "value": kept,
                "outcome": outcome,
                "note": note_text,
            },
            port_id=record.port_id,
        )
        return proposal.id


def confirm_proposal(db: Database, actor: Actor, proposal_id: int) -> dict[str, Any]:
    """The inspector who asked takes the proposal; returns what to fill in (step, field, value, outcome, note)."""
    return _decide(db, actor, proposal_id, CONFIRMED, "assist.confirm_proposal")


def dismiss_proposal(db: Database, actor: Actor, proposal_id: int) -> dict[str, Any]:
    """The inspector who asked sets the proposal aside; returns it."""
    return _decide(db, actor, proposal_id, DISMISSED, "assist.dismiss_proposal")


def _decide(db: Database, actor: Actor, proposal_id: int, state: str, action: str) -> dict[str, Any]:
    with unit_of_work(db) as session:
        proposal = session.scalars(
            select(AssistProposal).where(AssistProposal.id == proposal_id).with_for_update()
        ).one_or_none()
        if proposal is None:
            raise NotFound(
                f"Proposal #{proposal_id} does not exist.", key="errors.proposal_not_found", params={"id": proposal_id}
            )
        record = _session_record(session, proposal.session_id)
        require_port(actor, record.port_id)
        if actor.user_id is None or actor.user_id != record.requested_by_id:
            raise AccessDenied(
                f"Only the inspector who asked for help confirms or dismisses proposal #{proposal_id}.",
                key="errors.proposal_requester_only",
                params={"id": proposal_id},
            )
        if proposal.state != PROPOSED:
            raise Conflict(
                f"Proposal #{proposal_id} is already {proposal.state}.",
                key=f"errors.proposal_already_{proposal.state}",
                params={"id": proposal_id},
            )
        proposal.state = state
        proposal.decided_at = utcnow()
        proposal.decided_by_id = actor.user_id
        decided = {
            "id": proposal.id,
            "session_id": proposal.session_id,
            "inspection_id": proposal.inspection_id,
            "step_key": proposal.step_key,
            "container_id": proposal.container_id,
            "field": proposal.field,
            "value": proposal.value,
            "outcome": proposal.outcome,
            "note": proposal.note,
            "state": state,
        }
        record_audit(
            session,
            actor,
            action,
            "assist_proposal",
            proposal.id,
            before={"state": PROPOSED},
            after={**decided, "step": proposal.step_key},
            port_id=record.port_id,
        )
        return decided
