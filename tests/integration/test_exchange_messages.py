"""An import's report and an unreadable file are said in the reader's language: on a Chinese page no
reason of a container-level fault or of a malformed JSON file is left in English, only the values
quoted from the file (and the names of formats and codes) are."""

from __future__ import annotations

import json

import pytest

from components.exchange.data import reason_text
from components.shell.messages import render_message
from portsight.domain.access import SYSTEM
from portsight.exchange import ReportEntry, UnreadableFile, import_bytes
from portsight.exchange.readers import ReadLimits
from portsight.exchange.synthetic import declaration_rows, rows_to_csv, rows_to_nested_json
from tests.integration.test_exchange import NOW, served  # noqa: F401 - the fixture
from tests.unit.test_exchange_messages import english_words


def untranslated(entries: list[ReportEntry]) -> list[tuple[str, str]]:
    """(key, Chinese text) of each rejected entry whose reason has no key or keeps English words."""
    return [
        (e.key, reason_text("zh_CN", e))
        for e in entries
        if e.status == "rejected" and (not e.key or english_words(reason_text("zh_CN", e), e.params))
    ]


def test_an_entry_without_a_key_counts_as_untranslated():
    entry = ReportEntry(2, "2", "X", "rejected", "containers", "the reason", 1)
    assert untranslated([entry]) == [("", "the reason")]


def test_container_faults_are_reported_in_the_readers_language(served):  # noqa: F811
    rows = declaration_rows(12, seed=57, prefix="MSG")
    ids = list(dict.fromkeys(r["declaration_id"] for r in rows))
    faults = {
        ids[0]: "CSQU3054384:22G1",  # check digit
        ids[1]: "CSQU3054383:XX",  # size/type of one container of the cell
        ids[2]: "CSQU3054383",  # no size/type at all
        ids[3]: "CSQU3054383:22G1:CN1234567:Q",  # seal class
        ids[4]: "CSQU3054383:22G1;CSQU3054383:45G1",  # the same container twice
    }
    for r in rows:
        if r["declaration_id"] in faults:
            r["containers"] = faults[r["declaration_id"]] if r["line_no"] == 1 else ""
    result = import_bytes(served, SYSTEM, "containers.csv", rows_to_csv(rows), now=NOW)
    rejected = [e for e in result.entries if e.status == "rejected"]
    assert {e.declaration_id for e in rejected} == set(faults)
    assert {"not_container", "container_reason", "container_format", "container_twice"} <= {e.key for e in rejected}
    assert untranslated(result.entries) == []
    nested = next(e for e in rejected if e.key == "container_reason")
    assert reason_text("en", nested) == nested.reason  # the English page says what the command line says
    assert reason_text("zh_CN", nested).startswith("集装箱 CSQU3054383：")


def test_a_malformed_json_file_is_reported_in_the_readers_language(served):  # noqa: F811
    good = json.loads(rows_to_nested_json(declaration_rows(3, seed=58, prefix="JSN")))["declarations"]
    first = good[0]
    lines = [
        json.dumps(first),
        '{"declaration_id": "JSN-BROKEN", "goods": [',  # not JSON: refuses its declaration
        "[1, 2]",  # not an object
        json.dumps({**first, "declaration_id": "JSN-A", "goods": "none", "hs_code": "4707"}),
        json.dumps({**first, "declaration_id": "JSN-B", "goods": [7], "containers": {"number": "x"}}),
        json.dumps({**first, "declaration_id": "JSN-C", "containers": [{"box": "CSQU3054383"}, 5]}),
        json.dumps({**first, "declaration_id": "JSN-D", "declared_at": "1999-12-31"}),
        json.dumps({**first, "declaration_id": "JSN-E", "goods": [{**first["goods"][0], "currency": "RMB"}]}),
        json.dumps({**first, "declaration_id": "JSN-LONG", "note": "x" * 400}),  # longer than a line may be
    ]
    data = "\n".join(lines).encode()
    limits = ReadLimits(max_line_chars=len(lines[-2]) + 10)
    result = import_bytes(served, SYSTEM, "broken.jsonl", data, now=NOW, limits=limits)
    rejected = [e for e in result.entries if e.status == "rejected"]
    expected = {
        "line_not_json",
        "record_not_object",
        "goods_not_list",
        "goods_field_on_declaration",
        "goods_line_not_object",
        "containers_not_list",
        "unknown_container_field",
        "container_not_object",
        "date_too_early",
        "not_currency",
        "line_too_long",
    }
    assert expected <= {e.key for e in rejected}
    assert untranslated(result.entries) == []


@pytest.mark.parametrize(
    "data",
    [b'{"declarations": [', b"\x80{}", b'{"rows": 5}', b'{"other": []}'],
    ids=["not-json", "not-utf8", "not-a-list", "no-list"],
)
def test_an_unreadable_json_file_says_why_in_the_readers_language(served, data):  # noqa: F811
    with pytest.raises(UnreadableFile) as refused:
        import_bytes(served, SYSTEM, "broken.json", data, now=NOW)
    error = refused.value
    zh = render_message("zh_CN", error.message_key, error.message_values)
    assert error.message_key in (f"exchange.{error.key}",) and zh != error.message_key
    assert english_words(zh, error.params) == []
