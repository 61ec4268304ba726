"""Pure Plotly builders for the selection page: DataFrame (+ labels) -> Figure. No Streamlit here."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

REALISED_COLOUR = "#1e88e5"
TARGET_COLOUR = "#c62828"


def realised_vs_target_chart(
    df: pd.DataFrame,
    tier_labels: Mapping[str, str],
    realised_label: str = "Realised",
    target_label: str = "Target",
    title: str = "",
    rate_axis: str = "",
) -> go.Figure:
    """One bar per credit tier (realised rate) with the tier's target as a marker on it.

    df has columns tier, n, realised (fraction, NaN when n = 0) and target (fraction), as from
    portsight.queries.selection.realised_rates. The hover shows the number of draws.
    """
    x = [tier_labels.get(t, t) for t in df["tier"]]
    realised = [None if pd.isna(v) else float(v) for v in df["realised"]]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=realised,
        name=realised_label,
        marker_color=REALISED_COLOUR,
        customdata=list(df["n"]),
        hovertemplate="%{x}: %{y:.1%} (n=%{customdata})<extra></extra>",
        text=["" if v is None else f"{v:.1%}" for v in realised],
        textposition="outside",
    )
    fig.add_scatter(
        x=x,
        y=[float(v) for v in df["target"]],
        name=target_label,
        mode="markers",
        marker=dict(symbol="line-ew-open", size=36, line=dict(width=3, color=TARGET_COLOUR), color=TARGET_COLOUR),
        hovertemplate="%{x}: %{y:.1%}<extra></extra>",
    )
    fig.update_layout(
        title=title or None,
        height=340,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h"),
        yaxis=dict(title=rate_axis or None, tickformat=".0%", range=[0, 1.05]),
    )
    return fig
