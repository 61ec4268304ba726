"""Pure Plotly builders for the live overview: DataFrame / dict (+ labels) -> Figure. No Streamlit.

The port map is a plain lon/lat scatter with an equal-aspect axis, not a geo or tile map:
plotly's geo traces fetch their coastlines (topojson) from a CDN and tile maps fetch tiles,
and PortSight must work on a closed network. Ports are placed by their coordinates, labelled
with their code, sized by today's declarations and coloured by their state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

SEVERITY_COLOURS = {"high": "#c62828", "medium": "#ef8f00", "low": "#1e88e5"}
PORT_STATUSES = ("alert", "overdue", "busy", "normal", "idle")
STATUS_COLOURS = {
    "alert": "#c62828",  # an open high alert
    "overdue": "#ef8f00",  # open work past its service time
    "busy": "#fbc02d",  # much open work
    "normal": "#2e7d32",
    "idle": "#9e9e9e",  # nothing today
}
PIPELINE = ("waiting", "under_inspection", "completed", "awaiting_results", "overdue")
PIPELINE_COLOURS = {
    "waiting": "#90caf9",
    "under_inspection": "#1e88e5",
    "completed": "#5e35b1",
    "awaiting_results": "#8d6e63",  # treatment, laboratory or identification: outside work
    "overdue": "#ef8f00",
}
BUSY_OPEN_WORK = 10


def port_status(row: Mapping) -> str:
    """One word for a port's state now, in order of urgency (see STATUS_COLOURS)."""
    if int(row.get("alerts_high", 0) or 0) > 0:
        return "alert"
    if int(row.get("overdue", 0) or 0) > 0:
        return "overdue"
    open_work = sum(int(row.get(k, 0) or 0) for k in ("waiting", "under_inspection", "completed"))
    if open_work >= BUSY_OPEN_WORK:
        return "busy"
    if open_work == 0 and int(row.get("declarations", 0) or 0) == 0:
        return "idle"
    return "normal"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=title or None,
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=dict(orientation="h"),
    )
    return fig


def ports_map_chart(
    ports: pd.DataFrame,
    status_labels: Mapping[str, str],
    *,
    name_column: str = "name_en",
    counts_label: str = "",
    title: str = "",
    height: int = 420,
) -> go.Figure:
    """Ports on lon/lat axes, one trace per status so the legend explains the colours.

    ports: the overview's per-port table (port, lat, lon, declarations, waiting, ..., alerts_high).
    counts_label prefixes the hover's "declarations / waiting / under inspection / overdue" figures.
    Ports without coordinates are left out.
    """
    fig = go.Figure()
    placed = ports.dropna(subset=["lat", "lon"]) if not ports.empty else ports
    if not placed.empty:
        statuses = placed.apply(lambda r: port_status(r.to_dict()), axis=1)
        biggest = max(int(placed["declarations"].max() or 0), 1)
        for status in PORT_STATUSES:
            part = placed[statuses == status]
            if part.empty:
                continue
            sizes = [14 + 26 * (int(d) / biggest) ** 0.5 for d in part["declarations"]]
            hover = [
                f"{r['port']} {r.get(name_column, '')}<br>{status_labels.get(status, status)}<br>{counts_label}"
                + " / ".join(str(int(r[k])) for k in ("declarations", "waiting", "under_inspection", "overdue"))
                for _, r in part.iterrows()
            ]
            fig.add_trace(
                go.Scatter(
                    x=part["lon"],
                    y=part["lat"],
                    mode="markers+text",
                    text=part["port"],
                    textposition="top center",
                    marker=dict(size=sizes, color=STATUS_COLOURS[status], line=dict(width=1, color="#333")),
                    name=status_labels.get(status, status),
                    hovertext=hover,
                    hoverinfo="text",
                )
            )
    fig.update_xaxes(title=None, showgrid=True, zeroline=False, ticksuffix="°E")
    fig.update_yaxes(title=None, showgrid=True, zeroline=False, ticksuffix="°N", scaleanchor="x", scaleratio=1)
    return _layout(fig, title, height)


def alerts_severity_chart(counts: Mapping[str, int], severity_labels: Mapping[str, str], title: str = "") -> go.Figure:
    """Horizontal bars of open alerts, high first. counts: {severity: n}."""
    order = [s for s in ("high", "medium", "low") if s in counts]
    fig = go.Figure(
        go.Bar(
            x=[int(counts[s]) for s in order],
            y=[severity_labels.get(s, s) for s in order],
            orientation="h",
            marker_color=[SEVERITY_COLOURS[s] for s in order],
            text=[int(counts[s]) for s in order],
            textposition="auto",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, 200)


def port_pipeline_chart(ports: pd.DataFrame, labels: Mapping[str, str], title: str = "") -> go.Figure:
    """Grouped bars per port: waiting, under inspection, awaiting decision, awaiting results, overdue."""
    fig = go.Figure()
    for key in PIPELINE:
        fig.add_bar(
            x=ports["port"] if not ports.empty else [],
            y=ports[key] if not ports.empty else [],
            name=labels.get(key, key),
            marker_color=PIPELINE_COLOURS[key],
        )
    fig.update_layout(barmode="group")
    return _layout(fig, title, 320)


def release_time_chart(minutes: Sequence[float], title: str = "", x_title: str = "") -> go.Figure:
    """Histogram of today's declaration -> release times in minutes."""
    fig = go.Figure(go.Histogram(x=list(minutes), nbinsx=20, marker_color="#2e7d32"))
    fig.update_xaxes(title=x_title or None)
    return _layout(fig, title, 260)
