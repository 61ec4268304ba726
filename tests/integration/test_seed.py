"""The demo seed: reproducible from (seed, now), and shaped like real port work."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.domain.enterprise import is_valid_uscc
from portsight.services.errors import Conflict
from portsight.services.seeding import container_check_digit, seed_demo

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)
KEY_TABLES = (m.Port, m.Enterprise, m.User, m.DutyShift, m.Declaration, m.GoodsLine, m.Container, m.Selection,
              m.Inspection, m.InspectionTransition, m.InspectorAssignment, m.StepResult, m.Finding, m.Alert,
              m.AssistSession)  # fmt: skip


def _plain(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, Decimal | float):
        return f"{float(value):.2f}"
    return value


def _dump(conn) -> dict[str, str]:
    """A digest of every row of the key tables, in id order, with types made comparable."""
    digests = {}
    for model in KEY_TABLES:
        table = model.__table__
        cols = [c for c in table.c if c.name != "password_hash"]
        rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
        text = repr([[_plain(v) for v in row] for row in rows])
        digests[table.name] = f"{len(rows)}:{hashlib.sha256(text.encode()).hexdigest()}"
    return digests


@pytest.fixture
def seeded(engine):
    """Seed into a fresh (rolled-back) database and hand back the digest; the database is empty again after."""

    def run(seed: int, weeks: int = 2, check=None):
        with engine.connect() as conn:
            outer = conn.begin()
            try:
                counts = seed_demo(conn, weeks=weeks, seed=seed, now=NOW, password_hash="x")
                result = (_dump(conn), counts, check(conn) if check else None)
            finally:
                outer.rollback()
        return result

    return run


def test_same_seed_and_now_give_identical_rows(seeded):
    first, counts, _ = seeded(7)
    second, _, _ = seeded(7)
    assert counts["declarations"] > 1000 and counts["inspections"] > 50
    assert first == second


def test_a_different_seed_gives_different_data(seeded):
    first, _, _ = seeded(7)
    other, _, _ = seeded(8)
    assert first["declarations"] != other["declarations"]
    assert first["inspections"] != other["inspections"]


def _rate_by_tier(conn) -> dict[str, float]:
    rows = conn.execute(
        select(m.Enterprise.credit_tier, func.count(), func.sum(func.cast(m.Selection.outcome == "inspect", m.Integer)))
        .join(m.Declaration, m.Declaration.enterprise_id == m.Enterprise.id)
        .join(m.Selection, m.Selection.declaration_id == m.Declaration.id)
        .group_by(m.Enterprise.credit_tier)
    ).all()
    return {tier: float(inspected) / total for tier, total, inspected in rows}


def test_the_seed_is_shaped_like_port_work(seeded):
    def check(conn):
        rates = _rate_by_tier(conn)
        days = Counter(
            (as_utc(t) + timedelta(hours=8)).date() for (t,) in conn.execute(select(m.Declaration.declared_at))
        )
        weekday = [n for d, n in days.items() if d.weekday() < 5]
        weekend = [n for d, n in days.items() if d.weekday() >= 5]
        states = Counter(s for (s,) in conn.execute(select(m.Inspection.state)))
        air_boxes = conn.scalar(
            select(func.count())
            .select_from(m.Container)
            .join(m.Declaration, m.Declaration.id == m.Container.declaration_id)
            .where(m.Declaration.transport_mode == "air")
        )
        boxes = [n for (n,) in conn.execute(select(m.Container.number).limit(500))]
        ussc = [u for (u,) in conn.execute(select(m.Enterprise.uscc))]
        sizes = dict(
            conn.execute(
                select(m.Port.code, func.count())
                .join(m.Declaration, m.Declaration.port_id == m.Port.id)
                .group_by(m.Port.code)
            ).all()
        )
        users = {u: (r, a) for u, r, a in conn.execute(select(m.User.username, m.User.role, m.User.all_ports))}
        return rates, weekday, weekend, states, air_boxes, boxes, ussc, sizes, users

    _, counts, (rates, weekday, weekend, states, air_boxes, boxes, ussc, sizes, users) = seeded(7, check=check)
    assert rates["dishonest"] > 0.6 > rates["general"] > rates["advanced_certified"]
    assert 0.03 < rates["general"] < 0.12 and rates["advanced_certified"] < 0.04
    assert sum(weekday) / len(weekday) > 2 * sum(weekend) / len(weekend)
    assert states["released"] > states["held"] > 0
    assert {"pending", "assigned"} & set(states)  # open work at the end
    assert air_boxes == 0
    assert all(container_check_digit(b[:10]) == int(b[10]) for b in boxes)
    assert all(is_valid_uscc(u) for u in ussc)
    assert sizes["CNSGH"] > 5 * sizes["CNWXS"]
    assert users["supervisor.sgh"] == ("supervisor", False) and users["admin"] == ("admin", True)
    assert counts["step_results"] > counts["inspections"] and counts["duty_shifts"] > 0


def test_seeding_a_database_that_has_data_is_refused(db):
    seed_demo(db, weeks=1, seed=1, now=NOW, password_hash="x")
    with pytest.raises(Conflict):
        seed_demo(db, weeks=1, seed=1, now=NOW, password_hash="x")
    counts = seed_demo(db, weeks=1, seed=2, now=NOW, password_hash="x", force=True)
    assert db.scalar(select(func.count()).select_from(m.Declaration)) == counts["declarations"]


def test_services_can_insert_after_the_seed_assigned_ids(db):
    """On PostgreSQL the sequences must have moved past the ids the seed chose."""
    from portsight.domain.access import SYSTEM
    from portsight.services.inspections import open_inspection

    seed_demo(db, weeks=1, seed=3, now=NOW, password_hash="x")
    declaration_id = db.scalar(
        select(m.Declaration.id).where(~m.Declaration.id.in_(select(m.Inspection.declaration_id))).limit(1)
    )
    new_id = open_inspection(db, SYSTEM, declaration_id, now=NOW)
    assert new_id > db.scalar(select(func.count()).select_from(m.Inspection)) - 1
