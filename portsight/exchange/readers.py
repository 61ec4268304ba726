"""Readers for CSV, Excel (.xlsx) and JSON: bytes in, declaration records (not yet validated) out.

A file that cannot be read at all raises UnreadableFile (the CLI's exit code 2). Everything that
is wrong inside a readable file becomes an Issue on the record it belongs to, so the report can
name the row and the column: a CSV field longer than the limit refuses its row, a JSON line that is
not JSON refuses that line, not the file.

What a reader keeps is bounded (ReadLimits): rows and columns of a sheet are read cell by cell
from its XML, so a sheet whose rows jump to row 1,048,576 or column XFD costs what it contains,
not what its dimension declares; the parts of an .xlsx are checked for their unpacked size
before anything is unpacked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from portsight.errors import InvalidInput
from portsight.exchange.schema import (
    CONTAINER_KEYS,
    DECLARATION_FIELDS,
    GOODS_FIELDS,
    HEADER_LOOKUP,
    NESTED_KEYS,
    REQUIRED,
    canonical_header,
)

FORMATS = ("csv", "xlsx", "json")
SHOWN_CHARACTERS = 200  # of a value echoed in a message; the rest is counted, not repeated


@dataclass(frozen=True)
class ReadLimits:
    """What one file may make a reader hold. Rows count only when they hold a value."""

    max_rows: int = 250_000  # data rows (tabular) or records (JSON); split larger files
    max_columns: int = 256  # cells further right are not read
    max_field_chars: int = 131_072  # the csv module's own default field limit
    max_line_chars: int = 4 * 1024 * 1024  # a JSON line: one declaration, nested goods and all
    max_sheet_xml_bytes: int = 512 * 1024 * 1024  # unpacked sheet XML, read as a stream
    max_part_bytes: int = 64 * 1024 * 1024  # any other unpacked part (shared strings, styles), read whole


DEFAULT_LIMITS = ReadLimits()


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read: wrong kind, broken encoding, no header, required columns missing.

    The message is English (the command line's); `key` and `params` name the same message in the
    catalogue (exchange.<key>) for a page in the user's language.
    """

    def __init__(self, message: str, key: str = "unreadable", **params: Any) -> None:
        super().__init__(message, key=f"exchange.{key}", params=params)  # for show_error too
        self.key = key
        self.params = params


