"""Every reason the import reports and every refusal of the exchange names its message: a key both
catalogues hold, with the parameters its text needs, so a page says it in the reader's language
while the English text stays for the command line and the CSV report. The Chinese texts say it in
Chinese: what stays in Latin letters is quoted from the file, a code, or the name of a format."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from portsight.exchange.readers import ReadLimits, read_file
from portsight.exchange.synthetic import declaration_rows, rows_to_csv
from portsight.i18n import LANGUAGES, catalogue

# A word of English: four letters or more, not part of a code such as CSQU3054384 or 22G1.
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{4,}(?![A-Za-z0-9_])")
NAMES = ("JSON Lines", "JSON", "Excel", "PortSight")  # what Chinese texts call these too
# Written as the file or the command line must write it: “declarations”, `python -m portsight import`,
# docs/exchange-format.md, .xlsx; and a placeholder of the catalogue's text.
AS_WRITTEN = re.compile(r"“[^”]*”|`[^`]*`|\S+/\S+|\.[a-z]+\b|\{\w+\}")


def quoted(params: object) -> Iterator[str]:
    """The values a message quotes (from the file, or numbers), not the keys of messages it nests."""
    if isinstance(params, Mapping):
        for name, value in params.items():
            if name != "key":
                yield from quoted(value)
    elif isinstance(params, list):
        for value in params:
            yield from quoted(value)
    elif params is not None:
        yield str(params)


def english_words(text: str, params: object = None) -> list[str]:
    """The English words of a Chinese text, once the values it quotes (params) are taken out."""
    for value in sorted(quoted(params), key=len, reverse=True):
        text = text.replace(value, " ")
    for name in NAMES:
        text = text.replace(name, " ")
    return ENGLISH_WORD.findall(AS_WRITTEN.sub(" ", text))


def test_the_english_check_finds_english_and_leaves_quoted_values_and_names():
    assert english_words("“CSQU3054384”不是集装箱号：wrong length", {"value": "CSQU3054384"}) == ["wrong", "length"]
    assert english_words("第 2 行不是有效的 JSON（第 5 列）", {"line": 2, "column": 5}) == []
    assert english_words("没有“declarations”列表。见 docs/exchange-format.md。另存为 .xlsx") == []
    assert english_words("货值 {value} must be positive") == ["must", "positive"]


def test_every_chinese_exchange_message_is_chinese():
    texts = {k: v for k, v in catalogue("zh_CN").items() if k.startswith("exchange.")}
    assert len(texts) > 100
    assert {k: v for k, v in texts.items() if english_words(v)} == {}


ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "portsight" / "exchange").glob("*.py"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The position of the key in each construction of a reason or a file's refusal (its parameters follow it).
KEY_AT = {"Issue": 3, "Reason": 1, "_BadLine": 1, "Refused": 2, "reject": 3, "ReportEntry": 7, "UnreadableFile": 1}
KEYWORD_PARAMS = {"Reason", "UnreadableFile"}  # parameters as keywords: Reason(message, key, value=...)
REFUSALS = {"InvalidInput", "Conflict", "NotFound", "AccessDenied"}  # key="exchange.…", params={...}


def catalogue_key(call: ast.Call, key: str) -> str:
    name = getattr(call.func, "id", "")
    if name in REFUSALS:
        return key
    return f"exchange.{key}" if name == "UnreadableFile" else f"exchange.reason_{key}"


def calls() -> list[tuple[str, ast.Call]]:
    out = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {*KEY_AT, *REFUSALS}:
                if not _without_reason(node):
                    out.append((f"{path.name}:{node.lineno}", node))
    return out


def _without_reason(call: ast.Call) -> bool:
    """A ReportEntry made only to compare ids (importer._entry_key) says nothing to translate."""
    reason = call.args[5] if getattr(call.func, "id", "") == "ReportEntry" and len(call.args) > 5 else None
    return isinstance(reason, ast.Constant) and reason.value == ""


def given_key(call: ast.Call) -> ast.expr | None:
    keywords = {k.arg: k.value for k in call.keywords}
    name = getattr(call.func, "id", "")
    if name in KEY_AT and len(call.args) > KEY_AT[name]:
        return call.args[KEY_AT[name]]
    return keywords.get("key")


def given_params(call: ast.Call) -> set[str] | None:
    """The parameter names a call passes (a dict literal, or Reason's keywords); None when not literal."""
    name = getattr(call.func, "id", "")
    if name in KEYWORD_PARAMS:
        return {k.arg for k in call.keywords if k.arg}
    keywords = {k.arg: k.value for k in call.keywords}
    params = keywords.get("params")
    if params is None and name in KEY_AT and len(call.args) > KEY_AT[name] + 1:
        params = call.args[KEY_AT[name] + 1]
    if params is None:
        return set()
    if isinstance(params, ast.Dict) and all(isinstance(k, ast.Constant) for k in params.keys):
        return {k.value for k in params.keys if isinstance(k, ast.Constant)}
    return None


CALLS = calls()


def test_the_scan_finds_the_reasons_and_refusals():
    assert len(CALLS) >= 60


def test_every_reason_and_refusal_names_its_message():
    assert [where for where, call in CALLS if given_key(call) is None] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_named_message_is_in_the_catalogue_with_the_parameters_it_needs(lang):
    problems = []
    for where, call in CALLS:
        key = given_key(call)
        if not isinstance(key, ast.Constant):  # a variable: its literal is checked where it is written
            continue
        full = catalogue_key(call, key.value)
        if full not in catalogue(lang):
            problems.append(f"{where} {full} is not in the catalogue")
            continue
        params = given_params(call)
        needed = set(PLACEHOLDER.findall(catalogue(lang)[full]))
        if params is not None and needed - params:
            problems.append(f"{where} {full} needs {sorted(needed - params)}")
    assert problems == []


def test_the_keys_passed_on_are_in_the_catalogue():
    """Keys handed to a helper rather than to the constructor (the accepted spellings of a field)."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in MODULES)
    passed = set(re.findall(r'_canonical\(.*"(\w+)"\)$', source, re.M)) | set(re.findall(r'key="(\w+)"', source))
    assert {"not_direction", "not_mode", "changed", "same_content"} <= passed
    for lang in LANGUAGES:
        assert [k for k in passed if f"exchange.reason_{k}" not in catalogue(lang)] == []


def test_a_field_right_of_the_header_is_named_by_its_spreadsheet_column():
    text = rows_to_csv(declaration_rows(1, seed=3)).decode()
    header, row = text.splitlines()[:2]
    width = len(header.split(","))  # no header has a comma in it
    data = f"{header}\n{row},{'x' * 50}\n".encode()
    issues = read_file("wide.csv", data, ReadLimits(max_field_chars=40)).records[0].issues
    beyond = [(i.column, i.key) for i in issues if i.column not in header.split(",")]
    assert beyond == [("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[width], "field_too_long")]
