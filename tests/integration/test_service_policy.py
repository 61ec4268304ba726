"""The policy lives in the services, whoever calls them (a page, the simulator, a script), on SQLite and
PostgreSQL: release past a blocker, a return without a second person, a conflict of interest declared
outside one's ports, and receipts issued or read by someone other than their inspectors or supervisors
are refused; the allowed path still works. (Help asked on a colleague's inspection: test_assist.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portsight.db.models import ConflictOfInterest, Inspection
from portsight.domain.access import Actor, Role
from portsight.errors import AccessDenied, Conflict, InvalidInput
from portsight.services import decisions, receipts, roster
from portsight.services import field as svc
from portsight.services.inspections import decide_inspection
from tests.integration.test_field import (
    GATE,
    LEAD,
    NOW,
    OTHER,
    SECOND,
    SECRET,
    SUP,
    make_world,
    record_all,
    started_inspection,
)

COLLEAGUE = Actor(6, "insp.3", Role.INSPECTOR, frozenset({1}))  # same port, not on this inspection
SUP_NINGBO = Actor(1, "sup", Role.SUPERVISOR, frozenset({2}))  # a supervisor scoped to the other port


@pytest.fixture
def world(db):
    make_world(db)
    return db


def completed(db, tmp_path, *, inspectors=(2, 3), impurity: float | None = None) -> int:
    insp = started_inspection(db, inspectors=inspectors)
    record_all(db, insp, tmp_path)
    if impurity is not None:
        svc.record_step_result(db, LEAD, insp, "impurity", {"impurity_pct": impurity})
    svc.complete_checklist(db, LEAD, insp, now=NOW + timedelta(hours=1))
    return insp


def state(db, insp: int) -> str:
    return db.scalar(select(Inspection.state).where(Inspection.id == insp))


# --------------------------------------------------------------------------- the decision service


def test_the_lifecycle_refuses_a_release_past_a_high_finding_to_the_assigned_inspector(world, tmp_path):
    insp = completed(world, tmp_path, impurity=2.0)
    with pytest.raises(Conflict, match="Release is not allowed: High-severity finding"):
        decide_inspection(world, LEAD, insp, "release")
    assert state(world, insp) == "completed"
    assert decide_inspection(world, LEAD, insp, "hold")["state"] == "held"


def test_the_lifecycle_refuses_return_and_destroy_without_a_second_inspector(world, tmp_path):
    insp = completed(world, tmp_path, inspectors=(2,))
    for decision in ("return", "destroy"):
        with pytest.raises(InvalidInput, match="second inspector"):
            decide_inspection(world, LEAD, insp, decision)
    assert state(world, insp) == "completed"
    # Named through the field's decision, the second inspector is recorded and the return goes through.
    result = decisions.take_decision(world, LEAD, insp, "return", confirmed=True, second_inspector_id=3)
    assert result["state"] == "returned"


def test_two_assigned_inspectors_may_destroy_through_the_lifecycle(world, tmp_path):
    insp = completed(world, tmp_path, inspectors=(2, 3))
    assert decide_inspection(world, LEAD, insp, "destroy")["state"] == "destroyed"


def test_a_supervisor_clearing_a_hold_is_the_second_person(world, tmp_path):
    insp = completed(world, tmp_path, inspectors=(2,))
    decide_inspection(world, LEAD, insp, "hold")
    assert decide_inspection(world, SUP, insp, "return")["state"] == "returned"


# --------------------------------------------------------------------------- conflicts of interest


def test_a_supervisor_cannot_declare_a_conflict_for_an_inspector_of_another_port(world):
    with pytest.raises(AccessDenied, match="does not work at a port in your scope"):
        roster.declare_conflict(world, SUP_NINGBO, LEAD.user_id, 1, "brother-in-law")
    with pytest.raises(AccessDenied):  # someone who works at every port is beyond a one-port scope
        roster.declare_conflict(world, SUP_NINGBO, SUP.user_id, 1)
    assert world.scalar(select(func.count()).select_from(ConflictOfInterest)) == 0
    assert roster.declare_conflict(world, SUP_NINGBO, OTHER.user_id, 1, "former employer")
    assert roster.declare_conflict(world, SUP, LEAD.user_id, 1)  # a supervisor of every port: anyone


def test_an_inspector_still_declares_only_their_own_conflict(world):
    with pytest.raises(AccessDenied):
        roster.declare_conflict(world, LEAD, SECOND.user_id, 1)
    assert roster.declare_conflict(world, LEAD, LEAD.user_id, 1)


# --------------------------------------------------------------------------- receipts


@pytest.fixture
def released(world, tmp_path):
    insp = completed(world, tmp_path)
    result = decisions.take_decision(
        world, LEAD, insp, "release", confirmed=True, secret=SECRET, now=NOW + timedelta(hours=2)
    )
    return insp, result


def test_only_the_inspections_inspectors_and_supervisors_issue_its_receipt(world, released):
    insp, result = released
    for outsider in (COLLEAGUE, OTHER, GATE):
        with pytest.raises(AccessDenied):
            receipts.issue_receipt(world, outsider, insp, secret=SECRET)
    for allowed in (LEAD, SECOND, SUP):
        assert receipts.issue_receipt(world, allowed, insp, secret=SECRET)["receipt_no"] == result["receipt_no"]


def test_the_printed_receipt_is_read_by_its_inspectors_and_supervisors_not_a_colleague_nor_the_gate(world, released):
    insp, result = released
    for outsider in (COLLEAGUE, OTHER, GATE, SUP_NINGBO):
        with pytest.raises(AccessDenied):
            receipts.receipt_data(world, outsider, insp)
    for allowed in (LEAD, SECOND, SUP):
        assert receipts.receipt_data(world, allowed, insp)["token"] == result["token"]
