"""Loading an inspection's checklist aggregate (portsight.domain.checklist) and its recorded progress.

Both sides need it: the field services resolve and judge slots through it, the field pages show
it. The catalogue honours an administrator's switches (portsight.db.rule_switches).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portsight.clock import LOCAL_TZ
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    Evidence,
    GoodsLine,
    Inspection,
    Port,
    StepResult,
)
from portsight.db.rule_switches import enabled_catalogue
from portsight.db.session import Database
from portsight.db.sql import connection, records
from portsight.domain.checklist import InspectionChecklist, checklist_slots, generate_checklist, slot_id
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.stats import local_day


def load_checklist(db: Database, inspection_id: int) -> InspectionChecklist | None:
    """The inspection, its declaration's facts and the checklist the rules make of them (None if absent)."""
    with connection(db) as conn:
        head = conn.execute(
            select(
                Inspection.id,
                Inspection.port_id,
                Inspection.state,
                Inspection.current_step,
                Declaration.id.label("declaration_id"),
                Declaration.number,
                Declaration.transport_mode,
                Declaration.origin_country,
                Declaration.declared_at,
                Declaration.direction,
                Port.kind.label("port_kind"),
                Port.code.label("port_code"),
                Enterprise.id.label("enterprise_id"),
                Enterprise.name.label("enterprise"),
                Enterprise.credit_tier,
            )
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .join(Port, Port.id == Inspection.port_id)
            .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
            .where(Inspection.id == inspection_id)
        ).one_or_none()
        if head is None:
            return None
        goods = records(
            conn,
            select(
                GoodsLine.line_no,
                GoodsLine.hs_code,
                GoodsLine.description,
                GoodsLine.quantity,
                GoodsLine.unit,
                GoodsLine.gross_weight_kg,
                GoodsLine.package_count,
            )
            .where(GoodsLine.declaration_id == head.declaration_id)
            .order_by(GoodsLine.line_no),
        )
        boxes = conn.execute(
            select(
                Container.id,
                Container.number,
                Container.size_type,
                Container.declared_seal,
                Container.declared_seal_class,
            )
            .where(Container.declaration_id == head.declaration_id)
            .order_by(Container.id)
        ).all()
        catalogue = enabled_catalogue(conn)
    facts = DeclarationFacts(
        transport_mode=head.transport_mode,
        port_kind=head.port_kind,
        origin_country=head.origin_country,
        credit_tier=head.credit_tier,
        goods=tuple(
            GoodsLineFacts(
                g["hs_code"], g["description"], g["quantity"], g["unit"], g["gross_weight_kg"], g["package_count"]
            )
            for g in goods
        ),
        containers=tuple(ContainerFacts(b.number, b.size_type, b.declared_seal, b.declared_seal_class) for b in boxes),
        declared_on=local_day(head.declared_at, LOCAL_TZ),
        number=head.number,
    )
    steps = generate_checklist(facts, facts.declared_on, catalogue)
    containers = {
        b.number: {
            "id": b.id,
            "size_type": b.size_type,
            "declared_seal": b.declared_seal,
            "declared_seal_class": b.declared_seal_class,
        }
        for b in boxes
    }
    declaration = {
        k: getattr(head, k)
        for k in (
            "declaration_id",
            "number",
            "transport_mode",
            "origin_country",
            "declared_at",
            "direction",
            "port_code",
            "enterprise_id",
            "enterprise",
            "credit_tier",
        )
    }
    return InspectionChecklist(
        inspection_id=head.id,
        port_id=head.port_id,
        state=head.state,
        current_step=head.current_step,
        declaration=declaration,
        facts=facts,
        goods=goods,
        containers=containers,
        steps=steps,
        slots=checklist_slots(steps, {n: c["id"] for n, c in containers.items()}),
        catalogue=catalogue,
    )


def slot_progress(db: Database, checklist: InspectionChecklist) -> dict[str, dict[str, Any]]:
    """Per slot id: outcome (None if not recorded), values, note, photos taken and required."""
    numbers = {c["id"]: n for n, c in checklist.containers.items()}
    with connection(db) as conn:
        results = conn.execute(
            select(StepResult.step_key, StepResult.container_id, StepResult.outcome, StepResult.values, StepResult.note)
            .where(StepResult.inspection_id == checklist.inspection_id)
            .order_by(StepResult.id)
        ).all()
        photos = conn.execute(
            select(Evidence.step_key, Evidence.container_id, func.count(Evidence.id))
            .where(Evidence.inspection_id == checklist.inspection_id)
            .group_by(Evidence.step_key, Evidence.container_id)
        ).all()
    out: dict[str, dict[str, Any]] = {
        s.id: {"outcome": None, "values": {}, "note": None, "photos": 0, "photos_required": s.photos_required}
        for s in checklist.slots
    }
    for key, cid, outcome, values, note in results:
        sid = slot_id(key, numbers.get(cid))
        if sid in out:
            out[sid].update(outcome=outcome, values=values or {}, note=note)
    for key, cid, count in photos:
        sid = slot_id(key or "", numbers.get(cid))
        if sid in out:
            out[sid]["photos"] += int(count)
    return out
