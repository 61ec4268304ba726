"""Spreadsheet cells that open as what they are: the one place every CSV and Excel export goes through.

A spreadsheet program reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one of them) as a formula: an enterprise named `=HYPERLINK("http://x","y")` would
become a live link, `=WEBSERVICE(...)` a request, in the reader's spreadsheet (CSV injection,
OWASP). So text cells that start so are neutralised (OWASP's advice):

- CSV: the text is written with a single quote in front (`'=HYPERLINK(...)`), which spreadsheet
  programs show as text;
- .xlsx: the text is written as a string cell (never a formula) with the "quote prefix" style, so
  it stays text even when someone edits the cell; the value itself is unchanged.

Numbers stay numbers (a negative amount is not text and is not touched); only text is neutralised.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(value: Any) -> bool:
    """True for text that a spreadsheet program would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text_cell(value: Any) -> Any:
    """A value for a CSV cell: text that would be read as a formula gets a leading single quote."""
    if starts_like_formula(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for csv.writer with every text cell neutralised."""
    return [as_text_cell(v) for v in values]


def set_xlsx_value(cell: Any, value: Any) -> None:
    """Put a value in an openpyxl cell: text that would be read as a formula becomes a string cell."""
    cell.value = value
    if starts_like_formula(value):
        cell.data_type = "s"  # openpyxl makes any text starting with '=' a formula; this keeps it text
        cell.quotePrefix = True


def neutralise_sheet(ws: Any) -> None:
    """Neutralise every text cell already written to an openpyxl worksheet (after ws.append)."""
    for row in ws.iter_rows():
        for cell in row:
            if starts_like_formula(cell.value):
                set_xlsx_value(cell, cell.value)


def _plain(value: Any) -> Any:
    """A DataFrame value as a spreadsheet cell: times as ISO text, missing values empty."""
    if value is None or type(value).__name__ in ("NaTType", "NAType"):  # NaT is a datetime too
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def frame_csv_bytes(df: Any) -> bytes:
    """A DataFrame as CSV, UTF-8 with a byte-order mark (so spreadsheet programs read Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(str(c) for c in df.columns))
    for row in df.itertuples(index=False, name=None):
        writer.writerow(csv_row("" if (v := _plain(x)) is None else v for x in row))
    return out.getvalue().encode("utf-8-sig")


def frame_xlsx_bytes(df: Any, sheet: str = "Sheet1") -> bytes:
    """A DataFrame as an .xlsx workbook of one sheet, header in bold."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    bold = Font(bold=True)

    def cell(value: Any, font: Font | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(ws)
        set_xlsx_value(c, value)
        if font is not None:
            c.font = font
        return c

    ws.append([cell(str(c), bold) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([cell(_plain(v)) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = [
    "FORMULA_STARTS",
    "as_text_cell",
    "csv_row",
    "frame_csv_bytes",
    "frame_xlsx_bytes",
    "neutralise_sheet",
    "set_xlsx_value",
    "starts_like_formula",
]
