"""The overview's chart builders are pure: DataFrame in, Figure out, no network map tiles."""

from __future__ import annotations

import pandas as pd
import pytest

from components.overview.charts import (
    STATUS_COLOURS,
    alerts_severity_chart,
    port_pipeline_chart,
    port_status,
    ports_map_chart,
    release_time_chart,
)

LABELS = {s: s.upper() for s in STATUS_COLOURS}


def ports_frame():
    base = {
        "waiting": 0,
        "under_inspection": 0,
        "completed": 0,
        "awaiting_results": 0,
        "overdue": 0,
        "alerts_high": 0,
        "declarations": 0,
    }
    rows = [
        {
            "port": "CNSGH",
            "name_en": "Shanghai",
            "lat": 31.2,
            "lon": 121.5,
            **base,
            "declarations": 40,
            "alerts_high": 1,
        },
        {"port": "CNNGB", "name_en": "Ningbo", "lat": 29.9, "lon": 121.6, **base, "declarations": 10, "overdue": 2},
        {"port": "CNTAO", "name_en": "Qingdao", "lat": 36.1, "lon": 120.3, **base, "declarations": 5, "waiting": 1},
        {"port": "CNDLC", "name_en": "Dalian", "lat": 38.9, "lon": 121.6, **base},
        {"port": "CNXXX", "name_en": "Nowhere", "lat": None, "lon": None, **base, "declarations": 3},
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"alerts_high": 1, "overdue": 3}, "alert"),
        ({"overdue": 1, "waiting": 20}, "overdue"),
        ({"waiting": 6, "under_inspection": 4}, "busy"),
        ({"declarations": 3}, "normal"),
        ({}, "idle"),
    ],
)
def test_port_status_is_the_most_urgent_condition(row, expected):
    assert port_status(row) == expected


def test_map_colours_each_port_by_its_status_without_geo_or_tiles():
    fig = ports_map_chart(ports_frame(), LABELS)
    assert {t.type for t in fig.data} == {"scatter"}  # no scattergeo / scattermap: nothing fetched online
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["ALERT"].text) == ["CNSGH"]
    assert by_name["ALERT"].marker.color == STATUS_COLOURS["alert"]
    assert list(by_name["OVERDUE"].text) == ["CNNGB"]
    assert list(by_name["IDLE"].text) == ["CNDLC"]
    shown = [code for t in fig.data for code in t.text]
    assert "CNXXX" not in shown  # no coordinates, no dot
    assert fig.layout.yaxis.scaleanchor == "x"


def test_bigger_ports_get_bigger_dots():
    fig = ports_map_chart(ports_frame(), LABELS)
    size = {code: s for t in fig.data for code, s in zip(t.text, t.marker.size, strict=True)}
    assert size["CNSGH"] > size["CNNGB"] > size["CNTAO"] > size["CNDLC"]


def test_map_of_no_ports_is_empty_not_an_error():
    assert ports_map_chart(ports_frame().iloc[0:0], LABELS).data == ()


def test_alerts_chart_orders_high_first_with_labels_and_colours():
    fig = alerts_severity_chart({"low": 4, "high": 2, "medium": 0}, {"high": "H", "medium": "M", "low": "L"})
    bar = fig.data[0]
    assert list(bar.y) == ["H", "M", "L"] and list(bar.x) == [2, 0, 4]
    assert list(bar.marker.color)[0] == "#c62828"


def test_pipeline_chart_has_one_series_per_stage():
    fig = port_pipeline_chart(ports_frame(), {"waiting": "W"})
    assert [t.name for t in fig.data] == ["W", "under_inspection", "completed", "awaiting_results", "overdue"]
    assert list(fig.data[4].y) == [0, 2, 0, 0, 0]


def test_release_time_histogram_takes_minutes():
    fig = release_time_chart([10, 20, 300])
    assert list(fig.data[0].x) == [10, 20, 300]
