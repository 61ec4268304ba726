"""The seeded demo tells the truth under the rules: goods declared under real 10-digit commodity codes,
nothing the law forbade on a declaration's date released, every release one the release policy left
open, and every credit tier's realised inspection rate inside its legal bound over the seeded weeks."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portsight.catalogue import default_catalogue, selection_policy
from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.seed import seed_demo
from portsight.demo.simulator import Simulator
from portsight.demo.world import HS_CODES, WASTE_CODE
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.release import (
    PROHIBITED_GOODS_ALERT,
    AlertFact,
    FindingFact,
    HoldFact,
    ReleaseCase,
    forbidding_rules,
    from_bilingual,
    release_blockers,
)
from portsight.domain.selection import Outcome, bound_report

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # 10:00 in China
WEEKS = 4
CATALOGUE = default_catalogue()
LOCAL = timedelta(hours=8)


@pytest.fixture(scope="module")
def seeded(engine):
    """Four seeded weeks on each database, shared by the module's tests and rolled back after them."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            seed_demo(conn, weeks=WEEKS, seed=7, now=NOW, password_hash="x")
            yield conn
        finally:
            outer.rollback()


def _facts(conn) -> dict[int, DeclarationFacts]:
    """Every declaration as the rules read it, dated by its local day in China."""
    goods: dict[int, list[GoodsLineFacts]] = defaultdict(list)
    for did, hs in conn.execute(
        select(m.GoodsLine.declaration_id, m.GoodsLine.hs_code).order_by(
            m.GoodsLine.declaration_id, m.GoodsLine.line_no
        )
    ):
        goods[did].append(GoodsLineFacts(hs))
    boxes: dict[int, list[ContainerFacts]] = defaultdict(list)
    for did, number, size_type in conn.execute(
        select(m.Container.declaration_id, m.Container.number, m.Container.size_type).order_by(m.Container.id)
    ):
        boxes[did].append(ContainerFacts(number, size_type))
    head = conn.execute(
        select(m.Declaration.id, m.Declaration.transport_mode, m.Declaration.origin_country,
               m.Declaration.declared_at, m.Port.kind, m.Enterprise.credit_tier)
        .join(m.Port, m.Port.id == m.Declaration.port_id)
        .join(m.Enterprise, m.Enterprise.id == m.Declaration.enterprise_id)
    ).all()  # fmt: skip
    return {
        h.id: DeclarationFacts(
            h.transport_mode, h.kind, h.origin_country, h.credit_tier, tuple(goods[h.id]), tuple(boxes[h.id]),
            (as_utc(h.declared_at) + LOCAL).date(),
        )
        for h in head
    }  # fmt: skip


def _prohibited(conn, facts: dict[int, DeclarationFacts]) -> dict[int, set[str]]:
    """Declarations judged prohibited on their date: a forbidding rule in force whose scope catches the goods,
    or a prohibited-goods alert raised on them; with the rules (or alert kinds) that did."""
    found: dict[int, set[str]] = {}
    for did, f in facts.items():
        rules = {r.id for r in forbidding_rules(f, CATALOGUE, f.declared_on)}
        if rules:
            found[did] = rules
    for did, rule_id in conn.execute(
        select(m.Alert.declaration_id, m.Alert.rule_id).where(m.Alert.kind == PROHIBITED_GOODS_ALERT)
    ):
        found.setdefault(did, set()).add(rule_id or PROHIBITED_GOODS_ALERT)
    return found


def _holds(conn) -> dict[int, list[HoldFact]]:
    out: dict[int, list[HoldFact]] = defaultdict(list)
    for row in conn.execute(select(m.ReleaseHold).order_by(m.ReleaseHold.id)).mappings():
        out[row["inspection_id"]].append(
            HoldFact(row["kind"], row["result"], row["what"], tuple(row["rule_ids"] or ()), as_utc(row["ordered_at"]))
        )
    return out


def _lifted(rule_id: str, holds: list[HoldFact]) -> bool:
    """A ban lifted by an identification that concluded the goods are not solid waste (Solid Waste Law Art. 25)."""
    return any(h.kind == "identification" and h.result == "not_waste" and rule_id in h.rule_ids for h in holds)


