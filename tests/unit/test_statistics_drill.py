"""The weekly review's figures open the lists behind them: contract URLs for cards, chart marks and rows."""

from __future__ import annotations

import pandas as pd

from components.statistics import charts
from components.statistics.drill import card_links, enterprise_links, page_and_params, picked_url
from portsight.domain.stats import IsoWeek

WEEK = IsoWeek(2026, 48)  # Monday 23 November .. Sunday 29 November 2026
# The review counts a week's inspections by the day they were completed, its releases and holds by
# the day they were decided: its lists filter on the same days.
DAYS = "completed_from=2026-11-23&completed_to=2026-11-29"
DECIDED = "decided_from=2026-11-23&decided_to=2026-11-29"
HELD = "held_from=2026-11-23&held_to=2026-11-29"  # holds by the day of the hold, also those released since
DECLARED = "declared_from=2026-11-23&declared_to=2026-11-29"  # a group's declarations of the week


def selected(*customdata) -> dict:
    return {"selection": {"points": [{"point_index": 0, "customdata": list(customdata)}]}}


def test_cards_open_the_week_inspections_at_the_chosen_port():
    links = card_links(WEEK, "CNSGH")
    assert links["review.open_inspections"] == f"/inspections?port=CNSGH&{DAYS}"
    assert links["review.open_non_conforming"] == f"/inspections?port=CNSGH&{DAYS}&finding=any"
    assert links["review.open_held"] == f"/inspections?port=CNSGH&{HELD}"
    assert links["review.open_released"] == f"/inspections?port=CNSGH&{DECIDED}&decision=release"
    assert links["review.open_alerts"] == "/alerts?port=CNSGH"
    assert card_links(WEEK, None)["review.open_inspections"] == f"/inspections?{DAYS}"


def test_an_enterprise_row_opens_its_page_and_its_week():
    links = enterprise_links(12, WEEK, None)
    assert links["page"] == "/enterprise?id=12"
    assert links["inspections"] == f"/inspections?{DAYS}&enterprise_id=12"
    assert links["findings"] == f"/inspections?{DAYS}&enterprise_id=12&finding=any"


def test_a_chart_mark_opens_what_it_stands_for():
    trend = pd.DataFrame(
        {"week": ["2026-W47", "2026-W48"], "declarations": [5, 6], "inspections": [1, 2],
         "inspection_rate": [0.2, 0.3], "detection_rate": [0.1, None]}
    )  # fmt: skip
    last_year = trend.assign(week=["2025-W47", "2025-W48"])
    figure = charts.weekly_volume_chart(trend, {}, last_year=last_year)
    picked = selected(figure.data[0].customdata[0])
    assert picked_url("statistics.chart_volume", picked, WEEK, None) == (
        "/inspections?completed_from=2026-11-16&completed_to=2026-11-22"
    )
    picked = selected(figure.data[2].customdata[1])  # the dotted line of the same weeks last year
    assert picked_url("statistics.chart_volume", picked, WEEK, None) == (
        "/inspections?completed_from=2025-11-24&completed_to=2025-11-30"
    )
    ports = pd.DataFrame({"port": ["CNNGB"], "name_en": ["Ningbo"], "declarations": [3], "inspection_rate": [0.5]})
    figure = charts.port_chart(ports, "name_en", {})
    picked = selected(figure.data[0].customdata[0])
    assert picked_url("statistics.chart_ports", picked, WEEK, None) == f"/inspections?port=CNNGB&{DAYS}"
    assert picked_url("statistics.chart_inspectors", selected(7, 0.5, 30), WEEK, "CNSGH") == (
        f"/inspections?port=CNSGH&{DAYS}&inspector=7"
    )
    tiers = pd.DataFrame({"tier": ["general"], "declarations": [9], "inspected": [2], "realised_rate": [2 / 9],
                          "target_rate": [0.05]})  # fmt: skip
    picked = selected(*charts.tier_target_chart(tiers, {}, {}).data[0].customdata[0])
    assert picked_url("statistics.chart_tiers", picked, WEEK, "CNSGH") == (
        f"/inspections?port=CNSGH&{DECLARED}&tier=general"
    )
    origins = pd.DataFrame({"country": ["DE"], "name_en": ["Germany"], "declarations": [9], "inspected": [2]})
    picked = selected(*charts.origin_chart(origins, "name_en", {}).data[0].customdata[0])
    assert picked_url("statistics.chart_origins", picked, WEEK, None) == f"/inspections?{DECLARED}&origin=DE"
    sections = pd.DataFrame({"section": ["XVI"], "declarations": [9], "inspected": [2], "inspections": [3],
                             "non_conforming": [1], "detection_rate": [1 / 3]})  # fmt: skip
    figure = charts.hs_section_chart(sections, {}, {})
    assert picked_url("statistics.chart_hs", selected(*figure.data[0].customdata[0]), WEEK, None) == (
        f"/inspections?{DECLARED}&section=XVI"
    )
    assert picked_url("statistics.chart_hs", selected(*figure.data[1].customdata[0]), WEEK, None) == (
        f"/inspections?{DAYS}&section=XVI&finding=any"
    )
    assert picked_url("statistics.chart_origins", selected("DE"), WEEK, None) is None  # names no list
    assert picked_url("statistics.chart_volume", {"selection": {"points": []}}, WEEK, None) is None
    assert picked_url("statistics.chart_volume", selected("not a week"), WEEK, None) is None
    assert picked_url("statistics.chart_heatmap", selected("x"), WEEK, None) is None


def test_a_link_becomes_a_page_switch():
    assert page_and_params("/inspections?port=CNSGH&port=CNNGB&overdue=1") == (
        "pages/inspections.py",
        [("port", "CNSGH"), ("port", "CNNGB"), ("overdue", "1")],
    )
