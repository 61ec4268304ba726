"""The import format for declarations from the backbone: columns, Chinese headers, value vocabularies.

One source of truth for docs/exchange-format.md and data/exchange/schema.json (`schema_document()`
builds the latter; a unit test keeps the file in step).

Tabular files (CSV, Excel) carry one goods line per row. The declaration's own fields are repeated
on every row of the declaration (rows are grouped by `declaration_id`); containers are listed in the
`containers` column as `NUMBER:SIZE_TYPE:SEAL:SEAL_CLASS` entries separated by `;` (seal and seal class
may be left out), on any row of the declaration. JSON carries either the same flat rows or nested declarations with
`goods` and `containers` lists. Headers/keys may be written in English or Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_NAME = "portsight.declarations"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str  # canonical English header / JSON key
    zh: tuple[str, ...]  # accepted Chinese headers (the first one is the one we write)
    level: str  # declaration / goods / containers
    required: bool
    kind: str  # JSON Schema-ish type for the documentation: string, number, integer, date
    description: str
    example: str
    aliases: tuple[str, ...] = ()  # further accepted English spellings


COLUMNS: tuple[Column, ...] = (
    Column(
        "declaration_id",
        ("统一编号", "源系统编号"),
        "declaration",
        True,
        "string",
        "The backbone's id of the declaration: the idempotency key (max 64 characters).",
        "BB2026000000001",
        ("source_system_id", "backbone_id"),
    ),
    Column(
        "declaration_number",
        ("报关单号", "报检单号"),
        "declaration",
        True,
        "string",
        "Declaration number as printed on the form (max 32 characters); unique.",
        "220120261000000001",
        ("number",),
    ),
    Column(
        "port_code",
        ("口岸代码", "口岸"),
        "declaration",
        True,
        "string",
        "UN/LOCODE of the port of entry (CNSGH). Old city codes (CNSHA, CNNGB, CNSZX, CNTAO) are accepted "
        "and mapped to the port entry; the report says which.",
        "CNSGH",
    ),
    Column(
        "enterprise_uscc",
        ("统一社会信用代码", "企业信用代码"),
        "declaration",
        True,
        "string",
        "Unified Social Credit Code of the consignee/consignor (18 characters with check character).",
        "91310000MA1FL8X8X7",
        ("uscc",),
    ),
    Column(
        "enterprise_name",
        ("企业名称", "收发货人"),
        "declaration",
        False,
        "string",
        "Enterprise name; needed only when the enterprise is not yet known to PortSight (it is then "
        "created with credit tier 'general').",
        "上海示例贸易有限公司",
    ),
    Column(
        "direction",
        ("进出口", "进出口标志"),
        "declaration",
        True,
        "string",
        "import or export (进口 / 出口, I / E).",
        "import",
    ),
    Column(
        "transport_mode",
        ("运输方式",),
        "declaration",
        True,
        "string",
        "sea, air, road or rail (水路运输 / 航空运输 / 公路运输 / 铁路运输, or 海运 / 空运 / 公路 / 铁路).",
        "sea",
    ),
    Column(
        "origin_country",
        ("原产国", "原产国(地区)"),
        "declaration",
        True,
        "string",
        "ISO 3166-1 alpha-2 code of the country of origin.",
        "DE",
    ),
    Column(
        "declared_at",
        ("申报日期", "申报时间"),
        "declaration",
        True,
        "date",
        "Date (2026-03-02) or date and time (2026-03-02T09:30:00+08:00). Without an offset the time is "
        "China Standard Time (UTC+8).",
        "2026-03-02T09:30:00+08:00",
    ),
    Column(
        "line_no",
        ("项号", "序号"),
        "goods",
        False,
        "integer",
        "Goods line number within the declaration (1, 2, ...); defaults to the order of the rows.",
        "1",
    ),
    Column(
        "hs_code",
        ("商品编码", "HS编码"),
        "goods",
        True,
        "string",
        "HS code, 4 to 10 digits; its heading (first 4 digits) must exist in the nomenclature.",
        "8471300000",
    ),
    Column(
        "description",
        ("商品名称", "品名"),
        "goods",
        False,
        "string",
        "Goods description (max 300 characters); defaults to the HS heading's description.",
        "Laptop computers",
    ),
    Column("quantity", ("数量",), "goods", True, "number", "Quantity in `unit` (0 or more).", "120"),
    Column("unit", ("单位", "计量单位"), "goods", False, "string", "Unit of quantity (max 8); default kg.", "pcs"),
    Column(
        "gross_weight_kg",
        ("毛重", "毛重(千克)", "毛重（千克）"),
        "goods",
        True,
        "number",
        "Gross weight in kilograms (0 or more).",
        "360.5",
    ),
    Column("value", ("金额", "总价"), "goods", True, "number", "Declared value (0 or more, 2 decimals).", "54000.00"),
    Column("currency", ("币制", "币种"), "goods", False, "string", "ISO 4217 currency; default USD.", "USD"),
    Column(
        "package_count",
        ("件数", "包装件数"),
        "goods",
        False,
        "integer",
        "Number of packages (件数) of the goods line, a whole number (0 or more); the packages counted at "
        "inspection are compared with it. Left empty: not compared.",
        "40",
        ("packages",),
    ),
    Column(
        "containers",
        ("集装箱", "集装箱号"),
        "containers",
        False,
        "string",
        "Containers as NUMBER:SIZE_TYPE:SEAL:SEAL_CLASS, separated by ';' (ISO 6346 number with check digit, "
        "ISO 6346 size/type code such as 22G1, optional seal number, optional ISO 17712 seal class I, S or H; "
        "a class without a seal number is written NUMBER:SIZE_TYPE::H). In nested JSON: a list of objects "
        "{number, size_type, declared_seal, declared_seal_class}.",
        "CSQU3054383:22G1:CN1234567:H;MSKU1234565:45G1",
    ),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
DECLARATION_FIELDS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.level == "declaration")
GOODS_FIELDS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.level == "goods")

# Nested JSON container objects.
CONTAINER_KEYS: dict[str, str] = {
    "number": "number",
    "container_number": "number",
    "箱号": "number",
    "集装箱号": "number",
    "size_type": "size_type",
    "箱型": "size_type",
    "尺寸类型": "size_type",
    "declared_seal": "declared_seal",
    "seal": "declared_seal",
    "封识号": "declared_seal",
    "封志号": "declared_seal",
    "declared_seal_class": "declared_seal_class",
    "seal_class": "declared_seal_class",
    "封志等级": "declared_seal_class",
    "封识等级": "declared_seal_class",
}
NESTED_KEYS: dict[str, str] = {"goods": "goods", "商品": "goods", "商品项": "goods", "containers": "containers"}

DIRECTIONS: dict[str, str] = {
    "import": "import",
    "i": "import",
    "进口": "import",
    "export": "export",
    "e": "export",
    "出口": "export",
}
TRANSPORT_MODES: dict[str, str] = {
    "sea": "sea",
    "水路运输": "sea",
    "海运": "sea",
    "江海运输": "sea",
    "air": "air",
    "航空运输": "air",
    "空运": "air",
    "road": "road",
    "公路运输": "road",
    "公路": "road",
    "rail": "rail",
    "铁路运输": "rail",
    "铁路": "rail",
}


def _key(text: object) -> str:
    """Header as compared: case, surrounding and inner spaces, '-' and '_' do not matter."""
    return "".join(str(text).split()).lower().replace("-", "_").replace("（", "(").replace("）", ")")


HEADER_LOOKUP: dict[str, str] = {}
for _col in COLUMNS:
    for _h in (_col.name, *_col.aliases, *_col.zh):
        HEADER_LOOKUP[_key(_h)] = _col.name


def canonical_header(header: object) -> str | None:
    """The canonical column name for a header written in English or Chinese, or None if unknown."""
    if header is None:
        return None
    return HEADER_LOOKUP.get(_key(header))


def schema_document() -> dict:
    """JSON Schema of the nested JSON format, with the tabular columns listed under x-columns."""
    types = {"string": "string", "number": "number", "integer": "integer", "date": "string"}

    def prop(c: Column) -> dict:
        out: dict = {"type": types[c.kind], "description": c.description, "x-zh-headers": list(c.zh)}
        if c.kind == "date":
            out["format"] = "date-time or date"
        return out

    container = {
        "type": "object",
        "required": ["number", "size_type"],
        "properties": {
            "number": {"type": "string", "description": "ISO 6346 container number with check digit"},
            "size_type": {"type": "string", "description": "ISO 6346 size/type code, e.g. 22G1"},
            "declared_seal": {"type": "string", "description": "Seal number as declared (optional)"},
            "declared_seal_class": {
                "type": "string",
                "description": "ISO 17712 class of the declared seal: I, S or H (optional)",
            },
        },
    }
    goods = {
        "type": "object",
        "required": [c.name for c in COLUMNS if c.level == "goods" and c.required],
        "properties": {c.name: prop(c) for c in COLUMNS if c.level == "goods"},
    }
    declaration = {
        "type": "object",
        "required": [*(c.name for c in COLUMNS if c.level == "declaration" and c.required), "goods"],
        "properties": {
            **{c.name: prop(c) for c in COLUMNS if c.level == "declaration"},
            "goods": {"type": "array", "minItems": 1, "items": goods},
            "containers": {"type": "array", "items": container},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://portsight.example/schema/{FORMAT_NAME}/{FORMAT_VERSION}",
        "title": "PortSight declaration import",
        "description": (
            "Nested JSON: {format, version, declarations: [...]} or a bare list of declarations. "
            "CSV and Excel use the flat columns listed in x-columns (one goods line per row). "
            "See docs/exchange-format.md."
        ),
        "type": "object",
        "required": ["declarations"],
        "properties": {
            "format": {"const": FORMAT_NAME},
            "version": {"const": FORMAT_VERSION},
            "declarations": {"type": "array", "items": declaration},
        },
        "x-columns": [
            {
                "name": c.name,
                "zh": list(c.zh),
                "level": c.level,
                "required": c.required,
                "type": c.kind,
                "description": c.description,
                "example": c.example,
            }
            for c in COLUMNS
        ],
    }
