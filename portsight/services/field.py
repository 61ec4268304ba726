"""Field inspection at the container: accept a task, record each checklist step, photos, findings,
complete, decide.

Every write is one transaction and is audited. A step is judged by the rules (portsight.domain.rules.judge)
and saved at once with the inspection's resume point (inspection.current_step), so a closed tab, a
dead phone or a killed server loses nothing already saved. A non-conforming judgement creates its
findings with the rule cited; a high-severity finding raises an alert.

Photos are accepted by their content (JPEG, PNG or WebP magic bytes), never by their name; the
stored path derives from the SHA-256 of the bytes only, so no file name can choose where bytes go.
Everything is checked before the first byte is written: a refused upload writes nothing.

Decision policy (house policy, not in the rule catalogue yet):
- release is refused while the inspection has a high-severity finding;
- return and destroy need a second inspector recorded on the inspection;
- the inspector confirms the decision explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import (
    ConflictOfInterest,
    Declaration,
    Evidence,
    Finding,
    Inspection,
    InspectorAssignment,
    StepResult,
    User,
    UserPort,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.checklist import ContainerFacts, step_context
from portsight.domain.conditions import Text
from portsight.domain.inspection import Decision, InspectionState
from portsight.domain.rules import INVALID, judge
from portsight.queries.field import (
    InspectionChecklist,
    load_checklist,
    missing_work,
    slot_progress,
)
from portsight.services import inspections as lifecycle
from portsight.services.alerts_store import raise_alert
from portsight.services.audit import record_audit
from portsight.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from portsight.services.media_store import store_media

SEVERITIES = ("low", "medium", "high")
RELEASE_BLOCKING_SEVERITIES = frozenset({"high"})
SECOND_INSPECTOR_DECISIONS = frozenset({Decision.RETURN.value, Decision.DESTROY.value})
PHOTO_SOURCES = ("camera", "upload")
MAX_NOTE = 2000
MAX_NAME = 200

# --------------------------------------------------------------------------- pure helpers

_IMAGE_TYPES = (("image/jpeg", ".jpg"), ("image/png", ".png"), ("image/webp", ".webp"))


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(media type, suffix) from the first bytes: JPEG, PNG or WebP; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return _IMAGE_TYPES[0]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _IMAGE_TYPES[1]
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _IMAGE_TYPES[2]
    return None


def check_upload_name(filename: str | None) -> str | None:
    """The file name as kept for the record; refuses names that try to reach another folder.

    The name is never used to build a path (the store uses the hash), but a name with a path in
    it is a sign of a crafted upload and is refused rather than silently cleaned.
    """
    if filename is None or not str(filename).strip():
        return None
    name = str(filename).strip()
    if (
        "/" in name
        or "\\" in name
        or "\x00" in name
        or name in {".", ".."}
        or name.startswith("~")
        or (len(name) > 1 and name[1] == ":")
    ):
        raise InvalidInput(f"The file name {name[:60]!r} contains a path; upload the photo under a plain name.")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput("The file name contains control characters; rename the photo and upload it again.")
    return name[:MAX_NAME]


def bilingual(text: Text, detail: Text | None = None) -> str:
    """Stored text in both languages: Chinese on the first line, English on the second."""
    zh, en = text.zh, text.en
    if detail is not None:
        zh, en = f"{zh}（{detail.zh}）", f"{en} ({detail.en})"
    return f"{zh}\n{en}"


def in_language(stored: str | None, lang: str) -> str:
    """The line of a bilingual stored text for the language (a one-line text is returned as is)."""
    if not stored:
        return ""
    lines = stored.split("\n", 1)
    if len(lines) == 1:
        return stored
    return lines[0] if lang.lower().startswith("zh") else lines[1]


def release_blockers(severities: Iterable[str]) -> list[str]:
    """Severities among the findings that forbid release."""
    return [s for s in severities if s in RELEASE_BLOCKING_SEVERITIES]


def second_inspector_required(decision: str) -> bool:
    return decision in SECOND_INSPECTOR_DECISIONS


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


# --------------------------------------------------------------------------- internals


@contextmanager
def _one_transaction(db: Database) -> Iterator[Connection]:
    """Several services' units of work as one transaction (they join as savepoints)."""
    if isinstance(db, Engine):
        with db.begin() as conn:
            yield conn
    else:
        with db.begin_nested():
            yield db


