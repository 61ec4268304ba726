"""The weekly report renders a hand-made review: PDF text (both languages) and one Excel sheet per breakdown."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from portsight.documents.weekly_excel import render_excel
from portsight.documents.weekly_pdf import render_pdf
from portsight.documents.weekly_text import change_text, kpi_text
from portsight.domain.stats import KPIS, IsoWeek
from portsight.queries.statistics import PortInfo, WeekReview

WEEK = IsoWeek(2026, 10)


def review() -> WeekReview:
    kpis = pd.DataFrame(
        [
            {
                "kpi": k,
                "kind": kind,
                "good_when_up": g,
                "value": 0.25 if k.endswith("rate") else 120,
                "previous": 0.2 if k.endswith("rate") else 100,
                "last_year": None,
                "change_wow": 0.05 if kind == "points" else 0.2,
                "change_yoy": None,
            }
            for k, kind, g in KPIS
        ]
    )
    trend = pd.DataFrame(
        {
            "week": [str(WEEK.shift(-i)) for i in (2, 1, 0)],
            "week_start": [WEEK.shift(-i).monday for i in (2, 1, 0)],
            "declarations": [90, 100, 120],
            "inspected": [9, 10, 30],
            "inspections": [8, 10, 28],
            "non_conforming": [1, 2, 7],
            "released": [7, 8, 20],
            "held": [0, 1, 2],
            "inspection_rate": [0.1, 0.1, 0.25],
            "detection_rate": [0.125, 0.2, 0.25],
            "release_mean_min": [300.0, 280.0, 260.0],
            "inspection_mean_min": [50.0, 55.0, 60.0],
        }
    )
    by_port = pd.DataFrame(
        {
            "port": ["CNSGH", "CNNBO"],
            "name_en": ["Shanghai", "Ningbo"],
            "name_zh": ["上海", "宁波"],
            "declarations": [80, 40],
            "inspected": [20, 10],
            "inspections": [18, 10],
            "non_conforming": [5, 2],
            "released": [15, 5],
            "held": [1, 1],
            "release_minutes_sum": [3900.0, 1300.0],
            "inspection_minutes_sum": [900.0, 500.0],
            "inspection_rate": [0.25, 0.25],
            "detection_rate": [0.28, 0.2],
            "release_mean_min": [260.0, 260.0],
        }
    )
    base = {
        "declarations": [120],
        "inspected": [30],
        "inspection_rate": [0.25],
        "inspections": [28],
        "non_conforming": [7],
        "detection_rate": [0.25],
        "released": [20],
        "held": [2],
        "release_mean_min": [260.0],
    }
    by_section = pd.DataFrame({"section": ["XVI"], "description": ["Machinery"], **base})
    by_chapter = pd.DataFrame({"chapter": ["84"], "section": ["XVI"], "description": ["Machinery"], **base})
    by_origin = pd.DataFrame(
        {
            "country": ["DE"],
            "name_en": ["Germany"],
            "name_zh": ["德国"],
            "declarations": [120],
            "inspected": [30],
            "inspection_rate": [0.25],
            "inspections": [28],
            "non_conforming": [7],
            "detection_rate": [0.25],
        }
    )
    by_tier = pd.DataFrame(
        {
            "tier": ["general", "dishonest"],
            "declarations": [110, 10],
            "inspected": [22, 8],
            "realised_rate": [0.2, 0.8],
            "target_rate": [0.05, 0.8],
            "gap": [0.15, 0.0],
            "inspections": [20, 8],
            "non_conforming": [4, 3],
            "detection_rate": [0.2, 0.375],
        }
    )
    by_inspector = pd.DataFrame(
        {
            "user_id": [1],
            "inspector": ["王伟"],
            "inspections": [28],
            "as_lead": [28],
            "non_conforming": [7],
            "detection_rate": [0.25],
            "mean_duration_min": [60.0],
        }
    )
    heat = pd.DataFrame([{"weekday": d, "hour": h, "inspections": (d + h) % 3} for d in range(7) for h in range(24)])
    ports = [
        PortInfo(1, "CNSGH", "Shanghai", "上海", "Asia/Shanghai"),
        PortInfo(2, "CNNBO", "Ningbo", "宁波", "Asia/Shanghai"),
    ]
    return WeekReview(WEEK, ports, kpis, trend, by_port, by_chapter, by_section, by_origin, by_tier, by_inspector, heat)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_pdf_names_the_week_and_the_ports_in_both_languages(lang):
    steps = []
    pdf = render_pdf(review(), lang, lambda f, k: steps.append(k))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026-W10" in text
    for name in ("Shanghai", "上海", "Ningbo", "宁波"):
        assert name in text
    assert "每周分析报告" in text and "weekly review" in text
    assert "查验率" in text if lang == "zh_CN" else "Inspection rate" in text
    assert steps == ["statistics.step_charts", "statistics.step_pdf"]


def test_excel_has_one_sheet_per_breakdown_with_raw_numbers():
    data = render_excel(review(), "en")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "Key figures",
        "Trend",
        "Ports",
        "HS sections",
        "HS chapters",
        "Origins",
        "Credit tiers",
        "Inspectors",
        "Start hours",
    ]
    ports = wb["Ports"]
    header = [c.value for c in ports[1]]
    assert header[:4] == ["Port code", "Name (English)", "Name (Chinese)", "Declarations"]
    assert [c.value for c in ports[2]][:4] == ["CNSGH", "Shanghai", "上海", 80]
    rate_col = header.index("Inspection rate") + 1
    assert ports.cell(2, rate_col).value == pytest.approx(0.25)
    assert ports.cell(2, rate_col).number_format == "0.0%"
    assert wb["Start hours"].max_row == 8  # header + 7 weekdays
    assert (
        wb["Credit tiers"]["A2"].value == "Under routine measures"
    )  # the tier's name under Order No. 251 in March 2026


def test_chinese_excel_translates_headers_and_tiers():
    wb = load_workbook(io.BytesIO(render_excel(review(), "zh_CN")))
    assert wb.sheetnames[0] == "关键指标"
    assert wb["信用等级"]["A3"].value == "失信企业"


def test_changes_are_written_as_percent_or_points():
    assert change_text("en", "relative", 0.2) == "+20.0%"
    assert change_text("en", "points", 0.05) == "+5.0 pts"
    assert change_text("zh_CN", "points", -0.01) == "-1.0个百分点"
    assert change_text("en", "relative", None) == "—"
    assert kpi_text("en", "release_median_min", 75.0) == "1 h 15 min"
