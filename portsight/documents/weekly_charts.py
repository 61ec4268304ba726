"""The weekly report's charts as reportlab drawings: vector, drawn offline (no browser, no kaleido).

Each function takes the review and returns a Drawing that a PDF story can hold like a paragraph.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from portsight.documents.pdf import cjk_font
from portsight.documents.weekly_text import tier_label
from portsight.i18n import t
from portsight.queries.statistics import WeekReview

BLUE = colors.HexColor("#1565c0")
LIGHT_BLUE = colors.HexColor("#90caf9")
RED = colors.HexColor("#c62828")
AMBER = colors.HexColor("#ffb300")


def _values(series: Iterable) -> list[float]:
    return [0.0 if v is None or pd.isna(v) else float(v) for v in series]


def _legend(drawing: Drawing, x: float, y: float, items: list[tuple[colors.Color, str]]) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = cjk_font()
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 6
    legend.colorNamePairs = items
    drawing.add(legend)


def volume_drawing(review: WeekReview, lang: str, width: float = 170 * mm, height: float = 62 * mm) -> Drawing:
    """Declarations (light bars) and inspections (dark bars) per week of the trend."""
    trend = review.trend
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, width - 40, height - 48
    chart.data = [_values(trend["declarations"]), _values(trend["inspections"])]
    chart.bars[0].fillColor = LIGHT_BLUE
    chart.bars[1].fillColor = BLUE
    highlight = len(trend) - 1
    if highlight >= 0:
        chart.bars[(0, highlight)].fillColor = AMBER
    chart.categoryAxis.categoryNames = [w[-3:] for w in trend["week"]]
    chart.categoryAxis.labels.fontName = cjk_font()
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.groupSpacing = 3
    d.add(chart)
    _legend(
        d,
        width - 10,
        height - 6,
        [(LIGHT_BLUE, t(lang, "statistics.kpi_declarations")), (BLUE, t(lang, "statistics.kpi_inspections"))],
    )
    return d


def rates_drawing(review: WeekReview, lang: str, width: float = 170 * mm, height: float = 55 * mm) -> Drawing:
    trend = review.trend
    d = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 24, width - 40, height - 42
    chart.data = [
        [v * 100 for v in _values(trend["inspection_rate"])],
        [v * 100 for v in _values(trend["detection_rate"])],
    ]
    chart.lines[0].strokeColor = BLUE
    chart.lines[1].strokeColor = RED
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.5
    chart.categoryAxis.categoryNames = [w[-3:] for w in trend["week"]]
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "%d%%"
    d.add(chart)
    _legend(
        d,
        width - 10,
        height - 6,
        [(BLUE, t(lang, "statistics.kpi_inspection_rate")), (RED, t(lang, "statistics.kpi_detection_rate"))],
    )
    return d


def hbar_drawing(names: list[str], values: Iterable, width: float = 170 * mm, colour=LIGHT_BLUE) -> Drawing:
    """Horizontal bars, first name on top; a missing value is drawn as 0."""
    row = 11
    height = max(40, row * len(names) + 30)
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 16, width - 170, height - 24
    chart.data = [list(reversed(_values(values))) or [0]]
    chart.bars[0].fillColor = colour
    chart.categoryAxis.categoryNames = list(reversed(names)) or [""]
    chart.categoryAxis.labels.fontName = cjk_font()
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    d.add(chart)
    return d


def tier_drawing(review: WeekReview, lang: str, width: float = 170 * mm, height: float = 55 * mm) -> Drawing:
    df = review.by_tier
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, width - 40, height - 38
    chart.data = [
        [v * 100 for v in _values(df["realised_rate"])] or [0],
        [v * 100 for v in _values(df["target_rate"])] or [0],
    ]
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = RED
    chart.categoryAxis.categoryNames = [tier_label(lang, x, review.week.sunday) for x in df["tier"]] or [""]
    chart.categoryAxis.labels.fontName = cjk_font()
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "%d%%"
    d.add(chart)
    _legend(d, width - 10, height - 6, [(BLUE, t(lang, "statistics.realised")), (RED, t(lang, "statistics.target"))])
    return d


def heat_drawing(review: WeekReview, lang: str, width: float = 170 * mm) -> Drawing:
    """7 x 24 grid of inspection starts, darker = more."""
    cell_w = (width - 40) / 24
    cell_h = 12
    d = Drawing(width, 7 * cell_h + 24)
    grid = {(int(r.weekday), int(r.hour)): int(r.inspections) for r in review.heat.itertuples()}
    top = max(grid.values() or [0]) or 1
    for (day, hour), n in grid.items():
        shade = n / top
        fill = colors.Color(1 - 0.9 * shade, 1 - 0.6 * shade, 1 - 0.2 * shade)
        y = (6 - day) * cell_h + 14
        d.add(Rect(36 + hour * cell_w, y, cell_w, cell_h, fillColor=fill, strokeColor=colors.white, strokeWidth=0.3))
    for day in range(7):
        d.add(String(0, (6 - day) * cell_h + 17, t(lang, f"statistics.weekday_{day}"), fontName=cjk_font(), fontSize=7))
    for hour in range(0, 24, 3):
        d.add(String(36 + hour * cell_w, 4, f"{hour:02d}", fontSize=6))
    return d
