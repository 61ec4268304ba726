"""Enterprises under review (SQLite, PostgreSQL): the weekly ranking by non-conformities, repeat
findings and holds against their tier's target, and one enterprise's record cut to the reader's ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import insert

from portsight.catalogue import selection_policy
from portsight.db.models import (
    Alert,
    Declaration,
    Enterprise,
    EnterpriseCreditHistory,
    Finding,
    Inspection,
    InspectionTransition,
    Port,
    RiskProfile,
    RiskProfileHit,
    Selection,
)
from portsight.domain.stats import IsoWeek
from portsight.queries import enterprise_review as q
from portsight.queries.statistics import week_review

WEEK = IsoWeek(2026, 10)  # Monday 2 March 2026 .. Sunday 8 March (China time)
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SGH, NGB = 1, 2
CLEAN, REPEATER, HOLDER, ELSEWHERE = 1, 2, 3, 4


class World:
    def __init__(self, db):
        self.db = db
        self.ids = count(1)

    def declaration(self, enterprise: int, at: datetime, port: int = SGH) -> int:
        n = next(self.ids)
        self.db.execute(
            insert(Declaration),
            [{"id": n, "number": f"D{n:06d}", "port_id": port, "enterprise_id": enterprise, "direction": "import",
              "transport_mode": "sea", "origin_country": "DE", "declared_at": at}],
        )  # fmt: skip
        return n

    def inspection(
        self, enterprise: int, at: datetime, *, rules: tuple[str, ...] = (), held: bool = False, port: int = SGH
    ) -> int:
        """A declaration inspected and completed an hour later, with a finding per rule."""
        declaration = self.declaration(enterprise, at, port)
        n = next(self.ids)
        done = at + timedelta(hours=1)
        self.db.execute(
            insert(Inspection),
            [{"id": n, "declaration_id": declaration, "port_id": port, "state": "held" if held else "released",
              "created_at": at, "started_at": at, "completed_at": done, "decided_at": done,
              "decision": "hold" if held else "release"}],
        )  # fmt: skip
        for rule in rules:
            self.db.execute(
                insert(Finding),
                [{"inspection_id": n, "rule_id": rule, "severity": "medium", "description": "x", "created_at": done}],
            )
        if held:
            self.db.execute(
                insert(InspectionTransition),
                [{"inspection_id": n, "from_state": "completed", "to_state": "held", "at": done}],
            )
        return n


@pytest.fixture
def world(db) -> World:
    db.execute(
        insert(Port),
        [
            {"id": SGH, "code": "CNSGH", "name_en": "Shanghai", "name_zh": "上海", "kind": "sea"},
            {"id": NGB, "code": "CNNGB", "name_en": "Ningbo", "name_zh": "宁波", "kind": "sea"},
        ],
    )
    db.execute(
        insert(Enterprise),
        [
            {"id": i, "uscc": uscc, "name": name, "name_en": name_en, "credit_tier": tier}
            for i, uscc, name, name_en, tier in [
                (CLEAN, "91310000MA1FL8LQ34", "清洁公司", None, "advanced_certified"),
                (REPEATER, "91110000802100433B", "重复公司", "Repeater Ltd", "general"),
                (HOLDER, "91440300MA5FUBXB2N", "扣留公司", None, "dishonest"),
                (ELSEWHERE, "91330200MA2AXXXX1X", "宁波公司", None, "general"),
            ]
        ],
    )  # fmt: skip
    w = World(db)
    for day in range(4):  # clean: four declarations, one inspected without findings
        w.declaration(CLEAN, MONDAY + timedelta(days=day))
    w.inspection(CLEAN, MONDAY)
    # repeater: the same rule twenty days before the week, then twice in the week; another rule once
    w.inspection(REPEATER, MONDAY - timedelta(days=20), rules=("seal.mismatch",))
    w.inspection(REPEATER, MONDAY + timedelta(days=1), rules=("seal.mismatch", "goods.count"))
    w.inspection(REPEATER, MONDAY + timedelta(days=2), rules=("seal.mismatch",))
    w.declaration(REPEATER, MONDAY + timedelta(days=3))
    # holder: one non-conforming inspection held, one held without finding
    w.inspection(HOLDER, MONDAY + timedelta(days=1), rules=("docs.missing",), held=True)
    w.inspection(HOLDER, MONDAY + timedelta(days=2), held=True)
    # an old finding of the same rule, outside the 30-day window: no repeat
    w.inspection(HOLDER, MONDAY - timedelta(days=60), rules=("docs.missing",))
    # Ningbo only
    w.inspection(ELSEWHERE, MONDAY + timedelta(days=1), rules=("goods.count",), port=NGB)
    return w


def test_enterprises_rank_by_non_conformities_repeats_and_holds(db, world):
    ranking = q.enterprise_breakdown(db, None, WEEK)
    assert list(ranking["enterprise_id"]) == [REPEATER, HOLDER, ELSEWHERE, CLEAN]
    rows = ranking.set_index("enterprise_id")
    assert rows.loc[REPEATER, "non_conforming"] == 2 and rows.loc[REPEATER, "findings"] == 3
    # both seal findings of the week repeat a finding within 30 days; "goods.count" is new
    assert rows.loc[REPEATER, "repeat_findings"] == 2
    assert rows.loc[HOLDER, "holds"] == 2 and rows.loc[HOLDER, "repeat_findings"] == 0
    assert rows.loc[CLEAN, "declarations"] == 5 and rows.loc[CLEAN, "inspected"] == 1
    assert rows.loc[CLEAN, "inspection_rate"] == pytest.approx(0.2)
    targets = selection_policy(WEEK.sunday).targets
    assert rows.loc[CLEAN, "target_rate"] == targets["advanced_certified"]
    assert rows.loc[CLEAN, "gap"] == pytest.approx(0.2 - targets["advanced_certified"])
    assert rows.loc[REPEATER, "name_en"] == "Repeater Ltd"
    # the week before holds only the repeater's first finding, which repeats nothing
    before = q.enterprise_breakdown(db, None, WEEK.shift(-3)).set_index("enterprise_id")
    assert before.loc[REPEATER, "findings"] == 1 and before.loc[REPEATER, "repeat_findings"] == 0


def test_the_target_is_that_of_the_tier_in_force_that_week(db, world):
    db.execute(
        insert(EnterpriseCreditHistory),
        [{"enterprise_id": CLEAN, "credit_tier": "general", "valid_from": WEEK.sunday, "source": "admin"}],
    )
    rows = q.enterprise_breakdown(db, None, WEEK).set_index("enterprise_id")
    assert rows.loc[CLEAN, "credit_tier"] == "general"
    assert rows.loc[CLEAN, "target_rate"] == selection_policy(WEEK.sunday).targets["general"]
    assert rows.loc[HOLDER, "credit_tier"] == "dishonest"  # the cached tier: no change recorded


def test_ranking_keeps_to_the_scope_and_the_limit(db, world):
    shanghai = q.enterprise_breakdown(db, {SGH}, WEEK)
    assert ELSEWHERE not in set(shanghai["enterprise_id"])
    assert list(q.enterprise_breakdown(db, None, WEEK, limit=2)["enterprise_id"]) == [REPEATER, HOLDER]
    assert q.enterprise_breakdown(db, set(), WEEK).empty
    assert q.enterprise_breakdown(db, None, WEEK.shift(10)).empty


def test_an_enterprise_outside_the_scope_reads_as_unknown(db, world):
    assert q.enterprise_record(db, ELSEWHERE, {NGB}).declarations == 1
    assert q.enterprise_record(db, ELSEWHERE, {SGH}) is None
    assert q.enterprise_record(db, 999, None) is None
    record = q.enterprise_record(db, REPEATER, None)
    assert record.name == "重复公司" and record.declarations == 4 and record.credit_tier == "general"
    assert q.recent_inspections(db, ELSEWHERE, {SGH}).empty
    assert q.findings_by_rule(db, ELSEWHERE, {SGH}).empty


def test_the_record_of_an_enterprise(db, world):
    history = q.monthly_history(db, REPEATER, None).set_index("month")
    assert history.loc["2026-02", "inspections"] == 1 and history.loc["2026-03", "declarations"] == 3
    assert history.loc["2026-03", "non_conforming"] == 2 and history.loc["2026-03", "inspected"] == 2
    recent = q.recent_inspections(db, REPEATER, None)
    assert len(recent) == 3 and list(recent["findings"]) == [1, 2, 1]  # newest first
    rules = q.findings_by_rule(db, REPEATER, None).set_index("rule_id")
    assert rules.loc["seal.mismatch", "inspections"] == 3 and bool(rules.loc["seal.mismatch", "repeated"])
    assert not bool(rules.loc["goods.count", "repeated"])


def test_risk_profiles_and_open_alerts_of_an_enterprise(db, world):
    declaration = world.declaration(REPEATER, MONDAY + timedelta(days=4))
    t = MONDAY - timedelta(days=1)
    for profile_id, name, action, rate, hs, enterprise in [
        (1, "Seals", "force", None, None, REPEATER),
        (2, "HS 84", "raise", 0.5, "84", None),
        (3, "Other", "force", None, None, CLEAN),
    ]:
        db.execute(
            insert(RiskProfile).values(
                id=profile_id, name=name, action=action, rate=rate, hs_prefix=hs, enterprise_id=enterprise,
                reason="r", starts_at=t, expires_at=t + timedelta(days=30), created_at=t,
            )
        )  # fmt: skip
    db.execute(
        insert(Selection),
        [{"id": 1, "declaration_id": declaration, "outcome": "inspect", "reasons": [], "rate": 1.0, "seed": "s",
          "inputs": {}, "tier": "general", "forced": True, "code_version": "x", "drawn_at": t}],
    )  # fmt: skip
    db.execute(
        insert(RiskProfileHit),
        [{"profile_id": 2, "declaration_id": declaration, "selection_id": 1, "fired": True, "hit_at": t}],
    )
    profiles = q.risk_profiles_hitting(db, REPEATER, None).set_index("profile_id")
    assert set(profiles.index) == {1, 2} and profiles.loc[2, "hits"] == 1 and profiles.loc[1, "hits"] == 0
    db.execute(
        insert(Alert),
        [{"dedupe_key": f"k{i}", "kind": "repeat_nc_enterprise", "severity": "high", "port_id": port,
          "enterprise_id": REPEATER, "title": "t", "state": state, "first_raised_at": t, "last_raised_at": t}
         for i, (port, state) in enumerate([(SGH, "open"), (NGB, "open"), (SGH, "resolved")])],
    )  # fmt: skip
    assert len(q.open_alerts(db, REPEATER, None)) == 2
    assert list(q.open_alerts(db, REPEATER, {SGH})["port_id"]) == [SGH]


def test_the_week_review_holds_the_same_weeks_last_year(db, world):
    review = week_review(db, None, WEEK)
    last_year = [str(IsoWeek.parse(w).same_week_last_year()) for w in review.trend["week"]]
    assert list(review.trend_last_year["week"]) == last_year
    assert q.enterprise_breakdown(db, None, WEEK).attrs["repeat_window_days"] == 30