def test_goods_are_declared_under_ten_digit_codes_with_their_names(seeded):
    table = {code: name for codes in HS_CODES.values() for code, name in codes}
    table[WASTE_CODE[0]] = WASTE_CODE[1]
    lines = seeded.execute(select(m.GoodsLine.hs_code, m.GoodsLine.description)).all()
    assert lines
    assert all(len(code) == 10 and code.isdigit() for code, _ in lines)
    assert all(table.get(code) == name for code, name in lines)


def test_no_declaration_judged_prohibited_on_its_date_was_released(seeded):
    facts = _facts(seeded)
    prohibited = _prohibited(seeded, facts)
    assert prohibited, "the seeded weeks should hold banned waste lots"
    holds = _holds(seeded)
    draws = dict(seeded.execute(select(m.Selection.declaration_id, m.Selection.outcome)).all())
    # Forbidden goods are never left to the random draw: a ban's scope forces their inspection.
    assert all(draws[did] == Outcome.INSPECT.value for did in prohibited if did in draws)
    inspections = seeded.execute(select(m.Inspection.id, m.Inspection.declaration_id, m.Inspection.state)).all()
    released = [(iid, did) for iid, did, state in inspections if state == "released" and did in prohibited]
    assert [
        (iid, did, sorted(prohibited[did]))
        for iid, did in released
        if not all(_lifted(r, holds[iid]) for r in prohibited[did])
    ] == []
    # What happened to them instead: identified as suspected waste, concluded waste, returned.
    states = Counter(state for _, did, state in inspections if did in prohibited)
    assert states["released"] == 0 and states["returned"] + states["identification"] > 0
    concluded = [h for iid, did, _ in inspections if did in prohibited for h in holds[iid]]
    assert concluded and all(h.kind == "identification" for h in concluded)
    assert {h.result for h in concluded} <= {"waste", None}


def test_every_release_was_one_the_release_policy_left_open(seeded):
    facts = _facts(seeded)
    holds = _holds(seeded)
    findings: dict[int, list[FindingFact]] = defaultdict(list)
    for iid, severity, rule_id, description, citation in seeded.execute(
        select(m.Finding.inspection_id, m.Finding.severity, m.Finding.rule_id, m.Finding.description,
               m.Finding.citation)
    ):  # fmt: skip
        findings[iid].append(FindingFact(severity, from_bilingual(description), from_bilingual(citation), rule_id))
    alerts: dict[int, list[AlertFact]] = defaultdict(list)
    for aid, did, kind, rule_id in seeded.execute(
        select(m.Alert.id, m.Alert.declaration_id, m.Alert.kind, m.Alert.rule_id).where(
            m.Alert.declaration_id.is_not(None), m.Alert.kind == PROHIBITED_GOODS_ALERT
        )
    ):
        alerts[did].append(AlertFact(aid, kind, rule_id))  # taken as open when the inspector decided
    released = seeded.execute(
        select(m.Inspection.id, m.Inspection.declaration_id).where(m.Inspection.state == "released")
    ).all()
    assert len(released) > 500
    blocked = []
    for iid, did in released:
        f = facts[did]
        case = ReleaseCase(f, tuple(findings[iid]), tuple(alerts[did]), tuple(holds[iid]))
        blockers = release_blockers(case, CATALOGUE, f.declared_on)
        if blockers:
            blocked.append((iid, [b.kind for b in blockers]))
    assert blocked == []


def test_holds_are_recorded_where_a_decision_waited_for_a_result(seeded):
    holds = _holds(seeded)
    states = dict(seeded.execute(select(m.Inspection.id, m.Inspection.state)).all())
    waiting = {"identification": "identification", "awaiting_lab": "lab", "under_treatment": "treatment"}
    for iid, state in states.items():
        if state in waiting:  # the hold it waits for is open
            assert holds[iid] and holds[iid][-1].kind == waiting[state] and holds[iid][-1].result is None
    assert any(h.kind == "identification" for hs in holds.values() for h in hs)
    assert any(h.kind == "treatment" and h.result == "done" for hs in holds.values() for h in hs)
    transitions = Counter(
        (f, t) for f, t in seeded.execute(select(m.InspectionTransition.from_state, m.InspectionTransition.to_state))
    )
    assert transitions[("completed", "identification")] == sum(
        h.kind == "identification" for hs in holds.values() for h in hs
    )
    assert transitions[("identification", "completed")] == sum(
        h.kind == "identification" and h.result is not None for hs in holds.values() for h in hs
    )
    assert transitions[("under_treatment", "in_progress")] == sum(
        h.kind == "treatment" and h.result is not None for hs in holds.values() for h in hs
    )


