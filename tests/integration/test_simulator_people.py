"""The simulator is somebody else: it acts through its own accounts, marks what it does as simulated,
leaves the human demo accounts' work alone, and starting it puts no burst on the live figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.masterdata import HUMAN_ACCOUNTS, SIMULATOR_SUPERVISOR
from portsight.demo.numbers import CUSTOMS_OFFICE, declaration_number
from portsight.demo.seed import seed_demo
from portsight.demo.simulator import Simulator
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.domain.stats import IsoWeek
from portsight.queries.overview import overview
from portsight.queries.statistics import kpi_cards
from portsight.services.inspections import (
    assign_inspectors,
    complete_inspection,
    decide_inspection,
    open_inspection,
    start_inspection,
)

NOW = datetime(2025, 6, 4, 8, 0, tzinfo=UTC)  # Wednesday 16:00 in China: most of the day's releases are in
LOCAL = timedelta(hours=8)


def _sim(tmp_path, db, **kwargs) -> Simulator:
    return Simulator(db, media_dir=tmp_path / "media", secret="test-secret", **kwargs)


def _user_id(db, username: str) -> int:
    return db.scalar(select(m.User.id).where(m.User.username == username))


def _rounds(sim: Simulator, start: datetime, count: int, seconds: int = 5) -> None:
    for i in range(count):
        sim.step(now=start + timedelta(seconds=seconds * i))
    assert sim.errors == 0


def _is_alert_check(entry) -> bool:
    """The product's own alert checks (portsight.alert_checks), which the simulator only schedules."""
    return entry.actor == "system" and entry.entity == "alert" and entry.action in ("raise", "reopen")


def _staff_task(db, port_code: str, declared: datetime, at: datetime, n: int = 1) -> tuple[int, Actor]:
    """A declaration at the port, declared at `declared`, opened for inspection at `at` and assigned to the
    port's n-th staff inspector (through the services): the inspection and its inspector."""
    port_id = db.scalar(select(m.Port.id).where(m.Port.code == port_code))
    declaration_id = db.scalar(
        select(m.Declaration.id)
        .where(m.Declaration.port_id == port_id, m.Declaration.id.not_in(select(m.Inspection.declaration_id)))
        .order_by(m.Declaration.id)
        .limit(1)
    )
    db.execute(update(m.Declaration).where(m.Declaration.id == declaration_id).values(declared_at=declared))
    inspection_id = open_inspection(db, SYSTEM, declaration_id, now=at)
    username = f"insp.{port_code.lower()}.{n}"
    user_id = _user_id(db, username)
    assign_inspectors(db, SYSTEM, inspection_id, [user_id], now=at)
    return inspection_id, Actor(user_id, username, Role.INSPECTOR, frozenset({port_id}))


def _hold(db, port_code: str, declared: datetime, decided: datetime, n: int = 1) -> int:
    """An inspection of port staff that ended in a hold decided at `decided`."""
    inspection_id, inspector = _staff_task(db, port_code, declared, decided - timedelta(hours=1), n)
    start_inspection(db, inspector, inspection_id, now=decided - timedelta(minutes=50))
    complete_inspection(db, inspector, inspection_id, now=decided - timedelta(minutes=10))
    decide_inspection(db, inspector, inspection_id, "hold", now=decided)
    return inspection_id


def test_start_up_puts_no_burst_on_the_live_median_to_release(db, tmp_path):
    """Right after start the live board's median from declaration to release is the weekly page's, within 20 %,
    though holds that people left open weeks ago are in the database too."""
    seed_demo(db, weeks=2, seed=7, now=NOW, password_hash="x")
    ports = list(db.scalars(select(m.Port.code).where(m.Port.kind == "sea").order_by(m.Port.code)))
    for i in range(30):
        decided = NOW - timedelta(days=5 + i, hours=i % 7)
        _hold(db, ports[i % len(ports)], decided - timedelta(hours=4), decided, n=1 + i % 3)
    _rounds(_sim(tmp_path, db, seed=1), NOW, 24)
    at = NOW + timedelta(minutes=2)
    live = overview(db, None, at).kpis["release_p50_minutes"]
    cards = kpi_cards(db, None, IsoWeek.of((at + LOCAL).date())).set_index("kpi")
    weekly = cards.loc["release_median_min", "value"]
    assert live is not None and weekly
    assert abs(live - weekly) <= 0.2 * weekly, f"live board {live:.0f} min, weekly page {weekly:.0f} min"