def _lock_inspection(session: Session, inspection_id: int) -> Inspection:
    inspection = session.execute(
        select(Inspection).where(Inspection.id == inspection_id).with_for_update(of=Inspection)
    ).scalar_one_or_none()
    if inspection is None:
        raise NotFound(f"Inspection {inspection_id} does not exist.")
    return inspection


def _require_my_inspection(session: Session, actor: Actor, inspection_id: int, *states: str) -> Inspection:
    require_role(actor, Role.INSPECTOR)
    inspection = _lock_inspection(session, inspection_id)
    require_port(actor, inspection.port_id)
    assigned = session.scalar(
        select(InspectorAssignment.id).where(
            InspectorAssignment.inspection_id == inspection_id, InspectorAssignment.user_id == actor.user_id
        )
    )
    if assigned is None:
        raise AccessDenied(f"Inspection {inspection_id} is assigned to other inspectors.")
    if states and inspection.state not in states:
        if inspection.state == InspectionState.ASSIGNED.value:
            raise Conflict(f"Inspection {inspection_id} has not been started; accept the task first.")
        raise Conflict(f"Inspection {inspection_id} is {inspection.state}; its checklist can no longer change.")
    return inspection


def _checklist(session: Session, inspection_id: int) -> InspectionChecklist:
    checklist = load_checklist(session.connection(), inspection_id)
    if checklist is None:  # pragma: no cover - the inspection was just locked
        raise NotFound(f"Inspection {inspection_id} does not exist.")
    return checklist


def _container_number(checklist: InspectionChecklist, container_id: int | None) -> str | None:
    return next((n for n, c in checklist.containers.items() if c["id"] == container_id), None)


def _resolve_slot(checklist: InspectionChecklist, step_key: str, container_id: int | None):
    slot = checklist.slot_for(step_key, container_id)
    if slot is None and container_id is None:
        candidates = [s for s in checklist.slots if s.step.key == step_key]
        if len(candidates) == 1:
            slot = candidates[0]
    if slot is None:
        where = (
            ""
            if container_id is None
            else f" for container {_container_number(checklist, container_id) or container_id}"
        )
        raise InvalidInput(f"Step '{step_key}'{where} is not on this inspection's checklist.")
    return slot


def _plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        out[str(key)] = value if isinstance(value, bool | int | float | str) or value is None else str(value)
    return out


# --------------------------------------------------------------------------- use cases


