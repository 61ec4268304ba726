"""Pure Plotly builders for the rules page: DataFrame (+ labels) -> Figure. No Streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

SUBJECTS_COLOUR = "#cfd8e3"
HITS_COLOUR = "#c62828"


def backtest_chart(
    df: pd.DataFrame,
    hits_label: str = "Would hit",
    subjects_label: str = "Examined",
    title: str = "",
    count_axis: str = "",
) -> go.Figure:
    """Per port, what the back-test examined (pale bar) and what the rule would have hit (red bar in front).

    df has columns port, subjects, hits (as components.rules.data.backtest_frame gives); one
    bar pair per row, in the frame's order. The hover of a hit bar shows its share of the examined.
    """
    ports = [str(p) for p in df["port"]]
    subjects = [int(v) for v in df["subjects"]]
    hits = [int(v) for v in df["hits"]]
    shares = [h / s if s else 0.0 for h, s in zip(hits, subjects, strict=True)]
    fig = go.Figure()
    fig.add_bar(
        x=ports,
        y=subjects,
        name=subjects_label,
        marker_color=SUBJECTS_COLOUR,
        hovertemplate="%{x}: %{y}<extra>" + subjects_label + "</extra>",
    )
    fig.add_bar(
        x=ports,
        y=hits,
        name=hits_label,
        marker_color=HITS_COLOUR,
        width=0.5,
        customdata=shares,
        text=[str(h) for h in hits],
        textposition="outside",
        hovertemplate="%{x}: %{y} (%{customdata:.1%})<extra>" + hits_label + "</extra>",
    )
    fig.update_layout(
        barmode="overlay",
        title=title or None,
        height=320,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=dict(orientation="h"),
        xaxis=dict(type="category"),
        yaxis=dict(title=count_axis or None, rangemode="tozero"),
    )
    return fig
