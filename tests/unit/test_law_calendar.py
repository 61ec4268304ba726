"""The law's calendar: solid waste against recycled raw materials by 10-digit code and date, rules
that end naming the rule that takes over, and the rules page's calendar of what changed when."""

from __future__ import annotations

from datetime import date

import pytest

from components.rules.data import (
    ENDS,
    NARROWS,
    STARTS,
    calendar_families,
    calendar_periods,
    filter_calendar,
    rule_calendar,
    rule_family,
)
from portsight.catalogue import default_catalogue
from portsight.domain.checklist import generate_checklist
from portsight.domain.facts import DeclarationFacts
from portsight.domain.rules import declaration_alerts

CATALOGUE = default_catalogue()
LAW_FAMILIES = ("waste", "recycled", "food", "plants", "meat", "ccc")


def facts(hs: list[str], on: date) -> DeclarationFacts:
    return DeclarationFacts.from_mapping(
        {
            "declared_on": on,
            "hs": hs,
            "origin_country": "JP",
            "containers": [{"number": "TCNU7200794", "size_type": "22G1"}],
        }
    )


def steps(hs: list[str], on: date) -> list[str]:
    return [s.key for s in generate_checklist(facts(hs, on), None, CATALOGUE)]


def alerts(hs: list[str], on: date) -> list[str]:
    return [r.id for r in declaration_alerts(facts(hs, on), CATALOGUE)]


@pytest.mark.parametrize(
    ("case", "hs", "on", "recycled", "impurity", "banned"),
    [
        ("copper scrap under licence in 2019", ["7404"], date(2019, 6, 1), False, True, False),
        ("recycled copper raw material in November 2020", ["7404000030"], date(2020, 11, 20), True, False, False),
        ("copper scrap in the last months of licences", ["7404"], date(2020, 11, 20), False, True, False),
        ("recycled copper raw material in 2022", ["7404000030"], date(2022, 5, 1), True, False, False),
        ("copper waste declared under the heading in 2026", ["7404"], date(2026, 11, 20), False, False, True),
        ("7404000040 before the 2024 announcement", ["7404000040"], date(2023, 6, 1), False, False, True),
        ("recycled copper alloy 7404000040 after it", ["7404000040"], date(2025, 1, 10), True, False, False),
        ("recycled steel in 2021", ["7204490030"], date(2021, 3, 1), True, False, False),
        ("recycled steel code before its announcement", ["7204490030"], date(2020, 12, 1), False, False, False),
        ("ferrous scrap under the heading in 2021", ["7204"], date(2021, 3, 1), False, False, True),
    ],
)
def test_waste_and_recycled_raw_materials_are_told_apart_by_code_and_date(case, hs, on, recycled, impurity, banned):
    keys = steps(hs, on)
    assert ("recycled_raw_material" in keys) is recycled, (case, keys)
    assert ("impurity" in keys) is impurity, (case, keys)
    assert ("solid_waste_import_ban" in alerts(hs, on)) is banned, case
    assert "radiation" in keys, "every line of these headings still gets the radiation reading"


def test_the_ban_forbids_release_and_cites_the_solid_waste_law():
    ban = CATALOGUE.get("solid_waste_import_ban")
    assert ban.effective_from == date(2021, 1, 1) and ban.forbids_release
    assert "Art. 24" in ban.basis.citation().en and "第二十四条" in ban.basis.citation().zh
    assert "UNCONFIRMED" in ban.note.en and "未经核实" in ban.note.zh  # the announcement's number


@pytest.mark.parametrize(
    ("rule_id", "last_day", "successor"),
    [
        ("recovered_paper_impurity", date(2020, 12, 31), "solid_waste_import_ban"),
        ("nonferrous_scrap_impurity", date(2020, 12, 31), "solid_waste_import_ban"),
        ("recycled_copper_aluminium_2020", date(2024, 11, 14), "recycled_copper_aluminium_2024"),
        ("food_label_gb7718_2011", date(2027, 3, 15), "food_label_gb7718_2025"),
    ],
)
def test_a_rule_that_ends_names_the_rule_that_takes_over_the_next_day(rule_id, last_day, successor):
    rule = CATALOGUE.get(rule_id)
    assert rule.effective_to == last_day and rule.superseded_by == successor
    after = date.fromordinal(last_day.toordinal() + 1)
    assert not rule.in_force(after) and CATALOGUE.get(successor).in_force(after)


