"""Hostile declaration files for the import tests (never part of the product): a 2 KB .xlsx whose
rows jump to row 1,048,576 and column XFD, damaged .xlsx files, a field of N characters, JSON lines.
Used by tests/integration/test_exchange_hostile.py and tests/unit/test_exchange_reading_limits.py."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable

from portsight.exchange.synthetic import rows_to_csv, rows_to_xlsx


def _edit_sheet(xlsx: bytes, edit: Callable[[str], str], part: str = "xl/worksheets/sheet1.xml") -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()


def gap_xlsx(rows: list[dict]) -> bytes:
    """Real declarations, then one cell at XFD1048576, and a dimension that declares the whole sheet."""

    def jump(xml: str) -> str:
        far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        xml = xml.replace("</sheetData>", far + "</sheetData>")
        if "<dimension" in xml:
            return re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)
        return xml.replace("<sheetData", '<dimension ref="A1:XFD1048576"/><sheetData', 1)

    return _edit_sheet(rows_to_xlsx(rows), jump)


def broken_xml_xlsx(rows: list[dict]) -> bytes:
    """A well-formed zip whose sheet XML stops in the middle of a row."""
    return _edit_sheet(rows_to_xlsx(rows), lambda xml: xml[: len(xml) // 2])


def broken_workbook_xlsx(rows: list[dict]) -> bytes:
    """A well-formed zip whose workbook part is not XML."""
    return _edit_sheet(rows_to_xlsx(rows), lambda xml: "<workbook><sheets>", part="xl/workbook.xml")


def truncated_xlsx(rows: list[dict]) -> bytes:
    data = rows_to_xlsx(rows)
    return data[: len(data) * 2 // 3]


def long_field_csv(rows: list[dict], row_index: int, chars: int) -> bytes:
    rows = [dict(r) for r in rows]
    rows[row_index]["description"] = "x" * chars
    return rows_to_csv(rows)


def json_lines(rows: list[dict]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in rows]
