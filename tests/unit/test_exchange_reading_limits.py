"""What the readers keep is bounded, and every file-level message exists in both languages.

The subprocess tests with peak RSS are tests/integration/test_exchange_hostile.py; these run the
readers in-process on small files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portsight.exchange.readers import ReadLimits, UnreadableFile, read_file, shown
from portsight.exchange.synthetic import declaration_rows, rows_to_csv, rows_to_xlsx
from portsight.exchange.validation import validate_record
from portsight.i18n import catalogue
from tests.hostile_files import gap_xlsx, json_lines, long_field_csv

ROOT = Path(__file__).resolve().parents[2]
ROWS = declaration_rows(5, seed=71, prefix="LIM", enterprises=2)


def test_a_sheet_whose_rows_jump_to_the_last_row_reads_only_what_it_holds():
    parsed = read_file("gap.xlsx", gap_xlsx(ROWS))
    assert parsed.row_count == len(ROWS)  # the far cell (column XFD) is beyond max_columns
    assert {r.key for r in parsed.records} == {r["declaration_id"] for r in ROWS}


def test_rows_count_only_when_they_hold_a_value_and_too_many_refuse_the_file():
    data = gap_xlsx(ROWS)
    assert read_file("gap.xlsx", data, ReadLimits(max_rows=len(ROWS))).row_count == len(ROWS)
    with pytest.raises(UnreadableFile, match="more than 4 rows") as caught:
        read_file("gap.xlsx", data, ReadLimits(max_rows=4))
    assert caught.value.key == "unreadable_too_many_rows" and caught.value.params == {"n": 4}


def test_a_workbook_part_that_unpacks_too_large_is_refused_before_unpacking():
    with pytest.raises(UnreadableFile, match="unpacks to") as caught:
        read_file("big.xlsx", rows_to_xlsx(ROWS), ReadLimits(max_sheet_xml_bytes=100))
    assert caught.value.key == "unreadable_xlsx_too_big"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named(encoding):
    for name in ("t.csv", "t.json"):
        with pytest.raises(UnreadableFile, match="UTF-16") as caught:
            read_file(name, rows_to_csv(ROWS).decode().encode(encoding))
        assert caught.value.key == "unreadable_utf16"


def test_chinese_text_in_utf8_or_gb18030_is_not_taken_for_utf16():
    for encoding in ("utf-8", "gb18030"):
        assert read_file("t.csv", rows_to_csv(ROWS, zh=True).decode().encode(encoding)).row_count == len(ROWS)


def test_an_oversized_field_refuses_its_declaration_whole_and_is_not_kept():
    parsed = read_file("t.csv", long_field_csv(ROWS, 1, 200_000))
    refused = ROWS[1]["declaration_id"]
    [record] = [r for r in parsed.records if r.key == refused]
    issues = validate_record(record)
    assert isinstance(issues, list)
    assert [(i.row, i.column) for i in issues] == [(3, "description")]
    assert all(len(str(c.value)) < 1000 for g in record.goods for c in g.values())
    others = [validate_record(r) for r in parsed.records if r.key != refused]
    assert not [o for o in others if isinstance(o, list)]


def test_one_broken_json_line_refuses_its_declaration_not_the_file():
    lines = json_lines(ROWS)
    broken = ROWS[1]["declaration_id"]
    lines[1] = lines[1][: len(lines[1]) // 2]
    parsed = read_file("t.jsonl", "\n".join(lines).encode())
    outcomes = {r.key: validate_record(r) for r in parsed.records}
    assert isinstance(outcomes[broken], list), "a declaration with a goods line on the broken line is refused"
    assert any("line 2 is not JSON" in i.reason for i in outcomes[broken])
    assert not [k for k, o in outcomes.items() if k != broken and isinstance(o, list)]


def test_shown_values_are_cut_and_say_how_long_they_were():
    assert shown("abc") == "abc"
    assert shown("x" * 5000) == "x" * 200 + "…(5,000 characters)"


def _raised_keys() -> set[str]:
    """The catalogue keys named by UnreadableFile(message, key, ...) in the exchange code and its page."""
    keys = set()
    files = [*(ROOT / "portsight" / "exchange").glob("*.py"), ROOT / "components/exchange/data.py"]
    files.append(ROOT / "pages/data_exchange.py")
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UnreadableFile":
                if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    keys.add(node.args[1].value)
    return keys


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_every_file_level_message_exists_in_both_languages(lang):
    keys = _raised_keys()
    assert {"unreadable_utf16", "unreadable_missing_columns", "unreadable_empty", "import_changed"} <= keys
    assert not [k for k in keys if f"exchange.{k}" not in catalogue(lang)]
