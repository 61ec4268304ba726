"""The weekly review as an Excel workbook: one sheet per breakdown with the raw numbers (rates as
fractions formatted as percentages), headers in the chosen language.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portsight.documents.cells import neutralise_sheet
from portsight.documents.weekly_text import Progress, no_progress, section_label, tier_label
from portsight.i18n import t
from portsight.queries.statistics import WeekReview


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
    neutralise_sheet(ws)  # names and labels that start like a formula stay text


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


def render_excel(review: WeekReview, lang: str, progress: Progress = no_progress) -> bytes:
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
    tiers["tier"] = [tier_label(lang, x, review.week.sunday) for x in tiers["tier"]]
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
