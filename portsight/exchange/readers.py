"""Readers for CSV, Excel (.xlsx) and JSON: bytes in, declaration records (not yet validated) out.

A file that cannot be read at all raises UnreadableFile (the CLI's exit code 2). Everything that
is wrong inside a readable file becomes an Issue on the record it belongs to, so the report can
name the row and the column.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from portsight.errors import InvalidInput
from portsight.exchange.schema import (
    CONTAINER_KEYS,
    DECLARATION_FIELDS,
    GOODS_FIELDS,
    NESTED_KEYS,
    REQUIRED,
    canonical_header,
)

FORMATS = ("csv", "xlsx", "json")


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read: wrong kind, broken encoding, no header, required columns missing."""


class Issue(NamedTuple):
    row: int
    column: str
    reason: str


class Cell(NamedTuple):  # a tuple: a 100k-row file makes millions of these
    value: Any
    row: int
    column: str  # the header or key as written in the file (with a path prefix for nested JSON)


@dataclass
class RawRecord:
    """One declaration as read: its own fields, its goods lines and its containers, each cell located."""

    first_row: int
    fields: dict[str, Cell] = field(default_factory=dict)
    goods: list[dict[str, Cell]] = field(default_factory=list)
    goods_rows: list[int] = field(default_factory=list)
    containers: list[Cell] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    @property
    def key(self) -> str | None:
        cell = self.fields.get("declaration_id")
        text = _text(cell.value) if cell else ""
        return text or None


@dataclass
class ParsedFile:
    format: str
    records: list[RawRecord]
    unknown_headers: list[str]
    row_count: int  # data rows (tabular) or top-level records (JSON)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def detect_format(name: str, data: bytes) -> str:
    lower = name.lower()
    for ext, fmt in ((".csv", "csv"), (".txt", "csv"), (".xlsx", "xlsx"), (".json", "json"), (".jsonl", "json")):
        if lower.endswith(ext):
            return fmt
    if data[:2] == b"PK":
        return "xlsx"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def read_file(name: str, data: bytes) -> ParsedFile:
    """Read a declarations file of any supported kind (chosen by extension, else by content)."""
    fmt = detect_format(name, data)
    if fmt == "xlsx":
        return _tabular("xlsx", _xlsx_rows(data))
    if fmt == "json":
        return _json(data)
    return _tabular("csv", _csv_rows(data))


# --- tabular -------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableFile("The file contains NUL bytes: it is not a text CSV file. Save it as CSV (UTF-8).")
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 covers files saved by Chinese Excel as 'CSV'
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file is neither UTF-8 nor GB18030 text. Save it as CSV (UTF-8).")


def _csv_rows(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(i + 1, row) for i, row in enumerate(reader)]
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV file is malformed: {exc}. Check the quotes around values.") from exc
    return rows


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError) as exc:
        raise UnreadableFile(f"The Excel file cannot be opened ({exc.__class__.__name__}). Save it as .xlsx.") from exc
    try:
        names = wb.sheetnames
        if not names:
            raise UnreadableFile("The Excel file has no sheet.")
        preferred = [n for n in names if n.lower() in {"declarations", "报关单", "报检单"}]
        ws = wb[preferred[0] if preferred else names[0]]
        return [(i + 1, list(row)) for i, row in enumerate(ws.iter_rows(values_only=True))]
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise UnreadableFile(f"The Excel sheet cannot be read ({exc.__class__.__name__}: {exc}).") from exc
    finally:
        wb.close()


def _header_map(header: list[Any]) -> tuple[dict[int, tuple[str, str]], list[str]]:
    mapping: dict[int, tuple[str, str]] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for i, h in enumerate(header):
        if _is_blank(h):
            continue
        label = _text(h)
        name = canonical_header(label)
        if name is None:
            unknown.append(label)
            continue
        if name in seen:
            raise UnreadableFile(f"The columns '{seen[name]}' and '{label}' both mean '{name}'. Keep one of them.")
        seen[name] = label
        mapping[i] = (name, label)
    missing = [r for r in REQUIRED if r not in seen]
    if missing:
        found = ", ".join(_text(h) for h in header if not _is_blank(h)) or "none"
        raise UnreadableFile(
            f"Required columns missing: {', '.join(missing)} (headers found: {found}). "
            "See docs/exchange-format.md for the column names in English or Chinese."
        )
    return mapping, unknown


def _tabular(fmt: str, rows: Iterable[tuple[int, list[Any]]]) -> ParsedFile:
    it = iter(rows)
    header: list[Any] | None = None
    for _n, row in it:
        if any(not _is_blank(v) for v in row):
            header = row
            break
    if header is None:
        raise UnreadableFile("The file is empty: no header row was found.")
    mapping, unknown = _header_map(header)
    flat: list[tuple[int, dict[str, Cell]]] = []
    columns = list(mapping.items())
    for number, row in it:
        width = len(row)
        cells = {}
        filled = False
        for i, (name, label) in columns:
            value = row[i] if i < width else None
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None:
                filled = True
            cells[name] = Cell(value, number, label)
        if filled:
            flat.append((number, cells))
    return ParsedFile(fmt, group_rows(flat), unknown, len(flat))


