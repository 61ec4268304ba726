"""A malformed rule file stops start-up with RuleCatalogueError naming file, rule and field."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from portsight.catalogue import RULES_DIR, load_catalogue
from portsight.domain.rulebook import RuleCatalogueError

GOOD = """
rules:
  - id: demo_limit
    kind: validation
    title: {zh: 示例, en: Demo}
    scope: {hs: ["4707"]}
    basis:
      document: {zh: 示例文件, en: Demo document}
    adds_step:
      key: demo
      title: {zh: 示例, en: Demo}
      inputs:
        - {name: x, type: number, unit: "%", title: {zh: x, en: x}}
      photos: {count: 0, what: {zh: 无, en: none}}
    parameters:
      x_max: {unit: "%", values: [{value: 1.5}, {from: 2018-03-01, value: 0.5}]}
    severity: high
    finding: {zh: 超限, en: Over the limit}
    require:
      - {field: x, op: "<=", limit: x_max}
    note: {zh: 条款待核实, en: article to be confirmed}
    scenarios:
      - {name: ok, date: 2019-01-01, values: {x: 0.1}, expect: conforming}
"""


def _write(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "data" / "rules"
    folder.mkdir(parents=True)
    (folder / "demo.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def test_well_formed_file_loads(tmp_path):
    catalogue = load_catalogue(_write(tmp_path, GOOD))
    assert catalogue.ids == ("demo_limit",)


def test_shipped_catalogue_loads():
    assert len(load_catalogue(RULES_DIR).rules) >= 11


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("severity: high", "severity: extreme", "severity"),
        ('op: "<=", limit: x_max', 'op: "=~", limit: x_max', "require[0].op"),
        ("limit: x_max}", "limit: y_max}", "require[0]"),
        ("{from: 2018-03-01, value: 0.5}", "{from: someday, value: 0.5}", "parameters.x_max.values[1].from"),
        ("{from: 2018-03-01, value: 0.5}", "{from: 2018-03-01, value: half}", "parameters.x_max.values[1].value"),
        ("      document: {zh: 示例文件, en: Demo document}", "      document: {zh: 示例文件}", "basis.document.en"),
        ("    kind: validation", "    kind: validation\n    colour: red", "colour"),
        ('{field: x, op: "<="', '{field: y, op: "<="', "require[0].field"),
        ("type: number", "type: float", "adds_step.inputs[0].type"),
    ],
)
def test_malformed_rule_names_file_rule_and_field(tmp_path, old, new, field):
    assert old in GOOD
    folder = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RuleCatalogueError) as caught:
        load_catalogue(folder)
    err = caught.value
    assert err.file.endswith("demo.yaml") and err.rule_id == "demo_limit" and err.field == field
    message = str(err)
    assert "demo.yaml" in message and "'demo_limit'" in message and f"'{field}'" in message
    assert "Traceback" not in message


def test_well_formed_note_is_read_in_both_languages(tmp_path):
    note = load_catalogue(_write(tmp_path, GOOD)).get("demo_limit").note
    assert note is not None and (note.zh, note.en) == ("条款待核实", "article to be confirmed")


@pytest.mark.parametrize(
    ("note", "field", "problem"),
    [
        ("{en: article to be confirmed}", "note.zh", "is required"),
        ("{zh: 条款待核实}", "note.en", "is required"),
        ('{zh: "  ", en: article to be confirmed}', "note.zh", "is required"),
        ("article to be confirmed", "note", "both languages"),
    ],
)
def test_a_note_without_both_languages_is_refused(tmp_path, note, field, problem):
    body = GOOD.replace("    note: {zh: 条款待核实, en: article to be confirmed}", f"    note: {note}", 1)
    with pytest.raises(RuleCatalogueError) as caught:
        load_catalogue(_write(tmp_path, body))
    err = caught.value
    assert err.file.endswith("demo.yaml") and err.rule_id == "demo_limit" and err.field == field
    message = str(err)
    assert "demo.yaml" in message and "rule 'demo_limit'" in message and f"field '{field}'" in message
    assert problem in message


def test_missing_basis_is_refused(tmp_path):
    body = GOOD.replace("    basis:\n      document: {zh: 示例文件, en: Demo document}\n", "")
    with pytest.raises(RuleCatalogueError, match=r"rule 'demo_limit', field 'basis'"):
        load_catalogue(_write(tmp_path, body))


def test_duplicate_rule_id_names_both_files(tmp_path):
    folder = _write(tmp_path, GOOD)
    (folder / "other.yaml").write_text(textwrap.dedent(GOOD), encoding="utf-8")
    with pytest.raises(RuleCatalogueError, match="duplicate id, also defined in .*demo.yaml"):
        load_catalogue(folder)


def test_broken_yaml_names_the_file_and_line(tmp_path):
    with pytest.raises(RuleCatalogueError, match=r"demo.yaml.*not valid YAML at line"):
        load_catalogue(_write(tmp_path, "rules:\n  - id: [unclosed\n"))


SUCCESSOR = """
  - id: demo_limit_2019
    kind: validation
    title: {zh: 示例二, en: Demo two}
    scope: {hs: ["4707"]}
    effective_from: 2019-01-01
    basis:
      document: {zh: 示例文件二, en: Demo document two}
    step: demo
    severity: high
    finding: {zh: 超限, en: Over the limit}
    parameters:
      x_max: {unit: "%", value: 0.4}
    require:
      - {field: x, op: "<=", limit: x_max}
    note: {zh: 条款待核实, en: article to be confirmed}
    scenarios:
      - {name: ok, date: 2019-01-01, values: {x: 0.1}, expect: conforming}
