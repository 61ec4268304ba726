"""The back-test chart builder: pure DataFrame -> Figure, no Streamlit."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from components.rules.charts import HITS_COLOUR, backtest_chart, calendar_chart


def frame() -> pd.DataFrame:
    return pd.DataFrame({"port": ["CNNGB", "CNSGH"], "subjects": [40, 10], "hits": [0, 4], "share": [0.0, 0.4]})


def test_backtest_chart_shows_examined_and_hits_per_port_in_order():
    fig = backtest_chart(frame(), hits_label="Would have hit", subjects_label="Declarations examined")
    assert isinstance(fig, go.Figure)
    examined, hits = fig.data
    assert examined.name == "Declarations examined" and hits.name == "Would have hit"
    assert list(examined.x) == ["CNNGB", "CNSGH"] and list(examined.y) == [40, 10]
    assert list(hits.y) == [0, 4] and hits.marker.color == HITS_COLOUR
    assert list(hits.customdata) == [0.0, 0.4]  # share of the examined, shown on hover
    assert fig.layout.barmode == "overlay"


def test_backtest_chart_treats_port_codes_as_categories_and_survives_zero_examined():
    df = pd.DataFrame({"port": ["001"], "subjects": [0], "hits": [0]})
    fig = backtest_chart(df, title="Back-test", count_axis="Declarations")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[1].customdata) == [0.0]
    assert fig.layout.title.text == "Back-test" and fig.layout.yaxis.title.text == "Declarations"


def test_backtest_chart_of_no_ports_is_an_empty_figure():
    fig = backtest_chart(pd.DataFrame({"port": [], "subjects": [], "hits": []}))
    assert [len(t.x) for t in fig.data] == [0, 0]


def periods() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule": ["paper_limit", "ban", "wood"],
            "family": ["waste", "waste", "goods"],
            "start": [None, date(2021, 1, 1), date(2006, 1, 1)],
            "end": [date(2020, 12, 31), None, None],
            "successor": ["ban", None, None],
        }
    )


def test_calendar_chart_draws_each_rule_from_start_to_end_coloured_by_family():
    fig = calendar_chart(periods(), date(2026, 6, 1), {"waste": "Solid waste", "goods": "Goods"}, title="In force")
    assert [t.name for t in fig.data] == ["Goods", "Solid waste"]  # one trace per family
    waste = fig.data[1]
    ban = list(waste.y).index("ban")
    assert waste.base[ban] == "2021-01-01" and waste.orientation == "h"
    paper = list(waste.y).index("paper_limit")
    assert waste.customdata[paper][1] == "2020-12-31"  # its last day in force
    assert waste.customdata[paper][0] == "2004-01-02"  # since always: drawn from before the earliest date
    assert list(fig.layout.yaxis.categoryarray) == ["ban", "wood", "paper_limit"]  # oldest start on top
    assert fig.layout.xaxis.type == "date" and fig.layout.title.text == "In force"


def test_calendar_chart_of_no_rules_is_an_empty_figure():
    empty = pd.DataFrame(columns=["rule", "family", "start", "end", "successor"])
    assert calendar_chart(empty, date(2026, 6, 1)).data == ()