def test_realised_tier_rates_over_the_seeded_weeks_keep_their_legal_bounds(seeded):
    counts: dict[str, Counter] = defaultdict(Counter)
    for inputs, outcome in seeded.execute(select(m.Selection.inputs, m.Selection.outcome)):
        c = counts[inputs["tier"]]
        c["n"] += 1
        c["inspected"] += outcome == Outcome.INSPECT.value
    policy = selection_policy((NOW + LOCAL).date() - timedelta(days=1))
    realised = {tier: c["inspected"] / c["n"] for tier, c in counts.items() if c["n"]}
    report = bound_report(policy, realised)
    bounded = {tier: row for tier, row in report.items() if row["bound"] is not None}
    assert bounded, "the measures in force bound some tier"
    assert {tier: row["inside"] for tier, row in bounded.items()} == dict.fromkeys(bounded, True), report


def test_the_simulator_carries_a_banned_lot_to_return_without_releasing_it(seeded, tmp_path):
    """A lot declared under the banned waste code arrives; the simulator's inspectors inspect it, have it
    identified, and return the concluded waste (or hold it for the supervisor, who returns it), never
    asking again and again for the release the policy refuses."""
    from portsight.domain.access import SYSTEM
    from portsight.services.declarations import register_declaration
    from portsight.services.selection import select_declaration

    template = seeded.execute(
        select(m.Declaration.port_id, m.Declaration.enterprise_id, m.Declaration.origin_country)
        .join(m.GoodsLine, m.GoodsLine.declaration_id == m.Declaration.id)
        .where(m.GoodsLine.hs_code == WASTE_CODE[0], m.Declaration.transport_mode == "sea")
        .limit(1)
    ).one()
    start = NOW + timedelta(hours=1)  # 11:00 in China, inspectors on duty
    did = register_declaration(
        seeded,
        SYSTEM,
        {"number": "S-WASTE-1", "port_id": template.port_id, "enterprise_id": template.enterprise_id,
         "direction": "import", "transport_mode": "sea", "origin_country": template.origin_country,
         "declared_at": start,
         "goods": [{"hs_code": WASTE_CODE[0], "description": WASTE_CODE[1], "quantity": 18000, "unit": "kg",
                    "gross_weight_kg": 18000, "value": 20000, "package_count": 18}],
         "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN1234567",
                         "declared_seal_class": "H"}]},
        now=start,
    )  # fmt: skip
    drawn = select_declaration(seeded, SYSTEM, did, now=start + timedelta(seconds=1))
    assert drawn.inspection_id is not None  # the ban's scope forces the inspection
    iid = drawn.inspection_id
    sim = Simulator(seeded, seed=3, volume_factor=0, move_chance=1.0, max_moves=5000, secret="x",
                    media_dir=tmp_path / "media")  # fmt: skip
    moves = 0
    for minutes in range(5, 10 * 60, 5):  # the simulator's inspections take as long as real ones (PACE)
        moves += sim.step(now=start + timedelta(minutes=minutes))["moves"]
        if seeded.scalar(select(m.Inspection.state).where(m.Inspection.id == iid)) in ("returned", "destroyed"):
            break
    assert sim.errors == 0 and moves > 0
    assert sim.refused <= moves // 10  # nothing refused round after round (a release, a completion)
    path = [t for (t,) in seeded.execute(
        select(m.InspectionTransition.to_state).where(m.InspectionTransition.inspection_id == iid)
        .order_by(m.InspectionTransition.id)
    )]  # fmt: skip
    assert "released" not in path and path[-1] == "returned", path
    assert "identification" in path and path.count("held") <= 1
    hold = seeded.execute(select(m.ReleaseHold.kind, m.ReleaseHold.result).where(m.ReleaseHold.inspection_id == iid))
    assert hold.all() == [("identification", "waste")]
