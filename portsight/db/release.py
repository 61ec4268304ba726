"""Gathering what the release policy (portsight.domain.release) decides on, for one inspection.

Both sides need it: the decision services enforce the policy, the field page shows why release is
blocked and which decisions are open. The facts are the declaration's (through the checklist
loader, whose catalogue honours an administrator's switches), the inspection's findings, the
declaration's alerts that are not resolved, and the holds ordered on the inspection.
"""

from __future__ import annotations

from sqlalchemy import select

from portsight.clock import as_utc
from portsight.db.alert_store import UNRESOLVED
from portsight.db.checklists import load_checklist
from portsight.db.models import Alert, Finding, ReleaseHold
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain.checklist import InspectionChecklist
from portsight.domain.release import (
    AlertFact,
    DecisionOptions,
    FindingFact,
    HoldFact,
    ReleaseCase,
    decision_options,
    from_bilingual,
)


def release_case(db: Database, checklist: InspectionChecklist) -> ReleaseCase:
    """The release case of a loaded inspection checklist."""
    inspection_id = checklist.inspection_id
    declaration_id = checklist.declaration["declaration_id"]
    with connection(db) as conn:
        findings = conn.execute(
            select(Finding.severity, Finding.description, Finding.citation, Finding.rule_id, Finding.created_at)
            .where(Finding.inspection_id == inspection_id)
            .order_by(Finding.id)
        ).all()
        alerts = conn.execute(
            select(Alert.id, Alert.kind, Alert.rule_id, Alert.state)
            .where(Alert.declaration_id == declaration_id, Alert.state.in_(UNRESOLVED))
            .order_by(Alert.id)
        ).all()
        holds = conn.execute(
            select(ReleaseHold.kind, ReleaseHold.result, ReleaseHold.what, ReleaseHold.rule_ids, ReleaseHold.ordered_at)
            .where(ReleaseHold.inspection_id == inspection_id)
            .order_by(ReleaseHold.id)
        ).all()
    return ReleaseCase(
        facts=checklist.facts,
        findings=tuple(
            FindingFact(
                severity=f.severity,
                text=from_bilingual(f.description),
                citation=from_bilingual(f.citation) if f.citation else None,
                rule_id=f.rule_id,
                created_at=as_utc(f.created_at),
            )
            for f in findings
        ),
        alerts=tuple(AlertFact(a.id, a.kind, a.rule_id, a.state) for a in alerts),
        holds=tuple(
            HoldFact(h.kind, h.result, h.what or "", tuple(h.rule_ids or ()), as_utc(h.ordered_at)) for h in holds
        ),
    )


def inspection_decisions(db: Database, inspection_id: int) -> tuple[InspectionChecklist, DecisionOptions] | None:
    """The inspection's checklist and the decisions open on it now (None when it does not exist)."""
    with connection(db) as conn:
        checklist = load_checklist(conn, inspection_id)
        if checklist is None:
            return None
        case = release_case(conn, checklist)
    return checklist, decision_options(checklist.state, case, checklist.catalogue, checklist.on_date)
