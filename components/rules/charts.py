"""Pure Plotly builders for the rules page: DataFrame (+ labels) -> Figure. No Streamlit here."""

from __future__ import annotations

from datetime import date, timedelta

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


FAMILY_COLOURS = ("#1f77b4", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457", "#455a64")


def calendar_chart(
    df: pd.DataFrame,
    today: date,
    family_labels: dict[str, str] | None = None,
    title: str = "",
    today_label: str = "today",
) -> go.Figure:
    """The law's calendar as bars: each dated rule from its start to its end, one colour per family.

    df has columns rule, family, start, end (components.rules.data.calendar_periods gives it); a
    missing start draws from before the earliest date shown ("since always"), a missing end to
    after today and the latest date ("until further notice"). Rules are drawn oldest start on top.
    """
    labels = family_labels or {}
    known = [d for d in [*df["start"], *df["end"]] if isinstance(d, date)]
    floor = (min(known) if known else today) - timedelta(days=730)
    horizon = max([today, *known]) + timedelta(days=730)
    rows = df.assign(
        start=[d if isinstance(d, date) else floor for d in df["start"]],
        end=[(d + timedelta(days=1)) if isinstance(d, date) else horizon for d in df["end"]],
    ).sort_values(["start", "rule"], ascending=[False, False])
    fig = go.Figure()
    for i, family in enumerate(sorted(set(rows["family"]))):
        part = rows[rows["family"] == family]
        fig.add_bar(
            y=list(part["rule"]),
            base=[d.isoformat() for d in part["start"]],
            x=[(e - s).days * 86_400_000 for s, e in zip(part["start"], part["end"], strict=True)],
            orientation="h",
            name=labels.get(family, family),
            marker_color=FAMILY_COLOURS[i % len(FAMILY_COLOURS)],
            customdata=[
                [s.isoformat(), (e - timedelta(days=1)).isoformat()]
                for s, e in zip(part["start"], part["end"], strict=True)
            ],
            hovertemplate="%{y}: %{customdata[0]} – %{customdata[1]}<extra>" + labels.get(family, family) + "</extra>",
        )
    fig.add_vline(x=today.isoformat(), line_dash="dot", line_color="#555")
    fig.add_annotation(x=today.isoformat(), y=1, yref="paper", text=today_label, showarrow=False, yanchor="bottom")
    fig.update_layout(
        barmode="overlay",
        title=title or None,
        height=max(260, 22 * len(rows) + 80),
        margin=dict(l=10, r=10, t=40 if title else 24, b=10),
        legend=dict(orientation="h"),
        xaxis=dict(type="date"),
        yaxis=dict(type="category", automargin=True, categoryorder="array", categoryarray=list(rows["rule"])),
    )
    return fig
