"""The live simulator moves work through the same services as people."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portsight.config import load_settings
from portsight.db import models as m
from portsight.demo import simulator as sim_module
from portsight.demo.seed import seed_demo
from portsight.demo.simulator import Simulator, start_simulator, stop_simulator
from portsight.services.dispatch import replay_dispatch
from portsight.services.selection import CODE_VERSION, replay_selection

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # 10:00 in China


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def _sim(tmp_path, db, **kwargs) -> Simulator:
    return Simulator(db, media_dir=tmp_path / "media", secret="test-secret", **kwargs)


def test_step_creates_declarations_and_advances_inspections(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    before_decl, before_trans = _count(db, m.Declaration), _count(db, m.InspectionTransition)
    before_states = Counter(s for (s,) in db.execute(select(m.Inspection.state)))
    sim = _sim(tmp_path, db, seed=1, volume_factor=4, move_chance=0.5)
    events = Counter()
    for i in range(12):
        events.update(sim.step(now=NOW + timedelta(minutes=i)))
    assert sim.errors == 0
    assert events["declarations"] > 0 and events["moves"] > 0
    assert _count(db, m.Declaration) == before_decl + events["declarations"]
    assert _count(db, m.InspectionTransition) > before_trans
    after_states = Counter(s for (s,) in db.execute(select(m.Inspection.state)))
    assert after_states != before_states
    simulated = db.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.actor == "system"))
    assert simulated >= events["declarations"]


def test_each_new_declaration_is_drawn_through_select_declaration_and_replays(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    before = _count(db, m.Selection)
    last = db.scalar(select(func.max(m.Declaration.id)))
    sim = _sim(tmp_path, db, seed=2, volume_factor=100, move_chance=0.0)
    events = sim.step(now=NOW)
    new = db.execute(
        select(m.Selection.id, m.Selection.code_version, m.Declaration.number)
        .join(m.Declaration, m.Declaration.id == m.Selection.declaration_id)
        .where(m.Declaration.id > last)
    ).all()
    assert events["declarations"] == len(new) == _count(db, m.Selection) - before > 0
    assert all(row.code_version == CODE_VERSION for row in new)
    assert all(replay_selection(db, row.id).matches for row in new)
    opened = db.scalar(
        select(func.count()).select_from(m.Inspection).where(m.Inspection.selection_id.in_([r.id for r in new]))
    )
    assert opened == events["inspections_opened"]


def test_dispatch_assigns_only_inspectors_on_duty_at_that_moment(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    sim = _sim(tmp_path, db, seed=3, volume_factor=2, move_chance=1.0, max_moves=400)
    moments = [NOW + timedelta(minutes=5 * i) for i in range(12)]  # an hour: a draw waits its dispatch a while
    for at in moments:
        sim.step(now=at)
    rows = db.execute(
        select(m.InspectorAssignment.inspection_id, m.InspectorAssignment.user_id, m.InspectorAssignment.assigned_at,
               m.Inspection.port_id, m.InspectorAssignment.draw_seed)
        .join(m.Inspection, m.Inspection.id == m.InspectorAssignment.inspection_id)
        .where(m.InspectorAssignment.assigned_at >= NOW)
    ).all()  # fmt: skip
    assert rows, "the simulator dispatched nobody"
    for r in rows:
        on_duty = db.scalar(
            select(func.count()).select_from(m.DutyShift).where(
                m.DutyShift.user_id == r.user_id, m.DutyShift.port_id == r.port_id,
                m.DutyShift.starts_at <= r.assigned_at, m.DutyShift.ends_at > r.assigned_at,
            )
        )  # fmt: skip
        assert on_duty == 1, f"user {r.user_id} assigned at {r.assigned_at} while off duty"
        assert r.draw_seed is not None
    assert all(replay_dispatch(db, i).matches for i in {r.inspection_id for r in rows})


def test_live_steps_are_recorded_and_judged_through_the_field_services(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    since = NOW - timedelta(seconds=1)
    last_audit = db.scalar(select(func.max(m.AuditEntry.id))) or 0  # the seeded history has its own audit trail
    sim = _sim(tmp_path, db, seed=4, volume_factor=3, move_chance=1.0, max_moves=200)
    for i in range(6):
        sim.step(now=NOW + timedelta(minutes=i))
    assert sim.errors == 0
    recorded = db.execute(
        select(m.StepResult.step_key, m.StepResult.outcome, m.StepResult.rules_applied).where(
            m.StepResult.recorded_at > since
        )
    ).all()
    assert recorded and all(r.outcome in ("conforming", "non_conforming") and r.rules_applied for r in recorded)
    audited = db.scalar(
        select(func.count())
        .select_from(m.AuditEntry)
        .where(m.AuditEntry.action == "field.step", m.AuditEntry.id > last_audit)
    )
    assert audited == len(recorded)
    assert db.scalar(select(func.count()).select_from(m.Evidence).where(m.Evidence.taken_at > since)) > 0


def test_a_step_refreshes_the_rollups_of_the_slices_it_touched(db, tmp_path):
    from portsight.db.rollups import aggregate  # noqa: F401 - the module exists

    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    day = (NOW + timedelta(hours=8)).date()
    before = db.scalar(select(func.sum(m.DailyRollup.declarations)).where(m.DailyRollup.day == day)) or 0
    sim = _sim(tmp_path, db, seed=6, volume_factor=100, move_chance=0.0)
    events = sim.step(now=NOW)
    after = db.scalar(select(func.sum(m.DailyRollup.declarations)).where(m.DailyRollup.day == day))
    assert after == before + events["declarations"]


def test_supervision_checks_run_every_thirty_simulated_seconds(db, tmp_path, monkeypatch):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    runs = []
    monkeypatch.setattr(sim_module, "run_alert_checks", lambda db, now, since=None, actor=None: runs.append(now) or {})
    sim = _sim(tmp_path, db, seed=7, volume_factor=0, move_chance=0.0)
    for s in range(0, 75, 5):
        sim.step(now=NOW + timedelta(seconds=s))
    assert runs == [NOW, NOW + timedelta(seconds=30), NOW + timedelta(seconds=60)]


def test_the_roster_is_topped_up_when_it_runs_out(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    later = NOW + timedelta(days=20)
    sim = _sim(tmp_path, db, seed=8, volume_factor=0, move_chance=0.0)
    sim.step(now=later)
    on_duty_tomorrow = db.scalar(
        select(func.count()).select_from(m.DutyShift).where(
            m.DutyShift.starts_at <= later + timedelta(days=1), m.DutyShift.ends_at > later + timedelta(days=1)
        )
    )  # fmt: skip
    assert on_duty_tomorrow > 0


def test_start_simulator_twice_returns_the_same_running_instance(engine):
    settings = dataclasses.replace(load_settings(), simulator=True)
    try:
        first = start_simulator(engine, settings)
        second = start_simulator(engine, settings)
        assert first is second and first.is_alive()
    finally:
        stop_simulator()
    assert sim_module._instance is None
    assert not first.is_alive()


def test_the_off_switch_starts_nothing(engine):
    settings = load_settings({"PORTSIGHT_SIMULATOR": "off", "PORTSIGHT_SECRET": "x"})
    assert settings.simulator is False
    assert start_simulator(engine, settings) is None


def test_an_exception_in_a_step_does_not_kill_the_thread(engine, monkeypatch):
    calls = []

    def boom(self, now=None):
        calls.append(now)
        raise RuntimeError("database went away")

    monkeypatch.setattr(Simulator, "step", boom)
    sim = Simulator(engine, interval=0.01).start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while len(calls) < 3 and datetime.now(UTC) < deadline:
            time.sleep(0.01)
        assert len(calls) >= 3 and sim.is_alive() and sim.errors >= 2
    finally:
        sim.stop()


@pytest.mark.parametrize("seed", [11])
def test_a_seeded_simulator_is_deterministic(engine, seed, tmp_path):
    media = tmp_path / "media"

    def run():
        with engine.connect() as conn:
            outer = conn.begin()
            try:
                seed_demo(conn, weeks=1, seed=5, now=NOW, password_hash="x")
                last = conn.scalar(select(func.max(m.Declaration.id)))
                s = Simulator(conn, seed=seed, volume_factor=5, move_chance=0.5, secret="x", media_dir=media)
                events = [s.step(now=NOW + timedelta(minutes=i)) for i in range(5)]
                numbers = [
                    n
                    for (n,) in conn.execute(
                        select(m.Declaration.number).where(m.Declaration.id > last).order_by(m.Declaration.id)
                    )
                ]
                return events, numbers
            finally:
                outer.rollback()

    assert run() == run()
