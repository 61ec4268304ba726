"""The outbox: results for the backbone, written in the same transaction as the result itself.

Call `add_to_outbox(session, kind, inspection_id, payload)` inside the unit of work that records
the decision / finding / release receipt. If that transaction rolls back, the entry goes with it;
if it commits, the export will send it exactly once (the cursor is the outbox id).

Why ids are a safe cursor: on PostgreSQL two transactions could take ids 10 and 11 and commit in
the order 11, 10; an export running in between would move its cursor past 10 and skip it forever.
add_to_outbox therefore takes a transaction-scoped advisory lock, so outbox writers commit in id
order. SQLite has a single writer anyway. The lock is held only from the outbox insert to commit,
and results arrive at tens per hour per port.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import _plain
from portsight.db.models import Container, Finding, Inspection, OutboxEntry, StepResult, User

KINDS = ("decision", "finding", "receipt", "seal")
RESEAL_STEP = "reseal"  # the checklist step recording the new seal put on a container after inspection
_ADVISORY_KEY = 0x0B0C5  # arbitrary constant, unique to the outbox


def add_to_outbox(
    session: Session, kind: str, inspection_id: int | None, payload: dict, *, now: datetime | None = None
) -> int:
    """Queue one result for the backbone in the caller's transaction; returns the outbox id.

    kind: "decision" (payload: decision, decided_at, decided_by), "finding" (finding_id, severity,
    rule_id, description, citation), "receipt" (receipt_no, issued_at), "seal" (container_number,
    seal_number, seal_class, sealed_at: the new seal after inspection). The exporter adds the
    declaration ids, port code and inspection times from the database; payload keys win.
    """
    if kind not in KINDS:
        raise ValueError(f"outbox kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    table = OutboxEntry.__table__
    return session.execute(
        insert(table)
        .values(kind=kind, inspection_id=inspection_id, payload=_plain(payload), created_at=now or utcnow())
        .returning(table.c.id)
    ).scalar_one()


def add_decision_to_outbox(session: Session, inspection_id: int, *, now: datetime | None = None) -> list[int]:
    """Queue a decision, the inspection's findings and its new seals as they stand at that moment; returns the ids.

    Call it in decide_inspection's unit of work, after the decision is set on the inspection.
    Findings go out with the decision, not one by one as they are recorded: rule findings of a step
    are replaced when the step is recorded again, and only the decided set is a result. So do the
    new seals put on the opened containers (the reseal step): the next checkpoint compares with them.
    """
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.decision is None:
        raise ValueError(f"inspection {inspection_id} has no decision to send")
    decided_by = session.scalar(select(User.username).where(User.id == inspection.decided_by_id))
    ids = [
        add_to_outbox(
            session,
            "decision",
            inspection_id,
            {"decision": inspection.decision, "decided_at": inspection.decided_at, "decided_by": decided_by},
            now=now,
        )
    ]
    for f in session.scalars(select(Finding).where(Finding.inspection_id == inspection_id).order_by(Finding.id)):
        ids.append(
            add_to_outbox(
                session,
                "finding",
                inspection_id,
                {
                    "finding_id": f.id,
                    "severity": f.severity,
                    "rule_id": f.rule_id,
                    "description": f.description,
                    "citation": f.citation,
                },
                now=now,
            )
        )
    seals = session.execute(
        select(Container.number, StepResult.values, StepResult.recorded_at)
        .join(Container, Container.id == StepResult.container_id)
        .where(StepResult.inspection_id == inspection_id, StepResult.step_key == RESEAL_STEP)
        .order_by(Container.id)
    ).all()
    for number, values, recorded_at in seals:
        ids.append(
            add_to_outbox(
                session,
                "seal",
                inspection_id,
                {
                    "container_number": number,
                    "seal_number": (values or {}).get("new_seal_number"),
                    "seal_class": (values or {}).get("new_seal_class"),
                    "sealed_at": recorded_at,
                },
                now=now,
            )
        )
    return ids
