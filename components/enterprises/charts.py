"""Pure Plotly builder of the enterprise page: its months of declarations and inspections. No Streamlit."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from components.statistics.charts import DETECTION_COLOUR, INSPECTION_COLOUR, VOLUME_COLOUR


def history_chart(history: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Declarations per month (bars), inspections and non-conforming ones (lines)."""
    months = list(history["month"])
    fig = go.Figure()
    fig.add_bar(x=months, y=list(history["declarations"]), name=labels["declarations"], marker_color=VOLUME_COLOUR)
    fig.add_scatter(
        x=months,
        y=list(history["inspections"]),
        name=labels["inspections"],
        mode="lines+markers",
        line=dict(color=INSPECTION_COLOUR),
    )
    fig.add_scatter(
        x=months,
        y=list(history["non_conforming"]),
        name=labels["non_conforming"],
        mode="lines+markers",
        line=dict(color=DETECTION_COLOUR),
    )
    fig.update_xaxes(type="category")
    fig.update_layout(
        height=300,
        margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hovermode="x unified",
    )
    return fig
