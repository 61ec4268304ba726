"""The back-test chart builder: pure DataFrame -> Figure, no Streamlit."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.rules.charts import HITS_COLOUR, backtest_chart


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