"""


def test_a_rule_names_its_successor_and_the_successor_takes_over(tmp_path):
    body = GOOD.replace(
        "    severity: high", "    effective_to: 2018-12-31\n    superseded_by: demo_limit_2019\n    severity: high", 1
    )
    catalogue = load_catalogue(_write(tmp_path, body + SUCCESSOR))
    assert catalogue.get("demo_limit").superseded_by == "demo_limit_2019"
    assert catalogue.get("demo_limit").effective_to.isoformat() == "2018-12-31"


@pytest.mark.parametrize(
    ("dates", "field", "problem"),
    [
        ("    superseded_by: demo_limit_2019\n", "effective_to", "is required when superseded_by"),
        ("    effective_to: 2018-12-31\n    superseded_by: no_such_rule\n", "superseded_by", "not in the catalogue"),
        ("    effective_to: 2018-12-31\n    superseded_by: demo_limit\n", "superseded_by", "cannot supersede itself"),
        (
            "    effective_to: 2017-12-31\n    superseded_by: demo_limit_2019\n",
            "superseded_by",
            "not in force on 2018-01-01",
        ),
    ],
)
def test_a_wrong_successor_is_refused(tmp_path, dates, field, problem):
    body = GOOD.replace("    severity: high", dates + "    severity: high", 1)
    with pytest.raises(RuleCatalogueError) as caught:
        load_catalogue(_write(tmp_path, body + SUCCESSOR))
    assert caught.value.rule_id == "demo_limit" and caught.value.field == field
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ('{hs: ["4707"], hs_except: ["7404000030"]}', "scope.hs_except[0]"),  # not under the scope's hs
        ('{hs: ["4707"], hs_except: ["4707"]}', "scope.hs_except[0]"),  # the whole prefix, not a part of it
        ('{hs: ["4707"], hs_except: [{hs: ["4707100000"], from: soon}]}', "scope.hs_except[0].from"),
        ('{hs: ["4707"], hs_except: [{codes: ["4707100000"]}]}', "scope.hs_except[0].codes"),
        ('{origins: [US], hs_except: ["4707100000"]}', "scope.hs_except"),  # nothing to carve out of
    ],
)
def test_a_malformed_hs_exception_names_its_field(tmp_path, scope, field):
    body = GOOD.replace('scope: {hs: ["4707"]}', f"scope: {scope}", 1)
    with pytest.raises(RuleCatalogueError) as caught:
        load_catalogue(_write(tmp_path, body))
    assert caught.value.field == field, str(caught.value)


def test_an_hs_exception_is_dated(tmp_path):
    body = GOOD.replace(
        'scope: {hs: ["4707"]}',
        'scope: {hs: ["4707"], hs_except: ["4707900000", {from: 2020-11-01, hs: ["4707100000"]}]}',
    )
    scope = load_catalogue(_write(tmp_path, body)).get("demo_limit").scope
    assert scope.hs_matches("4707100000", date(2020, 10, 31)) and not scope.hs_matches("4707100000", date(2020, 11, 1))
    assert not scope.hs_matches("4707900000", date(2000, 1, 1))  # undated: always left out
    assert scope.hs_matches("4707", date(2024, 1, 1))  # the heading alone stays in scope
    assert not scope.hs_matches("4707100000")  # no date: every exception counts
