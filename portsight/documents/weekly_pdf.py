"""The weekly review as an A4 PDF: KPI table, trend and breakdown charts, inspector table.

Port names are printed in English and Chinese whatever the language, so the report can travel;
title and week are given in the other language too.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table

from portsight.documents.pdf import paragraph_style, ruled_table, text_paragraph
from portsight.documents.weekly_charts import (
    BLUE,
    hbar_drawing,
    heat_drawing,
    rates_drawing,
    tier_drawing,
    volume_drawing,
)
from portsight.documents.weekly_text import (
    Progress,
    change_text,
    kpi_text,
    no_progress,
    port_names,
    section_label,
    week_text,
)
from portsight.domain.stats import KPIS
from portsight.i18n import LANGUAGES, fmt_duration_minutes, fmt_number, fmt_percent, t
from portsight.queries.statistics import WeekReview


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": paragraph_style("title", 18, 24),
        "subtitle": paragraph_style("subtitle", 11, 15, textColor=colors.grey),
        "h2": paragraph_style("h2", 13, 18, spaceBefore=8, spaceAfter=3),
        "body": paragraph_style("body", 8.5, 12),
        "small": paragraph_style("small", 7.5, 10, textColor=colors.grey),
        "cell": paragraph_style("cell", 7.5, 9.5),
    }


def _table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
    styles = _styles()
    data = [[text_paragraph(c, styles["cell"]) for c in row] for row in rows]
    return ruled_table(
        data, widths, header=colors.HexColor("#e3f2fd"), rule=colors.HexColor("#b0bec5"), valign="MIDDLE"
    )


def _section(story: list, lang: str, key: str, text_key: str) -> None:
    styles = _styles()
    story.append(text_paragraph(t(lang, key), styles["h2"]))
    story.append(text_paragraph(t(lang, text_key), styles["small"]))
    story.append(Spacer(1, 3))


def _col(lang: str, name: str) -> str:
    return t(lang, f"statistics.col_{name}")


def _nan(value):
    return None if value is None or pd.isna(value) else float(value)


def _other(lang: str) -> str:
    return next(x for x in LANGUAGES if x != lang)


def render_pdf(review: WeekReview, lang: str, progress: Progress = no_progress) -> bytes:
    styles = _styles()
    other = _other(lang)
    story: list = [
        text_paragraph(t(lang, "statistics.report_title"), styles["title"]),
        text_paragraph(t(other, "statistics.report_title"), styles["subtitle"]),
        text_paragraph(f"{week_text(lang, review.week)} · {week_text(other, review.week)}", styles["h2"]),
        text_paragraph(
            f"{t(lang, 'statistics.report_scope')} / {t(other, 'statistics.report_scope')}: "
            + "; ".join(port_names(review)),
            styles["body"],
        ),
        text_paragraph(
            t(
                lang,
                "statistics.report_generated",
                at=(review.generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M"),
            ),
            styles["small"],
        ),
        Spacer(1, 6),
        text_paragraph(t(lang, "statistics.report_definitions"), styles["small"]),
    ]
    # KPI table
    story.append(text_paragraph(t(lang, "statistics.kpis"), styles["h2"]))
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
        hbar_drawing([f"{a} {b}" for a, b in zip(bp["name_en"], bp["name_zh"], strict=True)], bp["declarations"])
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
    story.append(hbar_drawing([section_label(lang, s) for s in bs["section"]], bs["declarations"]))

    _section(story, lang, "statistics.by_origin", "statistics.by_origin_text")
    bo = review.by_origin.head(15)
    name = "name_zh" if lang == "zh_CN" else "name_en"
    story.append(hbar_drawing(list(bo[name]), bo["declarations"], colour=BLUE))

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
