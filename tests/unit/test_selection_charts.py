"""The realised-vs-target chart of the selection page, built without Streamlit."""

from __future__ import annotations

import math

import pandas as pd

from components.selection.charts import realised_vs_target_chart

LABELS = {"advanced_certified": "高级认证企业", "general": "一般信用企业", "dishonest": "失信企业"}


def rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tier": ["advanced_certified", "general", "dishonest"],
            "n": [300, 400, 0],
            "realised": [0.013, 0.102, math.nan],
            "target": [0.015, 0.10, 0.85],
        }
    )


def test_chart_has_realised_bars_and_target_markers_per_tier():
    fig = realised_vs_target_chart(rates(), LABELS, "实际", "目标", title="实际查验率与目标对比")
    bars, targets = fig.data
    assert bars.type == "bar" and targets.type == "scatter"
    assert list(bars.x) == list(LABELS.values()) == list(targets.x)
    assert list(bars.y) == [0.013, 0.102, None]  # a tier without draws shows no bar, not zero
    assert list(targets.y) == [0.015, 0.10, 0.85]
    assert (bars.name, targets.name) == ("实际", "目标")
    assert list(bars.customdata) == [300, 400, 0]
    assert list(bars.text) == ["1.3%", "10.2%", ""]
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.title.text == "实际查验率与目标对比"


def test_unknown_tier_keeps_its_code_as_label():
    df = pd.DataFrame({"tier": ["unrated"], "n": [1], "realised": [1.0], "target": [0.1]})
    assert list(realised_vs_target_chart(df, LABELS).data[0].x) == ["unrated"]
