"""The import format: schema file, documentation and headers stay in step with portsight.exchange.schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portsight.exchange.schema import COLUMNS, REQUIRED, canonical_header, schema_document

ROOT = Path(__file__).resolve().parents[2]


def test_schema_file_is_generated_from_the_code():
    on_disk = json.loads((ROOT / "data/exchange/schema.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(schema_document())), (
        "regenerate: python -c 'import json; from portsight.exchange.schema import schema_document; "
        "print(json.dumps(schema_document(), ensure_ascii=False, indent=2))' > data/exchange/schema.json"
    )


def test_documentation_lists_every_column_with_its_chinese_headers():
    doc = (ROOT / "docs/exchange-format.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column.name}`" in doc
        for zh in column.zh:
            assert zh in doc


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("declaration_id", "declaration_id"),
        (" Declaration-ID ", "declaration_id"),
        ("统一编号", "declaration_id"),
        ("商品编码", "hs_code"),
        ("HS编码", "hs_code"),
        ("毛重（千克）", "gross_weight_kg"),
        ("毛重(千克)", "gross_weight_kg"),
        ("集装箱号", "containers"),
        ("口岸", "port_code"),
        ("source_system_id", "declaration_id"),
        ("something else", None),
    ],
)
def test_headers_in_english_or_chinese_map_to_one_column(header, name):
    assert canonical_header(header) == name


def test_every_required_column_is_in_the_json_schema():
    schema = schema_document()
    decl = schema["properties"]["declarations"]["items"]
    goods = decl["properties"]["goods"]["items"]
    assert set(REQUIRED) <= set(decl["required"]) | set(goods["required"])
