"""The rule catalogue: every rule has a legal basis and scenarios, and every scenario holds."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portsight.catalogue import default_catalogue
from portsight.domain.rules import CONFORMING, INVALID, NON_CONFORMING, check_selection, judge, scenario_outcome
from portsight.domain.steps import BASE_STEPS

CATALOGUE = default_catalogue()
SCENARIOS = [(rule.id, i, s) for rule in CATALOGUE.rules for i, s in enumerate(rule.scenarios)]
# "to be confirmed (against the text)": 待核实, 待对照标准原文核实
TO_BE_CONFIRMED = r"待(?:对照[^，。；]*)?核实"
STARTER_IDS = {
    "iso6346_check_digit",
    "seal_matches_declared",
    "gross_weight_tolerance",
    "recovered_paper_impurity",
    "nonferrous_scrap_impurity",
    "radiation_surface_dose_rate",
    "solid_waste_import_ban",
    "reefer_temperature_tolerance",
    "credit_dishonest_inspection_rate",
    "credit_advanced_inspection_rate",
    "quick_close_without_photo",
}


@pytest.mark.parametrize(
    ("rule_id", "index", "scenario"), SCENARIOS, ids=[f"{rid}-{s['name']}" for rid, _, s in SCENARIOS]
)
def test_rule_scenario_gives_the_expected_outcome(rule_id, index, scenario):
    rule = CATALOGUE.get(rule_id)
    assert scenario_outcome(rule, scenario, CATALOGUE) == scenario["expect"]


@pytest.mark.parametrize("rule_id", CATALOGUE.ids)
def test_rule_has_a_legal_basis_and_a_scenario(rule_id):
    rule = CATALOGUE.get(rule_id)
    assert rule.basis.document.zh and rule.basis.document.en
    citation = rule.basis.citation()
    assert citation.zh and citation.en
    if rule.basis.article is None:
        # No article given: the note must say, in both languages, what is still to be confirmed or that it is not law.
        assert rule.note is not None
        assert "to be confirmed" in rule.note.en or "not a legal requirement" in rule.note.en, rule.note.en
        assert re.search(TO_BE_CONFIRMED, rule.note.zh) or "不是法定要求" in rule.note.zh, rule.note.zh
    assert rule.title.zh and rule.title.en and rule.finding.zh and rule.finding.en
    assert len(rule.scenarios) >= 1


@pytest.mark.parametrize("rule_id", CATALOGUE.ids)
def test_rule_has_scenarios_on_both_sides(rule_id):
    rule = CATALOGUE.get(rule_id)
    outcomes = {s["expect"] for s in rule.scenarios}
    positive = {"conforming", "silent", "in_checklist"}
    negative = {"non_conforming", "fires", "not_in_checklist"}
    assert outcomes & positive and outcomes & negative, outcomes


def test_starter_catalogue_holds_the_rules_of_the_brief():
    assert STARTER_IDS <= set(CATALOGUE.ids)
    assert {r.kind for r in CATALOGUE.rules} == {"checklist", "validation", "selection", "alert"}


def test_policy_choices_are_said_to_be_so():
    for rule_id in ("gross_weight_tolerance", "reefer_temperature_tolerance", "quick_close_without_photo"):
        note = CATALOGUE.get(rule_id).note
        assert note is not None and "policy choice" in note.en and "政策选择" in note.zh


# What a note says about a fact's standing, in English and as the Chinese note says it.
CAVEATS = (
    ("UNCONFIRMED", "未经核实"),
    ("to be confirmed", TO_BE_CONFIRMED),
    ("policy choice", "政策选择"),
    ("legal requirement", "法定要求"),
    ("secondary", "二手"),
    ("no start date", "不设起始日期"),
)
NOTED = [rule.id for rule in CATALOGUE.rules if rule.note is not None]


@pytest.mark.parametrize("rule_id", NOTED)
def test_rule_note_gives_the_same_caveats_in_both_languages(rule_id):
    note = CATALOGUE.get(rule_id).note
    assert note is not None and re.search(r"[\u4e00-\u9fff]", note.zh), "the Chinese note is in Chinese"
    for english, chinese in CAVEATS:
        assert (english in note.en) == bool(re.search(chinese, note.zh)), (english, chinese)
    assert note.en.count("UNCONFIRMED") <= note.zh.count("未经核实"), "every UNCONFIRMED is said in Chinese too"


def _impurity_step():
    return next(s for s in CATALOGUE.step_specs().values() if s.key == "impurity")


def test_recovered_paper_limit_depends_on_the_date():
    rule = CATALOGUE.get("recovered_paper_impurity")
    assert rule.param("impurity_max_pct", date(2017, 12, 31)) == 1.5
    assert rule.param("impurity_max_pct", date(2018, 3, 1)) == 0.5
    paper_only = CATALOGUE.only(["recovered_paper_impurity"])
    assert judge(_impurity_step(), {"impurity_pct": 0.8}, {}, date(2017, 6, 1), paper_only).outcome == CONFORMING
    verdict = judge(_impurity_step(), {"impurity_pct": "0,8"}, {}, date(2019, 6, 1), paper_only)
    assert verdict.outcome == NON_CONFORMING
    (finding,) = verdict.findings
    assert finding.rule_id == "recovered_paper_impurity" and finding.severity == "high"
    assert "GB 16487.4-2017" in finding.citation.en and "GB 16487.4-2017" in finding.citation.zh
    assert "0.5" in finding.detail.en


def test_changed_parameter_changes_the_verdict():
    paper_only = CATALOGUE.only(["recovered_paper_impurity"])
    verdict = judge(
        _impurity_step(), {"impurity_pct": 0.8}, {}, date(2019, 6, 1), paper_only, parameters={"impurity_max_pct": 1.0}
    )
    assert verdict.outcome == CONFORMING


def test_seal_mismatch_is_a_high_finding_citing_its_basis():
    seal = next(s for s in BASE_STEPS if s.key == "seal")
    verdict = judge(
        seal,
        {"seal_number": "CN7654321", "seal_class": "h"},
        {"declared_seal": "CN1234567"},
        date(2024, 5, 1),
        CATALOGUE,
    )
    assert verdict.outcome == NON_CONFORMING
    assert verdict.severity == "high"
    assert verdict.values["seal_class"] == "H"
    assert verdict.findings[0].citation.en.startswith("Customs Law")


def test_invalid_input_says_what_is_expected():
    seal = next(s for s in BASE_STEPS if s.key == "seal")
    verdict = judge(
        seal, {"seal_number": "CN1", "seal_class": "Q"}, {"declared_seal": "CN1"}, date(2024, 5, 1), CATALOGUE
    )
    assert verdict.outcome == INVALID
    (problem,) = verdict.problems
    assert problem.name == "seal_class" and "I / S / H" in problem.expected.en


def test_wrong_container_number_finding_explains_the_check_digit():
    step = next(s for s in BASE_STEPS if s.key == "container_number")
    verdict = judge(step, {"number": "CSQU3054384"}, {}, date(2024, 5, 1), CATALOGUE)
    assert verdict.outcome == NON_CONFORMING
    assert verdict.findings[0].detail.en == "wrong check digit (expected 3)"


def test_rule_not_in_force_is_not_applied():
    step = CATALOGUE.step_specs()["reefer_temperature"]
    verdict = judge(step, {"set_point_c": -18, "measured_c": -5}, {}, date(2020, 1, 1), CATALOGUE)
    assert verdict.outcome == CONFORMING


def test_advanced_tier_rate_is_compared_with_a_share_of_the_general_average():
    rule = CATALOGUE.get("credit_advanced_inspection_rate")
    assert (
        check_selection(rule, {"inspection_rate_pct": 1.9, "general_average_rate_pct": 10}, date(2022, 1, 1)).outcome
        == CONFORMING
    )
    assert (
        check_selection(rule, {"inspection_rate_pct": 2.0, "general_average_rate_pct": 10}, date(2022, 1, 1)).outcome
        == NON_CONFORMING
    )
