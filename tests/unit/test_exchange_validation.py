"""Reading and validating declarations without a database: located reasons, aliases, formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from portsight.exchange.readers import UnreadableFile, read_file
from portsight.exchange.synthetic import declaration_rows, header_names, rows_to_csv, rows_to_xlsx
from portsight.exchange.validation import ValidDeclaration, parse_when, validate_record

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ONE = declaration_rows(1, seed=11, prefix="U")[0]


def validate_csv(rows: list[dict], zh: bool = False):
    return [validate_record(r, NOW) for r in read_file("t.csv", rows_to_csv(rows, zh=zh)).records]


def issues_of(outcome) -> dict[str, str]:
    assert isinstance(outcome, list), outcome
    return {i.column: i.reason for i in outcome}


def test_a_valid_row_becomes_a_declaration_with_a_content_hash():
    [outcome] = validate_csv([ONE])
    assert isinstance(outcome, ValidDeclaration)
    assert outcome.data.declaration_id == ONE["declaration_id"] and len(outcome.content_hash) == 64


def test_the_same_content_in_chinese_headers_and_excel_has_the_same_hash():
    [a] = validate_csv([ONE])
    [b] = validate_csv([ONE], zh=True)
    [c] = [validate_record(r, NOW) for r in read_file("t.xlsx", rows_to_xlsx([ONE], zh=True)).records]
    assert a.content_hash == b.content_hash == c.content_hash


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("containers", "CSQU3054384:22G1", "expected 3"),
        ("containers", "CSQU3054383", "NUMBER:SIZE_TYPE"),
        ("containers", "CSQU3054383:2", "size/type"),
        ("hs_code", "9999", "does not exist"),
        ("hs_code", "84713", "4, 6, 8 or 10 digits"),
        ("hs_code", "84A1", "not an HS code"),
        ("port_code", "USNYC", "not a known"),
        ("enterprise_uscc", "91310000MA1FL8X8X8", "credit code"),
        ("declared_at", "03/02/2026x", "not a date"),
        ("declared_at", "1999-12-31", "before 2000"),
        ("declared_at", "2026-07-01", "future"),
        ("quantity", "-1", "negative"),
        ("quantity", "nan", "finite"),
        ("value", "12,5", "must be a number"),
        ("origin_country", "XX", "country"),
        ("currency", "RMB", "ISO 4217"),
        ("direction", "sideways", "import or export"),
        ("transport_mode", "pipeline", "sea, air, road or rail"),
        ("declaration_number", "", "required"),
    ],
)
def test_each_fault_is_reported_on_its_column_with_a_reason(column, value, words):
    [outcome] = validate_csv([{**ONE, column: value}])
    reasons = issues_of(outcome)
    assert column in reasons and words in reasons[column], reasons


def test_old_port_code_is_mapped_and_noted_but_kept_for_air_cargo():
    [sea] = validate_csv([{**ONE, "port_code": "CNSHA"}])
    assert sea.port_code == "CNSGH" and sea.port_note.startswith("port CNSHA read as CNSGH")
    [air] = validate_csv([{**ONE, "port_code": "cnsha", "transport_mode": "空运", "containers": ""}])
    assert air.port_code == "CNSHA" and air.port_note is None


def test_chinese_values_thousands_separators_and_dotted_hs_codes_are_read():
    [v] = validate_csv(
        [
            {
                **ONE,
                "direction": "进口",
                "transport_mode": "水路运输",
                "value": "54,000.50",
                "hs_code": "8471.30.00",
                "declared_at": "2026年3月2日 09:30",
            }
        ]
    )
    assert v.data.direction == "import" and v.data.transport_mode == "sea"
    assert str(v.data.goods[0].value) == "54000.50" and v.data.goods[0].hs_code == "84713000"
    assert v.data.declared_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 China time


def test_excel_number_that_lost_its_leading_zero_is_an_hs_code_again():
    wb = Workbook()
    ws = wb.active
    ws.append(header_names())
    ws.append([101210000 if h == "hs_code" else ONE.get(h) for h in header_names()])
    buf = io.BytesIO()
    wb.save(buf)
    [v] = [validate_record(r, NOW) for r in read_file("t.xlsx", buf.getvalue()).records]
    assert v.data.goods[0].hs_code == "0101210000"


def test_rows_of_one_declaration_that_disagree_are_rejected_naming_both_rows():
    second = {**ONE, "line_no": 2, "origin_country": "FR" if ONE["origin_country"] != "FR" else "DE"}
    [outcome] = validate_csv([ONE, second])
    [issue] = [i for i in outcome if i.column == "origin_country"]
    assert issue.row == 3 and "row 2" in issue.reason


def test_repeated_line_number_is_rejected():
    [outcome] = validate_csv([ONE, {**ONE, "containers": ""}])
    assert "repeats row 2" in issues_of(outcome)["line_no"]


def test_nested_json_errors_carry_a_path():
    doc = {
        "declarations": [
            {
                **{
                    k: ONE[k]
                    for k in (
                        "declaration_id",
                        "declaration_number",
                        "port_code",
                        "enterprise_uscc",
                        "direction",
                        "transport_mode",
                        "origin_country",
                        "declared_at",
                    )
                },
                "goods": [
                    {"hs_code": "8471", "quantity": 1, "gross_weight_kg": 1, "value": 1},
                    {"hs_code": "0000", "quantity": 1, "gross_weight_kg": 1, "value": 1},
                ],
                "containers": [{"number": "CSQU3054383", "size_type": "22G1"}, 42],
            }
        ]
    }
    [record] = read_file("t.json", json.dumps(doc).encode()).records
    reasons = issues_of(validate_record(record, NOW))
    assert "does not exist" in reasons["goods[2].hs_code"]
    assert "containers[2]" in reasons


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("t.csv", b"", "empty"),
        ("t.csv", b"a,b,c\n1,2,3\n", "Required columns missing"),
        ("t.csv", b"declaration_id\x00,x\n", "NUL"),
        ("t.xlsx", b"PK\x03\x04 not really a zip", "cannot be opened"),
        ("t.json", b'{"rows": 5}', "list"),
        ("t.json", b'{"other": []}', "declarations"),
        ("t.json", b"[1, 2", "neither JSON nor JSON lines"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(name, data, words):
    with pytest.raises(UnreadableFile, match=words):
        read_file(name, data)


def test_gb18030_csv_with_semicolons_is_read():
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(header_names(zh=True))
    writer.writerow([ONE.get(h, "") for h in header_names()])
    parsed = read_file("t.csv", buf.getvalue().encode("gb18030"))
    [v] = [validate_record(r, NOW) for r in parsed.records]
    assert isinstance(v, ValidDeclaration)


def test_dates_without_offset_are_china_time():
    assert parse_when("2026-03-02") == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert parse_when("2026-03-02T08:00:00Z") == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_declared_seal_class_and_package_count_are_read_in_english_and_chinese():
    [v] = validate_csv([{**ONE, "containers": "CSQU3054383:22G1:CN1234567:h", "package_count": "40"}])
    assert v.data.containers[0].declared_seal_class == "H" and v.data.goods[0].package_count == 40
    [zh] = validate_csv(
        [{**ONE, "containers": "CSQU3054383：22G1：CN1234567：指示性封志", "package_count": 40}], zh=True
    )
    assert zh.data.containers[0].declared_seal_class == "I" and zh.data.goods[0].package_count == 40
    [no_seal] = validate_csv([{**ONE, "containers": "CSQU3054383:22G1::S"}])
    assert no_seal.data.containers[0].declared_seal is None and no_seal.data.containers[0].declared_seal_class == "S"
    [plain] = validate_csv([{**ONE, "containers": "CSQU3054383:22G1:CN1234567"}])
    assert plain.data.containers[0].declared_seal_class is None and plain.data.goods[0].package_count is None


def test_nested_json_gives_the_seal_class_by_english_or_chinese_key():
    keys = ("declaration_id", "declaration_number", "port_code", "enterprise_uscc", "direction", "transport_mode",
            "origin_country", "declared_at")  # fmt: skip
    doc = [
        {
            **{k: ONE[k] for k in keys},
            "goods": [{"hs_code": "8471", "quantity": 1, "gross_weight_kg": 1, "value": 1, "件数": 3}],
            "containers": [
                {"箱号": "CSQU3054383", "箱型": "22G1", "封志号": "CN1", "封志等级": "Ｓ"},
                {"number": "MSKU1234565", "size_type": "45G1", "declared_seal_class": "high security"},
            ],
        }
    ]
    [record] = read_file("t.json", json.dumps(doc).encode()).records
    v = validate_record(record, NOW)
    assert isinstance(v, ValidDeclaration), v
    assert [c.declared_seal_class for c in v.data.containers] == ["S", "H"] and v.data.goods[0].package_count == 3


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("package_count", "-3", "package count cannot be negative (-3)"),
        ("package_count", "2.5", "package count must be a whole number, not '2.5'"),
        ("package_count", "lots", "package count must be a whole number, not 'lots'"),
        ("package_count", "1e12", "implausibly large"),
        ("containers", "CSQU3054383:22G1:CN1234567:X", "container CSQU3054383: 'X' is not an ISO 17712 seal class"),
        ("containers", "CSQU3054383:22G1:CN1:H:extra", "NUMBER:SIZE_TYPE:SEAL:SEAL_CLASS"),
    ],
)
def test_a_bad_seal_class_or_package_count_is_reported_on_its_row_and_column(column, value, words):
    [outcome] = validate_csv([{**ONE, column: value}])
    assert isinstance(outcome, list), outcome
    [issue] = [i for i in outcome if i.column == column]
    assert issue.row == 2 and words in issue.reason, issue


def test_a_chinese_header_names_the_bad_package_count():
    [outcome] = validate_csv([{**ONE, "package_count": "-1"}], zh=True)
    assert "negative" in issues_of(outcome)["件数"]


def test_full_width_codes_are_read_as_ascii_with_the_same_hash():
    ascii_row = {**ONE, "containers": "CSQU3054383:22G1:CN1234567:H", "hs_code": "8471300000", "package_count": "40"}
    wide_row = {
        **ONE,
        "containers": "ＣＳＱＵ３０５４３８３：２２Ｇ１：ＣＮ１２３４５６７：Ｈ",
        "hs_code": "８４７１．３０．００００",
        "package_count": "４０",
    }
    [a] = validate_csv([ascii_row])
    [w] = validate_csv([wide_row])
    assert isinstance(w, ValidDeclaration), w
    box = w.data.containers[0]
    assert (box.number, box.size_type, box.declared_seal, box.declared_seal_class) == (
        "CSQU3054383", "22G1", "CN1234567", "H",
    )  # fmt: skip
    assert w.data.goods[0].hs_code == "8471300000" and w.data.goods[0].package_count == 40
    assert w.content_hash == a.content_hash


def test_the_new_fields_enter_the_hash_only_when_given():
    from portsight.exchange.validation import canonical_content, content_hash

    [plain] = validate_csv([{**ONE, "containers": "CSQU3054383:22G1:CN1234567"}])
    [given] = validate_csv([{**ONE, "containers": "CSQU3054383:22G1:CN1234567:H", "package_count": 40}])
    content = canonical_content(plain.data, plain.port_code)
    # Without them the hash is what it was before the format gained them: a file imported again is unchanged.
    before = {
        **content,
        "goods": [{k: v for k, v in g.items() if k != "package_count"} for g in content["goods"]],
        "containers": [{k: v for k, v in c.items() if k != "declared_seal_class"} for c in content["containers"]],
    }
    assert plain.content_hash == content_hash(before)
    assert given.content_hash != plain.content_hash
