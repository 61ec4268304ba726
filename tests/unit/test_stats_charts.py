"""Statistics chart builders: the figure carries the frame's numbers, in the given labels."""

from __future__ import annotations

import pandas as pd
import pytest

from components.statistics import charts

TREND = pd.DataFrame(
    {
        "week": ["2026-W08", "2026-W09", "2026-W10"],
        "declarations": [100, 120, 90],
        "inspections": [10, 14, 9],
        "inspection_rate": [0.1, 0.12, None],
        "detection_rate": [0.2, 0.25, 0.3],
    }
)


def test_weekly_volume_highlights_the_reviewed_week():
    fig = charts.weekly_volume_chart(TREND, {"declarations": "报检单", "inspections": "查验"}, highlight="2026-W09")
    bars, line = fig.data
    assert list(bars.y) == [100, 120, 90] and bars.name == "报检单"
    assert list(line.y) == [10, 14, 9] and line.name == "查验"
    assert bars.marker.color[1] == charts.HIGHLIGHT_COLOUR
    assert bars.marker.color[0] != charts.HIGHLIGHT_COLOUR


def test_weekly_rates_keep_missing_rates_as_gaps():
    fig = charts.weekly_rates_chart(TREND, {})
    assert list(fig.data[0].y) == [0.1, 0.12, None]
    assert fig.layout.yaxis.tickformat == ".0%"


def test_port_chart_puts_the_largest_port_on_top_with_its_rate():
    df = pd.DataFrame(
        {
            "port": ["CNSGH", "CNNGB"],
            "name_zh": ["上海", "宁波"],
            "declarations": [50, 80],
            "inspection_rate": [0.1, 0.05],
        }
    )
    fig = charts.port_chart(df, "name_zh", {})
    assert list(fig.data[0].y) == ["上海", "宁波"]  # horizontal bars: last is drawn on top
    assert list(fig.data[0].customdata) == ["CNSGH", "CNNGB"]  # the port a bar opens
    assert list(fig.data[0].text) == ["10.0%", "5.0%"]


def test_tier_chart_shows_realised_against_target():
    df = pd.DataFrame(
        {"tier": ["general", "dishonest"], "declarations": [100, 10], "inspected": [6, 7],
         "realised_rate": [0.06, 0.7], "target_rate": [0.05, 0.8]}
    )  # fmt: skip
    fig = charts.tier_target_chart(df, {"general": "一般信用企业"}, {"realised": "实际", "target": "目标"})
    assert list(fig.data[0].x) == ["一般信用企业", "dishonest"]
    assert list(fig.data[0].y) == [0.06, 0.7]
    assert list(fig.data[1].y) == [0.05, 0.8] and fig.data[1].name == "目标"
    # The tier a bar opens, what of it, and the counts of its rate: inspected of declared.
    assert list(fig.data[0].customdata[0]) == ["general", charts.DECLARED, 6, 100]
    assert list(fig.data[1].customdata[1]) == ["dishonest", charts.DECLARED, 7, 10]


def test_origin_chart_stacks_inspected_and_not_inspected_for_the_top_countries():
    df = pd.DataFrame(
        {"country": [f"C{i}" for i in range(20)], "name_en": [f"Country {i}" for i in range(20)],
         "declarations": [20 - i for i in range(20)], "inspected": [1] * 20}
    )  # fmt: skip
    fig = charts.origin_chart(df, "name_en", {}, top=5)
    assert list(fig.data[0].y) == ["Country 4", "Country 3", "Country 2", "Country 1", "Country 0"]
    assert list(fig.data[1].x) == [15, 16, 17, 18, 19]
    assert list(fig.data[0].customdata[-1]) == ["C0", charts.DECLARED, 1, 20]  # the inspected part opens a list
    assert fig.data[1].customdata is None  # the part not inspected has no inspection to list


def test_heatmap_is_seven_days_by_24_hours():
    heat = pd.DataFrame([{"weekday": d, "hour": h, "inspections": d * 24 + h} for d in range(7) for h in range(24)])
    fig = charts.heatmap_chart(heat, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], {})
    z = fig.data[0].z
    assert len(z) == 7 and len(z[0]) == 24
    assert z[6][23] == pytest.approx(6 * 24 + 23)
    assert list(fig.data[0].y)[0] == "Mon"


def test_hs_and_inspector_charts_carry_the_numbers():
    sections = pd.DataFrame(
        {"section": ["XVI", "I"], "declarations": [40, 10], "inspected": [5, 0], "inspections": [6, 0],
         "non_conforming": [1, 0], "detection_rate": [1 / 6, None]}
    )  # fmt: skip
    fig = charts.hs_section_chart(sections, {"XVI": "XVI Machinery"}, {})
    assert list(fig.data[0].x) == ["XVI Machinery", "I"] and list(fig.data[1].y) == [1 / 6, None]
    # A bar lists the section's declared inspections, a rate's marker its inspections with a finding.
    assert list(fig.data[0].customdata[0]) == ["XVI", charts.DECLARED, 5, 40]
    assert list(fig.data[1].customdata[0]) == ["XVI", charts.FOUND, 1, 6]
    inspectors = pd.DataFrame(
        {
            "user_id": [11, 12],
            "inspector": ["a", "b"],
            "inspections": [7, 3],
            "detection_rate": [0.5, None],
            "mean_duration_min": [42.0, None],
        }
    )
    fig = charts.inspector_chart(inspectors, {})
    assert list(fig.data[0].y) == [7, 3]
    assert list(fig.data[0].customdata[1]) == [12, 0, 0]  # the inspector's id first: the list it opens
