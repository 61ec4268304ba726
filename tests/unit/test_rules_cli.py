"""The command line and a malformed rule file: the message names file, rule and field; exit 3, no traceback."""

from __future__ import annotations

import shutil

import pytest

from portsight.__main__ import main
from portsight.catalogue import RULES_DIR


@pytest.fixture
def broken_rules(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "rules"
    shutil.copytree(RULES_DIR, folder)
    waste = folder / "waste.yaml"
    text = waste.read_text(encoding="utf-8")
    assert "severity: high" in text
    waste.write_text(text.replace("severity: high", "severity: extreme", 1), encoding="utf-8")
    monkeypatch.setenv("PORTSIGHT_RULES_DIR", str(folder))
    return folder


def test_rules_check_passes_on_the_shipped_catalogue(capsys, monkeypatch):
    monkeypatch.delenv("PORTSIGHT_RULES_DIR", raising=False)
    assert main(["rules", "check"]) == 0
    assert "rules load without error" in capsys.readouterr().out


def test_rules_check_names_file_rule_and_field_of_a_malformed_file(broken_rules, capsys):
    assert main(["rules", "check"]) == 3
    err = capsys.readouterr().err
    assert "data/rules/waste.yaml" in err and "rule 'recovered_paper_impurity'" in err and "field 'severity'" in err
    assert "Traceback" not in err


def test_seed_stops_before_touching_the_database_when_a_rule_file_is_malformed(broken_rules, tmp_path, capsys,
                                                                                monkeypatch):  # fmt: skip
    database = tmp_path / "seed.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(tmp_path))
    assert main(["seed", "--weeks", "1", "--if-empty"]) == 3
    assert "field 'severity'" in capsys.readouterr().err
    assert not database.exists()
