"""Release blocked when the law says so, through the one decision path, on SQLite and PostgreSQL: an open
prohibited-goods alert, a rule in force that forbids release, a laboratory result not in yet; and the
decisions the rules call for: treat then re-inspect, sample then record the result, identify suspected waste."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portsight.db.alert_store import raise_alert
from portsight.db.checklists import load_checklist
from portsight.db.models import AuditEntry, Inspection, InspectionTransition, ReleaseHold, ReleaseReceipt
from portsight.db.session import unit_of_work
from portsight.errors import Conflict, InvalidInput
from portsight.queries import field as q
from portsight.services import alerts, decisions, evidence
from portsight.services import field as svc
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, decide_inspection, open_inspection, record_hold_result
from tests.integration.test_field import (
    BOX,
    LEAD,
    MAX_BYTES,
    SEAL,
    SECRET,
    SUP,
    make_world,
    paper_declaration,
    png_bytes,
)

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
SEVEN = ("front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage")


def values_for(key: str, quantity: float, weight: float) -> dict:
    """What an inspector records when everything is as declared."""
    known = {
        "container_number": {"number": BOX},
        "seal": {"seal_number": SEAL, "seal_class": "H"},
        "seal_integrity": {"seal_view": True, "seal_tug": True, "seal_twist": True, "seal_turn": True},
        "radiation": {"dose_rate_ugy_h": 0.12, "background_ugy_h": 0.1},
        "goods": {"description_matches": True, "quantity": quantity, "gross_weight_kg": weight},
        "impurity": {"impurity_pct": 0.3},
        "packaging": {"packaging_intact": True, "wood_packaging": False},
        "container_body": dict.fromkeys(SEVEN, True),
        "reseal": {"new_seal_number": "CN7654321", "new_seal_class": "H"},
    }
    return known[key]


def declaration(number: str, hs: str, declared_at: datetime) -> dict:
    data = paper_declaration(number, hs=hs, declared_at=declared_at)
    data["containers"][0]["declared_seal_class"] = "H"
    return data


def completed(db, tmp_path: Path, number: str, hs: str, declared_at: datetime, **changed: dict) -> int:
    """An inspection of the declaration with every step recorded (as declared, unless `changed`), photos
    taken, completed: the decision comes next."""
    decl = register_declaration(db, SUP, declaration(number, hs, declared_at), now=declared_at)
    insp = open_inspection(db, SUP, decl, priority=1, now=declared_at)
    assign_inspectors(db, SUP, insp, [2, 3], now=declared_at)
    svc.accept_task(db, LEAD, insp, now=declared_at + timedelta(minutes=5))
    for slot in load_checklist(db, insp).slots:
        values = changed.get(slot.step.key) or values_for(slot.step.key, 20, 21000)
        outcome = svc.record_step_result(db, LEAD, insp, slot.step.key, values, slot.container_id)
        assert outcome.saved, (slot.id, outcome)
        if slot.step.key not in changed:
            assert outcome.outcome == "conforming", (slot.id, outcome)
        for n in range(slot.photos_required):
            evidence.attach_photo(
                db, LEAD, insp, slot.step.key, png_bytes((n * 30 % 255, 10, 10)), f"{slot.id}-{n}.png",
                "image/png", slot.container_id, media_dir=tmp_path, max_bytes=MAX_BYTES,
            )  # fmt: skip
    svc.complete_checklist(db, LEAD, insp, now=declared_at + timedelta(hours=1))
    return insp


def state(db, insp: int) -> str:
    return db.scalar(select(Inspection.state).where(Inspection.id == insp))


def receipts(db, insp: int) -> int:
    return db.scalar(select(func.count()).select_from(ReleaseReceipt).where(ReleaseReceipt.inspection_id == insp))


@pytest.fixture
def world(db):
    make_world(db)
    return db


def release(db, insp: int) -> dict:
    return decisions.take_decision(db, LEAD, insp, "release", confirmed=True, secret=SECRET)


# --------------------------------------------------------------------------- what blocks release


def test_an_open_prohibited_goods_alert_blocks_release_on_every_path_until_a_supervisor_resolves_it(world, tmp_path):
    insp = completed(world, tmp_path, "D-ALERT-1", "4707100000", datetime(2020, 6, 1, 2, 0, tzinfo=UTC))
    declaration_id = world.scalar(select(Inspection.declaration_id).where(Inspection.id == insp))
    with unit_of_work(world) as session:
        alert = raise_alert(
            session, dedupe_key=f"prohibited_goods:declaration:{declaration_id}", kind="prohibited_goods",
            severity="high", port_id=1, title="Solid-waste imports prohibited", rule_id="solid_waste_import_ban",
            declaration_id=declaration_id,
        )  # fmt: skip
    with pytest.raises(Conflict, match=rf"Release is not allowed: Open prohibited-goods alert #{alert.id}"):
        release(world, insp)
    with pytest.raises(Conflict, match="prohibited-goods alert"):
        decide_inspection(world, SUP, insp, "release")  # a supervisor's decision passes the same policy
    assert state(world, insp) == "completed" and receipts(world, insp) == 0
    shown = q.decision_state(world, insp, frozenset({1}))["options"]
    assert "release" not in shown.allowed and [b.kind for b in shown.blockers] == ["alert"]

    alerts.resolve_alert(world, SUP, alert.id, "Checked the goods: recovered paper under a valid 2020 licence.")
    result = release(world, insp)
    assert result["state"] == "released" and receipts(world, insp) == 1


def test_a_rule_in_force_that_forbids_release_refuses_it_and_waste_identified_is_returned(world, tmp_path):
    insp = completed(world, tmp_path, "D-CU-1", "7404000090", NOW)  # copper waste, after the 2021 ban
    with pytest.raises(Conflict, match=r"Release forbidden: .*solid_waste_import_ban"):
        release(world, insp)
    options = q.decision_state(world, insp)["options"]
    assert [b.ref for b in options.blockers] == ["solid_waste_import_ban"]
    assert "identify" in options.allowed and options.suggested["identify"] == ("solid_waste_import_ban",)

    with pytest.raises(InvalidInput, match="which body"):
        decisions.take_decision(world, LEAD, insp, "identify", confirmed=True)
    decisions.take_decision(world, LEAD, insp, "identify", confirmed=True, what="CIQ solid waste identification centre")
    assert state(world, insp) == "identification"
    with pytest.raises(Conflict, match="attribute identification has not concluded"):
        release(world, insp)
    with pytest.raises(InvalidInput, match="waste, not_waste"):
        record_hold_result(world, LEAD, insp, "pass")
    record_hold_result(world, LEAD, insp, "waste", note="Report 2026-117")
    assert state(world, insp) == "completed"
    options = q.decision_state(world, insp)["options"]
    assert {b.kind for b in options.blockers} == {"rule", "waste"} and "identify" not in options.allowed
    assert "return" in options.suggested
    result = decisions.take_decision(world, LEAD, insp, "return", confirmed=True)
    assert result["state"] == "returned"
    hold = world.execute(select(ReleaseHold.kind, ReleaseHold.result, ReleaseHold.rule_ids)).one()
    assert tuple(hold) == ("identification", "waste", ["solid_waste_import_ban"])


def test_goods_identified_as_not_waste_continue_to_release(world, tmp_path):
    insp = completed(world, tmp_path, "D-CU-2", "7404000090", NOW)
    decisions.take_decision(world, LEAD, insp, "identify", confirmed=True, what="CIQ solid waste identification centre")
    record_hold_result(world, SUP, insp, "not_waste", note="Report 2026-118: copper raw material")
    assert q.decision_state(world, insp)["options"].blockers == ()
    assert release(world, insp)["state"] == "released"


def test_a_held_consignment_under_a_forbidding_rule_is_not_released_by_a_supervisor_either(world, tmp_path):
    insp = completed(world, tmp_path, "D-CU-3", "7404000090", NOW)
    decisions.take_decision(world, LEAD, insp, "hold", confirmed=True)
    with pytest.raises(Conflict, match="Release forbidden"):
        decide_inspection(world, SUP, insp, "release")
    assert decide_inspection(world, SUP, insp, "return")["state"] == "returned"


# --------------------------------------------------------------------------- laboratory


def test_release_waits_for_the_laboratory_and_follows_a_pass(world, tmp_path):
    insp = completed(world, tmp_path, "D-LAB-1", "4707100000", datetime(2020, 6, 1, 2, 0, tzinfo=UTC))
    decisions.take_decision(world, LEAD, insp, "sample", confirmed=True, what="3 bales to the CIQ Shanghai lab")
    assert state(world, insp) == "awaiting_lab"
    with pytest.raises(Conflict, match="The laboratory result is not in yet"):
        release(world, insp)
    with pytest.raises(Conflict, match="The laboratory result is not in yet"):
        decide_inspection(world, SUP, insp, "release")
    assert receipts(world, insp) == 0
    assert insp in set(q.my_tasks(world, 2, frozenset({1}))["inspection_id"])  # the inspector records the result

    record_hold_result(world, LEAD, insp, "pass", note="Lab report 88")
    assert state(world, insp) == "completed"
    assert release(world, insp)["state"] == "released"
    path = [
        (a, b)
        for a, b in world.execute(
            select(InspectionTransition.from_state, InspectionTransition.to_state)
            .where(InspectionTransition.inspection_id == insp)
            .order_by(InspectionTransition.id)
        )
    ][-3:]
    assert path == [("completed", "awaiting_lab"), ("awaiting_lab", "completed"), ("completed", "released")]
    actions = list(world.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(insp))))
    assert actions.count("decide") == 2 and actions.count("hold_result") == 1


def test_a_failed_laboratory_result_blocks_release(world, tmp_path):
    insp = completed(world, tmp_path, "D-LAB-2", "4707100000", datetime(2020, 6, 1, 2, 0, tzinfo=UTC))
    decisions.take_decision(world, LEAD, insp, "sample", confirmed=True, what="3 bales to the CIQ Shanghai lab")
    record_hold_result(world, LEAD, insp, "fail")
    with pytest.raises(Conflict, match="The laboratory result failed"):
        release(world, insp)
    assert decisions.take_decision(world, LEAD, insp, "hold", confirmed=True)["state"] == "held"


# --------------------------------------------------------------------------- treatment


def test_treatment_the_rules_call_for_then_re_inspection_then_release(world, tmp_path):
    no_mark = {"packaging_intact": True, "wood_packaging": True, "ispm15_mark": False}
    insp = completed(
        world, tmp_path, "D-WOOD-1", "4707100000", datetime(2020, 6, 1, 2, 0, tzinfo=UTC), packaging=no_mark
    )
    options = q.decision_state(world, insp)["options"]
    assert options.suggested["treat"] == ("wood_packaging_ispm15",)
    started = world.scalar(select(Inspection.started_at).where(Inspection.id == insp))

    decisions.take_decision(world, LEAD, insp, "treat", confirmed=True, what="Methyl bromide fumigation of pallets")
    assert state(world, insp) == "under_treatment"
    with pytest.raises(Conflict, match="treatment has not been done"):
        release(world, insp)
    moved = record_hold_result(world, LEAD, insp, "done", note="Fumigation certificate F-2020-55")
    assert moved["state"] == "in_progress"
    row = world.execute(select(Inspection.current_step, Inspection.started_at).where(Inspection.id == insp)).one()
    assert row.current_step == "packaging" and row.started_at == started  # re-inspection resumes at the finding

    svc.complete_checklist(world, LEAD, insp)
    options = q.decision_state(world, insp)["options"]
    assert options.release_allowed and "treat" not in options.allowed
    assert release(world, insp)["state"] == "released"


def test_treatment_is_refused_where_no_rule_calls_for_it(world, tmp_path):
    insp = completed(world, tmp_path, "D-PLAIN-1", "4707100000", datetime(2020, 6, 1, 2, 0, tzinfo=UTC))
    with pytest.raises(Conflict, match="No rule calls for treatment"):
        decisions.take_decision(world, LEAD, insp, "treat", confirmed=True, what="Fumigation")
    with pytest.raises(Conflict, match="waits for no result"):
        record_hold_result(world, LEAD, insp, "done")
    assert state(world, insp) == "completed"
    assert world.scalar(select(func.count()).select_from(ReleaseHold)) == 0
