"""Daily rollups equal a from-scratch aggregation after a day of simulated events (SQLite, PostgreSQL).

The events go through the real services (register, open, assign, start, complete, decide), which
refresh the rollup slices they touch in their own transaction; the test makes no refresh call.
The from-scratch side reads the source rows and applies portsight.domain.stats in Python, so
the SQL of the rollups is checked against the definitions themselves.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from portsight.db.models import (
    DailyOriginRollup,
    DailyPortRollup,
    DailyRollup,
    Declaration,
    Enterprise,
    Finding,
    GoodsLine,
    Inspection,
    InspectionTransition,
    Port,
    User,
    UserPort,
)
from portsight.db.rollups import (
    COUNTS,
    ORIGIN_COUNTS,
    RollingRebuild,
    rebuild_rollups,
    refresh_rollups,
    refresh_rollups_at,
)
from portsight.domain import stats
from portsight.domain.access import Actor, Role
from portsight.services.declarations import register_declaration
from portsight.services.inspections import (
    assign_inspectors,
    complete_inspection,
    decide_inspection,
    open_inspection,
    start_inspection,
)

ENTERPRISES = [
    (1, "91310000MA1FL8LQ34", "general"),
    (2, "91110000802100433B", "advanced_certified"),
    (3, "91440300MA5FUBXB2N", "dishonest"),
]
HS_CODES = [
    "8471300000",
    "0303890000",
    "3926909090",
    "6204620000",
    "4819100000",
]  # no banned goods: those are never released
# Shanghai keeps China Standard Time; Khorgos is given Urumqi time to test a second zone.
PORTS = [(1, "CNSGH", "Shanghai", "上海", "Asia/Shanghai"), (2, "CNKHG", "Khorgos", "霍尔果斯", "Asia/Urumqi")]


@pytest.fixture
def world(db):
    db.execute(
        insert(Port),
        [
            {"id": i, "code": c, "name_en": en, "name_zh": zh, "kind": "sea", "timezone": tz}
            for i, c, en, zh, tz in PORTS
        ],
    )
    db.execute(
        insert(Enterprise),
        [{"id": i, "uscc": u, "name": f"Enterprise {i}", "credit_tier": t} for i, u, t in ENTERPRISES],
    )
    db.execute(
        insert(User),
        [
            {"id": 1, "username": "sup", "display_name": "sup", "role": "supervisor", "password_hash": "x"},
            {"id": 2, "username": "insp", "display_name": "insp", "role": "inspector", "password_hash": "x"},
            {"id": 3, "username": "insp2", "display_name": "insp2", "role": "inspector", "password_hash": "x"},
        ],
    )
    db.execute(insert(UserPort), [{"user_id": u, "port_id": p} for u in (2, 3) for p in (1, 2)])
    return Actor(1, "sup", Role.SUPERVISOR, None), Actor(2, "insp", Role.INSPECTOR, None)


def simulate_day(db, sup, insp, day_start: datetime, count: int = 36, seed: int = 8) -> None:
    """A day of traffic on two ports with inspections that run past midnight and holds cleared later."""
    rng = random.Random(seed)
    for n in range(count):
        port = PORTS[n % 2]
        ent = ENTERPRISES[rng.randrange(3)]
        declared = day_start + timedelta(minutes=rng.randrange(0, 24 * 60))
        decl = register_declaration(
            db,
            sup,
            {
                "number": f"SIM-{seed}-{n:04d}",
                "port_id": port[0],
                "enterprise_id": ent[0],
                "transport_mode": "sea",
                "origin_country": rng.choice(["DE", "VN", "US", "BR"]),
                "declared_at": declared,
                "goods": [
                    {
                        "hs_code": rng.choice(HS_CODES),
                        "description": "goods",
                        "quantity": 1,
                        "unit": "pcs",
                        "gross_weight_kg": 10,
                        "value": 100,
                    }
                    for _ in range(rng.randint(1, 3))
                ],
            },
            now=declared,
        )
        if rng.random() < 0.35:
            continue  # not selected for inspection
        t = declared + timedelta(minutes=rng.randrange(5, 120))
        insp_id = open_inspection(db, sup, decl, now=t)
        if rng.random() < 0.15:
            continue  # still waiting at the end of the day
        # Two inspectors: a return is decided by two (the second-inspector rule).
        assign_inspectors(db, sup, insp_id, [2, 3], now=t + timedelta(minutes=5))
        start_inspection(db, insp, insp_id, now=t + timedelta(minutes=30))
        done = t + timedelta(minutes=30 + rng.randrange(20, 600))  # many run past local midnight
        if rng.random() < 0.4:
            db.execute(
                insert(Finding),
                [
                    {
                        "inspection_id": insp_id,
                        "severity": "medium",
                        "description": "seal number differs",
                        "created_at": done,
                    }
                ],
            )
        complete_inspection(db, insp, insp_id, now=done)
        decided = done + timedelta(minutes=rng.randrange(1, 90))
        decision = rng.choice(["release", "release", "release", "hold", "return"])
        decide_inspection(db, insp, insp_id, decision, now=decided)
        if decision == "hold" and rng.random() < 0.6:
            decide_inspection(db, sup, insp_id, "release", now=decided + timedelta(hours=rng.randrange(2, 40)))


def from_scratch(db, by_origin: bool = False) -> dict[tuple, dict[str, float]]:
    """The rollups computed in Python from the source rows with the domain definitions,
    keyed (port, day, chapter, tier), or (port, day, origin country) with by_origin."""
    tz = {p.id: p.timezone for p in db.execute(select(Port.id, Port.timezone))}
    tier = {e.id: e.credit_tier for e in db.execute(select(Enterprise.id, Enterprise.credit_tier))}
    lines = defaultdict(list)
    for g in db.execute(select(GoodsLine.declaration_id, GoodsLine.line_no, GoodsLine.hs_code)):
        lines[g.declaration_id].append((g.line_no, g.hs_code))
    decls = {d.id: d for d in db.execute(select(Declaration.__table__))}
    inspections = list(db.execute(select(Inspection.__table__)))
    findings = defaultdict(int)
    for f in db.execute(select(Finding.inspection_id)):
        findings[f.inspection_id] += 1
    holds = list(
        db.execute(
            select(InspectionTransition.inspection_id, InspectionTransition.at).where(
                InspectionTransition.to_state == "held"
            )
        )
    )
    out: dict[tuple, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))

    def key(decl, instant):
        if by_origin:
            return (decl.port_id, stats.local_day(instant, tz[decl.port_id]), decl.origin_country)
        return (
            decl.port_id,
            stats.local_day(instant, tz[decl.port_id]),
            stats.principal_hs_chapter(lines[decl.id]),
            tier[decl.enterprise_id],
        )

    inspected = {i.declaration_id for i in inspections}
    for d in decls.values():
        k = key(d, d.declared_at)
        out[k]["declarations"] += 1
        out[k]["inspected"] += d.id in inspected
    by_id = {}
    for i in inspections:
        d = decls[i.declaration_id]
        by_id[i.id] = (i, d)
        if stats.counts_as_inspection(i.completed_at):
            k = key(d, i.completed_at)
            out[k]["inspections"] += 1
            out[k]["non_conforming"] += stats.is_detection(i.completed_at, findings[i.id])
            out[k]["inspection_minutes_sum"] += stats.inspection_duration_minutes(i.started_at, i.completed_at)
        minutes = stats.time_to_release_minutes(d.declared_at, i.decided_at, i.decision)
        if minutes is not None:
            k = key(d, i.decided_at)
            out[k]["released"] += 1
            out[k]["release_minutes_sum"] += minutes
    for h in holds:
        i, d = by_id[h.inspection_id]
        out[key(d, h.at)]["held"] += 1
    return dict(out)


def stored(db) -> dict[tuple, dict[str, float]]:
    rows = db.execute(select(DailyRollup.__table__)).mappings()
    return {
        (r["port_id"], r["day"], r["hs_chapter"], r["credit_tier"]): {c: r[c] for c in COUNTS}
        for r in rows
        if any(r[c] for c in COUNTS)
    }


def assert_same(actual, expected):
    assert set(actual) == set(expected)
    for k, values in expected.items():
        for name in COUNTS:
            assert actual[k][name] == pytest.approx(values[name], abs=1e-3), (k, name)


DAY = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # Monday 2 March 2026, 00:00 in Shanghai


def test_rollups_maintained_by_refresh_calls_equal_a_from_scratch_aggregation(db, world):
    simulate_day(db, *world, day_start=DAY)
    expected = from_scratch(db)
    assert sum(v["declarations"] for v in expected.values()) == 36
    assert sum(v["held"] for v in expected.values()) > 0  # the day really had holds
    assert len({k[1] for k in expected}) > 1  # and work spilling over into the next day
    assert_same(stored(db), expected)


def test_rebuild_from_source_equals_the_incremental_rollups(db, world):
    simulate_day(db, *world, day_start=DAY, seed=9)
    incremental = stored(db)
    db.execute(DailyRollup.__table__.delete())
    written = rebuild_rollups(db)
    assert written == len(stored(db))
    assert_same(stored(db), incremental)
    assert_same(stored(db), from_scratch(db))


def test_a_refresh_removes_what_no_longer_happened(db, world):
    simulate_day(db, *world, day_start=DAY, count=6, seed=3)
    db.execute(
        insert(DailyRollup),
        [{"day": date(2026, 3, 2), "port_id": 1, "hs_chapter": "99", "credit_tier": "general", "declarations": 5}],
    )
    refresh_rollups(db, 1, date(2026, 3, 2))
    assert ("99", "general") not in {(k[2], k[3]) for k in stored(db) if k[0] == 1}
    assert_same(stored(db), from_scratch(db))


def test_port_and_origin_grains_equal_a_from_scratch_aggregation(db, world):
    """The coarser tables the statistics read (trends, KPI weeks, ports, origins) agree with the
    source rows, after the services' refreshes and after a rebuild."""
    simulate_day(db, *world, day_start=DAY, seed=5)
    for _ in ("incremental", "rebuilt"):
        by_port: dict[tuple, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
        for (port, day, _chapter, _tier), values in from_scratch(db).items():
            for name in COUNTS:
                by_port[(port, day)][name] += values[name]
        ports = {(r["port_id"], r["day"]): r for r in db.execute(select(DailyPortRollup.__table__)).mappings()}
        assert set(ports) == set(by_port)
        for k, values in by_port.items():
            for name in COUNTS:
                assert ports[k][name] == pytest.approx(values[name], abs=1e-3), (k, name)
        expected = {k: v for k, v in from_scratch(db, by_origin=True).items() if any(v[n] for n in ORIGIN_COUNTS)}
        origins = {
            (r["port_id"], r["day"], r["origin_country"]): r
            for r in db.execute(select(DailyOriginRollup.__table__)).mappings()
        }
        assert len({k[2] for k in origins}) > 1
        assert set(origins) == set(expected)
        for k, values in expected.items():
            assert {n: origins[k][n] for n in ORIGIN_COUNTS} == {n: values[n] for n in ORIGIN_COUNTS}, k
        for table in (DailyRollup, DailyPortRollup, DailyOriginRollup):
            db.execute(table.__table__.delete())
        rebuild_rollups(db)


def test_a_refresh_of_many_days_at_once_equals_the_slices(db, world):
    """Many days (a bulk import) are refreshed by one ranged aggregation per port: same result."""
    simulate_day(db, *world, day_start=DAY, seed=11)
    db.execute(DailyRollup.__table__.delete())
    instants = [DAY + timedelta(days=n) for n in range(-1, 5)]  # more days than are refreshed one by one
    for port_id, *_ in PORTS:
        assert len(refresh_rollups_at(db, port_id, *instants)) == 6
    assert_same(stored(db), from_scratch(db))


def test_a_slice_reads_the_ports_inspections_of_its_day_not_all_of_them(db, world):
    """A slice is refreshed after every completion and decision. On SQLite (PostgreSQL plans by its own
    statistics), every statement of it finds the port's inspections through their completion or decision
    time, not through the port alone, which is every inspection the port ever had."""
    if db.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    simulate_day(db, *world, day_start=DAY, count=6, seed=3)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM inspections" in statement:
            statements.append((statement, parameters))

    event.listen(db, "before_cursor_execute", record)
    try:
        refresh_rollups(db, 1, date(2026, 3, 2))
    finally:
        event.remove(db, "before_cursor_execute", record)
    assert len(statements) >= 3  # completed, decided, held
    raw = db.connection.driver_connection
    for statement, parameters in statements:
        plan = " | ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters))
        searched = [step for step in plan.split(" | ") if step.startswith(("SEARCH inspections", "SCAN inspections"))]
        for step in searched:
            assert "_at>" in step or "rowid=" in step or "declaration_id=" in step, plan


@pytest.mark.parametrize("batch_days", [1, 2])
def test_rollups_counted_as_the_days_pass_equal_a_rebuild(db, world, batch_days):
    """The seed's writing process counts each port's days once they have passed, several days at a time
    (RollingRebuild): the same rows as counting everything at the end."""
    for n, seed in enumerate((21, 22, 23, 24)):
        simulate_day(db, *world, day_start=DAY + timedelta(days=n), count=12, seed=seed)
    expected = from_scratch(db)
    for table in (DailyRollup, DailyPortRollup, DailyOriginRollup):
        db.execute(table.__table__.delete())
    rolling = RollingRebuild(db, batch_days=batch_days)
    for hours in range(0, 6 * 24, 6):
        rolling.complete_before(DAY + timedelta(hours=hours))
    rolling.finish()
    assert_same(stored(db), expected)
    ports = {(r["port_id"], r["day"]) for r in db.execute(select(DailyPortRollup.__table__)).mappings()}
    assert len({day for _, day in ports}) >= 4