def test_the_simulator_s_inspections_take_as_long_as_real_ones(db, tmp_path):
    """What the simulator registers is not released within minutes, though it registers a lot: its inspections
    take their time (dispatch, the box brought to the inspection area, each step, the decision), so its
    releases do not pull the live board's median to release down to minutes as it runs."""
    start = NOW - timedelta(hours=1)
    seed_demo(db, weeks=1, seed=5, now=start, password_hash="x")
    last = db.scalar(select(func.max(m.Declaration.id)))
    # An hour and a half: a box takes about 40 minutes to reach the inspection area after the team is assigned.
    _rounds(_sim(tmp_path, db, seed=4, volume_factor=10, move_chance=0.3, max_moves=400), start, 271, 20)
    moved = db.execute(
        select(m.Declaration.declared_at, m.Inspection.state, m.Inspection.decided_at)
        .join(m.Inspection, m.Inspection.declaration_id == m.Declaration.id)
        .where(m.Declaration.id > last)
    ).all()
    assert len(moved) > 20 and sum(r.state not in ("pending", "assigned") for r in moved) > 5
    released = [as_utc(r.decided_at) - as_utc(r.declared_at) for r in moved if r.decided_at is not None]
    assert all(took >= timedelta(minutes=45) for took in released), sorted(released)[:3]


def test_old_holds_and_old_open_work_are_left_to_people(db, tmp_path):
    """A hold decided ten days ago, or work on a declaration that old, is a person's business; a recent hold
    is cleared by the simulator's own supervisor."""
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    old_hold = _hold(db, "CNNBO", NOW - timedelta(days=10, hours=3), NOW - timedelta(days=10))
    recent_hold = _hold(db, "CNNBO", NOW - timedelta(hours=5), NOW - timedelta(hours=1), n=2)
    old_work, _ = _staff_task(db, "CNQIN", NOW - timedelta(days=10), NOW - timedelta(days=10))
    last_audit = db.scalar(select(func.max(m.AuditEntry.id)))
    _rounds(_sim(tmp_path, db, seed=3, volume_factor=0, move_chance=1.0, max_moves=1000), NOW, 4)
    ids = [old_hold, recent_hold, old_work]
    states = dict(db.execute(select(m.Inspection.id, m.Inspection.state).where(m.Inspection.id.in_(ids))).all())
    assert states == {old_hold: "held", recent_hold: states[recent_hold], old_work: "assigned"}
    assert states[recent_hold] != "held"
    cleared = db.execute(
        select(m.AuditEntry.actor, m.AuditEntry.simulated).where(
            m.AuditEntry.id > last_audit, m.AuditEntry.entity == "inspection",
            m.AuditEntry.entity_id == str(recent_hold),
        )
    ).all()  # fmt: skip
    assert cleared and all(actor == SIMULATOR_SUPERVISOR and simulated for actor, simulated in cleared)


def _give_the_demo_inspector_a_task(db) -> int:
    """What a person does (H2b's visitors, or a supervisor in the roster page): a recent declaration at the
    demo inspector's port is opened for inspection and assigned to the demo inspector by name."""
    port_id = db.scalar(select(m.Port.id).where(m.Port.code == "CNSGH"))
    declaration_id = db.scalar(
        select(m.Declaration.id)
        .where(m.Declaration.port_id == port_id, m.Declaration.declared_at >= NOW - timedelta(hours=6))
        .where(m.Declaration.id.not_in(select(m.Inspection.declaration_id)))
        .order_by(m.Declaration.id.desc())
        .limit(1)
    )
    inspection_id = open_inspection(db, SYSTEM, declaration_id, now=NOW)
    supervisor = Actor(_user_id(db, "supervisor"), "supervisor", Role.SUPERVISOR, None)
    assign_inspectors(db, supervisor, inspection_id, [_user_id(db, "inspector")], now=NOW)
    return inspection_id


