"""One inspection's record: everything about it, from the declaration to the audit trail.

A port scope is a frozenset of port ids, or None for every port; `inspection_record` raises
AccessDenied for an inspection outside the scope. `report_record` is the same record for the
printed report, read with the actor's own checks.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from portsight.db.models import (
    Alert,
    AssistSession,
    AuditEntry,
    ChatMessage,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    Finding,
    GateExit,
    GoodsLine,
    Inspection,
    InspectionTransition,
    InspectorAssignment,
    Port,
    ReleaseReceipt,
    Selection,
    StepResult,
    User,
)
from portsight.db.session import Database
from portsight.db.sql import connection, port_in_scope, records
from portsight.domain.access import AccessDenied, Actor, Role, require_role
from portsight.errors import NotFound


def inspection_record(db: Database, port_ids: Iterable[int] | None, inspection_id: int) -> dict:
    """Everything about one inspection, as plain dicts and lists of dicts.

    Keys: inspection, declaration, enterprise, port, goods, containers, selection, inspectors,
    timeline, steps, evidence, findings, assist_sessions, receipt, gate_exits (the receipt's
    containers let out, in the order they left), alerts, audit.
    """
    decided_by = aliased(User)
    with connection(db) as conn:
        head = conn.execute(
            select(Inspection.__table__, decided_by.display_name.label("decided_by"))
            .outerjoin(decided_by, decided_by.id == Inspection.decided_by_id)
            .where(Inspection.id == int(inspection_id))
        ).first()
        if head is None:
            raise NotFound(
                f"Inspection {inspection_id} does not exist; check the number.",
                key="errors.inspection_not_found",
                params={"id": inspection_id},
            )
        ins = head
        if not port_in_scope(ins.port_id, port_ids):
            raise AccessDenied(
                "This inspection belongs to a port outside your scope.", key="errors.inspection_outside_scope"
            )
        decl = conn.execute(select(Declaration.__table__).where(Declaration.id == ins.declaration_id)).mappings().one()
        enterprise = conn.execute(select(Enterprise.__table__).where(Enterprise.id == decl["enterprise_id"])).mappings()
        port = conn.execute(select(Port.__table__).where(Port.id == ins.port_id)).mappings().one()
        record: dict = {
            "inspection": {
                "id": ins.id,
                "state": ins.state,
                "priority": ins.priority,
                "decision": ins.decision,
                "decided_by": head.decided_by,
                "current_step": ins.current_step,
                "created_at": ins.created_at,
                "assigned_at": ins.assigned_at,
                "started_at": ins.started_at,
                "completed_at": ins.completed_at,
                "decided_at": ins.decided_at,
                "selection_id": ins.selection_id,
            },
            "declaration": dict(decl),
            "enterprise": dict(enterprise.one_or_none() or {}),
            "port": dict(port),
        }
        record["goods"] = records(
            conn,
            select(
                GoodsLine.line_no,
                GoodsLine.hs_code,
                GoodsLine.description,
                GoodsLine.quantity,
                GoodsLine.unit,
                GoodsLine.gross_weight_kg,
                GoodsLine.value,
                GoodsLine.currency,
            )
            .where(GoodsLine.declaration_id == ins.declaration_id)
            .order_by(GoodsLine.line_no),
        )
        record["containers"] = records(
            conn,
            select(Container.id, Container.number, Container.size_type, Container.declared_seal)
            .where(Container.declaration_id == ins.declaration_id)
            .order_by(Container.id),
        )
        record["selection"] = None
        if ins.selection_id is not None:
            sel = conn.execute(select(Selection.__table__).where(Selection.id == ins.selection_id)).mappings().first()
            record["selection"] = dict(sel) if sel else None
        else:
            sel = (
                conn.execute(
                    select(Selection.__table__)
                    .where(Selection.declaration_id == ins.declaration_id)
                    .order_by(Selection.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            record["selection"] = dict(sel) if sel else None
        record["inspectors"] = records(
            conn,
            select(
                User.id,
                User.username,
                User.display_name,
                InspectorAssignment.position,
                InspectorAssignment.assigned_at,
                InspectorAssignment.draw_seed,
            )
            .join(User, User.id == InspectorAssignment.user_id)
            .where(InspectorAssignment.inspection_id == ins.id)
            .order_by(InspectorAssignment.id),
        )
        record["timeline"] = records(
            conn,
            select(
                InspectionTransition.from_state,
                InspectionTransition.to_state,
                InspectionTransition.at,
                User.display_name.label("by"),
            )
            .outerjoin(User, User.id == InspectionTransition.user_id)
            .where(InspectionTransition.inspection_id == ins.id)
            .order_by(InspectionTransition.at, InspectionTransition.id),
        )
        record["steps"] = records(
            conn,
            select(
                StepResult.id,
                StepResult.step_key,
                StepResult.container_id,
                Container.number.label("container"),
                StepResult.outcome,
                StepResult.values,
                StepResult.rules_applied,
                StepResult.note,
                StepResult.recorded_at,
                User.display_name.label("by"),
            )
            .outerjoin(Container, Container.id == StepResult.container_id)
            .outerjoin(User, User.id == StepResult.recorded_by_id)
            .where(StepResult.inspection_id == ins.id)
            .order_by(StepResult.recorded_at, StepResult.id),
        )
        record["evidence"] = records(
            conn,
            select(
                Evidence.id,
                Evidence.step_key,
                Evidence.container_id,
                Evidence.assist_session_id,
                Evidence.sha256,
                Evidence.media_type,
                Evidence.size_bytes,
                Evidence.original_name,
                Evidence.source,
                Evidence.taken_at,
                User.display_name.label("by"),
            )
            .outerjoin(User, User.id == Evidence.taken_by_id)
            .where(Evidence.inspection_id == ins.id)
            .order_by(Evidence.taken_at, Evidence.id),
        )
        record["findings"] = records(
            conn,
            select(
                Finding.id,
                Finding.step_key,
                Finding.rule_id,
                Finding.severity,
                Finding.description,
                Finding.citation,
                Finding.created_at,
                User.display_name.label("by"),
            )
            .outerjoin(User, User.id == Finding.created_by_id)
            .where(Finding.inspection_id == ins.id)
            .order_by(Finding.created_at, Finding.id),
        )
        expert = aliased(User)
        requester = aliased(User)
        chat_count = (
            select(func.count(ChatMessage.id)).where(ChatMessage.session_id == AssistSession.id).scalar_subquery()
        )
        record["assist_sessions"] = records(
            conn,
            select(
                AssistSession.id,
                AssistSession.step_key,
                AssistSession.question,
                AssistSession.state,
                AssistSession.requested_at,
                AssistSession.joined_at,
                AssistSession.ended_at,
                AssistSession.note,
                AssistSession.conclusion,
                requester.display_name.label("requested_by"),
                expert.display_name.label("expert"),
                chat_count.label("messages"),
            )
            .join(requester, requester.id == AssistSession.requested_by_id)
            .outerjoin(expert, expert.id == AssistSession.expert_id)
            .where(AssistSession.inspection_id == ins.id)
            .order_by(AssistSession.requested_at),
        )
        receipt = (
            conn.execute(
                select(
                    ReleaseReceipt.receipt_no,
                    ReleaseReceipt.issued_at,
                    ReleaseReceipt.used_at,
                    ReleaseReceipt.used_gate,
                ).where(ReleaseReceipt.inspection_id == ins.id)
            )
            .mappings()
            .first()
        )
        record["receipt"] = dict(receipt) if receipt else None
        officer = aliased(User)
        record["gate_exits"] = records(
            conn,
            select(
                Container.number.label("container"),
                GateExit.truck_plate,
                GateExit.seal_seen,
                GateExit.gate,
                GateExit.exited_at,
                officer.display_name.label("officer"),
            )
            .join(ReleaseReceipt, ReleaseReceipt.id == GateExit.receipt_id)
            .outerjoin(Container, Container.id == GateExit.container_id)
            .outerjoin(officer, officer.id == GateExit.recorded_by_id)
            .where(ReleaseReceipt.inspection_id == ins.id)
            .order_by(GateExit.exited_at, GateExit.id),
        )
        record["alerts"] = records(
            conn,
            select(
                Alert.id,
                Alert.kind,
                Alert.severity,
                Alert.state,
                Alert.count,
                Alert.title,
                Alert.title_key,
                Alert.title_params,
                Alert.last_raised_at,
            )
            .where(or_(Alert.inspection_id == ins.id, Alert.declaration_id == ins.declaration_id))
            .order_by(Alert.id),
        )
        related = [
            and_(AuditEntry.entity == "inspection", AuditEntry.entity_id == str(ins.id)),
            and_(AuditEntry.entity == "declaration", AuditEntry.entity_id == str(ins.declaration_id)),
        ]
        alert_ids = [str(a["id"]) for a in record["alerts"]]
        if alert_ids:
            related.append(and_(AuditEntry.entity == "alert", AuditEntry.entity_id.in_(alert_ids)))
        session_ids = [str(s["id"]) for s in record["assist_sessions"]]
        if session_ids:
            related.append(
                and_(AuditEntry.entity.in_(["assist_session", "assist"]), AuditEntry.entity_id.in_(session_ids))
            )
        record["audit"] = records(
            conn,
            select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.entity,
                AuditEntry.entity_id,
                AuditEntry.before,
                AuditEntry.after,
            )
            .where(or_(*related))
            .order_by(AuditEntry.id),
        )
    return record


def report_record(db: Database, actor: Actor, inspection_id: int) -> dict:
    """The record an inspection's printed report shows, for those who may read it: supervisors,
    administrators and experts whose scope covers its port (as the record page), an inspector only
    for an inspection assigned to them. The receipt keeps its signature, which its QR code carries.
    """
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.EXPERT, Role.INSPECTOR)
    record = inspection_record(db, actor.port_ids, inspection_id)
    if actor.role == Role.INSPECTOR and actor.user_id not in {i["id"] for i in record["inspectors"]}:
        raise AccessDenied(
            f"The report of inspection {inspection_id} is for the inspectors assigned to it.",
            key="errors.report_not_yours",
            params={"id": inspection_id},
        )
    if record["receipt"] is not None:
        with connection(db) as conn:
            record["receipt"]["signature"] = conn.scalar(
                select(ReleaseReceipt.signature).where(ReleaseReceipt.inspection_id == int(inspection_id))
            )
    return record
