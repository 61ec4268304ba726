"""Expert cases (专家案例): an expert's conclusion kept as knowledge, and rule proposals made from them.

A case is written in the unit of work of the conclusion that makes it (`keep_case`, called by
portsight.services.assist.end_assist): the HS heading of the declaration's first goods line, the
checklist step the help was asked on (without the container of its slot), that step's rules, the
question, the answer and the snapshots of the call. Writing the conclusion again rewrites the case.
A request on no step of the checklist, or a declaration without an HS code, leaves no case: no later
inspection's hints could match it.

An administrator may propose a rule from a case that recurs. The proposal is recorded on the case
(proposed_at, proposed_by) and audited; no rule changes by it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.checklists import load_checklist
from portsight.db.models import AssistCase, AssistSession, Evidence
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.checklist import split_slot_id
from portsight.errors import Conflict, NotFound


def hs_heading(code: str) -> str:
    """The HS heading (first four digits) of a declared code, '' when it has fewer."""
    digits = "".join(ch for ch in str(code) if ch.isdigit())
    return digits[:4] if len(digits) >= 4 else ""


def keep_case(session: Session, actor: Actor, record: AssistSession) -> int | None:
    """Keep (or rewrite) the case of a concluded call; returns its id, or None when nothing can match it."""
    if not record.conclusion or not record.step_key or record.expert_id is None:
        return None
    step_key, _container = split_slot_id(record.step_key)
    checklist = load_checklist(session.connection(), record.inspection_id)
    if checklist is None:
        return None
    step = next((s for s in checklist.steps if s.key == step_key), None)
    heading = next((h for h in (hs_heading(g["hs_code"]) for g in checklist.goods) if h), "")
    if step is None or not heading:
        return None
    evidence_ids = list(
        session.scalars(select(Evidence.id).where(Evidence.assist_session_id == record.id).order_by(Evidence.id))
    )
    case = session.scalars(select(AssistCase).where(AssistCase.session_id == record.id)).one_or_none()
    before = None if case is None else {"answer": case.answer, "evidence_ids": case.evidence_ids}
    if case is None:
        case = AssistCase(session_id=record.id)
        session.add(case)
    case.inspection_id = record.inspection_id
    case.port_id = record.port_id
    case.heading = heading
    case.step_key = step_key
    case.rule_ids = list(step.rule_ids)
    case.question = record.question
    case.answer = record.conclusion
    case.evidence_ids = evidence_ids
    case.expert_id = record.expert_id
    case.concluded_at = utcnow()
    session.flush()
    record_audit(
        session,
        actor,
        "assist.case",
        "assist_case",
        case.id,
        before=before,
        after={
            "session_id": record.id,
            "inspection_id": record.inspection_id,
            "step": step_key,
            "heading": heading,
            "rule_ids": case.rule_ids,
            "answer": case.answer,
            "evidence_ids": evidence_ids,
        },
        port_id=record.port_id,
    )
    return case.id


def propose_rule(db: Database, actor: Actor, case_id: int) -> None:
    """An administrator records that a case should become a rule (reviewed by people; no rule changes)."""
    require_role(actor, Role.ADMIN)
    with unit_of_work(db) as session:
        case = session.scalars(select(AssistCase).where(AssistCase.id == case_id).with_for_update()).one_or_none()
        if case is None:
            raise NotFound(
                f"Expert case #{case_id} does not exist.", key="errors.assist_case_not_found", params={"id": case_id}
            )
        require_port(actor, case.port_id)
        if case.proposed_at is not None:
            raise Conflict(
                f"A rule has already been proposed from expert case #{case_id}.",
                key="errors.assist_case_already_proposed",
                params={"id": case_id},
            )
        case.proposed_at = utcnow()
        case.proposed_by_id = actor.user_id
        record_audit(
            session,
            actor,
            "assist.propose_rule",
            "assist_case",
            case.id,
            before={"proposed_at": None},
            after={
                "inspection_id": case.inspection_id,
                "step": case.step_key,
                "heading": case.heading,
                "rule_ids": case.rule_ids,
                "proposed_by_id": actor.user_id,
            },
            port_id=case.port_id,
        )
