"""The simulator registers as many declarations as the seeded history has: per port, hour of day and weekday
(demo.declarations.arrivals_per_hour), so "declarations today" on the live board grows as the past's did."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.declarations import arrivals_per_hour
from portsight.demo.seed import seed_demo
from portsight.demo.simulator import Simulator
from portsight.demo.world import LOCAL, PORT_VOLUME

NOW = datetime(2025, 6, 6, 16, 0, tzinfo=UTC)  # Saturday 00:00 in China (a weekday has three times as many)
ROUND = timedelta(minutes=10)


def test_a_week_of_hourly_rates_adds_up_to_the_port_s_weekly_volume():
    monday = datetime(2025, 6, 1, 16, 0, tzinfo=UTC)  # Monday 00:00 in China
    for code, (weekly, _) in PORT_VOLUME.items():
        week = sum(arrivals_per_hour(code, monday + timedelta(hours=h)) for h in range(24 * 7))
        assert week == pytest.approx(weekly)


def test_a_simulated_day_brings_each_port_the_seeded_history_s_volume(db, tmp_path):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    last = db.scalar(select(func.max(m.Declaration.id)))
    sim = Simulator(db, seed=12, move_chance=0.0, media_dir=tmp_path / "media")  # the product's own rate
    moments = [NOW + ROUND * i for i in range(24 * 6 + 1)]  # a day in rounds of ten minutes
    expected: Counter[str] = Counter()
    for i, at in enumerate(moments):
        sim.step(now=at)
        hours = (ROUND if i else timedelta(seconds=sim.interval)) / timedelta(hours=1)
        for code in PORT_VOLUME:
            expected[code] += arrivals_per_hour(code, at) * hours
    assert sim.errors == 0
    new = db.execute(
        select(m.Port.code, m.Declaration.declared_at)
        .join(m.Port, m.Port.id == m.Declaration.port_id)
        .where(m.Declaration.id > last)
    ).all()
    per_port = Counter(code for code, _ in new)
    for code, mean in expected.items():
        assert abs(per_port[code] - mean) <= 4 * math.sqrt(mean) + 2, f"{code}: {per_port[code]}, expected {mean:.0f}"
    # As many as the seeded history has on the same weekday a week before, all ports together.
    seeded = db.scalar(
        select(func.count())
        .select_from(m.Declaration)
        .where(
            m.Declaration.declared_at >= NOW - timedelta(days=7), m.Declaration.declared_at < NOW - timedelta(days=6)
        )
    )
    assert abs(len(new) - seeded) <= 0.25 * seeded, f"{len(new)} live, {seeded} on the seeded Saturday"
    # Quiet nights, busy office hours: 00:00-06:00 against 09:00-12:00 and 14:00-17:00 China time.
    by_hour = Counter((as_utc(declared) + LOCAL).hour for _, declared in new)
    night = sum(by_hour[h] for h in range(6))
    office = sum(by_hour[h] for h in (9, 10, 11, 14, 15, 16))
    assert night * 5 < office, f"{night} at night, {office} in office hours"