def group_rows(flat: list[tuple[int, dict[str, Cell]]]) -> list[RawRecord]:
    """Rows of the same declaration_id become one record, in order of first appearance."""
    records: list[RawRecord] = []
    by_key: dict[str, RawRecord] = {}
    for number, cells in flat:
        key_cell = cells.get("declaration_id")
        key = _text(key_cell.value) if key_cell is not None else ""
        record = by_key.get(key) if key else None
        if record is None:
            record = RawRecord(first_row=number)
            records.append(record)
            if key:
                by_key[key] = record
            record.fields = {n: cells[n] for n in DECLARATION_FIELDS if n in cells}
        else:
            for name in DECLARATION_FIELDS:
                new, old = cells.get(name), record.fields.get(name)
                new_v = None if new is None else new.value
                old_v = None if old is None else old.value
                if new is None or new_v is None or _text(new_v) == _text(old_v):
                    continue
                if old is None or old_v is None:
                    record.fields[name] = new
                    continue
                record.issues.append(
                    Issue(
                        number,
                        new.column,
                        f"'{_text(new_v)}' differs from '{_text(old_v)}' on row {old.row} of the same "
                        "declaration; every row of a declaration must carry the same declaration fields.",
                    )
                )
        record.rows.append(number)
        record.goods.append({n: cells[n] for n in GOODS_FIELDS if n in cells})
        record.goods_rows.append(number)
        box = cells.get("containers")
        if box is not None and box.value is not None:
            record.containers.append(box)
    return records


# --- JSON ----------------------------------------------------------------------------------------


def _json(data: bytes) -> ParsedFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("The JSON file is not UTF-8 text.") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = _json_lines(text)
    except RecursionError as exc:
        raise UnreadableFile("The JSON file is nested too deeply.") from exc
    if isinstance(doc, dict):
        items = next((doc[k] for k in ("declarations", "报关单", "rows") if k in doc), None)
        if items is None:
            raise UnreadableFile("The JSON object has no 'declarations' list. See docs/exchange-format.md.")
    else:
        items = doc
    if not isinstance(items, list):
        raise UnreadableFile("'declarations' must be a list of declarations.")
    flat: list[tuple[int, dict[str, Cell]]] = []
    nested: list[RawRecord] = []
    unknown: set[str] = set()
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            record = RawRecord(first_row=index, rows=[index])
            record.issues.append(Issue(index, "", f"record {index} is {type(item).__name__}, not an object"))
            nested.append(record)
            continue
        goods_key = next((k for k in item if NESTED_KEYS.get(str(k).strip()) == "goods"), None)
        if goods_key is not None:
            nested.append(_nested_record(index, item, goods_key, unknown))
        else:
            cells: dict[str, Cell] = {}
            for k, v in item.items():
                name = canonical_header(k)
                if name is None:
                    unknown.add(str(k))
                    continue
                cells[name] = Cell(None if _is_blank(v) else v, index, str(k))
            flat.append((index, cells))
    records = group_rows(flat) + nested
    records.sort(key=lambda r: r.first_row)
    return ParsedFile("json", records, sorted(unknown), len(items))


def _json_lines(text: str) -> list:
    items = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise UnreadableFile(f"The file is neither JSON nor JSON lines (line {n}: {exc}).") from exc
    if not items:
        raise UnreadableFile("The JSON file is empty.")
    return items


def _nested_record(index: int, item: dict, goods_key: str, unknown: set[str]) -> RawRecord:
    record = RawRecord(first_row=index, rows=[index])
    containers_raw = None
    containers_key = "containers"
    for k, v in item.items():
        key = str(k)
        if key == goods_key:
            continue
        name = canonical_header(key)
        if name == "containers":
            containers_raw, containers_key = v, key
            continue
        if name is None or name in GOODS_FIELDS:
            if name is None:
                unknown.add(key)
            else:
                record.issues.append(Issue(index, key, f"'{key}' belongs in each goods line, not on the declaration"))
            continue
        record.fields[name] = Cell(None if _is_blank(v) else v, index, key)
    goods = item[goods_key]
    if not isinstance(goods, list):
        record.issues.append(Issue(index, goods_key, "must be a list of goods lines"))
        goods = []
    if not goods:
        record.issues.append(Issue(index, goods_key, "a declaration needs at least one goods line"))
    for g_index, line in enumerate(goods, start=1):
        prefix = f"{goods_key}[{g_index}]"
        if not isinstance(line, dict):
            record.issues.append(Issue(index, prefix, "a goods line must be an object"))
            continue
        cells = {}
        for k, v in line.items():
            name = canonical_header(k)
            if name in GOODS_FIELDS:
                cells[name] = Cell(None if _is_blank(v) else v, index, f"{prefix}.{k}")
            else:
                unknown.add(f"{prefix}.{k}")
        record.goods.append(cells)
        record.goods_rows.append(index)
    if containers_raw is not None:
        if isinstance(containers_raw, str):
            record.containers.append(Cell(containers_raw, index, containers_key))
        elif isinstance(containers_raw, list):
            for c_index, box in enumerate(containers_raw, start=1):
                label = f"{containers_key}[{c_index}]"
                if isinstance(box, dict):
                    mapped = {}
                    for k, v in box.items():
                        target = CONTAINER_KEYS.get(str(k).strip())
                        if target is None:
                            record.issues.append(Issue(index, f"{label}.{k}", "unknown container field"))
                        else:
                            mapped[target] = v
                    record.containers.append(Cell(mapped, index, label))
                elif isinstance(box, str):
                    record.containers.append(Cell(box, index, label))
                else:
                    record.issues.append(Issue(index, label, "a container must be an object or NUMBER:TYPE:SEAL"))
        else:
            record.issues.append(Issue(index, containers_key, "must be a list of containers"))
    return record
