"""Pure Plotly builders for the statistics page: DataFrame (+ labels) -> Figure. No Streamlit here.

Frames come from portsight.queries.statistics; labels are already translated by the caller
(a Mapping of short names such as "declarations" to the text to show). A mark that opens a list
carries what it stands for first in its customdata (a week, a port code, an inspector's id, a
credit tier, an origin, an HS section), read back by components/statistics/drill.py; a mark of a
group of the week's declarations says second which of its inspections it lists (DECLARED or
FOUND), then the two counts its hover shows.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

VOLUME_COLOUR = "#90caf9"
INSPECTION_COLOUR = "#1565c0"
DETECTION_COLOUR = "#c62828"
TARGET_COLOUR = "#c62828"
HIGHLIGHT_COLOUR = "#ffb300"
# What a group's mark lists: the inspections of the group's declarations of the week (as many as
# its inspected declarations), or those completed in the week with a finding (its non-conformities).
DECLARED = "declared"
FOUND = "found"


def _num(values) -> list[float | None]:
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def _counted(label: str, index: int = 2) -> str:
    """Hover text of two counts carried in customdata from `index`: "label a / b"."""
    return f"{label} %{{customdata[{index}]}} / %{{customdata[{index + 1}]}}"


def _group_marks(codes, kind: str, counts, totals) -> list[list]:
    return [[str(c), kind, int(n), int(d)] for c, n, d in zip(codes, counts, totals, strict=True)]


def _layout(fig: go.Figure, title: str = "", height: int = 340) -> go.Figure:
    fig.update_layout(
        title=title or None,
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hovermode="x unified",
    )
    return fig


def weekly_volume_chart(
    trend: pd.DataFrame,
    labels: Mapping[str, str],
    highlight: str | None = None,
    last_year: pd.DataFrame | None = None,
) -> go.Figure:
    """Declarations (bars) and inspections (line) per week; the reviewed week's bar is highlighted.
    last_year: the same weeks a year earlier, drawn under each week as a dotted line of declarations."""
    weeks = list(trend["week"])
    colours = [HIGHLIGHT_COLOUR if w == highlight else VOLUME_COLOUR for w in weeks]
    fig = go.Figure()
    fig.add_bar(
        x=weeks,
        y=list(trend["declarations"]),
        name=labels.get("declarations", "declarations"),
        marker_color=colours,
        customdata=weeks,
    )
    fig.add_scatter(
        x=weeks,
        y=list(trend["inspections"]),
        customdata=weeks,
        name=labels.get("inspections", "inspections"),
        mode="lines+markers",
        line=dict(color=INSPECTION_COLOUR),
        yaxis="y2",
    )
    if last_year is not None and len(last_year) == len(weeks):
        fig.add_scatter(
            x=weeks,
            y=list(last_year["declarations"]),
            name=labels.get("declarations_last_year", "declarations last year"),
            mode="lines",
            line=dict(color=VOLUME_COLOUR, dash="dot", width=2),
            customdata=list(last_year["week"]),
        )
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", rangemode="tozero", showgrid=False))
    return _layout(fig, labels.get("title", ""))


def weekly_rates_chart(trend: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Inspection rate and non-conformity rate per week (fractions, shown as percentages)."""
    fig = go.Figure()
    fig.add_scatter(
        x=list(trend["week"]),
        y=_num(trend["inspection_rate"]),
        customdata=list(trend["week"]),
        mode="lines+markers",
        name=labels.get("inspection_rate", "inspection rate"),
        line=dict(color=INSPECTION_COLOUR),
    )
    fig.add_scatter(
        x=list(trend["week"]),
        y=_num(trend["detection_rate"]),
        customdata=list(trend["week"]),
        mode="lines+markers",
        name=labels.get("detection_rate", "non-conformity rate"),
        line=dict(color=DETECTION_COLOUR),
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, labels.get("title", ""))


def port_chart(by_port: pd.DataFrame, name_column: str, labels: Mapping[str, str]) -> go.Figure:
    """Declarations per port (horizontal bars, largest on top) with the inspection rate as text."""
    df = by_port.sort_values("declarations")
    rates = _num(df["inspection_rate"])
    fig = go.Figure()
    fig.add_bar(
        y=list(df[name_column]),
        x=list(df["declarations"]),
        orientation="h",
        name=labels.get("declarations", "declarations"),
        marker_color=VOLUME_COLOUR,
        text=["" if r is None else f"{r:.1%}" for r in rates],
        textposition="outside",
        customdata=list(df["port"]),
        hovertemplate="%{y}: %{x}<extra></extra>",
    )
    return _layout(fig, labels.get("title", ""), height=max(240, 28 * len(df) + 80))


