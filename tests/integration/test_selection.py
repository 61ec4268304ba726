"""Double random selection through the services, on SQLite and PostgreSQL: record, replay, append-only,
dispatch from the roster, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from portsight.db.models import (
    AuditEntry,
    ConflictOfInterest,
    Enterprise,
    Inspection,
    InspectorAssignment,
    Port,
    Selection,
    User,
    UserPort,
)
from portsight.db.session import unit_of_work
from portsight.domain.access import Actor, Role
from portsight.domain.selection import derive_seed, uniform
from portsight.errors import AccessDenied, Conflict, InvalidInput
from portsight.services.declarations import register_declaration
from portsight.services.dispatch import dispatch_inspectors, replay_dispatch
from portsight.services.roster import declare_conflict, remove_duty_shift, set_duty_shift
from portsight.services.selection import CODE_VERSION, UNDER_INVESTIGATION, replay_selection, select_declaration

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
ENTERPRISES = {
    1: ("91310000MA1FL8LQ34", "general", False),
    2: ("91310115MA1K3YJ07B", "dishonest", False),
    3: ("91440300MA5DC4XU5A", "advanced_certified", False),
    4: ("91320500MA1MCT8Q4A", "general", True),
}
SUP = Actor(1, "sup", Role.SUPERVISOR, None)
SUP_NBO = Actor(9, "sup.nbo", Role.SUPERVISOR, frozenset({2}))


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
        [
            {"id": i, "uscc": u, "name": f"Enterprise {i}", "credit_tier": t, "under_investigation": inv}
            for i, (u, t, inv) in ENTERPRISES.items()
        ],
    )
    users = [(1, "sup", "supervisor", True), (9, "sup.nbo", "supervisor", False)]
    users += [(10 + k, f"insp.{k}", "inspector", False) for k in range(5)]  # 10..14 at CNSGH
    users += [(20, "insp.nbo", "inspector", False)]
    db.execute(
        insert(User),
        [
            {"id": i, "username": n, "display_name": n, "role": r, "password_hash": "x", "all_ports": a}
            for i, n, r, a in users
        ],
    )
    scopes = [{"user_id": 10 + k, "port_id": 1} for k in range(5)] + [{"user_id": 20, "port_id": 2}]
    db.execute(insert(UserPort), scopes)
    return db


def declare(db, number, enterprise_id, hs="8471", origin="DE", port="CNSGH"):
    return register_declaration(
        db,
        SUP,
        {
            "number": number,
            "port_code": port,
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": origin,
            "declared_at": T0,
            "goods": [{"hs_code": hs, "description": "goods", "quantity": 10, "gross_weight_kg": 1000, "value": 5000}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "SL123456"}],
        },
        now=T0,
    )


def seed_where(predicate, salt="s"):
    return next(derive_seed(salt, i) for i in range(10_000) if predicate(uniform(derive_seed(salt, i))))


def test_a_draw_is_recorded_with_seed_rate_inputs_and_code_version(world):
    d = declare(world, "D-1", 1)
    seed = seed_where(lambda u: u >= 0.5)
    record = select_declaration(world, SUP, d, seed=seed, now=T0)
    assert record.outcome == "release" and record.inspection_id is None
    row = world.execute(select(Selection.__table__).where(Selection.id == record.selection_id)).one()
    assert (row.seed, row.rate, row.code_version) == (seed, pytest.approx(0.1), CODE_VERSION)
    assert row.inputs["tier"] == "general" and row.inputs["declaration_id"] == d
    assert row.inputs["policy"]["targets"]["dishonest"] >= 0.8
    assert row.reasons[0]["code"] == "not_drawn"
    assert world.scalar(select(func.count()).where(AuditEntry.action == "select", AuditEntry.entity_id == str(row.id)))


def test_a_random_hit_opens_an_inspection_linked_to_its_selection(world):
    d = declare(world, "D-2", 1)
    record = select_declaration(world, SUP, d, seed=seed_where(lambda u: u < 0.1), now=T0)
    assert record.outcome == "inspect" and not record.forced
    inspection = world.execute(select(Inspection.__table__).where(Inspection.id == record.inspection_id)).one()
    assert inspection.selection_id == record.selection_id and inspection.state == "pending"


def test_an_enterprise_under_investigation_is_always_inspected(world):
    d = declare(world, "D-3", 4)
    record = select_declaration(world, SUP, d, seed=seed_where(lambda u: u > 0.99), now=T0)
    assert record.outcome == "inspect" and record.forced
    assert {"code": "rule_hit", "rule_id": UNDER_INVESTIGATION} in record.reasons
    assert world.scalar(select(Inspection.priority).where(Inspection.id == record.inspection_id)) == 1


def test_prohibited_goods_from_the_catalogue_force_inspection(world):
    pytest.importorskip("portsight.domain.rules")
    d = declare(world, "D-4", 3, hs="4707")  # recovered paper: solid-waste import ban since 2021
    record = select_declaration(world, SUP, d, seed=seed_where(lambda u: u > 0.99), now=T0)
    assert record.outcome == "inspect"
    assert "solid_waste_import_ban" in [r["rule_id"] for r in record.reasons]


def test_replay_reproduces_every_stored_draw_exactly(world):
    seeds = [derive_seed("replay", i) for i in range(24)]
    outcomes = set()
    for i, seed in enumerate(seeds):
        d = declare(world, f"R-{i}", 1 + i % 4)
        record = select_declaration(world, SUP, d, seed=seed, now=T0 + timedelta(minutes=i))
        replay = replay_selection(world, record.selection_id)
        assert replay.matches, (replay.stored, replay.recomputed)
        assert replay.recomputed["outcome"] == record.outcome
        outcomes.add(record.outcome)
    assert outcomes == {"inspect", "release", "document_check"}


def test_a_declaration_is_never_drawn_twice(world):
    d = declare(world, "D-5", 1)
    select_declaration(world, SUP, d, now=T0)
    with pytest.raises(Conflict, match="already drawn"):
        select_declaration(world, SUP, d, now=T0)
    assert world.scalar(select(func.count()).select_from(Selection).where(Selection.declaration_id == d)) == 1


def test_a_stored_selection_cannot_be_changed_or_deleted(world):
    d = declare(world, "D-6", 1)
    record = select_declaration(world, SUP, d, seed=seed_where(lambda u: u >= 0.5), now=T0)
    with pytest.raises(Conflict, match="cannot be changed"):
        with unit_of_work(world) as session:
            session.get(Selection, record.selection_id).outcome = "inspect"
    with pytest.raises(Conflict, match="cannot be changed"):
        with unit_of_work(world) as session:
            session.delete(session.get(Selection, record.selection_id))
    with pytest.raises(Conflict):
        with unit_of_work(world) as session:
            session.execute(update(Selection).where(Selection.id == record.selection_id).values(rate=1.0))
    with pytest.raises(Conflict):
        with unit_of_work(world) as session:
            session.execute(delete(Selection).where(Selection.id == record.selection_id))
    assert replay_selection(world, record.selection_id).matches
    assert world.scalar(select(Selection.outcome).where(Selection.id == record.selection_id)) == "release"


def test_the_tiers_forced_share_in_history_lowers_its_random_rate(world, monkeypatch):
    import portsight.services.selection as service

    monkeypatch.setattr(service, "FORCED_SHARE_MIN_SAMPLE", 4)
    for i in range(3):  # three forced (under investigation), one random, all general tier
        select_declaration(world, SUP, declare(world, f"F-{i}", 4), now=T0 + timedelta(minutes=i))
    select_declaration(world, SUP, declare(world, "F-3", 1), seed=seed_where(lambda u: u > 0.5), now=T0)
    record = select_declaration(world, SUP, declare(world, "F-4", 1), now=T0 + timedelta(hours=1))
    inputs = world.scalar(select(Selection.inputs).where(Selection.id == record.selection_id))
    assert inputs["forced_share"] == 0.75
    recorded = world.execute(select(Selection.inputs, Selection.tier, Selection.forced)).all()
    assert [(i["tier"], i["forced"]) for i, _, _ in recorded] == [(tier, forced) for _, tier, forced in recorded]
    assert record.rate == 0.01  # (10% - 75%) / 25% is below zero: the minimum random rate applies
    assert replay_selection(world, record.selection_id).matches


def test_selection_outside_the_supervisors_port_is_refused(world):
    d = declare(world, "D-7", 1)
    with pytest.raises(AccessDenied):
        select_declaration(world, SUP_NBO, d, now=T0)


# --------------------------------------------------------------------------- roster and dispatch
def on_duty(db, *user_ids, port_id=1, start=T0 - timedelta(hours=1), hours=12):
    return [set_duty_shift(db, SUP, u, port_id, start, start + timedelta(hours=hours)) for u in user_ids]


def inspection_for(db, number, enterprise_id, salt="d"):
    d = declare(db, number, enterprise_id)
    record = select_declaration(db, SUP, d, seed=seed_where(lambda u: u < 0.01, salt), now=T0)
    assert record.inspection_id is not None
    return record.inspection_id


def test_dispatch_picks_only_on_duty_inspectors_without_a_conflict_and_records_the_draw(world):
    on_duty(world, 10, 11, 12)
    declare_conflict(world, SUP, 11, 1, "brother-in-law works there", now=T0)
    for n in range(6):
        inspection_id = inspection_for(world, f"P-{n}", 1, salt=f"d{n}")
        result = dispatch_inspectors(world, SUP, inspection_id, seed=f"dispatch-{n}", now=T0)
        assert len(result.user_ids) == 1
        assert set(result.user_ids) <= {10, 12}
        assert result.excluded == {"11": "conflict", "13": "off_duty", "14": "off_duty"}
        rows = world.execute(
            select(InspectorAssignment.__table__)
            .where(InspectorAssignment.inspection_id == inspection_id)
            .order_by(InspectorAssignment.id)
        ).all()
        assert [r.user_id for r in rows] == result.user_ids
        assert rows[0].draw_seed == f"dispatch-{n}" and rows[0].draw_inputs["needed"] == 1
        assert replay_dispatch(world, inspection_id).matches
        assert world.scalar(select(Inspection.state).where(Inspection.id == inspection_id)) == "assigned"


def test_the_same_inspector_is_not_sent_to_the_same_enterprise_twice_in_a_row(world):
    on_duty(world, 10, 11)
    previous = None
    for n in range(6):
        inspection_id = inspection_for(world, f"Q-{n}", 1, salt=f"q{n}")
        team = dispatch_inspectors(world, SUP, inspection_id, now=T0).user_ids
        assert team != previous
        previous = team


def test_a_dishonest_enterprise_gets_two_inspectors_or_a_clear_refusal(world):
    on_duty(world, 10)
    inspection_id = inspection_for(world, "W-1", 2)
    with pytest.raises(Conflict, match="needs 2"):
        dispatch_inspectors(world, SUP, inspection_id, now=T0)
    on_duty(world, 13)
    result = dispatch_inspectors(world, SUP, inspection_id, now=T0)
    assert sorted(result.user_ids) == [10, 13]
    positions = (
        world.execute(select(InspectorAssignment.position).where(InspectorAssignment.inspection_id == inspection_id))
        .scalars()
        .all()
    )
    assert sorted(positions) == ["lead", "second"]


def test_nobody_on_duty_means_no_dispatch(world):
    inspection_id = inspection_for(world, "N-1", 1)
    with pytest.raises(Conflict, match="Add a shift"):
        dispatch_inspectors(world, SUP, inspection_id, now=T0)
    assert world.scalar(select(func.count()).where(InspectorAssignment.inspection_id == inspection_id)) == 0


def test_overlapping_shifts_are_refused_and_a_removed_shift_is_off_duty(world):
    (shift,) = on_duty(world, 10)
    with pytest.raises(Conflict, match="already has a shift"):
        set_duty_shift(world, SUP, 10, 1, T0, T0 + timedelta(hours=2))
    remove_duty_shift(world, SUP, shift)
    inspection_id = inspection_for(world, "S-1", 1)
    with pytest.raises(Conflict):
        dispatch_inspectors(world, SUP, inspection_id, now=T0)


@pytest.mark.parametrize(
    "user_id, port_id, hours, error",
    [(20, 1, 8, InvalidInput), (1, 1, 8, InvalidInput), (10, 1, 30, InvalidInput), (10, 1, -1, InvalidInput)],
)
def test_invalid_shifts_are_refused(world, user_id, port_id, hours, error):
    with pytest.raises(error):
        set_duty_shift(world, SUP, user_id, port_id, T0, T0 + timedelta(hours=hours))


def test_a_supervisor_sets_shifts_only_at_their_ports(world):
    with pytest.raises(AccessDenied):
        set_duty_shift(world, SUP_NBO, 10, 1, T0, T0 + timedelta(hours=8))


def test_inspectors_declare_only_their_own_conflicts_and_only_once(world):
    me = Actor(10, "insp.0", Role.INSPECTOR, frozenset({1}))
    declare_conflict(world, me, 10, 2, "former employer", now=T0)
    with pytest.raises(Conflict, match="already declared"):
        declare_conflict(world, me, 10, 2, now=T0)
    with pytest.raises(AccessDenied):
        declare_conflict(world, me, 11, 2, now=T0)
    assert world.scalar(select(func.count()).select_from(ConflictOfInterest)) == 1


def test_drawing_the_waiting_declarations_skips_those_already_under_inspection(world):
    from portsight.services.inspections import open_inspection
    from portsight.services.selection import select_pending

    manual = declare(world, "M-1", 1)
    open_inspection(world, SUP, manual, now=T0)
    with pytest.raises(Conflict, match="already under inspection"):
        select_declaration(world, SUP, manual, now=T0)
    waiting = [declare(world, f"M-{i}", 1 + i % 3) for i in range(2, 6)]
    assert select_pending(world, SUP_NBO, now=T0) == 0  # Ningbo's scope: nothing there
    assert select_pending(world, SUP, [1], now=T0) == 4
    drawn = set(world.scalars(select(Selection.declaration_id)))
    assert drawn == set(waiting)
    assert select_pending(world, SUP, now=T0) == 0
    with pytest.raises(AccessDenied):
        select_pending(world, SUP_NBO, [1], now=T0)