def test_the_simulator_acts_only_through_its_own_accounts_and_leaves_people_s_work_alone(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    human = {_user_id(db, name): name for name in HUMAN_ACCOUNTS}
    inspector = _user_id(db, "inspector")
    task = _give_the_demo_inspector_a_task(db)
    last_audit = db.scalar(select(func.max(m.AuditEntry.id)))
    last_assignment = db.scalar(select(func.max(m.InspectorAssignment.id)))
    sim = _sim(tmp_path, db, seed=9, volume_factor=3, move_chance=0.8, max_moves=400)
    _rounds(sim, NOW, 40, seconds=90)  # an hour: long enough for draws to be dispatched and worked on
    _rounds(sim, NOW + timedelta(days=6), 2)  # the roster runs short: the simulator tops it up

    a = m.AuditEntry
    entries = db.execute(
        select(a.actor, a.action, a.entity, a.entity_id, a.simulated).where(a.id > last_audit).order_by(a.id)
    ).all()
    assert len(entries) > 100
    by_simulator = [e for e in entries if not _is_alert_check(e)]
    assert all(e.simulated for e in by_simulator), {(e.actor, e.action) for e in by_simulator if not e.simulated}
    assert not {e.actor for e in by_simulator} & set(human.values())
    assert {e.actor for e in by_simulator} >= {"system", SIMULATOR_SUPERVISOR}
    assert any(e.actor.startswith("insp.") for e in by_simulator)
    on_task = [e for e in entries if e.entity == "inspection" and e.entity_id == str(task)]
    assert on_task == []
    assert db.scalar(select(m.Inspection.state).where(m.Inspection.id == task)) == "assigned"
    drawn = db.scalars(select(m.InspectorAssignment.user_id).where(m.InspectorAssignment.id > last_assignment)).all()
    assert drawn and inspector not in drawn
    late_shifts = db.scalar(
        select(func.count()).select_from(m.DutyShift).where(m.DutyShift.user_id.in_(human), m.DutyShift.ends_at > NOW)
    )
    assert late_shifts == 0


def test_simulated_declarations_continue_their_customs_office_s_sequence(db, tmp_path):
    """18-digit numbers, each the next of its office's sequence for the year, across a restart of the simulator
    and after a number another writer registered far up the sequence."""
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    sgh = db.scalar(select(m.Port.id).where(m.Port.code == "CNSGH"))
    planted = db.scalar(select(m.Declaration.id).where(m.Declaration.port_id == sgh).limit(1))
    db.execute(
        update(m.Declaration)
        .where(m.Declaration.id == planted)
        .values(number=declaration_number("CNSGH", 2025, "export", 700000))
    )

    def sequences() -> dict[str, int]:
        highest: dict[str, int] = defaultdict(int)
        for (number,) in db.execute(select(m.Declaration.number)):
            if len(number) == 18 and number.isdigit() and number[4:8] == "2025":
                highest[number[:4]] = max(highest[number[:4]], int(number[9:]))
        return highest

    before = sequences()
    assert before["2200"] >= 700000
    last = db.scalar(select(func.max(m.Declaration.id)))
    for seed in (1, 2):  # a restarted simulator starts from what is in the database
        _rounds(_sim(tmp_path, db, seed=seed, volume_factor=100, move_chance=0.0), NOW, 2)
    new = db.execute(
        select(m.Declaration.number, m.Declaration.direction, m.Port.code)
        .join(m.Port, m.Port.id == m.Declaration.port_id)
        .where(m.Declaration.id > last)
        .order_by(m.Declaration.id)
    ).all()
    assert len(new) > 20
    expected = dict(before)
    for number, direction, port in new:
        office = CUSTOMS_OFFICE[port]
        expected[office] = expected.get(office, 0) + 1
        assert number == declaration_number(port, 2025, direction, expected[office])
    assert len({n for n, _, _ in new}) == len(new)
