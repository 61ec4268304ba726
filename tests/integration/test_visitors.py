"""The human demo accounts find work waiting at any hour (portsight.demo.visitors), made through the services
and audited as simulated: at 03:00 China time, after the seed, the demo inspector has tasks not started (one
for an expert's eye, one reefer, one that ends in a release), the demo expert a request waiting from a port
inspector, and the demo gate officer a genuine receipt not used yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from portsight.__main__ import main
from portsight.db import models as m
from portsight.db.checklists import load_checklist
from portsight.db.session import make_engine
from portsight.demo.masterdata import SIMULATOR_SUPERVISOR
from portsight.demo.seed import seed_demo
from portsight.demo.simulator import Simulator
from portsight.demo.visitors import EXPERT_HELP, REEFER, RELEASE, TaskKind, keep_work_waiting
from portsight.domain.access import Actor, Role
from portsight.services import field
from portsight.services.receipts import GENUINE, make_token, verify_receipt

NIGHT = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 03:00 on 11 March in China, nobody on duty
SECRET = "test-secret"
COMMON_STEPS = {"container_number", "seal", "seal_integrity", "goods", "packaging", "container_body", "reseal"}


@pytest.fixture
def demo(db):
    seed_demo(db, weeks=1, seed=7, now=NIGHT, demo=True, password_hash="x")
    return db


def _keep(db, tmp_path, at: datetime = NIGHT) -> dict[str, int]:
    return keep_work_waiting(db, now=at, media_dir=tmp_path / "media", secret=SECRET)


def _user(db, username: str) -> int:
    return db.scalar(select(m.User.id).where(m.User.username == username))


def _waiting_tasks(db, user_id: int) -> dict[int, list[str]]:
    """The user's inspections assigned and not started, with their commodity codes."""
    tasks: dict[int, list[str]] = {}
    for inspection_id, code in db.execute(
        select(m.Inspection.id, m.GoodsLine.hs_code)
        .join(m.InspectorAssignment, m.InspectorAssignment.inspection_id == m.Inspection.id)
        .join(m.GoodsLine, m.GoodsLine.declaration_id == m.Inspection.declaration_id)
        .where(m.InspectorAssignment.user_id == user_id, m.Inspection.state == "assigned")
    ):
        tasks.setdefault(inspection_id, []).append(code)
    return tasks


def _of(kind: TaskKind, tasks: dict[int, list[str]]) -> list[int]:
    return [i for i, codes in tasks.items() if all(c.startswith(kind.codes) for c in codes)]


def _written(db) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (m.AuditEntry, m.Declaration, m.Selection, m.Inspection, m.StepResult, m.Evidence)
    )


def test_at_three_in_the_night_the_inspector_finds_tasks_to_walk(demo, tmp_path):
    inspector = _user(demo, "inspector")
    assert _waiting_tasks(demo, inspector) == {}  # what the seed leaves at 03:00
    last_entry = demo.scalar(select(func.max(m.AuditEntry.id))) or 0
    made = _keep(demo, tmp_path)
    tasks = _waiting_tasks(demo, inspector)
    assert made["tasks"] == len(tasks) >= 3
    expert_help, reefer, release = (_of(kind, tasks) for kind in (EXPERT_HELP, REEFER, RELEASE))
    assert expert_help and reefer and release
    # The task that ends in a release has the common steps only: no rule that can stop its release.
    assert {s.step.key for s in load_checklist(demo, release[0]).slots} == COMMON_STEPS
    assert "recycled_raw_material" in {s.step.key for s in load_checklist(demo, expert_help[0]).slots}
    for inspection_id in tasks:
        team = demo.scalars(
            select(m.InspectorAssignment.user_id).where(m.InspectorAssignment.inspection_id == inspection_id)
        ).all()
        assert team == [inspector]
        selection = demo.execute(
            select(m.Selection.outcome, m.Inspection.port_id)
            .join(m.Inspection, m.Inspection.selection_id == m.Selection.id)
            .where(m.Inspection.id == inspection_id)
        ).one()
        assert selection.outcome == "inspect"  # drawn, not opened by hand
    # Everything made was done by the backbone and the system, marked simulated; nothing as a demo account.
    entries = demo.execute(select(m.AuditEntry.actor, m.AuditEntry.simulated).where(m.AuditEntry.id > last_entry)).all()
    assert entries and all(simulated for _, simulated in entries)
    assert {actor for actor, _ in entries} <= {"system", SIMULATOR_SUPERVISOR} | {
        f"insp.cnsgh.{n}" for n in range(1, 20)
    }


def test_the_expert_finds_a_request_waiting_from_a_port_inspector(demo, tmp_path):
    assert demo.scalar(select(func.count()).select_from(m.AssistSession).where(m.AssistSession.state == "waiting")) == 0
    assert _keep(demo, tmp_path)["assist_requests"] == 1
    request = demo.execute(
        select(
            m.AssistSession.inspection_id,
            m.AssistSession.step_key,
            m.User.username,
            m.Inspection.state.label("inspection_state"),
            m.Port.code,
        )
        .join(m.User, m.User.id == m.AssistSession.requested_by_id)
        .join(m.Inspection, m.Inspection.id == m.AssistSession.inspection_id)
        .join(m.Port, m.Port.id == m.AssistSession.port_id)
        .where(m.AssistSession.state == "waiting")
    ).one()
    assert request.username.startswith("insp.cnsgh.") and request.code == "CNSGH"
    assert request.inspection_state == "in_progress" and request.step_key == "recycled_raw_material"
    # The steps before the one in doubt are recorded, with the photos they need.
    inspection_id = request.inspection_id
    slots = load_checklist(demo, inspection_id).slots
    before = slots[: [s.step.key for s in slots].index("recycled_raw_material")]
    recorded = demo.scalar(
        select(func.count())
        .select_from(m.StepResult)
        .where(m.StepResult.inspection_id == inspection_id, m.StepResult.outcome == "conforming")
    )
    photos = demo.scalar(select(func.count()).select_from(m.Evidence).where(m.Evidence.inspection_id == inspection_id))
    assert recorded == len(before) and photos == sum(s.photos_required for s in before)


