"""Field inspection at the container: accept a task, record each checklist step, add findings, complete.

Every write is one transaction and is audited. A step is judged by the rules (portsight.domain.rules.judge)
and saved at once with the inspection's resume point (inspection.current_step), so a closed tab, a
dead phone or a killed server loses nothing already saved. A non-conforming judgement creates its
findings with the rule cited; a high-severity finding raises an alert.

The guards every field write passes (the assigned inspector's inspection, locked; its checklist;
the slot a request names) are here too: photos (portsight.services.evidence) and the decision
(portsight.services.decisions) build on them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.alert_store import finding_alert_title, raise_alert
from portsight.db.audit import record_audit
from portsight.db.checklists import load_checklist, slot_progress
from portsight.db.locks import lock_inspection
from portsight.db.models import Finding, Inspection, InspectorAssignment, StepResult
from portsight.db.session import WRITER, Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.checklist import InspectionChecklist, Slot, missing_work
from portsight.domain.conditions import Text, bilingual
from portsight.domain.inspection import InspectionState
from portsight.domain.rulebook import SEVERITIES
from portsight.domain.rules import INVALID, judge
from portsight.domain.steps import step_context
from portsight.errors import AccessDenied, Conflict, InvalidInput, NotFound
from portsight.services import inspections as lifecycle
from portsight.services.inputs import typed_text

MAX_NOTE = 2000

# --------------------------------------------------------------------------- pure helpers


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FindingResult:
    rule_id: str | None
    severity: str
    text: Text
    citation: Text | None
    detail: Text | None


@dataclass(frozen=True)
class StepOutcome:
    """What the rules made of a step: conforming / non_conforming are saved; invalid is not."""

    outcome: str
    slot_id: str
    findings: tuple[FindingResult, ...] = ()
    problems: tuple[Text, ...] = ()
    next_slot: str | None = None

    @property
    def saved(self) -> bool:
        return self.outcome != INVALID


# --------------------------------------------------------------------------- what every field write passes


@contextmanager
def one_transaction(db: Database) -> Iterator[Connection]:
    """Several services' units of work as one transaction (they join as savepoints). A writing transaction
    from its start (session.WRITER), as unit_of_work's: on SQLite a deferred one that reads first fails at once
    when another connection wrote meanwhile (a photo saved, the simulator), instead of waiting its turn."""
    if isinstance(db, Engine):
        with db.execution_options(**{WRITER: True}).begin() as conn:
            yield conn
    else:
        with db.begin_nested():
            yield db


def require_my_inspection(session: Session, actor: Actor, inspection_id: int, *states: str) -> Inspection:
    """The inspection, locked, for an inspector assigned to it at a port in their scope; in one of
    the states when any are given."""
    require_role(actor, Role.INSPECTOR)
    inspection = lock_inspection(session, inspection_id)
    require_port(actor, inspection.port_id)
    assigned = session.scalar(
        select(InspectorAssignment.id).where(
            InspectorAssignment.inspection_id == inspection_id, InspectorAssignment.user_id == actor.user_id
        )
    )
    if assigned is None:
        raise AccessDenied(
            f"Inspection {inspection_id} is assigned to other inspectors.",
            key="errors.inspection_not_yours",
            params={"id": inspection_id},
        )
    if states and inspection.state not in states:
        if inspection.state == InspectionState.ASSIGNED.value:
            raise Conflict(
                f"Inspection {inspection_id} has not been started; accept the task first.",
                key="errors.inspection_not_started",
                params={"id": inspection_id},
            )
        raise Conflict(
            f"Inspection {inspection_id} is {inspection.state}; its checklist can no longer change.",
            key="errors.checklist_closed",
            params={"id": inspection_id, "state": {"state": inspection.state}},
        )
    return inspection


def inspection_checklist(session: Session, inspection_id: int) -> InspectionChecklist:
    """The checklist of an inspection the unit of work has already locked."""
    checklist = load_checklist(session.connection(), inspection_id)
    if checklist is None:  # pragma: no cover - the inspection was just locked
        raise NotFound(
            f"Inspection {inspection_id} does not exist.",
            key="errors.inspection_not_found",
            params={"id": inspection_id},
        )
    return checklist


def _container_number(checklist: InspectionChecklist, container_id: int | None) -> str | None:
    return next((n for n, c in checklist.containers.items() if c["id"] == container_id), None)


def resolve_slot(checklist: InspectionChecklist, step_key: str, container_id: int | None) -> Slot:
    """The slot of the step (for the container); a step on one container only needs no container."""
    slot = checklist.slot_for(step_key, container_id)
    if slot is None and container_id is None:
        candidates = [s for s in checklist.slots if s.step.key == step_key]
        if len(candidates) == 1:
            slot = candidates[0]
    if slot is None:
        number = None if container_id is None else _container_number(checklist, container_id)
        where = "" if container_id is None else f" for container {number or container_id}"
        raise InvalidInput(
            f"Step '{step_key}'{where} is not on this inspection's checklist.",
            key="errors.step_not_on_checklist",
            params={"step": {"step": f"{step_key}@{number}" if number else step_key}},
        )
    return slot


def _plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        out[str(key)] = value if isinstance(value, bool | int | float | str) or value is None else str(value)
    return out


# --------------------------------------------------------------------------- use cases


def accept_task(db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The assigned inspector accepts the task and starts the inspection (a no-op when already started)."""
    require_role(actor, Role.INSPECTOR)
    with unit_of_work(db) as session:
        inspection = require_my_inspection(session, actor, inspection_id)
        state = inspection.state
    if state == InspectionState.IN_PROGRESS.value:
        return {"id": inspection_id, "state": state}
    return lifecycle.start_inspection(db, actor, inspection_id, now=now)


