"""The weekly review as a PDF (charts drawn server-side) and as an Excel workbook.

- PDF: reportlab, charts drawn with reportlab.graphics (vector, offline: no browser, no
  kaleido), Chinese text with reportlab's built-in CID font STSong-Light (no font file needed;
  PDF readers supply the glyphs). Port names are printed in English and Chinese whatever the
  language, so the report can travel.
- Excel: openpyxl, one sheet per breakdown with raw numbers (rates as fractions formatted as
  percentages), headers in the chosen language.

export_week_report(db, actor, week, ...) checks the actor's scope, reads the review once, and
reports progress through a callback (fraction 0..1, message key) so a page can show a bar.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.stats import KPIS, IsoWeek
from portsight.i18n import LANGUAGES, fmt_date, fmt_duration_minutes, fmt_number, fmt_percent, t
from portsight.queries.statistics import WeekReview, week_review
from portsight.services.audit import record_audit
from portsight.services.errors import InvalidInput

FONT = "STSong-Light"
Progress = Callable[[float, str], None]

BLUE = colors.HexColor("#1565c0")
LIGHT_BLUE = colors.HexColor("#90caf9")
RED = colors.HexColor("#c62828")
AMBER = colors.HexColor("#ffb300")


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _noop(_fraction: float, _key: str) -> None:
    return None


def _other(lang: str) -> str:
    return next(x for x in LANGUAGES if x != lang)


# ---------------------------------------------------------------------------------------------
# Formatting shared by PDF and Excel


def kpi_text(lang: str, key: str, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if key.endswith("_rate"):
        return fmt_percent(lang, float(value))
    if key.endswith("_min"):
        return fmt_duration_minutes(lang, float(value))
    return fmt_number(lang, float(value))


def change_text(lang: str, kind: str, change) -> str:
    if change is None or (isinstance(change, float) and pd.isna(change)):
        return "—"
    if kind == "points":
        return t(lang, "statistics.points", value=f"{change * 100:+.1f}")
    return f"{change * 100:+.1f}%"


def port_names(review: WeekReview) -> list[str]:
    return [f"{p.name_en} {p.name_zh} ({p.code})" for p in review.ports]


def week_text(lang: str, week: IsoWeek) -> str:
    return t(
        lang,
        "statistics.week_label",
        week=str(week),
        start=fmt_date(lang, week.monday),
        end=fmt_date(lang, week.sunday),
    )


def section_label(lang: str, section: str) -> str:
    key = f"statistics.section_{section}"
    text = t(lang, key)
    return section if text == key else text


def tier_label(lang: str, tier: str) -> str:
    key = f"statistics.tier_{tier}"
    text = t(lang, key)
    return tier if text == key else text


# ---------------------------------------------------------------------------------------------
# Charts (reportlab.graphics)


def _values(series: Iterable) -> list[float]:
    return [0.0 if v is None or pd.isna(v) else float(v) for v in series]


def _legend(drawing: Drawing, x: float, y: float, items: list[tuple[colors.Color, str]]) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = _font()
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
    chart.categoryAxis.labels.fontName = _font()
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


def hbar_drawing(names: list[str], values: list[float], width: float = 170 * mm, colour=LIGHT_BLUE) -> Drawing:
    """Horizontal bars, first name on top."""
    row = 11
    height = max(40, row * len(names) + 30)
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 16, width - 170, height - 24
    chart.data = [list(reversed(values)) or [0]]
    chart.bars[0].fillColor = colour
    chart.categoryAxis.categoryNames = list(reversed(names)) or [""]
    chart.categoryAxis.labels.fontName = _font()
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
    chart.categoryAxis.categoryNames = [tier_label(lang, x) for x in df["tier"]] or [""]
    chart.categoryAxis.labels.fontName = _font()
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
        d.add(String(0, (6 - day) * cell_h + 17, t(lang, f"statistics.weekday_{day}"), fontName=_font(), fontSize=7))
    for hour in range(0, 24, 3):
        d.add(String(36 + hour * cell_w, 4, f"{hour:02d}", fontSize=6))
    return d


# ---------------------------------------------------------------------------------------------
# PDF


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=TA_LEFT),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=11, leading=15, textColor=colors.grey),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=8, spaceAfter=3),
        "body": ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12),
        "small": ParagraphStyle("small", fontName=font, fontSize=7.5, leading=10, textColor=colors.grey),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5),
    }


def _table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
    styles = _styles()
    data = [[Paragraph(str(c), styles["cell"]) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f2fd")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bec5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _section(story: list, lang: str, key: str, text_key: str) -> None:
    styles = _styles()
    story.append(Paragraph(t(lang, key), styles["h2"]))
    story.append(Paragraph(t(lang, text_key), styles["small"]))
    story.append(Spacer(1, 3))


def _col(lang: str, name: str) -> str:
    return t(lang, f"statistics.col_{name}")


def render_pdf(review: WeekReview, lang: str, progress: Progress = _noop) -> bytes:
    styles = _styles()
    other = _other(lang)
    story: list = [
        Paragraph(t(lang, "statistics.report_title"), styles["title"]),
        Paragraph(t(other, "statistics.report_title"), styles["subtitle"]),
        Paragraph(f"{week_text(lang, review.week)} · {week_text(other, review.week)}", styles["h2"]),
        Paragraph(
            f"{t(lang, 'statistics.report_scope')} / {t(other, 'statistics.report_scope')}: "
            + "; ".join(port_names(review)),
            styles["body"],
        ),
        Paragraph(
            t(
                lang,
                "statistics.report_generated",
                at=(review.generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M"),
            ),
            styles["small"],
        ),
        Spacer(1, 6),
        Paragraph(t(lang, "statistics.report_definitions"), styles["small"]),
    ]
    # KPI table
    story.append(Paragraph(t(lang, "statistics.kpis"), styles["h2"]))
    rows = [
        [
            _col(lang, "kpi"),
            _col(lang, "value"),
            _col(lang, "previous"),
            _col(lang, "change_wow"),
            _col(lang, "last_year"),
            _col(lang, "change_yoy"),
        ]
    ]
    kinds = {k: kind for k, kind, _ in KPIS}
    for r in review.kpis.itertuples():
        rows.append(
            [
                t(lang, f"statistics.kpi_{r.kpi}"),
                kpi_text(lang, r.kpi, r.value),
                kpi_text(lang, r.kpi, r.previous),
                change_text(lang, kinds[r.kpi], r.change_wow),
                kpi_text(lang, r.kpi, r.last_year),
                change_text(lang, kinds[r.kpi], r.change_yoy),
            ]
        )
    story.append(_table(rows, [48 * mm, 24 * mm, 24 * mm, 26 * mm, 24 * mm, 26 * mm]))
    progress(0.45, "statistics.step_charts")

    _section(story, lang, "statistics.trend_volume", "statistics.trend_volume_text")
    story.append(volume_drawing(review, lang))
    _section(story, lang, "statistics.trend_rates", "statistics.trend_rates_text")
    story.append(rates_drawing(review, lang))
    story.append(PageBreak())

    _section(story, lang, "statistics.by_port", "statistics.by_port_text")
    bp = review.by_port
    story.append(
        hbar_drawing(
            [f"{a} {b}" for a, b in zip(bp["name_en"], bp["name_zh"], strict=True)], _values(bp["declarations"])
        )
    )
    rows = [
        [
            _col(lang, "port_code"),
            _col(lang, "name_en"),
            _col(lang, "name_zh"),
            _col(lang, "declarations"),
            _col(lang, "inspection_rate"),
            _col(lang, "inspections"),
            _col(lang, "detection_rate"),
            _col(lang, "held"),
        ]
    ]
    for r in bp.itertuples():
        rows.append(
            [
                r.port,
                r.name_en,
                r.name_zh,
                fmt_number(lang, r.declarations),
                fmt_percent(lang, _nan(r.inspection_rate)),
                fmt_number(lang, r.inspections),
                fmt_percent(lang, _nan(r.detection_rate)),
                fmt_number(lang, r.held),
            ]
        )
    story.append(_table(rows))

    _section(story, lang, "statistics.by_tier", "statistics.by_tier_text")
    story.append(tier_drawing(review, lang))

    _section(story, lang, "statistics.by_hs", "statistics.by_hs_text")
    bs = review.by_section
    story.append(hbar_drawing([section_label(lang, s) for s in bs["section"]], _values(bs["declarations"])))

    _section(story, lang, "statistics.by_origin", "statistics.by_origin_text")
    bo = review.by_origin.head(15)
    name = "name_zh" if lang == "zh_CN" else "name_en"
    story.append(hbar_drawing(list(bo[name]), _values(bo["declarations"]), colour=BLUE))

    _section(story, lang, "statistics.by_inspector", "statistics.by_inspector_text")
    rows = [
        [
            _col(lang, "inspector"),
            _col(lang, "inspections"),
            _col(lang, "detection_rate"),
            _col(lang, "mean_duration_min"),
        ]
    ]
    for r in review.by_inspector.head(25).itertuples():
        rows.append(
            [
                r.inspector,
                fmt_number(lang, r.inspections),
                fmt_percent(lang, _nan(r.detection_rate)),
                fmt_duration_minutes(lang, _nan(r.mean_duration_min)),
            ]
        )
    story.append(_table(rows))

    _section(story, lang, "statistics.heatmap", "statistics.heatmap_text")
    story.append(heat_drawing(review, lang))
    progress(0.7, "statistics.step_pdf")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{t(lang, 'statistics.report_title')} {review.week}",
        author="PortSight",
    )
    doc.build(story)
    return buf.getvalue()


def _nan(value):
    return None if value is None or pd.isna(value) else float(value)


# ---------------------------------------------------------------------------------------------
# Excel


def _sheet(wb: Workbook, title: str, df: pd.DataFrame, lang: str, percent: Iterable[str] = ()) -> None:
    ws = wb.create_sheet(title[:31])
    columns = list(df.columns)
    ws.append([_header(lang, c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    percent = set(percent)
    for i, c in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, min(40, len(str(ws.cell(1, i).value)) + 4))
        if c in percent or c.endswith("_rate"):
            for cell in ws[letter][1:]:
                cell.number_format = "0.0%"
    ws.freeze_panes = "A2"


def _header(lang: str, column: str) -> str:
    key = f"statistics.col_{column}"
    text = t(lang, key)
    return column if text == key else text


def _cell(value):
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def render_excel(review: WeekReview, lang: str, progress: Progress = _noop) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    kpis = review.kpis.copy()
    kpis["kpi"] = [t(lang, f"statistics.kpi_{k}") for k in kpis["kpi"]]
    kpis = kpis[["kpi", "value", "previous", "last_year", "change_wow", "change_yoy"]]
    _sheet(wb, t(lang, "statistics.sheet_kpis"), kpis, lang)
    _sheet(wb, t(lang, "statistics.sheet_trend"), review.trend.drop(columns=["week_start"]), lang)
    _sheet(wb, t(lang, "statistics.sheet_ports"), review.by_port.rename(columns={"port": "port_code"}), lang)
    sections = review.by_section.copy()
    sections["description"] = [section_label(lang, s) for s in sections["section"]]
    _sheet(wb, t(lang, "statistics.sheet_sections"), sections, lang)
    _sheet(wb, t(lang, "statistics.sheet_chapters"), review.by_chapter, lang)
    _sheet(wb, t(lang, "statistics.sheet_origins"), review.by_origin, lang)
    tiers = review.by_tier.copy()
    tiers["tier"] = [tier_label(lang, x) for x in tiers["tier"]]
    _sheet(wb, t(lang, "statistics.sheet_tiers"), tiers, lang, percent=("gap",))
    _sheet(wb, t(lang, "statistics.sheet_inspectors"), review.by_inspector.drop(columns=["user_id"]), lang)
    heat = review.heat.pivot(index="weekday", columns="hour", values="inspections").reset_index()
    heat["weekday"] = [t(lang, f"statistics.weekday_{d}") for d in heat["weekday"]]
    heat.columns = [str(c) for c in heat.columns]
    _sheet(wb, t(lang, "statistics.sheet_heatmap"), heat, lang)
    progress(0.95, "statistics.step_excel")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# The use case


@dataclass(frozen=True)
class WeekReport:
    week: IsoWeek
    pdf: bytes
    xlsx: bytes
    pdf_name: str
    xlsx_name: str


def export_week_report(
    db: Database,
    actor: Actor,
    week: IsoWeek | str,
    *,
    port_id: int | None = None,
    lang: str = "zh_CN",
    progress: Progress | None = None,
    now: datetime | None = None,
) -> WeekReport:
    """The week's review as PDF and Excel for the actor's scope (or one port of it); audited."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    if port_id is not None:
        require_port(actor, port_id)
    try:
        week = week if isinstance(week, IsoWeek) else IsoWeek.parse(week)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    lang = lang if lang in LANGUAGES else "zh_CN"
    progress = progress or _noop
    progress(0.05, "statistics.step_data")
    review = week_review(db, actor.scope(None if port_id is None else [port_id]), week)
    review.generated_at = now or datetime.now(UTC)
    pdf = render_pdf(review, lang, progress)
    progress(0.8, "statistics.step_excel")
    xlsx = render_excel(review, lang, progress)
    scope = "all" if port_id is None else str(port_id)
    with unit_of_work(db) as session:
        record_audit(
            session,
            actor,
            "export",
            "statistics_report",
            f"{week}:{scope}",
            after={"week": str(week), "port_id": port_id, "lang": lang},
            port_id=port_id,
        )
    progress(1.0, "statistics.ready")
    stem = f"portsight-week-{week}-{scope}"
    return WeekReport(week, pdf, xlsx, f"{stem}.pdf", f"{stem}.xlsx")