def test_the_gate_finds_a_genuine_receipt_not_used_yet(demo, tmp_path):
    port_id = demo.scalar(select(m.Port.id).where(m.Port.code == "CNSGH"))
    # The gate has checked every receipt of the port (the seed may leave the last hours' unused).
    demo.execute(
        update(m.ReleaseReceipt)
        .where(m.ReleaseReceipt.used_at.is_(None))
        .where(m.ReleaseReceipt.inspection_id.in_(select(m.Inspection.id).where(m.Inspection.port_id == port_id)))
        .values(used_at=NIGHT - timedelta(minutes=30), used_gate="Gate 1")
    )
    assert _keep(demo, tmp_path)["receipts"] == 1
    receipt = demo.execute(
        select(m.ReleaseReceipt.receipt_no, m.ReleaseReceipt.signature, m.Inspection.state, m.Port.code)
        .join(m.Inspection, m.Inspection.id == m.ReleaseReceipt.inspection_id)
        .join(m.Port, m.Port.id == m.Inspection.port_id)
        .where(m.ReleaseReceipt.used_at.is_(None), m.Port.code == "CNSGH")
        .order_by(m.ReleaseReceipt.id.desc())
    ).first()
    assert receipt is not None and receipt.state == "released"
    gate = Actor(_user(demo, "gate"), "gate", Role.GATE, frozenset({port_id}))
    checked = verify_receipt(demo, gate, make_token(receipt.receipt_no, receipt.signature), "Gate 1", secret=SECRET)
    assert checked.status == GENUINE and checked.containers


def test_a_second_call_writes_nothing(demo, tmp_path):
    _keep(demo, tmp_path)
    written = _written(demo)
    assert _keep(demo, tmp_path, NIGHT + timedelta(minutes=2)) == dict.fromkeys(
        ("declarations", "tasks", "assist_requests", "receipts"), 0
    )
    assert _written(demo) == written


def test_a_task_the_inspector_has_started_is_left_to_him_and_another_waits(demo, tmp_path):
    _keep(demo, tmp_path)
    inspector = _user(demo, "inspector")
    port_id = demo.scalar(select(m.Port.id).where(m.Port.code == "CNSGH"))
    taken = _of(RELEASE, _waiting_tasks(demo, inspector))[0]
    human = Actor(inspector, "inspector", Role.INSPECTOR, frozenset({port_id}))
    field.accept_task(demo, human, taken, now=NIGHT + timedelta(minutes=1))
    assert _keep(demo, tmp_path, NIGHT + timedelta(minutes=2))["tasks"] == 1
    assert len(_of(RELEASE, _waiting_tasks(demo, inspector))) == 1
    assert demo.scalar(select(m.Inspection.state).where(m.Inspection.id == taken)) == "in_progress"
    touched = demo.execute(
        select(m.AuditEntry.actor, m.AuditEntry.simulated, m.AuditEntry.action)
        .where(m.AuditEntry.entity == "inspection", m.AuditEntry.entity_id == str(taken))
        .order_by(m.AuditEntry.id)
    ).all()
    # Opened by the draw and assigned, both simulated; started by the human; nothing since.
    assert [(a.action, a.simulated) for a in touched] == [("open", True), ("assign", True), ("start", False)]
    assert touched[-1].actor == "inspector"


def test_what_a_service_refuses_for_one_account_does_not_keep_the_others_waiting(demo, tmp_path):
    # The demo inspector no longer works at the port: assigning him is refused, the rest is still made.
    demo.execute(delete(m.UserPort).where(m.UserPort.user_id == _user(demo, "inspector")))
    made = _keep(demo, tmp_path)
    assert made["tasks"] == 0 and made["assist_requests"] == 1 and made["receipts"] + _unused_receipts(demo) >= 1


def _unused_receipts(db) -> int:
    return db.scalar(
        select(func.count())
        .select_from(m.ReleaseReceipt)
        .join(m.Inspection, m.Inspection.id == m.ReleaseReceipt.inspection_id)
        .join(m.Port, m.Port.id == m.Inspection.port_id)
        .where(m.ReleaseReceipt.used_at.is_(None), m.Port.code == "CNSGH")
    )


def test_a_database_not_seeded_as_the_demo_gets_nothing(db, tmp_path):
    seed_demo(db, weeks=1, seed=7, now=NIGHT, password_hash="x")
    written = _written(db)
    assert sum(_keep(db, tmp_path).values()) == 0
    assert _written(db) == written


def test_seeding_the_demo_from_the_command_line_leaves_work_waiting(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'portsight.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(tmp_path))
    assert main(["seed", "--weeks", "1", "--demo", "--now", NIGHT.isoformat()]) == 0
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert len(_waiting_tasks(conn, _user(conn, "inspector"))) >= 3
            assert conn.scalar(
                select(func.count()).select_from(m.AssistSession).where(m.AssistSession.state == "waiting")
            )
    finally:
        engine.dispose()


def test_the_simulator_keeps_the_work_waiting_from_its_first_round(demo, tmp_path):
    simulator = Simulator(demo, seed=3, volume_factor=0, move_chance=0.0, media_dir=tmp_path, secret=SECRET)
    events = simulator.step(now=NIGHT)
    assert events["visitors"] > 0 and simulator.errors == 0
    assert len(_waiting_tasks(demo, _user(demo, "inspector"))) >= 3
