"""Pure Plotly builders for the live overview: DataFrame / dict (+ labels) -> Figure. No Streamlit.

The port map is a Plotly geo map (land, sea and coastlines, Natural Earth 1:50m). Plotly.js
fetches those outlines as a topojson file from its CDN unless the chart's config names another
place, and PortSight must work on a closed network: the app serves the file itself
(static/topojson/, data/SOURCES.md) and the page passes TOPOJSON_CONFIG. Country borders are not
drawn. Ports are placed by their coordinates, labelled with their code, sized by today's
declarations and coloured by their state; each point carries its port code (customdata), which a
click on the map reads.
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
MAP_HOVER_COUNTS = ("declarations", "waiting", "under_inspection", "overdue", "alerts_high")
# The outlines' file is <TOPOJSON_URL><MAP_SCOPE>_<MAP_RESOLUTION>m.json (static/topojson/asia_50m.json).
# Relative to the page, so a deployment under a base path finds it too; Streamlit serves static/ at app/static/.
TOPOJSON_URL = "app/static/topojson/"
TOPOJSON_CONFIG = {"topojsonURL": TOPOJSON_URL}
MAP_SCOPE = "asia"
MAP_RESOLUTION = 50
MAP_MIN_SPAN = 12.0  # degrees of latitude: one port alone is still shown with its coast around it
MAP_ASPECT = 1.6  # degrees of longitude per degree of latitude framed: the chart is wider than high
MAP_DEFAULT_BOUNDS = ((100.0, 132.0), (17.0, 45.0))


class SharedFigure(go.Figure):
    """A figure many sessions draw as it is: its dict is made once, here.

    st.plotly_chart turns a figure into JSON on every call, and most of that is Figure.to_dict(),
    which copies the whole figure (its template included): for the board's three figures the
    largest part of a redraw, per session (bench/README.md, "Many sessions"). This figure hands
    out the dict of `figure` instead, and is otherwise empty: building it as a copy of `figure`
    validated the template again, ~0.3 s a figure on a loaded machine, at every board change.
    Only its dict is drawn; never change it."""

    def __init__(self, figure: go.Figure) -> None:
        super().__init__()
        self._shared_dict = figure.to_dict()

    def to_dict(self) -> dict:
        return self._shared_dict


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


def map_bounds(ports: pd.DataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """(lon range, lat range) framing the placed ports with a margin, at least MAP_MIN_SPAN high and
    MAP_ASPECT times as wide; the China coast when no port is placed."""
    if ports.empty:
        return MAP_DEFAULT_BOUNDS
    lon_lo, lon_hi = float(ports["lon"].min()), float(ports["lon"].max())
    lat_lo, lat_hi = float(ports["lat"].min()), float(ports["lat"].max())
    lat_span = max(lat_hi - lat_lo + 4, MAP_MIN_SPAN)
    lon_span = max(lon_hi - lon_lo + 4, lat_span * MAP_ASPECT)  # as wide as the chart is, not a strip
    lon_mid, lat_mid = (lon_lo + lon_hi) / 2, (lat_lo + lat_hi) / 2
    return (lon_mid - lon_span / 2, lon_mid + lon_span / 2), (lat_mid - lat_span / 2, lat_mid + lat_span / 2)


def ports_map_chart(
    ports: pd.DataFrame,
    status_labels: Mapping[str, str],
    *,
    name_column: str = "name_en",
    counts_label: str = "",
    title: str = "",
    height: int = 420,
) -> go.Figure:
    """Ports on a geo map, one trace per status so the legend explains the colours.

    ports: the overview's per-port table (port, lat, lon, declarations, waiting, ..., alerts_high).
    counts_label prefixes the hover's "declarations / open / overdue / high alerts" figures.
    Ports without coordinates are left out.
    """
    placed = ports.dropna(subset=["lat", "lon"]) if not ports.empty else ports
    (lon_lo, lon_hi), (lat_lo, lat_hi) = map_bounds(placed)
    # The geo layout given whole: update_geos(lonaxis_range=...) parses each underscored name into
    # a path, which was most of this builder's time (it runs at every board change).
    geo = dict(
        scope=MAP_SCOPE,
        resolution=MAP_RESOLUTION,
        projection=dict(type="mercator"),
        lonaxis=dict(range=[lon_lo, lon_hi]),
        lataxis=dict(range=[lat_lo, lat_hi]),
        showland=True,
        landcolor="#f1efe8",
        showocean=True,
        oceancolor="#e3eef6",
        showcoastlines=True,
        coastlinecolor="#7d8b99",
        showcountries=False,
        showlakes=False,
        showrivers=False,
        showframe=False,
    )
    fig = go.Figure(layout=dict(geo=geo, clickmode="event+select"))
    if not placed.empty:
        rows = placed.to_dict("records")
        statuses = [port_status(r) for r in rows]
        biggest = max(int(placed["declarations"].max() or 0), 1)
        for status in PORT_STATUSES:
            part = [r for r, s in zip(rows, statuses, strict=True) if s == status]
            if not part:
                continue
            label = status_labels.get(status, status)
            hover = [
                f"{r['port']} {r.get(name_column) or ''}<br>{label}<br>{counts_label}"
                + " / ".join(str(int(r.get(k) or 0)) for k in MAP_HOVER_COUNTS)
                for r in part
            ]
            fig.add_trace(
                go.Scattergeo(
                    lon=[r["lon"] for r in part],
                    lat=[r["lat"] for r in part],
                    mode="markers+text",
                    text=[r["port"] for r in part],
                    customdata=[r["port"] for r in part],
                    textposition="top center",
                    marker=dict(
                        size=[12 + 24 * (int(r["declarations"] or 0) / biggest) ** 0.5 for r in part],
                        color=STATUS_COLOURS[status],
                        line=dict(width=1, color="#333"),
                    ),
                    name=label,
                    hovertext=hover,
                    hoverinfo="text",
                )
            )
    return _layout(fig, title, height)


def alerts_severity_chart(counts: Mapping[str, int], severity_labels: Mapping[str, str], title: str = "") -> go.Figure:
    """Horizontal bars of open alerts, high first. counts: {severity: n}. Each bar carries its
    severity code (customdata)."""
    order = [s for s in ("high", "medium", "low") if s in counts]
    fig = go.Figure(
        go.Bar(
            x=[int(counts[s]) for s in order],
            y=[severity_labels.get(s, s) for s in order],
            orientation="h",
            marker_color=[SEVERITY_COLOURS[s] for s in order],
            text=[int(counts[s]) for s in order],
            textposition="auto",
            customdata=order,  # the severity a click on a bar opens
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, 200)


def port_pipeline_chart(ports: pd.DataFrame, labels: Mapping[str, str], title: str = "") -> go.Figure:
    """Grouped bars per port: waiting, under inspection, awaiting decision, awaiting results, overdue.
    Each bar carries its series' key (customdata); its x is the port code."""
    fig = go.Figure()
    for key in PIPELINE:
        fig.add_bar(  # plain lists: numpy arrays cost each session's JSON encoding more
            x=ports["port"].tolist() if not ports.empty else [],
            y=[int(n) for n in ports[key]] if not ports.empty else [],
            name=labels.get(key, key),
            marker_color=PIPELINE_COLOURS[key],
            customdata=[key] * len(ports),
        )
    fig.update_layout(barmode="group")
    return _layout(fig, title, 320)


def release_time_chart(minutes: Sequence[float], title: str = "", x_title: str = "") -> go.Figure:
    """Histogram of today's declaration -> release times in minutes."""
    fig = go.Figure(go.Histogram(x=list(minutes), nbinsx=20, marker_color="#2e7d32"))
    fig.update_xaxes(title=x_title or None)
    return _layout(fig, title, 260)