def hs_section_chart(
    by_section: pd.DataFrame, section_labels: Mapping[str, str], labels: Mapping[str, str]
) -> go.Figure:
    """Declarations per HS section (bars) and the non-conformity rate of its inspections (markers)."""
    x = [section_labels.get(s, s) for s in by_section["section"]]
    sections = list(by_section["section"])
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=list(by_section["declarations"]),
        name=labels.get("declarations", "declarations"),
        marker_color=VOLUME_COLOUR,
        customdata=_group_marks(sections, DECLARED, by_section["inspected"], by_section["declarations"]),
        hovertemplate=f"%{{y}} · {_counted(labels.get('inspected', 'inspected'))}<extra></extra>",
    )
    fig.add_scatter(
        x=x,
        y=_num(by_section["detection_rate"]),
        name=labels.get("detection_rate", "rate"),
        mode="markers",
        marker=dict(color=DETECTION_COLOUR, size=10),
        yaxis="y2",
        customdata=_group_marks(sections, FOUND, by_section["non_conforming"], by_section["inspections"]),
        hovertemplate=f"%{{y:.1%}} · {_counted(labels.get('non_conforming', 'non-conforming'))}<extra></extra>",
    )
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", tickformat=".0%", rangemode="tozero", showgrid=False))
    fig.update_xaxes(tickangle=-35)
    return _layout(fig, labels.get("title", ""), height=400)


def origin_chart(by_origin: pd.DataFrame, name_column: str, labels: Mapping[str, str], top: int = 15) -> go.Figure:
    """The top origins by declarations, stacked as inspected and not inspected (only the inspected
    part opens a list: the others have no inspection)."""
    df = by_origin.head(top).iloc[::-1]
    names = list(df[name_column])
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=list(df["inspected"]),
        orientation="h",
        name=labels.get("inspected", "inspected"),
        marker_color=INSPECTION_COLOUR,
        customdata=_group_marks(df["country"], DECLARED, df["inspected"], df["declarations"]),
        hovertemplate=f"%{{y}}: {_counted(labels.get('inspected', 'inspected'))}<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=list(df["declarations"] - df["inspected"]),
        orientation="h",
        name=labels.get("not_inspected", "not inspected"),
        marker_color=VOLUME_COLOUR,
    )
    fig.update_layout(barmode="stack")
    return _layout(fig, labels.get("title", ""), height=max(240, 26 * len(df) + 80))


def tier_target_chart(by_tier: pd.DataFrame, tier_labels: Mapping[str, str], labels: Mapping[str, str]) -> go.Figure:
    """Realised inspection rate per credit tier (bars) with the tier's target (a line marker)."""
    x = [tier_labels.get(t, t) for t in by_tier["tier"]]
    realised = _num(by_tier["realised_rate"])
    marks = _group_marks(by_tier["tier"], DECLARED, by_tier["inspected"], by_tier["declarations"])
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=realised,
        name=labels.get("realised", "realised"),
        marker_color=INSPECTION_COLOUR,
        text=["" if v is None else f"{v:.1%}" for v in realised],
        textposition="outside",
        customdata=marks,
        hovertemplate=f"%{{y:.1%}} · {_counted(labels.get('inspected', 'inspected'))}<extra></extra>",
    )
    fig.add_scatter(
        x=x,
        y=_num(by_tier["target_rate"]),
        name=labels.get("target", "target"),
        mode="markers",
        marker=dict(symbol="line-ew-open", size=40, line=dict(width=3, color=TARGET_COLOUR)),
        customdata=marks,
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, labels.get("title", ""))


def inspector_chart(by_inspector: pd.DataFrame, labels: Mapping[str, str], top: int = 20) -> go.Figure:
    """Workload per inspector (bars, busiest first), coloured by non-conformity rate; the hover
    gives the mean inspection duration."""
    df = by_inspector.head(top)
    fig = go.Figure()
    fig.add_bar(
        x=list(df["inspector"]),
        y=list(df["inspections"]),
        name=labels.get("inspections", "inspections"),
        marker=dict(
            color=[v or 0 for v in _num(df["detection_rate"])],
            colorscale="Reds",
            cmin=0,
            showscale=True,
            colorbar=dict(title=labels.get("detection_rate", ""), tickformat=".0%"),
        ),
        customdata=[
            [int(u), v or 0, d or 0]
            for u, v, d in zip(df["user_id"], _num(df["detection_rate"]), _num(df["mean_duration_min"]), strict=True)
        ],
        hovertemplate="%{x}: %{y} · %{customdata[1]:.0%} · %{customdata[2]:.0f} min<extra></extra>",
    )
    fig.update_xaxes(tickangle=-35)
    return _layout(fig, labels.get("title", ""))


def heatmap_chart(heat: pd.DataFrame, weekday_labels: list[str], labels: Mapping[str, str]) -> go.Figure:
    """Inspections by weekday (rows, Monday on top) and hour of start (columns)."""
    grid = heat.pivot(index="weekday", columns="hour", values="inspections").reindex(index=range(7), columns=range(24))
    fig = go.Figure(
        go.Heatmap(
            z=grid.fillna(0).to_numpy().tolist(),
            x=[f"{h:02d}" for h in range(24)],
            y=weekday_labels,
            colorscale="Blues",
            hovertemplate="%{y} %{x}h: %{z}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, labels.get("title", ""), height=320)