@pytest.mark.parametrize("family", LAW_FAMILIES)
def test_the_laws_rules_carry_their_start_or_say_why_not(family):
    for rule in CATALOGUE.rules:
        if rule_family(rule) == family and rule.effective_from is None:
            assert "no start date" in rule.note.en and "不设起始日期" in rule.note.zh, rule.id


def test_the_wrong_recycled_copper_code_is_gone():
    codes = [code for rule in CATALOGUE.rules for code in rule.scope.hs]
    scenario_codes = [
        str(code)
        for rule in CATALOGUE.rules
        for s in rule.scenarios
        for code in (s.get("declaration") or {}).get("hs", [])
    ]
    assert "7404000090" not in codes + scenario_codes


def test_the_goods_families_add_their_steps():
    on = date(2024, 9, 1)
    assert "chinese_label" in steps(["2204210000"], on)  # bottled wine
    assert "plant_quarantine" in steps(["0810600000"], on) and "plant_quarantine" in steps(["4403219000"], on)
    assert "meat_documents" in steps(["0202300000"], on)
    assert "ccc" in steps(["8528520000"], on)
    assert not {"chinese_label", "plant_quarantine", "meat_documents", "ccc"} & set(steps(["6109100000"], on))


# ---------------------------------------------------------------- the calendar


def test_the_calendar_is_newest_first_with_ends_before_starts_on_a_day():
    events = rule_calendar(CATALOGUE)
    days = [e["on"] for e in events]
    assert days == sorted(days, reverse=True)
    jan_2021 = [(e["change"], e["rule_id"]) for e in events if e["on"] == date(2021, 1, 1)]
    assert jan_2021.index((ENDS, "recovered_paper_impurity")) < jan_2021.index((STARTS, "solid_waste_import_ban"))


def test_the_ban_starts_on_2021_01_01_taking_over_from_the_impurity_checks():
    events = rule_calendar(CATALOGUE)
    (start,) = [e for e in events if e["rule_id"] == "solid_waste_import_ban" and e["change"] == STARTS]
    assert start["on"] == date(2021, 1, 1) and start["effect"] == "forbids_release"
    assert set(start["predecessors"]) == {"recovered_paper_impurity", "nonferrous_scrap_impurity"}
    (end,) = [e for e in events if e["rule_id"] == "recovered_paper_impurity" and e["change"] == ENDS]
    assert end["on"] == date(2021, 1, 1) and end["last_day"] == date(2020, 12, 31)
    assert (
        end["effect"] == "removes_step" and end["step"] == "impurity" and end["successor"] == "solid_waste_import_ban"
    )
    (narrowed,) = [e for e in events if e["rule_id"] == "solid_waste_import_ban" and e["change"] == NARROWS]
    assert narrowed["on"] == date(2024, 11, 15) and "7602000040" in narrowed["codes"]


def test_a_step_taken_over_by_the_successor_stays_on_the_checklist():
    events = rule_calendar(CATALOGUE)
    (end,) = [e for e in events if e["rule_id"] == "recycled_copper_aluminium_2020" and e["change"] == ENDS]
    assert end["effect"] == "step_continues" and end["on"] == date(2024, 11, 15)


def test_the_calendar_filters_by_family_and_lists_the_periods():
    events = rule_calendar(CATALOGUE)
    assert set(LAW_FAMILIES) <= set(calendar_families(events))
    food = filter_calendar(events, ["food"])
    assert food and {e["family"] for e in food} == {"food"}
    assert filter_calendar(events, []) == [] and filter_calendar(events, None) == events
    periods = calendar_periods(CATALOGUE, ["waste"]).set_index("rule")
    assert periods.loc["recovered_paper_impurity", "successor"] == "solid_waste_import_ban"
    assert periods.loc["solid_waste_import_ban", "start"] == date(2021, 1, 1)
