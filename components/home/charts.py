"""Pure Plotly builders for the home page: DataFrame (+ labels) -> Figure. No Streamlit here."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

SEVERITY_COLOURS = {"high": "#c62828", "medium": "#ef8f00", "low": "#1e88e5"}


def inspection_states_chart(df: pd.DataFrame, state_labels: Mapping[str, str], title: str = "") -> go.Figure:
    """Stacked bars: one bar per port, one segment per state. df has columns port, state, count."""
    fig = go.Figure()
    for state, part in df.groupby("state", sort=False):
        fig.add_bar(x=part["port"], y=part["count"], name=state_labels.get(state, state))
    fig.update_layout(
        barmode="stack",
        title=title or None,
        height=320,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h"),
    )
    return fig


def alerts_by_severity_chart(df: pd.DataFrame, severity_labels: Mapping[str, str], title: str = "") -> go.Figure:
    """Horizontal bars, one per severity. df has columns severity, count."""
    fig = go.Figure(
        go.Bar(
            x=df["count"],
            y=[severity_labels.get(s, s) for s in df["severity"]],
            orientation="h",
            marker_color=[SEVERITY_COLOURS.get(s, "#888") for s in df["severity"]],
        )
    )
    fig.update_layout(title=title or None, height=220, margin=dict(l=10, r=10, t=40, b=10))
    fig.update_yaxes(autorange="reversed")
    return fig
