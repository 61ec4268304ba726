"""Import of enterprises' dated credit changes (CSV, .xlsx or JSON): uscc, tier, valid_from, reason.

Format: docs/exchange-format.md ("Credit changes"). Rules:

- The whole file is validated first; every problem is reported with its row (spreadsheet row, the
  header being row 1, or JSON record number), its column and a message key. A file with any
  rejected row writes nothing: a credit file is one decision, applied whole or not at all.
- Each accepted row is appended to the enterprise's credit history with source "import" through
  portsight.services.masterdata (audited per change, the cached tier refreshed when in force today),
  all in one transaction.
- Idempotent: a row that is already in the history (same enterprise, day, tier and reason) is
  "unchanged"; importing the same file again writes nothing new. The same enterprise and day twice
  in one file is refused (which of them would hold?).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from portsight.clock import as_utc, utcnow
from portsight.db.models import Enterprise, EnterpriseCreditHistory
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.enterprise import is_valid_uscc, normalize_uscc
from portsight.errors import InvalidInput
from portsight.exchange.readers import (
    DEFAULT_LIMITS,
    FORMULA,
    ReadLimits,
    Row,
    UnreadableFile,
    _csv_rows,
    _refuse_utf16,
    _xlsx_rows,
    detect_format,
    shown,
)
from portsight.services.masterdata import append_credit_change, credit_change_fields

FORMAT_NAME = "portsight.credit_changes"
COLUMNS = ("uscc", "tier", "valid_from", "reason")
# Header spellings (compared without case, blanks, hyphens and underscores) -> column.
HEADERS = {
    "uscc": "uscc",
    "enterpriseuscc": "uscc",
    "统一社会信用代码": "uscc",
    "tier": "tier",
    "credittier": "tier",
    "信用等级": "tier",
    "validfrom": "valid_from",
    "生效日期": "valid_from",
    "reason": "reason",
    "原因": "reason",
    "变更原因": "reason",
}
# A tier as a file may name it: the stored code, or its name in the credit measures.
TIER_NAMES = {
    "advanced_certified": "advanced_certified",
    "高级认证企业": "advanced_certified",
    "general_certified": "general_certified",
    "一般认证企业": "general_certified",
    "general": "general",
    "一般信用企业": "general",
    "dishonest": "dishonest",
    "失信企业": "dishonest",
}
ACCEPTED, UNCHANGED, REJECTED = "accepted", "unchanged", "rejected"
_DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_ZH_DAY = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")


@dataclass(frozen=True)
class CreditEntry:
    """What happened to one row, or one problem of a rejected row (several entries then)."""

    row: int
    uscc: str
    status: str
    column: str = ""
    reason: str = ""  # English (the command line's)
    key: str = ""  # the same reason as a full message key, for a page in the reader's language
    params: dict[str, Any] | None = None


@dataclass
class CreditImportResult:
    file_name: str
    file_sha256: str
    format: str
    entries: list[CreditEntry] = field(default_factory=list)
    written: bool = False  # False: something was rejected, or there was nothing new

    def count(self, status: str) -> int:
        return len({e.row for e in self.entries if e.status == status})

    @property
    def exit_code(self) -> int:
        return 1 if any(e.status == REJECTED for e in self.entries) else 0


@dataclass(frozen=True)
class _Row:
    row: int
    cells: dict[str, tuple[Any, str]]  # column -> (value, header as written)


def _header_key(text: object) -> str:
    return re.sub(r"[\s_\-]", "", str(text or "")).lower()


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _tabular_rows(rows: list[Row]) -> list[_Row]:
    header: dict[int, tuple[str, str]] | None = None
    out: list[_Row] = []
    for number, values, _issues in rows:
        if all(_value_text(v) == "" or v is FORMULA for v in values):
            continue
        if header is None:
            header = {}
            for i, h in enumerate(values):
                column = HEADERS.get(_header_key(h))
                if column is not None and column not in {c for c, _ in header.values()}:
                    header[i] = (column, _value_text(h))
            _require_columns({c for c, _ in header.values()}, [_value_text(h) for h in values])
            continue
        cells = {column: (values[i] if i < len(values) else None, label) for i, (column, label) in header.items()}
        out.append(_Row(number, cells))
    if header is None:
        raise UnreadableFile("The file is empty: no header row was found.", "unreadable_empty")
    return out


def _require_columns(found: set[str], headers: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        seen = shown(", ".join(h for h in headers if h) or "none", 400)
        raise UnreadableFile(
            f"Required columns missing: {', '.join(missing)} (headers found: {seen}). "
            "See docs/exchange-format.md for the column names in English or Chinese.",
            "unreadable_missing_columns",
            missing=", ".join(missing),
            found=seen,
        )


def _json_rows(data: bytes) -> list[_Row]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnreadableFile("The JSON file is not UTF-8 text.", "unreadable_json_encoding") from exc
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"The file is neither JSON nor JSON lines (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            "unreadable_json",
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    except RecursionError as exc:
        raise UnreadableFile("The JSON file is nested too deeply.", "unreadable_json_deep") from exc
    items = doc.get("credit_changes") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise UnreadableFile(
            "A credit changes file holds a list of changes, or an object with a 'credit_changes' list.",
            "unreadable_credit_no_list",
        )
    out = []
    for index, item in enumerate(items, start=1):
        cells: dict[str, tuple[Any, str]] = {}
        if isinstance(item, dict):
            for k, v in item.items():
                column = HEADERS.get(_header_key(k))
                if column is not None:
                    cells[column] = (v, shown(k, 80))
        out.append(_Row(index, cells))
    return out


def read_credit_file(name: str, data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[str, list[_Row]]:
    """(format, rows) of a credit changes file; UnreadableFile when it cannot be read as a whole."""
    fmt = detect_format(name, data)
    if fmt == "xlsx":
        rows = _tabular_rows(list(_xlsx_rows(data, limits)))
    elif fmt == "json":
        _refuse_utf16(data)
        rows = _json_rows(data)
    else:
        _refuse_utf16(data)
        rows = _tabular_rows(list(_csv_rows(data, limits)))
    if len(rows) > limits.max_rows:
        raise UnreadableFile(
            f"The file has more than {limits.max_rows:,} credit changes: split it into smaller files.",
            "unreadable_credit_too_many_rows",
            n=limits.max_rows,
        )
    return fmt, rows


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _value_text(value)
    match = _DAY.fullmatch(text) or _ZH_DAY.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


@dataclass(frozen=True)
class _Change:
    row: int
    uscc: str
    tier: str
    valid_from: date
    reason: str


def _check(row: _Row) -> _Change | list[CreditEntry]:
    """A row as a change, or the entries saying what is wrong with it (no database)."""
    problems: list[CreditEntry] = []
    formulas = [label for value, label in row.cells.values() if value is FORMULA]
    cells = {c: (None if value is FORMULA else value, label) for c, (value, label) in row.cells.items()}
    uscc_raw, uscc_col = cells.get("uscc", (None, "uscc"))
    uscc = normalize_uscc(_value_text(uscc_raw))

    def refuse(column: str, reason: str, key: str, **params: Any) -> None:
        problems.append(CreditEntry(row.row, shown(uscc, 40), REJECTED, column, reason, key, params or None))

    for label in formulas:
        refuse(label, "formula cells are not read; paste values", "exchange.reason_formula_cell")
    if not uscc:
        refuse(uscc_col, "uscc is required", "administration.import_uscc_missing")
    elif not is_valid_uscc(uscc):
        refuse(
            uscc_col,
            f"'{shown(uscc, 40)}' is not a valid USCC",
            "administration.import_uscc_invalid",
            uscc=shown(uscc, 40),
        )
    tier_raw, tier_col = cells.get("tier", (None, "tier"))
    tier_text = _value_text(tier_raw)
    tier = TIER_NAMES.get(tier_text.lower() if tier_text.isascii() else tier_text, tier_text)
    day_raw, day_col = cells.get("valid_from", (None, "valid_from"))
    valid_from: date | None = None
    if _value_text(day_raw) == "" and not isinstance(day_raw, date):
        refuse(day_col, "valid_from is required", "administration.import_date_missing")
    else:
        try:
            valid_from = _day(day_raw)
        except ValueError:
            refuse(
                day_col,
                f"'{shown(_value_text(day_raw), 40)}' is not a day (YYYY-MM-DD)",
                "administration.import_date_invalid",
                value=shown(_value_text(day_raw), 40),
            )
    reason_raw, reason_col = cells.get("reason", (None, "reason"))
    if not tier_text:
        refuse(tier_col, "tier is required", "administration.import_tier_missing")
    elif valid_from is not None:
        # The same checks as a change typed on the page; each refusal names its column here.
        columns = {"errors.credit_tier_unknown": tier_col, "errors.credit_reason_missing": reason_col}
        try:
            tier, valid_from, reason = credit_change_fields(tier, valid_from, _value_text(reason_raw))
        except InvalidInput as exc:
            key = exc.message_key or ""
            refuse(
                columns.get(key, reason_col if "text_too_long" in key else day_col), str(exc), key, **exc.message_values
            )
        else:
            if not problems:
                return _Change(row.row, uscc, tier, valid_from, reason)
    return problems


def import_credit_changes(
    db: Database,
    actor: Actor,
    name: str,
    data: bytes,
    *,
    now: datetime | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> CreditImportResult:
    """Import a credit changes file given as bytes; returns the per-row report (see the module docstring).

    Raises UnreadableFile (an InvalidInput) when the file cannot be read at all; nothing is written then.
    """
    require_role(actor, Role.ADMIN)
    now = as_utc(now or utcnow())
    fmt, rows = read_credit_file(name, data, limits)
    result = CreditImportResult(name, hashlib.sha256(data).hexdigest(), fmt)
    changes: list[_Change] = []
    for row in rows:
        checked = _check(row)
        if isinstance(checked, list):
            result.entries.extend(checked)
        else:
            changes.append(checked)
    first: dict[tuple[str, date], int] = {}
    unique: list[_Change] = []
    for change in changes:
        at = first.setdefault((change.uscc, change.valid_from), change.row)
        if at != change.row:
            result.entries.append(
                CreditEntry(
                    change.row,
                    change.uscc,
                    REJECTED,
                    "valid_from",
                    f"{change.uscc} from {change.valid_from.isoformat()} appears again (first at row {at})",
                    "administration.import_duplicate",
                    {"uscc": change.uscc, "first": at},
                )
            )
        else:
            unique.append(change)
    with unit_of_work(db) as session:
        ids = dict(
            session.execute(
                select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_({c.uscc for c in unique}))
            ).all()
        )
        fresh: list[tuple[_Change, int]] = []
        for change in unique:
            enterprise_id = ids.get(change.uscc)
            if enterprise_id is None:
                result.entries.append(
                    CreditEntry(
                        change.row,
                        change.uscc,
                        REJECTED,
                        "uscc",
                        f"no enterprise has the USCC {change.uscc}",
                        "administration.import_uscc_unknown",
                        {"uscc": change.uscc},
                    )
                )
            elif _recorded(session, enterprise_id, change):
                result.entries.append(CreditEntry(change.row, change.uscc, UNCHANGED))
            else:
                fresh.append((change, enterprise_id))
        if any(e.status == REJECTED for e in result.entries):
            result.entries.sort(key=lambda e: (e.row, e.column))
            return result  # nothing written: the file goes in whole or not at all
        for change, enterprise_id in fresh:
            append_credit_change(
                session, actor, enterprise_id, change.tier, change.valid_from, change.reason, "import", now
            )
            result.entries.append(CreditEntry(change.row, change.uscc, ACCEPTED))
        result.written = bool(fresh)
    result.entries.sort(key=lambda e: (e.row, e.column))
    return result


def _recorded(session: Any, enterprise_id: int, change: _Change) -> bool:
    history = EnterpriseCreditHistory
    return (
        session.scalar(
            select(history.id).where(
                history.enterprise_id == enterprise_id,
                history.valid_from == change.valid_from,
                history.credit_tier == change.tier,
                history.reason == change.reason,
            )
        )
        is not None
    )


__all__ = [
    "ACCEPTED",
    "COLUMNS",
    "FORMAT_NAME",
    "REJECTED",
    "UNCHANGED",
    "CreditEntry",
    "CreditImportResult",
    "import_credit_changes",
    "read_credit_file",
]
