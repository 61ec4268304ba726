"""Read side of selection: today's pool, draws, dispatch, realised rates, the published list and its exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select

from portsight.db.models import Finding, InspectorAssignment
from portsight.documents import published_list as published_document
from portsight.domain.access import Actor, Role
from portsight.domain.selection import DEFAULT_POLICY, derive_seed, uniform
from portsight.queries import selection as q
from portsight.services.dispatch import dispatch_inspectors
from portsight.services.inspections import complete_inspection, decide_inspection, start_inspection
from portsight.services.roster import declare_conflict, set_duty_shift
from portsight.services.selection import select_declaration
from tests.integration.test_selection import SUP, T0, declare, world  # noqa: F401 - the fixture is reused

DAY = (T0 - timedelta(hours=8), T0 + timedelta(hours=16))


def seed(predicate, salt):
    return next(derive_seed(salt, i) for i in range(10_000) if predicate(uniform(derive_seed(salt, i))))


@pytest.fixture
def drawn(world):  # noqa: F811
    set_duty_shift(world, SUP, 10, 1, T0 - timedelta(hours=1), T0 + timedelta(hours=8))
    set_duty_shift(world, SUP, 11, 1, T0 - timedelta(hours=1), T0 + timedelta(hours=8))
    inspected = select_declaration(world, SUP, declare(world, "A-1", 1), seed=seed(lambda u: u < 0.1, "a"), now=T0)
    released = select_declaration(world, SUP, declare(world, "A-2", 3), seed=seed(lambda u: u > 0.5, "b"), now=T0)
    forced = select_declaration(world, SUP, declare(world, "A-3", 4), now=T0)
    declare(world, "A-4", 1)  # waiting to be drawn
    dispatch_inspectors(world, SUP, inspected.inspection_id, seed="x", now=T0)
    return {"inspected": inspected, "released": released, "forced": forced}


def test_todays_pool_counts_declarations_draws_and_waiting(db, drawn):
    pool = q.pool_summary(db, None, now=T0)
    row = pool.iloc[0].to_dict()
    assert (row["port"], row["declarations"], row["drawn"], row["inspect"], row["release"], row["waiting"]) == (
        "CNSGH",
        4,
        3,
        2,
        1,
        1,
    )


def test_draws_today_say_what_was_drawn_and_why(db, drawn):
    draws = q.draws_today(db, None, now=T0)
    assert set(draws["declaration"]) == {"A-1", "A-2", "A-3"}
    forced = draws[draws["declaration"] == "A-3"].iloc[0]
    assert bool(forced["forced"]) and forced["reasons"][0]["code"] == "rule_hit"
    assert draws["drawn_at"].dt.tz is not None


def test_dispatched_and_awaiting(db, drawn):
    dispatched = q.dispatched_today(db, None, now=T0)
    assert list(dispatched["declaration"]) == ["A-1"] and dispatched.iloc[0]["inspector"] in {"insp.0", "insp.1"}
    assert list(q.awaiting_dispatch(db, None)["declaration"]) == ["A-3"]
    assert list(q.undrawn_declarations(db, None)["declaration"]) == ["A-4"]


def test_realised_rate_by_tier_against_target(db, drawn):
    rates = q.realised_rates(db, None, *DAY).set_index("tier")
    assert list(rates.index) == ["advanced_certified", "general", "dishonest"]
    assert rates.loc["general", "n"] == 2 and rates.loc["general", "realised"] == 1.0
    assert rates.loc["general", "forced"] == 1
    assert rates.loc["advanced_certified", "realised"] == 0.0
    assert rates.loc["dishonest", "n"] == 0 and pd.isna(rates.loc["dishonest", "realised"])
    assert rates.loc["dishonest", "target"] == DEFAULT_POLICY.target("dishonest")
    # the legal bounds of the day's rules: a ceiling at a fifth of the general tier's realised rate, a floor
    assert (rates.loc["advanced_certified", "bound_op"], rates.loc["advanced_certified", "limit"]) == ("<", 0.2)
    assert rates.loc["advanced_certified", "inside"] is True
    assert (rates.loc["dishonest", "bound_op"], rates.loc["dishonest", "limit"]) == (">=", 0.8)
    assert rates.loc["dishonest", "inside"] is None  # no draws, nothing to judge
    assert pd.isna(rates.loc["general", "bound_op"]) and rates.loc["general", "inside"] is None


def test_other_ports_see_nothing(db, drawn):
    assert q.pool_summary(db, frozenset({2}), now=T0).empty
    assert q.realised_rates(db, frozenset({2}), *DAY)["n"].sum() == 0


def test_published_list_shows_enterprise_check_and_result_without_confidential_details(db, drawn):
    insp = drawn["inspected"].inspection_id
    assigned = db.scalar(select(InspectorAssignment.user_id).where(InspectorAssignment.inspection_id == insp))
    me = Actor(assigned, "insp", Role.INSPECTOR, frozenset({1}))
    start_inspection(db, me, insp, now=T0 + timedelta(minutes=5))
    complete_inspection(db, me, insp, now=T0 + timedelta(minutes=30))
    db.execute(insert(Finding), [{"inspection_id": insp, "severity": "low", "description": "x", "created_at": T0}])
    decide_inspection(db, me, insp, "release", now=T0 + timedelta(minutes=31))
    pub = q.published_list(db, None, *DAY)
    assert list(pub.columns) == q.PUBLISHED_COLUMNS
    assert sorted(zip(pub["enterprise"], pub["result"], strict=True)) == [
        ("Enterprise 1", "problem_found"),
        ("Enterprise 4", "in_progress"),
    ]
    text = pub.to_csv()
    for secret in ("A-1", "A-3", "rule_hit", drawn["inspected"].seed, "insp."):
        assert secret not in text

    csv_bytes = published_document.published_list_csv(pub, "zh_CN")
    assert csv_bytes.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[0][2] == "企业名称" and len(rows) == 3

    pdf = published_document.published_list_pdf(pub, "zh_CN", "双随机抽查结果公示", "2025-03-03")
    page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Enterprise 1" in page and "91310000MA1FL8LQ34" in page


def test_roster_and_conflicts(db, drawn):
    declare_conflict(db, SUP, 10, 1, "relative", now=T0)
    assert set(q.roster(db, frozenset({1}), *DAY)["inspector"]) == {"insp.0", "insp.1"}
    assert len(q.on_duty_now(db, None, now=T0)) == 2
    assert q.on_duty_now(db, None, now=T0 + timedelta(hours=9)).empty
    assert list(q.conflicts(db, frozenset({1}))["enterprise"]) == ["Enterprise 1"]
    assert q.conflicts(db, frozenset({2})).empty
    assert set(q.port_inspectors(db, 1)["username"]) == {f"insp.{k}" for k in range(5)}
    assert [e["id"] for e in q.find_enterprises(db, "prise 3")] == [3]
