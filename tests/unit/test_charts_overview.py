"""The overview's chart builders are pure: DataFrame in, Figure out; the map's outlines come from this site."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from components.overview.charts import (
    MAP_RESOLUTION,
    MAP_SCOPE,
    STATUS_COLOURS,
    TOPOJSON_CONFIG,
    alerts_severity_chart,
    map_bounds,
    port_pipeline_chart,
    port_status,
    ports_map_chart,
    release_time_chart,
)

ROOT = Path(__file__).resolve().parents[2]

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


def test_map_colours_each_port_by_its_status_on_a_geo_map():
    fig = ports_map_chart(ports_frame(), LABELS)
    assert {t.type for t in fig.data} == {"scattergeo"}  # no scattermap: no tiles fetched online
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["ALERT"].text) == ["CNSGH"]
    assert by_name["ALERT"].marker.color == STATUS_COLOURS["alert"]
    assert list(by_name["OVERDUE"].text) == ["CNNGB"]
    assert list(by_name["IDLE"].text) == ["CNDLC"]
    shown = [code for t in fig.data for code in t.text]
    assert "CNXXX" not in shown  # no coordinates, no dot
    # a click on a point reads its port code
    assert [c for t in fig.data for c in t.customdata] == shown
    assert by_name["ALERT"].hovertext[0].endswith("40 / 0 / 0 / 0 / 1")  # with its high alerts


def test_map_draws_coastlines_from_the_file_the_app_serves():
    geo = ports_map_chart(ports_frame(), LABELS).layout.geo
    assert geo.showcoastlines and geo.showland
    assert not geo.showcountries  # no borders drawn
    # plotly.js asks for <topojsonURL><scope>_<resolution>m.json: the file under static/ (served at app/static/)
    served = TOPOJSON_CONFIG["topojsonURL"].removeprefix("app/")
    outlines = ROOT / served / f"{geo.scope}_{geo.resolution}m.json"
    assert (geo.scope, geo.resolution) == (MAP_SCOPE, MAP_RESOLUTION)
    assert not TOPOJSON_CONFIG["topojsonURL"].startswith(("http", "/"))  # this site, under any base path
    assert {"coastlines", "land", "ocean"} <= set(json.loads(outlines.read_text())["objects"])


def test_map_frames_the_ports_with_their_coast():
    (lon_lo, lon_hi), (lat_lo, lat_hi) = map_bounds(ports_frame().dropna(subset=["lat", "lon"]))
    assert lon_lo < 120.3 and lon_hi > 121.6 and lat_lo < 29.9 and lat_hi > 38.9
    geo = ports_map_chart(ports_frame().iloc[[0]], LABELS).layout.geo
    assert geo.lonaxis.range[1] - geo.lonaxis.range[0] >= 12  # one port: still a stretch of coast
    assert geo.lonaxis.range[0] < 121.5 < geo.lonaxis.range[1]


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
    assert list(bar.customdata) == ["high", "medium", "low"]  # a click on a bar reads its severity


def test_pipeline_chart_has_one_series_per_stage():
    fig = port_pipeline_chart(ports_frame(), {"waiting": "W"})
    assert [t.name for t in fig.data] == ["W", "under_inspection", "completed", "awaiting_results", "overdue"]
    assert list(fig.data[4].y) == [0, 2, 0, 0, 0]
    assert set(fig.data[4].customdata) == {"overdue"}  # a click on a bar reads its series (and x its port)


def test_release_time_histogram_takes_minutes():
    fig = release_time_chart([10, 20, 300])
    assert list(fig.data[0].x) == [10, 20, 300]