def shown(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """A value as echoed in a message: at most `limit` characters, then how long it really was."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…({len(text):,} characters)"


class Issue(NamedTuple):
    row: int
    column: str
    reason: str  # English (the command line's)
    key: str = ""  # the same reason in the catalogue (exchange.reason_<key>) for a page in the reader's language
    params: dict[str, Any] | None = None


class Reason(ValueError):
    """A row's problem as English text plus a message key and its parameters (see Issue)."""

    def __init__(self, message: str, key: str, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class _Formula(NamedTuple):
    """A spreadsheet cell holding a formula whose value the file does not store: not read."""


FORMULA = _Formula()
FORMULA_REASON = "formula cells are not read; paste values"


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


def read_file(name: str, data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> ParsedFile:
    """Read a declarations file of any supported kind (chosen by extension, else by content)."""
    fmt = detect_format(name, data)
    if fmt == "xlsx":
        return _tabular("xlsx", _xlsx_rows(data, limits), limits)
    _refuse_utf16(data)
    if fmt == "json":
        return _json(data, limits)
    return _tabular("csv", _csv_rows(data, limits), limits)


def _refuse_utf16(data: bytes) -> None:
    """UTF-16 (Excel's 'Unicode text', Notepad's 'Unicode') has a byte-order mark or, for Latin text,
    a NUL byte every other byte: say so rather than 'NUL bytes'."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        utf16 = True
    else:
        pairs = len(head) // 2
        zeros = (head[0::2].count(0), head[1::2].count(0))
        utf16 = pairs >= 2 and max(zeros) >= pairs * 0.4 and min(zeros) <= pairs * 0.1
    if utf16:
        raise UnreadableFile(
            "The file is UTF-16 text: save it as UTF-8 (in Excel: CSV UTF-8) and import it again.", "unreadable_utf16"
        )


# --- tabular -------------------------------------------------------------------------------------

# A row as read: its number, its values, and the problems that refuse it (an oversized field).
Row = tuple[int, list[Any], list[Issue]]


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableFile(
            "The file contains NUL bytes: it is not a text CSV file. Save it as CSV (UTF-8).", "unreadable_nul"
        )
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 covers files saved by Chinese Excel as 'CSV'
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file is neither UTF-8 nor GB18030 text. Save it as CSV (UTF-8).", "unreadable_encoding")


def _csv_rows(data: bytes, limits: ReadLimits) -> Iterator[Row]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    # The csv module's limit would refuse the whole file at the first long field; it is raised to
    # the size of this text (never lowered: it is one setting for the process) and our own limit
    # refuses the row that holds the field, the rest of the file is read on.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    del text
    header: list[Any] | None = None
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableFile(
                f"The CSV file is malformed after row {number}: {exc}. Check the quotes around values.",
                "unreadable_csv",
                row=number,
            ) from exc
        number += 1
        issues: list[Issue] = []
        for i, value in enumerate(row):
            if len(value) > limits.max_field_chars:
                column = _text(header[i]) if header is not None and i < len(header) else _column_letters(i + 1)
                issues.append(
                    Issue(
                        number,
                        column,
                        f"field longer than {limits.max_field_chars:,} characters ({len(value):,})",
                        "field_too_long",
                        {"limit": limits.max_field_chars, "length": len(value)},
                    )
                )
                row[i] = ""
        if header is None and any(not _is_blank(v) for v in row):
            header = row
        yield number, row, issues


_COORDINATE = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(number: int) -> str:
    """A column as a spreadsheet names it (1 -> A, 27 -> AA): what a reader sees when opening the CSV,
    in any language."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_parts(archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse an .xlsx whose parts unpack to more than the limits (a zip bomb) before unpacking any."""
    for info in archive.infolist():
        sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        limit = limits.max_sheet_xml_bytes if sheet else limits.max_part_bytes
        if info.file_size > limit:
            raise UnreadableFile(
                f"The Excel file's part {shown(info.filename, 80)} unpacks to {info.file_size:,} bytes, more than "
                f"{limit:,}. Save the declarations alone in a new workbook, or as CSV.",
                "unreadable_xlsx_too_big",
            )


def _xlsx_rows(data: bytes, limits: ReadLimits) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_parts(archive, limits)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (UnreadableFile, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, XML parsers and openpyxl raise many kinds on damaged files
        raise UnreadableFile(
            f"The Excel file cannot be opened ({exc.__class__.__name__}). Save it as .xlsx.", "unreadable_xlsx"
        ) from exc
    try:
        names = wb.sheetnames
        if not names:
            raise UnreadableFile("The Excel file has no sheet.", "unreadable_xlsx_no_sheet")
        preferred = [n for n in names if n.lower() in {"declarations", "报关单", "报检单"}]
        yield from _sheet_rows(wb, wb[preferred[0] if preferred else names[0]], limits)
    except (UnreadableFile, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise UnreadableFile(
            f"The Excel sheet cannot be read ({exc.__class__.__name__}: {shown(exc, 160)}).", "unreadable_xlsx_sheet"
        ) from exc
    finally:
        wb.close()


def _sheet_rows(wb: Any, ws: Any, limits: ReadLimits) -> Iterator[Row]:
    """The rows of a sheet as they are in its XML, cell by cell.

    openpyxl's iter_rows pads every missing row up to the dimension the file declares (a 2 KB file
    can declare 1,048,576 rows of 16,384 columns) and keeps the parsed rows under the sheet's
    element. Here each <row> is read and dropped, cells right of max_columns are skipped before
    their value is converted, and openpyxl's own cell parser (shared strings, dates, inline
    strings) converts the rest; that parser is openpyxl's internal API, pinned in requirements.
    """
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    row_tag, cell_tag, data_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c", f"{{{SHEET_MAIN_NS}}}sheetData"
    with ws._get_source() as source:
        cells = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        stack: list[Any] = []  # the open elements: each finished one is removed from its parent
        in_row = False
        row_number = 0
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                stack.append(element)
                in_row = in_row or element.tag == row_tag
                continue
            stack.pop()
            if element.tag == data_tag:
                return  # every row is read; what follows (merged cells, links, ...) is not needed
            if in_row and element.tag != row_tag:
                continue  # a cell or its value: read with its row
            row: list[Any] | None = None
            if element.tag == row_tag:
                in_row = False
                given = element.get("r")
                row_number = int(given) if given and given.isdigit() else row_number + 1
                row = _row_values(cells, element, row_number, cell_tag, limits)
            if stack:
                stack[-1].remove(element)  # so a sheet of any length stays as small as one row
            if row is not None:
                yield row_number, row, []


def _row_values(cells: Any, element: Any, row_number: int, cell_tag: str, limits: ReadLimits) -> list[Any]:
    formula_tag = cell_tag[: -len("c")] + "f"
    values: list[Any] = []
    column = 0
    for c in element.iter(cell_tag):
        ref = c.get("r")
        match = _COORDINATE.match(ref) if ref else None
        column = _column_number(match[1]) if match else column + 1
        if column > limits.max_columns:
            continue
        cells.row_counter, cells.col_counter = row_number, column - 1
        value = cells.parse_cell(c)["value"]
        if value is None and c.find(formula_tag) is not None:
            value = FORMULA  # said in the row's report instead of reading the cell as empty
        if value is None:
            continue
        if len(values) < column:
            values.extend([None] * (column - len(values)))
        values[column - 1] = value
    return values


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
            unknown.append(shown(label, 80))
            continue
        if name in seen:
            first, second = shown(seen[name], 80), shown(label, 80)
            raise UnreadableFile(
                f"The columns '{first}' and '{second}' both mean '{name}'. Keep one of them.",
                "unreadable_duplicate_columns",
                first=first,
                second=second,
                name=name,
            )
        seen[name] = label
        mapping[i] = (name, label)
    missing = [r for r in REQUIRED if r not in seen]
    if missing:
        found = shown(", ".join(_text(h) for h in header if not _is_blank(h)) or "none", 400)
        raise UnreadableFile(
            f"Required columns missing: {', '.join(missing)} (headers found: {found}). "
            "See docs/exchange-format.md for the column names in English or Chinese.",
            "unreadable_missing_columns",
            missing=", ".join(missing),
            found=found,
        )
    return mapping, unknown


def _too_many_rows(limits: ReadLimits) -> UnreadableFile:
    return UnreadableFile(
        f"The file has more than {limits.max_rows:,} rows of declarations: split it into smaller files.",
        "unreadable_too_many_rows",
        n=limits.max_rows,
    )


def _tabular(fmt: str, rows: Iterable[Row], limits: ReadLimits) -> ParsedFile:
    it = iter(rows)
    header: list[Any] | None = None
    for _n, row, _issues in it:
        if any(not _is_blank(v) for v in row):
            header = row
            break
    if header is None:
        raise UnreadableFile("The file is empty: no header row was found.", "unreadable_empty")
    mapping, unknown = _header_map(header)
    flat: list[tuple[int, dict[str, Cell], list[Issue]]] = []
    columns = list(mapping.items())
    for number, row, issues in it:
        width = len(row)
        cells = {}
        filled = bool(issues)
        for i, (name, label) in columns:
            value = row[i] if i < width else None
            if value is FORMULA:
                issues = [*issues, Issue(number, label, FORMULA_REASON, "formula_cell")]
                value, filled = None, True
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None:
                filled = True
            cells[name] = Cell(value, number, label)
        if filled:
            if len(flat) >= limits.max_rows:
                raise _too_many_rows(limits)
            flat.append((number, cells, issues))
    return ParsedFile(fmt, group_rows(flat), unknown, len(flat))


def group_rows(flat: list[tuple[int, dict[str, Cell], list[Issue]]]) -> list[RawRecord]:
    """Rows of the same declaration_id become one record, in order of first appearance.

    A row refused as read (its issues) still joins its declaration, which is then refused whole:
    never imported with a goods line missing."""
    records: list[RawRecord] = []
    by_key: dict[str, RawRecord] = {}
    for number, cells, row_issues in flat:
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
                value, other = shown(_text(new_v)), shown(_text(old_v))
                record.issues.append(
                    Issue(
                        number,
                        new.column,
                        f"'{value}' differs from '{other}' on row {old.row} of the same "
                        "declaration; every row of a declaration must carry the same declaration fields.",
                        "row_differs",
                        {"value": value, "other": other, "row": old.row},
                    )
                )
        record.issues.extend(row_issues)
        record.rows.append(number)
        goods = {n: cells[n] for n in GOODS_FIELDS if n in cells}
        if row_issues and all(c.value is None for c in goods.values()):
            continue  # nothing could be read of the row (a broken line): it refuses, it is no goods line
        record.goods.append(goods)
        record.goods_rows.append(number)
        box = cells.get("containers")
        if box is not None and box.value is not None:
            record.containers.append(box)
    return records


# --- JSON ----------------------------------------------------------------------------------------


class _BadLine(NamedTuple):
    """A line of a JSON-lines file that is not JSON: refused, the other lines are read. When the id of
    its declaration can still be seen in it, that declaration is refused whole (never imported with
    one of its goods lines missing)."""

    reason: str  # English, with its message key and parameters (see Issue)
    reason_key: str
    params: dict[str, Any]
    key: str | None


_ID_KEYS = "|".join(
    re.escape(k) for k in sorted((h for h, name in HEADER_LOOKUP.items() if name == "declaration_id"), key=len)
)
_ID_IN_LINE = re.compile(rf'"\s*(?:{_ID_KEYS})\s*"\s*:\s*"([^"\\]{{1,200}})"', re.IGNORECASE)


class _LongLine(NamedTuple):
    """A line longer than a JSON line may be: its length and its start (where its id would be)."""

    length: int
    head: str


def _lines(text: str, max_chars: int) -> Iterator[str | _LongLine]:
    """The lines of a text one at a time (splitlines would copy the whole file at once); a line
    longer than max_chars is not copied out at all."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        if end - start > max_chars:
            yield _LongLine(end - start, text[start : start + 2000])
        else:
            yield text[start:end].rstrip("\r")
        start = end + 1


# A record's kind in JSON's words (the English report says "record 3 is array, not an object").
_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "true/false", type(None): "null"}


def _key_in_broken_line(line: str) -> str | None:
    found = _ID_IN_LINE.search(line)
    return found[1].strip() or None if found else None


def _json(data: bytes, limits: ReadLimits) -> ParsedFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("The JSON file is not UTF-8 text.", "unreadable_json_encoding") from exc
    lines = _json_lines(text, limits)
    if lines is not None:
        numbered = lines
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(
                f"The file is neither JSON nor JSON lines (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
                "unreadable_json",
                line=exc.lineno,
                column=exc.colno,
            ) from exc
        except RecursionError as exc:
            raise UnreadableFile("The JSON file is nested too deeply.", "unreadable_json_deep") from exc
        if isinstance(doc, dict):
            items = next((doc[k] for k in ("declarations", "报关单", "rows") if k in doc), None)
            if items is None:
                raise UnreadableFile(
                    "The JSON object has no 'declarations' list. See docs/exchange-format.md.",
                    "unreadable_json_no_list",
                )
        else:
            items = doc
        if not isinstance(items, list):
            raise UnreadableFile("'declarations' must be a list of declarations.", "unreadable_json_not_list")
        numbered = list(enumerate(items, start=1))
    del text
    if len(numbered) > limits.max_rows:
        raise _too_many_rows(limits)
    flat: list[tuple[int, dict[str, Cell], list[Issue]]] = []
    nested: list[RawRecord] = []
    unknown: set[str] = set()
    for index, item in numbered:
        if isinstance(item, _BadLine) and item.key is not None:
            key_cell = {"declaration_id": Cell(item.key, index, "declaration_id")}
            flat.append((index, key_cell, [Issue(index, "", item.reason, item.reason_key, item.params)]))
            continue
        if isinstance(item, _BadLine) or not isinstance(item, dict):
            record = RawRecord(first_row=index, rows=[index])
            if isinstance(item, _BadLine):
                issue = Issue(index, "", item.reason, item.reason_key, item.params)
            else:
                kind = _JSON_KINDS.get(type(item), type(item).__name__)
                issue = Issue(index, "", f"record {index} is {kind}, not an object", "record_not_object", {"n": index})
            record.issues.append(issue)
            nested.append(record)
            continue
        too_long = [
            Issue(
                index,
                shown(where, 80),
                f"field longer than {limits.max_field_chars:,} characters",
                "value_too_long",
                {"limit": limits.max_field_chars},
            )
            for where in _long_strings(item, limits.max_field_chars)
        ]
        goods_key = next((k for k in item if NESTED_KEYS.get(str(k).strip()) == "goods"), None)
        if goods_key is not None:
            nested.append(_nested_record(index, item, goods_key, unknown))
            nested[-1].issues.extend(too_long)
        else:
            cells: dict[str, Cell] = {}
            for k, v in item.items():
                name = canonical_header(k)
                if name is None:
                    unknown.add(shown(k, 80))
                    continue
                cells[name] = Cell(None if _is_blank(v) else v, index, shown(k, 80))
            flat.append((index, cells, too_long))
    records = group_rows(flat) + nested
    records.sort(key=lambda r: r.first_row)
    return ParsedFile("json", records, sorted(unknown), len(numbered))


def _json_lines(text: str, limits: ReadLimits) -> list[tuple[int, Any]] | None:
    """JSON lines (one record a line, numbered by line), or None when the text is not JSON lines (its
    first line is not a whole object, or it is the only line): then it is read as one document.
    A later line that is not JSON, or any line longer than a record can be (not parsed at all), is
    kept as a _BadLine."""
    items: list[tuple[int, Any]] = []
    objects = 0
    for n, line in enumerate(_lines(text, limits.max_line_chars), start=1):
        if isinstance(line, _LongLine):
            reason = f"line {n} is longer than {limits.max_line_chars:,} characters ({line.length:,})"
            params = {"line": n, "limit": limits.max_line_chars, "length": line.length}
            items.append((n, _BadLine(reason, "line_too_long", params, _key_in_broken_line(line.head))))
            continue
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            if not objects:
                return None
            # The parser's own words (exc.msg) are English: only the English text repeats them.
            if isinstance(exc, json.JSONDecodeError):
                key, detail = "line_not_json", exc.msg
            else:
                key, detail = "line_too_deep", "nested too deeply"
            column = getattr(exc, "colno", 1)
            reason = f"line {n} is not JSON ({detail}, column {column})"
            items.append((n, _BadLine(reason, key, {"line": n, "column": column}, _key_in_broken_line(line))))
            continue
        if not objects and not isinstance(item, dict):
            return None
        objects += 1
        items.append((n, item))
    return items if objects and len(items) > 1 else None


def _long_strings(value: Any, limit: int, path: str = "") -> list[str]:
    """Replace text longer than limit inside a JSON record by None (in place); the paths replaced.
    Like an oversized CSV field, it refuses its declaration without being kept or echoed."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}" if path else str(k)
            if isinstance(v, str) and len(v) > limit:
                value[k] = None
                found.append(here)
            else:
                found += _long_strings(v, limit, here)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            here = f"{path}[{i + 1}]"
            if isinstance(v, str) and len(v) > limit:
                value[i] = None
                found.append(here)
            else:
                found += _long_strings(v, limit, here)
    return found


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
                unknown.add(shown(key, 80))
            else:
                record.issues.append(
                    Issue(
                        index,
                        key,
                        f"'{key}' belongs in each goods line, not on the declaration",
                        "goods_field_on_declaration",
                        {"field": shown(key, 80)},
                    )
                )
            continue
        record.fields[name] = Cell(None if _is_blank(v) else v, index, key)
    goods = item[goods_key]
    if not isinstance(goods, list):
        record.issues.append(Issue(index, goods_key, "must be a list of goods lines", "goods_not_list"))
        goods = []
    if not goods:
        record.issues.append(Issue(index, goods_key, "a declaration needs at least one goods line", "no_goods"))
    for g_index, line in enumerate(goods, start=1):
        prefix = f"{goods_key}[{g_index}]"
        if not isinstance(line, dict):
            record.issues.append(Issue(index, prefix, "a goods line must be an object", "goods_line_not_object"))
            continue
        cells = {}
        for k, v in line.items():
            name = canonical_header(k)
            if name in GOODS_FIELDS:
                cells[name] = Cell(None if _is_blank(v) else v, index, f"{prefix}.{k}")
            else:
                unknown.add(shown(f"{prefix}.{k}", 80))
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
                            record.issues.append(
                                Issue(index, f"{label}.{k}", "unknown container field", "unknown_container_field")
                            )
                        else:
                            mapped[target] = v
                    record.containers.append(Cell(mapped, index, label))
                elif isinstance(box, str):
                    record.containers.append(Cell(box, index, label))
                else:
                    record.issues.append(
                        Issue(index, label, "a container must be an object or NUMBER:TYPE:SEAL", "container_not_object")
                    )
        else:
            record.issues.append(Issue(index, containers_key, "must be a list of containers", "containers_not_list"))
    return record