def accept_task(db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> dict:
    """The assigned inspector accepts the task and starts the inspection (a no-op when already started)."""
    require_role(actor, Role.INSPECTOR)
    with unit_of_work(db) as session:
        inspection = _require_my_inspection(session, actor, inspection_id)
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
    note_text = (note or "").strip() or None
    if note_text and len(note_text) > MAX_NOTE:
        raise InvalidInput(f"The note is {len(note_text)} characters long; keep it under {MAX_NOTE}.")
    with unit_of_work(db) as session:
        inspection = _require_my_inspection(session, actor, inspection_id, InspectionState.IN_PROGRESS.value)
        checklist = _checklist(session, inspection_id)
        slot = _resolve_slot(checklist, step_key, container_id)
        box = None
        if slot.container_number:
            declared = checklist.containers[slot.container_number]
            box = ContainerFacts(slot.container_number, declared["size_type"], declared["declared_seal"])
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
                raise_alert(
                    session,
                    dedupe_key=f"finding:{inspection_id}:{slot.id}:{f.rule_id}",
                    kind="finding",
                    severity="high",
                    port_id=inspection.port_id,
                    title=f"{f.text.en} ({slot.id})"[:300],
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
        inspection = _require_my_inspection(session, actor, inspection_id, InspectionState.IN_PROGRESS.value)
        checklist = _checklist(session, inspection_id)
        if checklist.slot(slot_id) is None:
            raise InvalidInput(f"Step '{slot_id}' is not on this inspection's checklist.")
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
    text = (description or "").strip()
    if not text:
        raise InvalidInput("Describe the finding in a few words.")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"The finding is {len(text)} characters long; keep it under {MAX_NOTE}.")
    if severity not in SEVERITIES:
        raise InvalidInput(f"Severity must be one of {', '.join(SEVERITIES)}.")
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = _require_my_inspection(
            session, actor, inspection_id, InspectionState.IN_PROGRESS.value, InspectionState.COMPLETED.value
        )
        if step_key is not None:
            checklist = _checklist(session, inspection_id)
            _resolve_slot(checklist, step_key, container_id)
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


def attach_photo(
    db: Database,
    actor: Actor,
    inspection_id: int,
    step_key: str,
    data: bytes,
    filename: str | None,
    media_type: str | None,
    container_id: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    source: str = "camera",
    *,
    media_dir: Path | str,
    max_bytes: int,
    now: datetime | None = None,
) -> int:
    """Keep a photo as evidence on a step (and container). Returns the Evidence id.

    Accepted: JPEG, PNG or WebP by content, at most max_bytes, a plain file name. The declared
    media_type is not trusted (the content decides). Nothing is written when refused.
    """
    if source not in PHOTO_SOURCES:
        raise InvalidInput(f"Photo source must be one of {', '.join(PHOTO_SOURCES)}.")
    name = check_upload_name(filename)
    if not data:
        raise InvalidInput("The file is empty; take or choose the photo again.")
    if len(data) > max_bytes:
        raise InvalidInput(
            f"The photo is {len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB. "
            "Take it again at a lower resolution."
        )
    sniffed = sniff_image(data)
    if sniffed is None:
        raise InvalidInput("This file is not a JPEG, PNG or WebP image; only photos are accepted as evidence.")
    kind, suffix = sniffed
    for value, what in ((lat, "latitude"), (lon, "longitude")):
        limit = 90 if what == "latitude" else 180
        if value is not None and not (-limit <= float(value) <= limit):
            raise InvalidInput(f"The {what} {value} is out of range.")
    now = now or utcnow()
    with unit_of_work(db) as session:
        inspection = _require_my_inspection(
            session, actor, inspection_id, InspectionState.IN_PROGRESS.value, InspectionState.COMPLETED.value
        )
        checklist = _checklist(session, inspection_id)
        slot = _resolve_slot(checklist, step_key, container_id)
        # Last, once everything is checked: the bytes go to the store (named by their hash only).
        sha, _path = store_media(media_dir, data, suffix)
        evidence = Evidence(
            inspection_id=inspection_id,
            step_key=slot.step.key,
            container_id=slot.container_id,
            sha256=sha,
            media_type=kind,
            size_bytes=len(data),
            original_name=name,
            source=source,
            taken_at=now,
            taken_by_id=actor.user_id,
            lat=lat,
            lon=lon,
        )
        session.add(evidence)
        session.flush()
        record_audit(
            session,
            actor,
            "field.photo",
            "evidence",
            evidence.id,
            after={
                "inspection_id": inspection_id,
                "step": slot.id,
                "sha256": sha,
                "media_type": kind,
                "declared_media_type": media_type,
                "size_bytes": len(data),
                "source": source,
            },
            port_id=inspection.port_id,
        )
        return evidence.id


def _missing_message(checklist: InspectionChecklist, missing: dict[str, list]) -> str | None:
    parts = []
    if missing["unrecorded"]:
        parts.append("steps not recorded: " + ", ".join(missing["unrecorded"]))
    if missing["photos"]:
        parts.append(
            "photos missing: " + ", ".join(f"{sid} ({have} of {need})" for sid, have, need in missing["photos"])
        )
    if not parts:
        return None
    return "The checklist cannot be completed yet — " + "; ".join(parts) + ". Record them, then complete."


def complete_checklist(db: Database, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> dict:
    """Complete the inspection when every step is recorded with its required photos."""
    with _one_transaction(db) as conn:
        with unit_of_work(conn) as session:
            _require_my_inspection(session, actor, inspection_id, InspectionState.IN_PROGRESS.value)
            checklist = _checklist(session, inspection_id)
            missing = missing_work(checklist, slot_progress(session.connection(), checklist))
            message = _missing_message(checklist, missing)
            if message:
                raise InvalidInput(message)
        return lifecycle.complete_inspection(conn, actor, inspection_id, now=now)


def take_decision(
    db: Database,
    actor: Actor,
    inspection_id: int,
    decision: str,
    *,
    confirmed: bool,
    second_inspector_id: int | None = None,
    secret: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Release, hold, return or destroy a completed inspection; a release issues the receipt.

    The inspector confirms (confirmed=True). Release is refused with a high-severity finding.
    Return and destroy need a second inspector: the one assigned, or one named here (an active
    inspector at the port, not the decider, without a conflict of interest), who is recorded.
    One transaction: the second inspector, the decision and the receipt land together or not at all.
    """
    require_role(actor, Role.INSPECTOR)
    try:
        decision = Decision(decision).value
    except ValueError as exc:
        raise InvalidInput(f"'{decision}' is not a decision (release, hold, return, destroy).") from exc
    if not confirmed:
        raise InvalidInput("Confirm the decision first: tick the confirmation and submit again.")
    if decision == Decision.RELEASE.value and not secret:
        raise InvalidInput("Release needs the server secret to sign the receipt.")
    now = now or utcnow()
    with _one_transaction(db) as conn:
        second_id = None
        with unit_of_work(conn) as session:
            inspection = _require_my_inspection(session, actor, inspection_id, InspectionState.COMPLETED.value)
            severities = list(session.scalars(select(Finding.severity).where(Finding.inspection_id == inspection_id)))
            blockers = release_blockers(severities)
            if decision == Decision.RELEASE.value and blockers:
                raise Conflict(
                    f"Release is not allowed: the inspection has {len(blockers)} high-severity finding(s). "
                    "Hold, return or destroy instead, or ask a supervisor."
                )
            if second_inspector_required(decision):
                second_id = _second_inspector(session, actor, inspection, second_inspector_id, now)
            record_audit(
                session,
                actor,
                "field.decide",
                "inspection",
                inspection_id,
                after={
                    "decision": decision,
                    "confirmed": True,
                    "second_inspector_id": second_id,
                    "finding_severities": severities,
                },
                port_id=inspection.port_id,
            )
        result = lifecycle.decide_inspection(conn, actor, inspection_id, decision, now=now)
        result["second_inspector_id"] = second_id
        if decision == Decision.RELEASE.value:
            from portsight.services.receipts import issue_receipt

            receipt = issue_receipt(conn, actor, inspection_id, secret=secret, now=now)
            result["receipt_no"] = receipt["receipt_no"]
            result["token"] = receipt["token"]
        return result


def _second_inspector(session: Session, actor: Actor, inspection: Inspection, wanted: int | None, now: datetime) -> int:
    assigned = dict(
        session.execute(
            select(InspectorAssignment.user_id, InspectorAssignment.position).where(
                InspectorAssignment.inspection_id == inspection.id
            )
        ).all()
    )
    if wanted is None:
        others = [uid for uid, pos in assigned.items() if uid != actor.user_id]
        if not others:
            raise InvalidInput("This decision needs a second inspector; choose the colleague who checked it with you.")
        return others[0]
    wanted = int(wanted)
    if wanted == actor.user_id:
        raise InvalidInput("The second inspector must be someone other than you.")
    if wanted in assigned:
        return wanted
    user = session.get(User, wanted)
    if user is None or user.role != Role.INSPECTOR.value or not user.active:
        raise InvalidInput("The second inspector must be an active inspector.")
    if (
        not user.all_ports
        and session.scalar(
            select(UserPort.user_id).where(UserPort.user_id == wanted, UserPort.port_id == inspection.port_id)
        )
        is None
    ):
        raise InvalidInput(f"{user.display_name} does not work at this port.")
    enterprise_id = session.scalar(select(Declaration.enterprise_id).where(Declaration.id == inspection.declaration_id))
    if session.scalar(
        select(ConflictOfInterest.id).where(
            ConflictOfInterest.user_id == wanted, ConflictOfInterest.enterprise_id == enterprise_id
        )
    ):
        raise Conflict(f"{user.display_name} has a declared conflict of interest with this enterprise.")
    session.add(InspectorAssignment(inspection_id=inspection.id, user_id=wanted, position="second", assigned_at=now))
    return wanted


__all__ = [
    "FindingResult",
    "StepOutcome",
    "accept_task",
    "add_finding",
    "attach_photo",
    "bilingual",
    "check_upload_name",
    "complete_checklist",
    "in_language",
    "record_step_result",
    "release_blockers",
    "second_inspector_required",
    "set_current_step",
    "sniff_image",
    "take_decision",
]
