"""The live simulator moves work through the same services as people."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portsight import simulator as sim_module
from portsight.config import load_settings
from portsight.db import models as m
from portsight.services.seeding import seed_demo
from portsight.simulator import Simulator, start_simulator, stop_simulator

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # 10:00 in China


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_step_creates_declarations_and_advances_inspections(db):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    before_decl, before_trans = _count(db, m.Declaration), _count(db, m.InspectionTransition)
    before_states = Counter(s for (s,) in db.execute(select(m.Inspection.state)))
    sim = Simulator(db, seed=1, declaration_chance=0.6, move_chance=0.5)
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
def test_a_seeded_simulator_is_deterministic(engine, seed):
    def run():
        with engine.connect() as conn:
            outer = conn.begin()
            try:
                seed_demo(conn, weeks=1, seed=5, now=NOW, password_hash="x")
                s = Simulator(conn, seed=seed, declaration_chance=0.5, move_chance=0.5)
                events = [s.step(now=NOW + timedelta(minutes=i)) for i in range(5)]
                numbers = [
                    n
                    for (n,) in conn.execute(
                        select(m.Declaration.number).where(m.Declaration.number.like("S%")).order_by(m.Declaration.id)
                    )
                ]
                return events, numbers
            finally:
                outer.rollback()

    assert run() == run()
