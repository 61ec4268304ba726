"""The statistics read side agrees with the definitions on a simulated day (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portsight.catalogue import selection_policy
from portsight.domain import stats
from portsight.domain.stats import IsoWeek
from portsight.queries import statistics as q
from tests.integration.test_rollups import DAY, from_scratch, simulate_day
from tests.integration.test_rollups import world as world  # the fixture, re-exported

WEEK = IsoWeek(2026, 10)  # Monday 2 March 2026 .. Sunday 8 March


def _expected(db, port_ids=None, week=WEEK):
    total = dict.fromkeys(["declarations", "inspected", "inspections", "non_conforming", "held"], 0)
    for (port, day, _ch, _tier), values in from_scratch(db).items():
        if stats.IsoWeek.of(day) == week and (port_ids is None or port in port_ids):
            for k in total:
                total[k] += values[k]
    return total


def test_kpi_cards_sum_the_week_and_compare_with_previous_weeks(db, world):
    simulate_day(db, *world, day_start=DAY)
    simulate_day(db, *world, day_start=DAY - timedelta(days=7), count=24, seed=1)
    cards = q.kpi_cards(db, None, WEEK).set_index("kpi")
    expected = _expected(db)
    assert cards.loc["declarations", "value"] == expected["declarations"]
    assert cards.loc["inspections", "value"] == expected["inspections"]
    assert cards.loc["holds", "value"] == expected["held"]
    assert cards.loc["inspection_rate", "value"] == pytest.approx(expected["inspected"] / expected["declarations"])
    assert cards.loc["detection_rate", "value"] == pytest.approx(expected["non_conforming"] / expected["inspections"])
    # Khorgos keeps Urumqi time (UTC+6): its first hours of "DAY" are still Sunday of the week before.
    previous = _expected(db, week=WEEK.previous())["declarations"]
    assert previous > 24
    assert cards.loc["declarations", "previous"] == previous
    assert cards.loc["declarations", "change_wow"] == pytest.approx((expected["declarations"] - previous) / previous)
    assert cards.loc["declarations", "last_year"] == 0
    assert cards.loc["declarations", "change_yoy"] is None


def test_release_percentiles_come_from_the_week_releases(db, world):
    simulate_day(db, *world, day_start=DAY)
    ports = q.scope_ports(db, None)
    minutes = q.release_minutes(db, ports, WEEK)
    assert minutes, "the simulated day has releases"
    cards = q.kpi_cards(db, None, WEEK).set_index("kpi")
    assert cards.loc["release_median_min", "value"] == pytest.approx(stats.median(minutes))
    assert cards.loc["release_p90_min", "value"] == pytest.approx(stats.percentile(minutes, 0.9))


def test_breakdowns_add_up_to_the_cards_and_scope_limits_ports(db, world):
    simulate_day(db, *world, day_start=DAY)
    review = q.week_review(db, None, WEEK)
    decl = review.kpis.set_index("kpi").loc["declarations", "value"]
    for frame in (review.by_port, review.by_chapter, review.by_section, review.by_tier, review.by_origin):
        assert frame["declarations"].sum() == decl
    assert review.heat["inspections"].sum() == review.kpis.set_index("kpi").loc["inspections", "value"]
    assert len(review.heat) == 7 * 24
    assert set(review.by_port["port"]) == {"CNSGH", "CNKHG"}
    assert review.by_origin["name_zh"].str.len().gt(0).all()
    assert review.trend["week"].iloc[-1] == str(WEEK) and len(review.trend) == 12
    # every inspection has one lead; the second inspector counts it too
    inspections = review.kpis.set_index("kpi").loc["inspections", "value"]
    assert review.by_inspector["as_lead"].sum() == inspections
    assert review.by_inspector["inspections"].sum() == 2 * inspections  # simulate_day assigns two to each
    # the targets are those the selection page shows for the week: one set, from the rules in force
    targets = selection_policy(WEEK.sunday).targets
    assert len(review.by_tier) and all(r.target_rate == targets[r.tier] for r in review.by_tier.itertuples())

    only_shanghai = q.week_review(db, {1}, WEEK)
    assert set(only_shanghai.by_port["port"]) == {"CNSGH"}
    assert only_shanghai.kpis.set_index("kpi").loc["declarations", "value"] == _expected(db, {1})["declarations"]


def test_latest_week_is_the_last_week_with_data(db, world):
    assert q.latest_week(db, None) is None
    simulate_day(db, *world, day_start=DAY, count=3)
    assert q.latest_week(db, None) >= WEEK
    assert q.latest_week(db, None).monday <= date(2026, 3, 9)
