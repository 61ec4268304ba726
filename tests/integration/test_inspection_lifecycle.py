"""An inspection's life through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from portsight.db.models import (
    AuditEntry,
    ConflictOfInterest,
    Enterprise,
    Inspection,
    InspectionTransition,
    InspectorAssignment,
    OutboxEntry,
    Port,
    User,
    UserPort,
)
from portsight.domain.access import Actor, Role
from portsight.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from portsight.services.declarations import register_declaration
from portsight.services.inspections import (
    assign_inspectors,
    complete_inspection,
    decide_inspection,
    open_inspection,
    start_inspection,
)

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
USCC = "91310000MA1FL8LQ34"  # a valid unified social credit code


@pytest.fixture
def world(db):
    db.execute(
        insert(Port),
        [
            {"id": 1, "code": "CNSGH", "name_en": "Shanghai", "name_zh": "上海", "kind": "sea"},
            {"id": 2, "code": "CNNBO", "name_en": "Ningbo", "name_zh": "宁波", "kind": "sea"},
        ],
    )
    db.execute(
        insert(Enterprise),
        [{"id": 1, "uscc": USCC, "name": "Shanghai Hengda Trading Co., Ltd.", "credit_tier": "general"}],
    )
    users = [
        (1, "sup", "supervisor", True),
        (2, "insp.sgh.1", "inspector", False),
        (3, "insp.sgh.2", "inspector", False),
        (4, "insp.nbo.1", "inspector", False),
    ]
    db.execute(
        insert(User),
        [
            {"id": i, "username": n, "display_name": n, "role": r, "password_hash": "x", "all_ports": a}
            for i, n, r, a in users
        ],
    )
    db.execute(
        insert(UserPort), [{"user_id": 2, "port_id": 1}, {"user_id": 3, "port_id": 1}, {"user_id": 4, "port_id": 2}]
    )
    return {
        "sup": Actor(1, "sup", Role.SUPERVISOR, None),
        "lead": Actor(2, "insp.sgh.1", Role.INSPECTOR, frozenset({1})),
        "second": Actor(3, "insp.sgh.2", Role.INSPECTOR, frozenset({1})),
        "other_port": Actor(4, "insp.nbo.1", Role.INSPECTOR, frozenset({2})),
    }


def _declaration(db, actor, number="D-0001", port_code="CNSGH"):
    return register_declaration(
        db,
        actor,
        {
            "number": number,
            "port_code": port_code,
            "enterprise_uscc": USCC,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "DE",
            "declared_at": T0,
            "goods": [
                {
                    "hs_code": "8471300000",
                    "description": "Laptops",
                    "quantity": 200,
                    "unit": "pcs",
                    "gross_weight_kg": 600,
                    "value": 90000,
                }
            ],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN1234567"}],
        },
        now=T0,
    )


def _count(db, model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.scalar(query)


def test_an_inspection_goes_from_pending_to_released_with_transitions_and_audit(db, world):
    sup, lead = world["sup"], world["lead"]
    decl = _declaration(db, sup)
    insp = open_inspection(db, sup, decl, priority=1, now=T0)
    assign_inspectors(db, sup, insp, [2, 3], now=T0 + timedelta(minutes=5))
    start_inspection(db, lead, insp, now=T0 + timedelta(minutes=30))
    complete_inspection(db, lead, insp, now=T0 + timedelta(minutes=80))
    result = decide_inspection(db, lead, insp, "release", now=T0 + timedelta(minutes=90))
    assert result["state"] == "released"

    row = db.execute(select(Inspection.__table__).where(Inspection.id == insp)).one()
    assert (row.state, row.decision, row.decided_by_id, row.port_id) == ("released", "release", 2, 1)
    assert row.assigned_at is not None and row.started_at is not None and row.completed_at is not None
    assert row.decided_at is not None

    steps = db.execute(
        select(InspectionTransition.from_state, InspectionTransition.to_state)
        .where(InspectionTransition.inspection_id == insp)
        .order_by(InspectionTransition.id)
    ).all()
    assert [tuple(s) for s in steps] == [
        (None, "pending"),
        ("pending", "assigned"),
        ("assigned", "in_progress"),
        ("in_progress", "completed"),
        ("completed", "released"),
    ]
    positions = db.execute(
        select(InspectorAssignment.user_id, InspectorAssignment.position)
        .where(InspectorAssignment.inspection_id == insp)
        .order_by(InspectorAssignment.id)
    ).all()
    assert [tuple(p) for p in positions] == [(2, "lead"), (3, "second")]

    audit = db.execute(
        select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.entity == "inspection", AuditEntry.entity_id == str(insp))
        .order_by(AuditEntry.id)
    ).all()
    assert [a.action for a in audit] == ["open", "assign", "start", "complete", "decide"]
    assert audit[-1].before == {"state": "completed"}
    assert audit[-1].after == {"state": "released", "decision": "release"}
    assert _count(db, AuditEntry, entity="declaration", entity_id=str(decl)) == 1
    # The result is queued for the backbone in the same transaction as the decision.
    sent = db.execute(select(OutboxEntry.kind, OutboxEntry.payload).where(OutboxEntry.inspection_id == insp)).all()
    assert [(k, p["decision"]) for k, p in sent if k == "decision"] == [("decision", "release")]


def test_a_forbidden_transition_raises_and_leaves_nothing_half_written(db, world):
    sup, lead = world["sup"], world["lead"]
    insp = open_inspection(db, sup, _declaration(db, sup), now=T0)
    assign_inspectors(db, sup, insp, [2], now=T0)
    transitions, audits = _count(db, InspectionTransition), _count(db, AuditEntry)

    with pytest.raises(TransitionNotAllowed):
        complete_inspection(db, lead, insp, now=T0)  # never started
    with pytest.raises(TransitionNotAllowed):
        decide_inspection(db, lead, insp, "release", now=T0)

    row = db.execute(
        select(Inspection.state, Inspection.completed_at, Inspection.decision).where(Inspection.id == insp)
    ).one()
    assert tuple(row) == ("assigned", None, None)
    assert _count(db, InspectionTransition) == transitions
    assert _count(db, AuditEntry) == audits


def test_an_inspector_of_another_port_is_refused(db, world):
    sup = world["sup"]
    insp = open_inspection(db, sup, _declaration(db, sup), now=T0)
    with pytest.raises(InvalidInput):
        assign_inspectors(db, sup, insp, [4], now=T0)  # works at Ningbo
    assign_inspectors(db, sup, insp, [2], now=T0)
    with pytest.raises(AccessDenied):
        start_inspection(db, world["other_port"], insp, now=T0)
    with pytest.raises(AccessDenied):
        start_inspection(db, world["second"], insp, now=T0)  # right port, not assigned
    assert db.scalar(select(Inspection.state).where(Inspection.id == insp)) == "assigned"


def test_a_port_supervisor_cannot_open_work_at_another_port(db, world):
    decl = _declaration(db, world["sup"], port_code="CNNGB")  # old code, mapped to CNNBO
    sgh_supervisor = Actor(1, "sup", Role.SUPERVISOR, frozenset({1}))
    with pytest.raises(AccessDenied):
        open_inspection(db, sgh_supervisor, decl, now=T0)


def test_a_conflict_of_interest_blocks_the_assignment(db, world):
    db.execute(insert(ConflictOfInterest), [{"user_id": 3, "enterprise_id": 1, "declared_at": T0}])
    insp = open_inspection(db, world["sup"], _declaration(db, world["sup"]), now=T0)
    with pytest.raises(Conflict):
        assign_inspectors(db, world["sup"], insp, [2, 3], now=T0)
    assert _count(db, InspectorAssignment) == 0


def test_a_supervisor_with_a_declared_conflict_cannot_decide(db, world):
    sup, lead = world["sup"], world["lead"]
    insp = open_inspection(db, sup, _declaration(db, sup), now=T0)
    assign_inspectors(db, sup, insp, [2], now=T0)
    start_inspection(db, lead, insp, now=T0)
    complete_inspection(db, lead, insp, now=T0)
    db.execute(insert(ConflictOfInterest), [{"user_id": 1, "enterprise_id": 1, "declared_at": T0}])
    with pytest.raises(AccessDenied, match="conflict of interest"):
        decide_inspection(db, sup, insp, "release", now=T0)
    assert db.scalar(select(Inspection.state).where(Inspection.id == insp)) == "completed"
    decide_inspection(db, lead, insp, "release", now=T0)


def test_only_a_supervisor_clears_a_hold(db, world):
    sup, lead = world["sup"], world["lead"]
    insp = open_inspection(db, sup, _declaration(db, sup), now=T0)
    assign_inspectors(db, sup, insp, [2], now=T0)
    start_inspection(db, lead, insp, now=T0)
    complete_inspection(db, lead, insp, now=T0)
    decide_inspection(db, lead, insp, "hold", now=T0)
    with pytest.raises(AccessDenied):
        decide_inspection(db, lead, insp, "release", now=T0)
    decide_inspection(db, sup, insp, "destroy", now=T0 + timedelta(days=3))
    assert db.scalar(select(Inspection.decision).where(Inspection.id == insp)) == "destroy"


def test_a_declaration_with_an_unknown_hs_heading_is_rejected(db, world):
    with pytest.raises(InvalidInput):
        register_declaration(
            db,
            world["sup"],
            {
                "number": "D-BAD",
                "port_code": "CNSGH",
                "enterprise_uscc": USCC,
                "transport_mode": "sea",
                "origin_country": "DE",
                "goods": [{"hs_code": "9999", "quantity": 1, "value": 1}],
            },
        )
