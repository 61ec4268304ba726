"""`python -m portsight judge CASE.json`: one JSON verdict on stdout (exit 0); exit 2 naming the field of a
malformed case. Scripts outside the app rely on the interface (issue 15), so its keys are checked exactly."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from portsight.__main__ import main

ROOT = Path(__file__).resolve().parents[2]

# The case of the issue's interface section, as given there.
CASE = {
    "declaration": {
        "declared_on": "2026-11-20",
        "transport_mode": "sea",
        "origin_country": "JP",
        "credit_tier": "general",
        "goods": [
            {
                "hs_code": "8517130000",
                "description": "smartphones",
                "quantity": 1000,
                "unit": "pcs",
                "gross_weight_kg": 5200,
            }
        ],
        "containers": [
            {"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN1234567", "declared_seal_class": "H"}
        ],
    },
    "steps": [
        {"step": "container_number", "container": "CSQU3054383", "values": {"number": "MSKU6011672"}},
        {"step": "seal", "container": "CSQU3054383", "values": {"seal_number": "CN1234567", "seal_class": "I"}},
        {"step": "goods", "values": {"description_matches": True, "quantity": 10, "gross_weight_kg": 5200}},
    ],
}


def run(tmp_path: Path, case, capsys) -> tuple[int, dict | None, str]:
    path = tmp_path / "case.json"
    path.write_text(case if isinstance(case, str) else json.dumps(case), encoding="utf-8")
    code = main(["judge", str(path)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def step(verdict: dict, key: str) -> dict:
    return next(s for s in verdict["steps"] if s["step"] == key)


def test_the_issues_case_prints_one_verdict_with_the_interfaces_keys(tmp_path, capsys):
    code, verdict, err = run(tmp_path, CASE, capsys)
    assert code == 0 and err == ""
    assert list(verdict) == ["checklist", "alerts", "steps", "release_allowed", "blockers"]
    assert {"step": "container_number", "container": "CSQU3054383"} in verdict["checklist"]
    assert {"step": "goods", "container": None} in verdict["checklist"]
    assert verdict["alerts"] == []
    for judged in verdict["steps"]:
        assert list(judged) == ["step", "container", "outcome", "findings"]
        assert judged["outcome"] in ("conforming", "non_conforming", "invalid")
        for finding in judged["findings"]:
            assert list(finding) == ["rule", "severity", "citation"]


def test_a_seal_of_a_lower_class_than_declared_is_non_conforming_with_its_citation(tmp_path, capsys):
    _, verdict, _ = run(tmp_path, CASE, capsys)
    seal = step(verdict, "seal")
    assert seal["container"] == "CSQU3054383" and seal["outcome"] == "non_conforming"
    high = [f for f in seal["findings"] if f["severity"] == "high"]
    assert high and all(f["rule"] and f["citation"] for f in high)
    assert verdict["release_allowed"] is False
    assert any(f"[{f['rule']}]" in line for f in high for line in verdict["blockers"])


def test_the_same_seal_class_as_declared_passes(tmp_path, capsys):
    case = copy.deepcopy(CASE)
    case["steps"] = [
        {"step": "seal", "container": "CSQU3054383", "values": {"seal_number": "CN1234567", "seal_class": "H"}}
    ]
    _, verdict, _ = run(tmp_path, case, capsys)
    assert step(verdict, "seal")["outcome"] == "conforming"


def test_the_wrong_container_is_non_conforming(tmp_path, capsys):
    _, verdict, _ = run(tmp_path, CASE, capsys)
    box = step(verdict, "container_number")
    assert box["outcome"] == "non_conforming"
    assert any(f["severity"] == "high" and f["citation"] for f in box["findings"])


def test_steps_not_given_count_as_done_and_conforming(tmp_path, capsys):
    case = copy.deepcopy(CASE)
    case["steps"] = [{"step": "container_number", "container": "CSQU3054383", "values": {"number": "CSQU3054383"}}]
    _, verdict, _ = run(tmp_path, case, capsys)
    assert step(verdict, "container_number") == {
        "step": "container_number",
        "container": "CSQU3054383",
        "outcome": "conforming",
        "findings": [],
    }
    assert verdict["release_allowed"] is True and verdict["blockers"] == []


def test_values_that_cannot_be_recorded_are_invalid_and_block_release(tmp_path, capsys):
    case = copy.deepcopy(CASE)
    case["steps"] = [{"step": "goods", "values": {"description_matches": True, "quantity": "lots"}}]
    _, verdict, _ = run(tmp_path, case, capsys)
    assert step(verdict, "goods")["outcome"] == "invalid"
    assert verdict["release_allowed"] is False and "goods" in verdict["blockers"][0]


def test_prohibited_goods_raise_the_alert_and_release_is_forbidden_on_their_date(tmp_path, capsys):
    case = copy.deepcopy(CASE)
    case["declaration"]["goods"] = [
        {"hs_code": "7404000090", "description": "copper waste and scrap", "quantity": 20, "unit": "t",
         "gross_weight_kg": 20000}
    ]  # fmt: skip
    case["steps"] = []
    _, verdict, _ = run(tmp_path, case, capsys)
    assert verdict["alerts"] == ["solid_waste_import_ban"]
    assert verdict["release_allowed"] is False
    assert any("Release forbidden" in b and "[solid_waste_import_ban]" in b for b in verdict["blockers"])
    assert any("prohibited-goods alert" in b for b in verdict["blockers"])
    case["declaration"]["declared_on"] = "2019-06-01"  # before the ban: no alert, nothing forbids release
    _, verdict, _ = run(tmp_path, case, capsys)
    assert verdict["alerts"] == [] and not any("Release forbidden" in b for b in verdict["blockers"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["declaration"].pop("declared_on"), "declaration.declared_on"),
        (lambda c: c["declaration"].update(declared_on="20 Nov 2026"), "declaration.declared_on"),
        (lambda c: c["declaration"]["goods"][0].pop("hs_code"), "declaration.goods[0].hs_code"),
        (lambda c: c["declaration"]["goods"][0].update(quantity="many"), "declaration.goods[0].quantity"),
        (lambda c: c["declaration"]["goods"][0].update(hscode="8517"), "declaration.goods[0].hscode"),
        (lambda c: c["declaration"]["containers"][0].update(number=3054383), "declaration.containers[0].number"),
        (lambda c: c["declaration"].update(goods={}), "declaration.goods"),
        (lambda c: c.update(steps={"seal": {}}), "steps"),
        (lambda c: c["steps"][1].update(step="fumigation"), "steps[1].step"),
        (lambda c: c["steps"][1].update(container="MSKU6011672"), "steps[1].container"),
        (lambda c: c["steps"][2].update(values=["yes"]), "steps[2].values"),
        (lambda c: c["steps"].append(copy.deepcopy(c["steps"][0])), "steps[3]"),
        (lambda c: c.pop("declaration"), "declaration"),
        (lambda c: c.update(verdict="please"), "verdict"),
    ],
)
def test_a_malformed_case_exits_2_naming_the_field(tmp_path, capsys, change, field):
    case = copy.deepcopy(CASE)
    change(case)
    code, verdict, err = run(tmp_path, case, capsys)
    assert code == 2 and verdict is None
    assert f"field '{field}'" in err and "Traceback" not in err


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_a_file_that_is_not_a_case_exits_2(tmp_path, capsys, text):
    code, _, err = run(tmp_path, text, capsys)
    assert code == 2 and "field 'case'" in err


def test_the_command_runs_as_a_module_and_prints_exactly_one_json_object(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "portsight", "judge", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["release_allowed"] is False
    assert done.stdout.strip().count("\n") == 0