def record_step_result(
    db: Database,
    actor: Actor,
    inspection_id: int,
    step_key: str,
    values: Mapping[str, Any],
    container_id: int | None = None,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> StepOutcome:
    """Judge what was entered at one step (for one container) and save it with the resume point.

    Invalid input (missing or malformed values) is returned with the problems and nothing is
    saved. Recording a step again replaces its earlier result and the findings the rules made of it.
    """
    now = now or utcnow()
    note_text = typed_text(note, "note", MAX_NOTE)
    with unit_of_work(db) as session:
        inspection = require_my_inspection(session, actor, inspection_id, InspectionState.IN_PROGRESS.value)
        checklist = inspection_checklist(session, inspection_id)
        slot = resolve_slot(checklist, step_key, container_id)
        # The container's declared facts (number, seal, seal class when declared) the step is judged against.
        box = next((c for c in checklist.facts.containers if c.number == slot.container_number), None)
        judgement = judge(
            slot.step,
            values,
            step_context(checklist.facts, box),
            on_date=checklist.on_date,
            catalogue=checklist.catalogue,
        )
        if judgement.outcome == INVALID:
            return StepOutcome(INVALID, slot.id, problems=tuple(p.expected for p in judgement.problems))

        existing = session.scalar(
            select(StepResult).where(
                StepResult.inspection_id == inspection_id,
                StepResult.step_key == slot.step.key,
                StepResult.container_id.is_(None)
                if slot.container_id is None
                else StepResult.container_id == slot.container_id,
            )
        )
        before = None
        stored_values = _plain_values(judgement.values)
        if existing is None:
            session.add(
                StepResult(
                    inspection_id=inspection_id,
                    step_key=slot.step.key,
                    container_id=slot.container_id,
                    outcome=judgement.outcome,
                    values=stored_values,
                    rules_applied=list(slot.step.rule_ids),
                    note=note_text,
                    recorded_at=now,
                    recorded_by_id=actor.user_id,
                )
            )
        else:
            before = {"outcome": existing.outcome, "values": existing.values}
            existing.outcome = judgement.outcome
            existing.values = stored_values
            existing.rules_applied = list(slot.step.rule_ids)
            existing.note = note_text
            existing.recorded_at = now
            existing.recorded_by_id = actor.user_id

        # Findings the rules made of this step before are replaced by today's judgement.
        same_slot = (
            Finding.inspection_id == inspection_id,
            Finding.step_key == slot.step.key,
            Finding.rule_id.is_not(None),
            Finding.container_id.is_(None) if slot.container_id is None else Finding.container_id == slot.container_id,
        )
        replaced = list(session.scalars(select(Finding.rule_id).where(*same_slot)))
        if replaced:
            session.execute(delete(Finding).where(*same_slot))
        findings = tuple(FindingResult(f.rule_id, f.severity, f.text, f.citation, f.detail) for f in judgement.findings)
        for f in findings:
            session.add(
                Finding(
                    inspection_id=inspection_id,
                    step_key=slot.step.key,
                    container_id=slot.container_id,
                    rule_id=f.rule_id,
                    severity=f.severity,
                    description=bilingual(f.text, f.detail),
                    citation=bilingual(f.citation) if f.citation else None,
                    created_at=now,
                    created_by_id=actor.user_id,
                )
            )
            if f.severity == "high":
                title = finding_alert_title(f.text, slot.id)
                raise_alert(
                    session,
                    dedupe_key=f"finding:{inspection_id}:{slot.id}:{f.rule_id}",
                    kind="finding",
                    severity="high",
                    port_id=inspection.port_id,
                    title=title.text,
                    title_key=title.key,
                    title_params=title.params,
                    detail={"rule_id": f.rule_id, "step": slot.id, "citation": f.citation.en if f.citation else None},
                    rule_id=f.rule_id,
                    inspection_id=inspection_id,
                    declaration_id=checklist.declaration["declaration_id"],
                )
        session.flush()

        progress = slot_progress(session.connection(), checklist)
        ids = [s.id for s in checklist.slots]
        here = ids.index(slot.id)
        order = ids[here + 1 :] + ids[: here + 1]
        next_slot = next((sid for sid in order if progress[sid]["outcome"] is None), None)
        inspection.current_step = (next_slot or slot.id)[:64]
        record_audit(
            session,
            actor,
            "field.step",
            "inspection",
            inspection_id,
            before=before,
            after={
                "step": slot.id,
                "outcome": judgement.outcome,
                "values": stored_values,
                "findings": [f.rule_id for f in findings],
                "replaced_findings": replaced,
                "next_step": next_slot,
            },
            port_id=inspection.port_id,
        )
        return StepOutcome(judgement.outcome, slot.id, findings, (), next_slot)


def set_current_step(db: Database, actor: Actor, inspection_id: int, slot_id: str) -> None:
    """Remember which step the inspector has open (moving back and forth resumes there)."""
    with unit_of_work(db) as session:
        inspection = require_my_inspection(session, actor, inspection_id, InspectionState.IN_PROGRESS.value)
        checklist = inspection_checklist(session, inspection_id)
        if checklist.slot(slot_id) is None:
            raise InvalidInput(
                f"Step '{slot_id}' is not on this inspection's checklist.",
                key="errors.step_not_on_checklist",
                params={"step": {"step": slot_id}},
            )
        inspection.current_step = slot_id[:64]


def add_finding(
    db: Database,
    actor: Actor,
    inspection_id: int,
    description: str,
    severity: str,
    step_key: str | None = None,
    container_id: int | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """A finding the inspector writes (the rules did not make it); photos go to its step. Returns its id."""
    text = typed_text(
        description,
        "finding",
        MAX_NOTE,
        required="Describe the finding in a few words.",
        required_key="errors.finding_text_missing",
    )
    if severity not in SEVERITIES:
        raise InvalidInput(f"Severity must be one of {', '.join(SEVERITIES)}.", key="errors.severity_unknown")
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = require_my_inspection(
            session, actor, inspection_id, InspectionState.IN_PROGRESS.value, InspectionState.COMPLETED.value
        )
        if step_key is not None:
            checklist = inspection_checklist(session, inspection_id)
            resolve_slot(checklist, step_key, container_id)
        finding = Finding(
            inspection_id=inspection_id,
            step_key=step_key,
            container_id=container_id,
            rule_id=None,
            severity=severity,
            description=text,
            citation=None,
            created_at=now,
            created_by_id=actor.user_id,
        )
        session.add(finding)
        session.flush()
        record_audit(
            session,
            actor,
            "field.finding",
            "finding",
            finding.id,
            after={"inspection_id": inspection_id, "step": step_key, "severity": severity, "description": text},
            port_id=inspection.port_id,
        )
        return finding.id


def _missing_work_refused(missing: dict[str, list[Any]]) -> InvalidInput | None:
    """The refusal to complete a checklist with work missing (None when nothing is missing)."""
    parts = []
    said: list[dict[str, Any]] = []
    if missing["unrecorded"]:
        parts.append("steps not recorded: " + ", ".join(missing["unrecorded"]))
        said.append(
            {"key": "errors.steps_unrecorded", "params": {"steps": [{"step": s} for s in missing["unrecorded"]]}}
        )
    if missing["photos"]:
        parts.append(
            "photos missing: " + ", ".join(f"{sid} ({have} of {need})" for sid, have, need in missing["photos"])
        )
        photos = [
            {"key": "errors.photos_of_step", "params": {"step": {"step": sid}, "have": have, "need": need}}
            for sid, have, need in missing["photos"]
        ]
        said.append({"key": "errors.photos_missing", "params": {"steps": photos}})
    if not parts:
        return None
    return InvalidInput(
        "The checklist cannot be completed yet — " + "; ".join(parts) + ". Record them, then complete.",
        key="errors.checklist_incomplete",
        params={"missing": said},
    )


def complete_checklist(
    db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Complete the inspection when every step is recorded with its required photos."""
    with one_transaction(db) as conn:
        with unit_of_work(conn) as session:
            require_my_inspection(session, actor, inspection_id, InspectionState.IN_PROGRESS.value)
            checklist = inspection_checklist(session, inspection_id)
            missing = missing_work(checklist, slot_progress(session.connection(), checklist))
            refused = _missing_work_refused(missing)
            if refused is not None:
                raise refused
        return lifecycle.complete_inspection(conn, actor, inspection_id, now=now)


__all__ = [
    "MAX_NOTE",
    "FindingResult",
    "StepOutcome",
    "accept_task",
    "add_finding",
    "complete_checklist",
    "inspection_checklist",
    "one_transaction",
    "record_step_result",
    "require_my_inspection",
    "resolve_slot",
    "set_current_step",
]
