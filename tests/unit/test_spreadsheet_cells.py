"""Every CSV and Excel export writes text that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) as
text: in CSV with a leading single quote, in .xlsx as a string cell (never a formula) with the quote
prefix. Numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook

from portsight.documents.cells import as_text_cell, frame_csv_bytes, frame_xlsx_bytes
from portsight.documents.published_list import published_list_csv
from portsight.documents.weekly_excel import render_excel
from portsight.exchange.exporter import EXPORT_COLUMNS, write_records
from portsight.exchange.report import REJECTED, ReportEntry, report_csv_bytes
from tests.unit.test_stats_report import review

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_text_in_csv(rows: list[list[str]], value: str) -> None:
    cells = [c for row in rows for c in row if value in c]
    assert cells, f"{value!r} not written"
    assert all(c.startswith("'") for c in cells), cells


def assert_text_in_xlsx(data: bytes, value: str) -> None:
    wb = load_workbook(io.BytesIO(data))
    same = (value, value.replace("\r", "\n"))  # XML reads a carriage return back as a line feed
    found = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value in same]
    assert found, f"{value!r} not written as itself"
    assert all(c.data_type == "s" for c in found), [c.data_type for c in found]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_that_starts_like_a_formula_gets_a_quote(value):
    assert as_text_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Shanghai", "", "1+1", "'=x", -2, -2.5, 0, None])
def test_other_text_and_numbers_are_kept(value):
    assert as_text_cell(value) == value


def test_the_inspections_export_as_csv_and_xlsx():
    df = pd.DataFrame(
        {
            "inspection_id": list(range(1, len(HOSTILE) + 1)),
            "enterprise": HOSTILE,
            "minutes": [-5.0] * len(HOSTILE),
            "created_at": pd.to_datetime(["2026-03-02T01:00:00Z"] * len(HOSTILE)),
        }
    )
    rows = csv_cells(frame_csv_bytes(df))
    xlsx = frame_xlsx_bytes(df, "inspections")
    for value in HOSTILE:
        assert_text_in_csv(rows, value)
        assert_text_in_xlsx(xlsx, value)
    assert rows[1][2] == "-5.0" and rows[1][3] == "2026-03-02T01:00:00+00:00"
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws.cell(2, 3).value == -5 and ws.cell(2, 3).data_type == "n", "a negative number stays a number"


def test_the_published_selection_list():
    df = pd.DataFrame(
        {
            "date": ["2026-03-02"] * len(HOSTILE),
            "port": ["CNSGH"] * len(HOSTILE),
            "enterprise": HOSTILE,
            "uscc": ["91310000MA1FL8X8X7"] * len(HOSTILE),
            "check": ["documents"] * len(HOSTILE),
            "result": ["conforming"] * len(HOSTILE),
        }
    )
    rows = csv_cells(published_list_csv(df, "en"))
    for value in HOSTILE:
        assert_text_in_csv(rows, value)


def test_the_weekly_workbook():
    week = review()
    names = week.by_inspector.copy()
    names["inspector"] = ['=HYPERLINK("http://x","y")']
    xlsx = render_excel(replace(week, by_inspector=names), "en")
    assert_text_in_xlsx(xlsx, '=HYPERLINK("http://x","y")')


def test_the_backbone_results_csv():
    records = [{c: None for c in EXPORT_COLUMNS} | {"cursor": i, "description": v} for i, v in enumerate(HOSTILE)]
    records[0]["minutes_to_decision"] = -3.5
    out = io.StringIO()
    write_records(records, "csv", out)
    rows = csv_cells(out.getvalue().encode())
    for value in HOSTILE:
        assert_text_in_csv(rows, value)
    assert rows[1][EXPORT_COLUMNS.index("minutes_to_decision")] == "-3.5"


def test_the_import_report():
    entries = [ReportEntry(i + 2, str(i + 2), v, REJECTED, v, f"{v}", 1) for i, v in enumerate(HOSTILE)]
    rows = csv_cells(report_csv_bytes(entries))
    for value in HOSTILE:
        assert_text_in_csv(rows, value)
