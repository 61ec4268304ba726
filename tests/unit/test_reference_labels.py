"""Reference values and recorded values in the reader's language (components/shell/formatting.py),
HS headings in both languages (portsight/reference.py) and import reasons by message key."""

from __future__ import annotations

from datetime import date

from components.exchange.data import reason_text
from components.shell.formatting import (
    country_label,
    credit_tier_label,
    enterprise_label,
    goods_text,
    hs_text,
    number_text,
    selection_reason_text,
    values_text,
)
from portsight.catalogue import default_catalogue
from portsight.exchange.report import ReportEntry, entry_dict, entry_from_dict
from portsight.reference import hs_heading


def test_heading_has_chinese_text_and_falls_back_to_english() -> None:
    copper = hs_heading("7404000020")
    assert copper is not None
    assert copper.text("zh_CN") == "铜废碎料" and copper.text("en") == "Copper; waste and scrap"
    phones = hs_heading("8517")
    assert phones is not None and phones.description_zh is None
    assert phones.text("zh_CN") == phones.description  # no Chinese text shipped: English shown


def test_goods_keeping_only_the_heading_text_are_described_in_the_readers_language() -> None:
    assert goods_text("zh_CN", "7404000020", "Copper; waste and scrap") == "铜废碎料"
    assert goods_text("en", "7404000020", "光亮铜\nBright copper wire") == "Bright copper wire"
    assert hs_text("zh_CN", "7404000020") == "7404 铜废碎料"
    assert hs_text("zh_CN", "8517130000") == "8517"  # no Chinese text: no English on a Chinese page
    assert hs_text("zh_CN", "8471300000").startswith("8471 自动数据处理设备及其部件")
    assert hs_text("en", "8471300000").startswith("8471 Automatic data processing machines")


def test_reference_values_per_language() -> None:
    # Named as the credit measures in force that day name them (data/rules/credit.yaml).
    assert credit_tier_label("zh_CN", "general", date(2020, 6, 1)) == "一般信用企业"
    assert credit_tier_label("zh_CN", "general", date(2025, 6, 1)) == "实施常规管理措施的企业"
    assert credit_tier_label("en", "dishonest", date(2025, 6, 1)) == "Dishonest"
    assert country_label("zh_CN", "JP") == "日本" and country_label("en", "JP") == "Japan"
    assert enterprise_label("en", "上海铜源有限公司", "Tongyuan Co.") == "Tongyuan Co."
    assert enterprise_label("zh_CN", "上海铜源有限公司", "Tongyuan Co.") == "上海铜源有限公司"
    assert enterprise_label("en", "上海铜源有限公司", None) == "上海铜源有限公司"


def test_recorded_values_are_labelled_rounded_and_yes_no() -> None:
    assert number_text("en", 7584.200000000001) == "7,584.2"
    text = values_text("zh_CN", "goods", {"quantity": 7584.200000000001, "gross_weight_kg": 7590.0})
    assert text == "清点数量: 7,584.2; 过磅毛重: 7,590 千克"
    assert "{" not in values_text("en", "goods", {"description_matches": True})
    assert values_text("en", "goods", {"description_matches": False}).endswith(": no")
    rule = default_catalogue().get("ccc_inspection")
    assert selection_reason_text("zh_CN", {"code": "rule_hit", "rule_id": "ccc_inspection"}).endswith(rule.title.zh)
    drawn = selection_reason_text("en", {"code": "random_draw", "tier": "general", "rate": 0.05, "draw": 0.01234})
    assert drawn == "Drawn: 0.0123 below the rate 5.0%"


def test_import_reasons_are_said_in_the_readers_language_and_survive_storage() -> None:
    entry = ReportEntry(3, "3", "D1", "rejected", "qty", "must be a number, not 'x'", 1, "not_number", {"value": "x"})
    stored = entry_from_dict(entry_dict(entry), 1)
    assert reason_text("zh_CN", stored) == "应为数字，而不是“x”"
    assert reason_text("en", stored) == "must be a number, not 'x'"
    old = entry_from_dict({"row": 3, "status": "rejected", "reason": "kept as it was"}, 1)
    assert reason_text("zh_CN", old) == "kept as it was"  # stored before message keys: its text


def test_a_formula_cell_without_a_stored_value_is_named_in_the_rows_reason() -> None:
    import io

    from openpyxl import Workbook

    from portsight.exchange.readers import read_file

    wb = Workbook()
    ws = wb.active
    header = ["declaration_id", "declaration_number", "port_code", "enterprise_uscc", "direction", "transport_mode",
              "origin_country", "declared_at", "hs_code", "quantity", "gross_weight_kg", "value"]  # fmt: skip
    ws.append(header)
    row = ["D1", "222920260010000077", "CNSGH", "91310000MA1FL8LQ35", "import", "sea", "JP", "2026-03-02",
           "7404000020", "=2*3", 7584.2, 51000]  # fmt: skip
    ws.append(row)  # openpyxl stores the formula with no computed value, as many tools do
    buf = io.BytesIO()
    wb.save(buf)
    parsed = read_file("goods.xlsx", buf.getvalue())
    issues = [i for record in parsed.records for i in record.issues]
    assert [(i.row, i.column, i.key) for i in issues] == [(2, "quantity", "formula_cell")]
    assert issues[0].reason == "formula cells are not read; paste values"


def test_row_reasons_carry_their_message_key_and_parameters() -> None:
    from portsight.exchange.readers import read_file
    from portsight.exchange.validation import validate_record

    header = ("declaration_id,declaration_number,port_code,enterprise_uscc,direction,transport_mode,"
              "origin_country,declared_at,hs_code,quantity,gross_weight_kg,value")  # fmt: skip
    row = "D1,222920260010000077,CNSGH,91310000MA1FL8LQ35,进口,ship,XX,2026-03-02,9999000000,abc,10,1"
    [record] = read_file("d.csv", f"{header}\n{row}\n".encode()).records
    issues = validate_record(record)
    assert isinstance(issues, list)
    keys = {i.column: (i.key, i.params) for i in issues}
    assert keys["transport_mode"] == ("not_mode", {"value": "ship"})
    assert keys["origin_country"] == ("not_country", {"value": "XX"})
    assert keys["hs_code"] == ("hs_unknown", {"heading": "9999"})
    assert keys["quantity"] == ("not_number", {"value": "abc"})
    for issue in issues:  # every reason here has its words in both languages
        assert reason_text("zh_CN", ReportEntry(2, "2", "D1", "rejected", issue.column, issue.reason, 1,
                                                issue.key, issue.params)) != issue.reason  # fmt: skip
