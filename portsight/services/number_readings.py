"""Numbers read from a step's photo, and what the inspector confirmed them as.

A reading is stored when the photo is taken (what the recogniser proposed, what it read, its
confidence and the box it came from). Saving the step records the value the inspector kept on the
latest reading of that step and kind, in the same transaction as the step result: "confirmed" when
it is the proposal, "corrected" when it differs, "typed" when nothing was proposed. The step's
rules judge the saved value as for any typed one; the reading only says how often the proposal was
right (portsight.queries.number_readings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Evidence, NumberReading
from portsight.db.session import Database, unit_of_work
from portsight.domain import iso6346
from portsight.domain.access import Actor
from portsight.domain.inspection import InspectionState
from portsight.domain.seal import normalize_seal
from portsight.errors import InvalidInput, NotFound
from portsight.services.field import StepOutcome, one_transaction, record_step_result, require_my_inspection

CONTAINER, SEAL = "container_number", "seal_number"
KINDS = (CONTAINER, SEAL)
# The step inputs a photo can fill, and the kind of number each holds.
NUMBER_INPUTS: Mapping[str, str] = {"number": CONTAINER, "seal_number": SEAL, "new_seal_number": SEAL}
MAX_NUMBER = 32
MAX_READ_TEXT = 120


def _same(kind: str, a: str | None, b: str | None) -> bool:
    if kind == CONTAINER:
        return iso6346.normalize(a) == iso6346.normalize(b)
    return normalize_seal(a) == normalize_seal(b)


def outcome_of(kind: str, proposed: str | None, confirmed: str) -> str:
    """typed (nothing was proposed), confirmed (the proposal kept) or corrected."""
    if proposed is None:
        return "typed"
    return "confirmed" if _same(kind, proposed, confirmed) else "corrected"


def _box(box: Sequence[int] | None) -> list[int] | None:
    if box is None:
        return None
    values = [int(v) for v in box]
    if len(values) != 4 or values[2] <= 0 or values[3] <= 0 or min(values) < 0:
        raise InvalidInput("The box of a reading is x, y, width and height in pixels.", key="errors.number_reading_box")
    return values


def record_reading(
    db: Database,
    actor: Actor,
    evidence_id: int,
    kind: str,
    *,
    proposed: str | None,
    read_text: str | None,
    confidence: float | None,
    box: Sequence[int] | None,
    now: datetime | None = None,
) -> int:
    """Keep what was read from a step's photo (evidence) while the inspection is in progress. Returns its id."""
    if kind not in KINDS:
        raise InvalidInput(
            f"A number read from a photo is one of {', '.join(KINDS)}.",
            key="errors.number_reading_kind",
            params={"kinds": ", ".join(KINDS)},
        )
    if proposed is not None and len(proposed) > MAX_NUMBER:
        raise InvalidInput(
            f"A proposed number has at most {MAX_NUMBER} characters.",
            key="errors.number_reading_too_long",
            params={"limit": MAX_NUMBER},
        )
    stored_box = _box(box)
    now = now or utcnow()
    with unit_of_work(db) as session:
        evidence = session.get(Evidence, evidence_id)
        if evidence is None or evidence.step_key is None:
            raise NotFound(
                f"Photo {evidence_id} of a checklist step was not found.",
                key="errors.step_photo_not_found",
                params={"id": evidence_id},
            )
        inspection = require_my_inspection(session, actor, evidence.inspection_id, InspectionState.IN_PROGRESS.value)
        reading = NumberReading(
            inspection_id=evidence.inspection_id,
            step_key=evidence.step_key,
            container_id=evidence.container_id,
            evidence_id=evidence.id,
            kind=kind,
            proposed=proposed,
            # What was read is shown to the inspector as a hint only: kept short.
            read_text=(read_text or "")[:MAX_READ_TEXT] or None,
            confidence=None if confidence is None else float(confidence),
            box=stored_box,
            read_at=now,
            read_by_id=actor.user_id,
        )
        session.add(reading)
        session.flush()
        record_audit(
            session,
            actor,
            "field.number_read",
            "number_reading",
            reading.id,
            after={
                "inspection_id": evidence.inspection_id,
                "step": evidence.step_key,
                "evidence_id": evidence.id,
                "kind": kind,
                "proposed": proposed,
                "confidence": reading.confidence,
            },
            port_id=inspection.port_id,
        )
        return reading.id


def _confirm(
    session: Session,
    actor: Actor,
    inspection_id: int,
    port_id: int,
    step_key: str,
    container_id: int | None,
    values: Mapping[str, Any],
    now: datetime,
) -> None:
    for name, kind in NUMBER_INPUTS.items():
        value = values.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        same_container = (
            NumberReading.container_id.is_(None) if container_id is None else NumberReading.container_id == container_id
        )
        latest = session.scalars(
            select(NumberReading)
            .where(
                NumberReading.inspection_id == inspection_id,
                NumberReading.step_key == step_key,
                NumberReading.kind == kind,
                same_container,
            )
            .order_by(NumberReading.id.desc())
            .limit(1)
        ).first()
        # Only the latest photo's reading is the one shown beside the field; once confirmed it stays.
        if latest is None or latest.confirmed is not None:
            continue
        confirmed = iso6346.normalize(value) if kind == CONTAINER else normalize_seal(value)
        latest.confirmed = confirmed[:MAX_NUMBER]
        latest.outcome = outcome_of(kind, latest.proposed, confirmed)
        latest.confirmed_at = now
        record_audit(
            session,
            actor,
            "field.number_confirm",
            "number_reading",
            latest.id,
            after={
                "inspection_id": inspection_id,
                "step": step_key,
                "kind": kind,
                "proposed": latest.proposed,
                "confirmed": latest.confirmed,
                "outcome": latest.outcome,
            },
            port_id=port_id,
        )


def save_step(
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
    """Record the step (portsight.services.field.record_step_result) and, when it is saved, what the
    inspector kept of the number read from its photo, as one transaction."""
    now = now or utcnow()
    with one_transaction(db) as conn:
        outcome = record_step_result(conn, actor, inspection_id, step_key, values, container_id, note, now=now)
        if outcome.saved:
            with unit_of_work(conn) as session:
                inspection = require_my_inspection(session, actor, inspection_id)
                _confirm(session, actor, inspection_id, inspection.port_id, step_key, container_id, values, now)
        return outcome


__all__ = ["CONTAINER", "KINDS", "NUMBER_INPUTS", "SEAL", "outcome_of", "record_reading", "save_step"]
