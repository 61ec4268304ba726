"""Validation of every imported declaration with pydantic, and its content hash.

`validate_record(record, now)` turns a RawRecord into a ValidDeclaration, or into Issues that name
the row, the column (as written in the file) and the reason. What needs the database (is the port
served, does the enterprise exist, is the number taken) is checked by the importer.

Codes are taken as typed (portsight.domain.codes): container and seal numbers, size/type codes, HS
codes and seal classes typed with a Chinese input method in full-width mode (ＣＳＱＵ３０５４３８３)
are folded to ASCII (NFKC) before they are checked and stored.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pycountry
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from portsight import reference
from portsight.domain import iso6346
from portsight.domain.codes import as_typed, normalize_code, normalize_hs
from portsight.domain.enterprise import is_valid_uscc, normalize_uscc
from portsight.domain.seal import SEAL_CLASS_TITLES, parse_seal_class
from portsight.exchange.readers import Cell, Issue, RawRecord, Reason, shown
from portsight.exchange.schema import DIRECTIONS, TRANSPORT_MODES

CHINA_TZ = ZoneInfo("Asia/Shanghai")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_AMOUNT = 1e13
MAX_PACKAGES = 100_000_000  # far above any shipment, well inside a 32-bit integer column
_SIZE_TYPE = re.compile(r"^[0-9A-Z]{2}[A-Z0-9][0-9A-Z]$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_ZH_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?\s*(\d{1,2}:\d{2}(:\d{2})?)?$")


@lru_cache(maxsize=65536)
def _uscc_ok(code: str) -> bool:
    return is_valid_uscc(code)  # the same few enterprises fill a file: check each once


@lru_cache(maxsize=65536)
def _hs_digits(v: Any) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        digits = str(int(v))
        if len(digits) % 2:  # Excel dropped the leading zero of chapters 01-09
            digits = "0" + digits
    else:
        raw = _text(v)
        digits = normalize_hs(raw)  # full-width digits folded; dots, blanks and hyphens removed
        if not digits.isascii() or not digits.isdigit():
            raise Reason(
                f"'{shown(raw)}' is not an HS code (digits only, e.g. 8471300000)", "hs_not_digits", value=shown(raw)
            )
    if len(digits) not in (4, 6, 8, 10):
        raise Reason(
            f"'{shown(digits)}' is not an HS code: it needs 4, 6, 8 or 10 digits", "hs_length", value=shown(digits)
        )
    if not reference.hs_heading_exists(digits):
        raise Reason(f"HS heading {digits[:4]} does not exist in the nomenclature", "hs_unknown", heading=digits[:4])
    return digits


@cache
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _text(value: Any) -> str:
    if type(value) is str:
        if "\x00" in value:  # PostgreSQL cannot store it in text; say so instead of failing the batch
            raise Reason("contains a NUL character (\\0); remove it", "nul_character")
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or isinstance(value, dict | list):
        raise Reason(f"expected text, got {type(value).__name__}", "not_text")
    return str(value).strip()


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise Reason(f"{what} must be a number, not true/false", "number_not_bool")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value).replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise Reason(
                f"{what} must be a number, not '{shown(_text(value))}'", "not_number", value=shown(_text(value))
            ) from None
    if not math.isfinite(number):
        raise Reason(f"{what} must be a finite number", "not_finite")
    if number < 0:
        raise Reason(f"{what} cannot be negative ({number:g})", "negative", value=f"{number:g}")
    if number > MAX_AMOUNT:
        raise Reason(f"{what} is implausibly large ({number:g})", "implausibly_large", value=f"{number:g}")
    return number


def _whole_number(value: Any, what: str) -> int:
    """A count: a whole number, 0 or more ('40', 40, 40.0, '４０', '1,200')."""
    if isinstance(value, bool):
        raise Reason(f"{what} must be a whole number, not true/false", "whole_not_bool")
    if isinstance(value, int):
        number = value
    else:
        text = as_typed(_text(value)).replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        not_whole = Reason(
            f"{what} must be a whole number, not '{shown(_text(value))}'", "not_whole", value=shown(_text(value))
        )
        try:
            amount = float(text)
        except ValueError:
            raise not_whole from None
        if not math.isfinite(amount) or not amount.is_integer():
            raise not_whole
        number = int(amount)
    if number < 0:
        raise Reason(f"{what} cannot be negative ({number})", "negative", value=str(number))
    if number > MAX_PACKAGES:
        raise Reason(f"{what} is implausibly large ({number})", "implausibly_large", value=str(number))
    return number


def _seal_class(value: Any) -> str | None:
    """An ISO 17712 seal class as written (I/S/H in any case or width, or its English or Chinese name)."""
    text = as_typed(_text(value))
    if not text:
        return None
    found = parse_seal_class(text)
    if found is None:
        found = next((c for c, (zh, _en) in SEAL_CLASS_TITLES.items() if text == zh), None)
    if found is None:
        raise Reason(
            f"'{shown(_text(value))}' is not an ISO 17712 seal class: "
            "use I (indicative), S (security) or H (high security)",
            "not_seal_class",
            value=shown(_text(value)),
        )
    return found.value


def _canonical(spellings: dict[str, str], value: Any, expected: str, key: str) -> str:
    """The canonical value of one of its accepted spellings (any case); the message says what was expected."""
    canonical = spellings.get(_text(value).lower())
    if canonical is None:
        raise Reason(f"'{shown(_text(value))}' is not {expected}", key, value=shown(_text(value)))
    return canonical


def parse_when(value: Any) -> datetime:
    """A date or date-time as written in a file -> aware UTC datetime (no offset = China time)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = _text(value)
        m = _ZH_DATE.match(text)
        if m:
            text = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" + (f"T{m[4]}" if m[4] else "")
        text = text.replace("/", "-").replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Reason(
                f"'{shown(_text(value))}' is not a date like 2026-03-02 or 2026-03-02T09:30:00+08:00",
                "not_date",
                value=shown(_text(value)),
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.astimezone(UTC)


class ContainerIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    size_type: str
    declared_seal: str | None = Field(default=None, max_length=32)
    declared_seal_class: str | None = None

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, v: Any) -> str:
        number = iso6346.normalize(_text(v))
        problem = iso6346.explain(number)
        if problem is not None:
            raise Reason(
                f"'{shown(_text(v))}' is not an ISO 6346 container number: {problem.en}",
                "not_container",
                value=shown(_text(v)),
                problem={"zh": problem.zh, "en": problem.en},
            )
        return number

    @field_validator("size_type", mode="before")
    @classmethod
    def _size_type(cls, v: Any) -> str:
        text = normalize_code(_text(v))
        if not _SIZE_TYPE.match(text):
            raise Reason(
                f"'{shown(_text(v))}' is not an ISO 6346 size/type code like 22G1 or 45R1",
                "not_size_type",
                value=shown(_text(v)),
            )
        return text

    @field_validator("declared_seal", mode="before")
    @classmethod
    def _seal(cls, v: Any) -> str | None:
        text = "".join(as_typed(_text(v)).split()).upper() if v is not None else ""
        return text or None

    @field_validator("declared_seal_class", mode="before")
    @classmethod
    def _class(cls, v: Any) -> str | None:
        return None if v is None else _seal_class(v)


class GoodsLineIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_no: int = Field(ge=1, le=9999)
    hs_code: str
    description: str = Field(max_length=300)
    quantity: float
    unit: str = Field(max_length=8)
    gross_weight_kg: float
    value: Decimal
    currency: str
    package_count: int | None = None

    @field_validator("line_no", mode="before")
    @classmethod
    def _line_no(cls, v: Any) -> int:
        text = _text(v)
        if not text.isdigit():
            raise Reason(f"line number must be a whole number, not '{shown(text)}'", "not_line_no", value=shown(text))
        return int(text)

    @field_validator("hs_code", mode="before")
    @classmethod
    def _hs(cls, v: Any) -> str:
        if isinstance(v, dict | list):
            raise Reason(f"expected an HS code, got {type(v).__name__}", "hs_not_text")
        return _hs_digits(v)

    @field_validator("quantity", "gross_weight_kg", mode="before")
    @classmethod
    def _amount(cls, v: Any, info: ValidationInfo) -> float:
        assert info.field_name is not None  # a field validator is always called for its field
        return _number(v, info.field_name.replace("_", " "))

    @field_validator("package_count", mode="before")
    @classmethod
    def _packages(cls, v: Any) -> int | None:
        return None if v is None else _whole_number(v, "package count")

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: Any) -> Decimal:
        number = _number(v, "value")
        try:
            return Decimal(repr(number)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise Reason("value must be a number with at most 2 decimals", "value_decimals") from None

    @field_validator("unit", "description", mode="before")
    @classmethod
    def _plain_text(cls, v: Any) -> str:
        return _text(v)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, v: Any) -> str:
        code = _text(v).upper()
        if code not in _currencies():
            raise Reason(
                f"'{shown(_text(v))}' is not an ISO 4217 currency code such as USD or CNY",
                "not_currency",
                value=shown(_text(v)),
            )
        return code


class DeclarationIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    declaration_id: str = Field(min_length=1, max_length=64)
    declaration_number: str = Field(min_length=1, max_length=32)
    port_code: str
    enterprise_uscc: str
    enterprise_name: str | None = Field(default=None, max_length=200)
    direction: str
    transport_mode: str
    origin_country: str
    declared_at: datetime
    goods: list[GoodsLineIn] = Field(min_length=1, max_length=999)
    containers: list[ContainerIn] = Field(default_factory=list, max_length=999)

    @field_validator("declaration_id", "declaration_number", "enterprise_name", mode="before")
    @classmethod
    def _plain_text(cls, v: Any) -> str | None:
        return None if v is None else _text(v)

    @field_validator("port_code", mode="before")
    @classmethod
    def _port(cls, v: Any) -> str:
        code = reference.normalize_port_code(_text(v))
        if not reference.is_known_port_code(code):
            raise Reason(
                f"'{shown(_text(v))}' is not a known UN/LOCODE port, airport or crossing of China",
                "not_port",
                value=shown(_text(v)),
            )
        return code

    @field_validator("enterprise_uscc", mode="before")
    @classmethod
    def _uscc(cls, v: Any) -> str:
        code = normalize_uscc(_text(v))
        if not _uscc_ok(code):
            raise Reason(
                f"'{shown(_text(v))}' is not a valid unified social credit code (18 characters, last one a check)",
                "not_uscc",
                value=shown(_text(v)),
            )
        return code

    @field_validator("direction", mode="before")
    @classmethod
    def _direction(cls, v: Any) -> str:
        return _canonical(DIRECTIONS, v, "a direction: use import or export (进口 / 出口)", "not_direction")

    @field_validator("transport_mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> str:
        return _canonical(TRANSPORT_MODES, v, "a transport mode: use sea, air, road or rail", "not_mode")

    @field_validator("origin_country", mode="before")
    @classmethod
    def _country(cls, v: Any) -> str:
        code = _text(v).upper()
        if code not in _countries():
            raise Reason(
                f"'{shown(_text(v))}' is not an ISO 3166 two-letter country code such as DE or CN",
                "not_country",
                value=shown(_text(v)),
            )
        return code

    @field_validator("declared_at", mode="before")
    @classmethod
    def _when(cls, v: Any, info: ValidationInfo) -> datetime:
        moment = parse_when(v)
        now = (info.context or {}).get("now") or datetime.now(UTC)
        if moment < EARLIEST:
            raise Reason(
                f"{moment:%Y-%m-%d} is before {EARLIEST:%Y}: check the year",
                "date_too_early",
                date=f"{moment:%Y-%m-%d}",
                year=EARLIEST.year,
            )
        if moment > now + timedelta(days=1):
            raise Reason(
                f"{moment:%Y-%m-%d %H:%M} UTC is in the future", "date_future", when=f"{moment:%Y-%m-%d %H:%M}"
            )
        return moment


@dataclass(frozen=True)
class ValidDeclaration:
    data: DeclarationIn
    port_code: str  # canonical, after old-code aliases
    port_note: str | None  # what an alias was mapped to, for the report
    content_hash: str
    rows: tuple[int, ...]
    first_row: int
    cells: dict[str, Cell]  # declaration-level cells, to point at a column in later checks

    def column(self, name: str) -> str:
        cell = self.cells.get(name)
        return cell.column if cell else name


def canonical_content(data: DeclarationIn, port_code: str) -> dict:
    """What the backbone said about the declaration, normalised: the basis of the content hash."""
    return {
        "declaration_id": data.declaration_id,
        "number": data.declaration_number,
        "port_code": port_code,
        "enterprise_uscc": data.enterprise_uscc,
        "direction": data.direction,
        "transport_mode": data.transport_mode,
        "origin_country": data.origin_country,
        "declared_at": data.declared_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "goods": [goods_line_content(g) for g in sorted(data.goods, key=lambda g: g.line_no)],
        "containers": [container_content(c) for c in sorted(data.containers, key=lambda c: c.number)],
    }


def goods_line_content(g) -> dict:
    """A goods line (as imported, or as stored: the same attribute names) in the canonical shape."""
    return {
        "line_no": g.line_no,
        "hs_code": g.hs_code,
        "description": g.description,
        "quantity": g.quantity,
        "unit": g.unit,
        "gross_weight_kg": g.gross_weight_kg,
        "value": f"{g.value:.2f}",
        "currency": g.currency,
        "package_count": g.package_count,
    }


def container_content(c) -> dict:
    """A container (as imported, or as stored) in the canonical shape."""
    return {
        "number": c.number,
        "size_type": c.size_type,
        "declared_seal": c.declared_seal,
        "declared_seal_class": c.declared_seal_class,
    }


# Optional fields the format gained after declarations were first imported: left out of the hash when
# empty, so that a declaration that does not give them keeps its hash (a file imported again is unchanged).
_HASHED_WHEN_GIVEN = frozenset({"package_count", "declared_seal_class"})


def _hashed(part: dict) -> tuple:
    return tuple(v for k, v in part.items() if v is not None or k not in _HASHED_WHEN_GIVEN)


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical content. repr() of plain str/int/float/None is stable across runs and
    versions and, unlike json.dumps(sort_keys=True), cheap enough for 100k rows; key order is fixed
    by canonical_content."""
    flat = (
        tuple(v for k, v in content.items() if k not in ("goods", "containers")),
        tuple(_hashed(g) for g in content["goods"]),
        tuple(_hashed(c) for c in content["containers"]),
    )
    return hashlib.sha256(repr(flat).encode("utf-8")).hexdigest()


def _container_dicts(record: RawRecord, issues: list[Issue]) -> tuple[list[dict], list[Cell]]:
    """Parse the containers column ('NUM:TYPE:SEAL; ...') or nested objects; merge repeats."""
    out: list[dict] = []
    cells: list[Cell] = []
    by_number: dict[str, int] = {}
    for cell in record.containers:
        entries: list[dict] = []
        if isinstance(cell.value, dict):
            entries.append(cell.value)
        elif isinstance(cell.value, str | int | float) and not isinstance(cell.value, bool):
            for part in str(cell.value).replace("；", ";").replace("，", ";").split(";"):
                if not part.strip():
                    continue
                bits = [b.strip() for b in part.replace("：", ":").split(":")]
                if len(bits) not in (2, 3, 4):
                    issues.append(
                        Issue(
                            cell.row,
                            cell.column,
                            f"'{shown(part.strip())}' is not NUMBER:SIZE_TYPE, NUMBER:SIZE_TYPE:SEAL or "
                            "NUMBER:SIZE_TYPE:SEAL:SEAL_CLASS",
                            "container_format",
                            {"value": shown(part.strip())},
                        )
                    )
                    continue
                bits += [""] * (4 - len(bits))
                entries.append(
                    {
                        "number": bits[0],
                        "size_type": bits[1],
                        "declared_seal": bits[2] or None,
                        "declared_seal_class": bits[3] or None,
                    }
                )
        else:
            issues.append(
                Issue(
                    cell.row, cell.column, "containers must be text like CSQU3054383:22G1:SEAL", "containers_not_text"
                )
            )
        for entry in entries:
            key = iso6346.normalize(str(entry.get("number") or ""))
            if key in by_number:
                previous = out[by_number[key]]
                same = all(
                    _norm(previous.get(k)) == _norm(entry.get(k))
                    for k in ("size_type", "declared_seal", "declared_seal_class")
                )
                if not same:
                    issues.append(
                        Issue(
                            cell.row,
                            cell.column,
                            f"container {shown(key)} is listed twice with different type, seal or class",
                            "container_twice",
                            {"number": shown(key)},
                        )
                    )
                continue
            if key:
                by_number[key] = len(out)
            out.append(entry)
            cells.append(cell)
    return out, cells


def _norm(v: Any) -> str:
    return "".join(as_typed(v or "").split()).upper()


# pydantic's own checks of the models' constraints: their message keys and the bound each names.
_CONSTRAINTS = {
    "too_long": ("too_many", "max_length"),  # a list: goods lines or containers
    "greater_than_equal": ("at_least", "ge"),
    "less_than_equal": ("at_most", "le"),
}


def _message(error: ErrorDetails) -> tuple[str, str, dict[str, Any] | None]:
    """The reason in English, its message key and parameters."""
    kind = error.get("type", "")
    if kind in ("missing", "string_too_short"):
        return "required, but empty or missing", "required", None
    ctx = error.get("ctx", {})
    cause = ctx.get("error")
    if isinstance(cause, Reason):
        return str(cause), cause.key, cause.params
    msg = str(error.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return f"too long ({limit} characters at most)", "too_long", {"limit": limit}
    if kind in _CONSTRAINTS:
        key, bound = _CONSTRAINTS[kind]
        return msg, key, {"limit": ctx.get(bound)}
    return msg, "invalid", None  # pydantic's English names what; the page says that the value is not valid


def validate_record(record: RawRecord, now: datetime | None = None) -> ValidDeclaration | list[Issue]:
    """Validate one declaration as read; on failure return every issue found (row, column, reason)."""
    issues = list(record.issues)
    if issues and not record.goods and set(record.fields) <= {"declaration_id"}:
        return issues  # nothing of it could be read (a broken JSON line): 'required' everywhere says nothing
    fields = {name: cell.value for name, cell in record.fields.items() if cell.value is not None}
    goods: list[dict] = []
    seen_line_nos: dict[int, int] = {}
    for index, (cells, row) in enumerate(zip(record.goods, record.goods_rows, strict=True), start=1):
        line = {name: cell.value for name, cell in cells.items() if cell.value is not None}
        line.setdefault("line_no", index)
        line.setdefault("unit", "kg")
        line.setdefault("currency", "USD")
        hs = line.get("hs_code")
        if "description" not in line and hs is not None:
            heading = reference.hs_heading("".join(ch for ch in normalize_hs(hs) if ch.isascii() and ch.isdigit()))
            line["description"] = heading.description[:300] if heading else ""
        ln = str(line["line_no"]).strip()
        if ln.isdigit():
            if int(ln) in seen_line_nos:
                cell = cells.get("line_no")
                issues.append(
                    Issue(
                        row,
                        cell.column if cell else "line_no",
                        f"line number {ln} repeats row {seen_line_nos[int(ln)]}",
                        "line_no_repeats",
                        {"line": shown(ln), "row": seen_line_nos[int(ln)]},
                    )
                )
            seen_line_nos[int(ln)] = row
        goods.append(line)
    containers, container_cells = _container_dicts(record, issues)
    data = {**fields, "goods": goods, "containers": containers}
    model: DeclarationIn | None = None
    try:
        model = DeclarationIn.model_validate(data, context={"now": now})
    except ValidationError as exc:
        refused = {(i.row, i.column) for i in record.issues}  # e.g. an oversized field: not also 'missing'
        for error in exc.errors(include_url=False):
            issue = _locate(record, containers, container_cells, error)
            if error.get("type") != "missing" or (issue.row, issue.column) not in refused:
                issues.append(issue)
    if model is not None and not issues:
        port_code, note = reference.resolve_port_code(model.port_code, model.transport_mode)
        if port_code is None:  # an old code whose meaning for air cargo is an airport not listed
            cell = record.fields.get("port_code")
            issues.append(
                Issue(
                    record.first_row,
                    cell.column if cell else "port_code",
                    f"'{model.port_code}' is not a port",
                    "not_port",
                    {"value": shown(model.port_code)},
                )
            )
        else:
            if note is not None:
                note = f"port {model.port_code} read as {port_code}: {note}"
            return ValidDeclaration(
                data=model,
                port_code=port_code,
                port_note=note,
                content_hash=content_hash(canonical_content(model, port_code)),
                rows=tuple(record.rows),
                first_row=record.first_row,
                cells=dict(record.fields),
            )
    return issues or [Issue(record.first_row, "", "the declaration could not be validated", "not_validated")]


def _locate(record: RawRecord, containers: list[dict], container_cells: list[Cell], error: ErrorDetails) -> Issue:
    loc = error.get("loc", ())
    reason, key, params = _message(error)
    if not loc:
        return Issue(record.first_row, "", reason, key, params)
    head = loc[0]
    if head == "goods" and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        row = record.goods_rows[index] if index < len(record.goods_rows) else record.first_row
        if len(loc) >= 3:
            name = str(loc[2])
            cell = record.goods[index].get(name) if index < len(record.goods) else None
            return Issue(row, cell.column if cell else name, reason, key, params)
        return Issue(row, "goods", reason, key, params)
    if head == "goods":
        return Issue(record.first_row, "hs_code", "a declaration needs at least one goods line", "no_goods")
    if head == "containers" and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        cell = container_cells[index] if index < len(container_cells) else None
        if len(loc) >= 3 and loc[2] != "number" and index < len(containers):
            # One cell lists several containers: say which one the size/type, seal or class belongs to.
            number = iso6346.normalize(str(containers[index].get("number") or ""))
            params = {"number": number, "reason": {"key": f"exchange.reason_{key}", "params": params}}
            reason, key = f"container {number}: {reason}", "container_reason"
        return Issue(cell.row if cell else record.first_row, cell.column if cell else "containers", reason, key, params)
    name = str(head)
    cell = record.fields.get(name)
    return Issue(cell.row if cell else record.first_row, cell.column if cell else name, reason, key, params)
