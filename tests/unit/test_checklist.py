"""Checklist generation for realistic declarations: the ordered step keys and what each asks for."""

from __future__ import annotations

from datetime import date

import pytest

from portsight.catalogue import default_catalogue
from portsight.domain.checklist import generate_checklist
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.rules import CONFORMING, NON_CONFORMING, declaration_alerts, judge
from portsight.domain.steps import step_context

CATALOGUE = default_catalogue()


def decl(hs: list[str], containers: list[tuple[str, str]], on: date, **kw) -> DeclarationFacts:
    return DeclarationFacts(
        transport_mode=kw.get("transport_mode", "sea"),
        port_kind=kw.get("port_kind", "sea"),
        origin_country=kw.get("origin", "US"),
        credit_tier=kw.get("credit_tier", "general"),
        goods=tuple(GoodsLineFacts(h, "goods", 100, "kg", 20000) for h in hs),
        containers=tuple(ContainerFacts(n, t, declared_seal=f"SEAL{i}") for i, (n, t) in enumerate(containers)),
        declared_on=on,
    )


BASE = ["container_number", "seal", "seal_integrity", "goods", "packaging", "container_body", "reseal"]

CASES = {
    "general cargo (machinery from Germany)": (
        decl(["8429520000"], [("CSQU3054383", "22G1"), ("TCNU7200794", "45G1")], date(2024, 5, 6), origin="DE"),
        BASE,
    ),
    "recovered paper from the US in 2017": (
        decl(["4707100000"], [("HLXU2008419", "45G1")], date(2017, 6, 1)),
        [
            "container_number",
            "seal",
            "radiation",
            "seal_integrity",
            "goods",
            "impurity",
            "packaging",
            "container_body",
            "reseal",
        ],
    ),
    "copper waste and scrap from Japan in 2019": (
        decl(["7404"], [("MEDU6246078", "22G1")], date(2019, 9, 2), origin="JP"),
        [
            "container_number",
            "seal",
            "radiation",
            "seal_integrity",
            "goods",
            "impurity",
            "packaging",
            "container_body",
            "reseal",
        ],
    ),
    "frozen pork in a reefer from Spain": (
        decl(["0203290000"], [("TGHU7599330", "45R1")], date(2023, 11, 20), origin="ES"),
        [
            "container_number",
            "seal",
            "reefer_temperature",
            "seal_integrity",
            "goods",
            "meat_documents",
            "packaging",
            "container_body",
            "reseal",
        ],
    ),
    "air cargo without container (phones from Korea)": (
        decl(["8517130000"], [], date(2024, 2, 1), origin="KR", transport_mode="air", port_kind="air"),
        ["goods", "ccc", "packaging"],
    ),
    "steel scrap by rail in 2019": (
        decl(["7204490000"], [("ECMU4657496", "22G1")], date(2019, 1, 15), transport_mode="rail", port_kind="rail"),
        ["container_number", "seal", "radiation", "seal_integrity", "goods", "packaging", "container_body", "reseal"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_checklist_steps_come_in_the_expected_order(name):
    facts, expected = CASES[name]
    assert [s.key for s in generate_checklist(facts, None, CATALOGUE)] == expected


def test_every_step_asks_for_inputs_and_photos_and_names_its_rules():
    facts, _ = CASES["recovered paper from the US in 2017"]
    steps = {s.key: s for s in generate_checklist(facts, None, CATALOGUE)}
    assert [i.name for i in steps["container_number"].inputs] == ["number"]
    assert [i.name for i in steps["seal"].inputs] == ["seal_number", "seal_class"]
    assert [i.name for i in steps["seal_integrity"].inputs] == ["seal_view", "seal_tug", "seal_twist", "seal_turn"]
    assert [i.name for i in steps["reseal"].inputs] == ["new_seal_number", "new_seal_class"]
    assert steps["reseal"].per_container and steps["reseal"].container_numbers == ("HLXU2008419",)
    assert steps["container_body"].photos.count == 7
    assert [i.name for i in steps["container_body"].inputs] == [
        "front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage",
    ]  # fmt: skip
    assert steps["container_number"].per_container and steps["container_number"].container_numbers == ("HLXU2008419",)
    assert not steps["goods"].per_container
    assert steps["impurity"].rule_ids == ("recovered_paper_impurity",)
    assert steps["impurity"].inputs[0].unit == "%"
    assert steps["radiation"].rule_ids == ("radiation_surface_dose_rate",)
    assert set(steps["goods"].rule_ids) == {
        "goods_description_matches", "gross_weight_tolerance", "goods_quantity_tolerance", "goods_package_count",
        "goods_hs_code_matches",
    }  # fmt: skip
    assert steps["seal"].rule_ids == ("seal_matches_declared", "seal_class_not_lower_than_declared")
    assert steps["container_number"].rule_ids == ("iso6346_check_digit", "container_declared")


def test_reefer_step_covers_only_the_reefer_containers():
    facts = decl(["0203290000"], [("TGHU7599330", "45R1"), ("CSQU3054383", "22G1")], date(2023, 11, 20))
    steps = {s.key: s for s in generate_checklist(facts, None, CATALOGUE)}
    assert steps["reefer_temperature"].container_numbers == ("TGHU7599330",)
    assert steps["seal"].container_numbers == ("TGHU7599330", "CSQU3054383")


def test_copper_step_is_judged_with_the_copper_limit():
    facts, _ = CASES["copper waste and scrap from Japan in 2019"]
    step = next(s for s in generate_checklist(facts, None, CATALOGUE) if s.key == "impurity")
    assert step.rule_ids == ("nonferrous_scrap_impurity",)
    assert judge(step, {"impurity_pct": 0.9}, step_context(facts), facts.declared_on, CATALOGUE).outcome == CONFORMING
    assert (
        judge(step, {"impurity_pct": 1.1}, step_context(facts), facts.declared_on, CATALOGUE).outcome == NON_CONFORMING
    )


def test_seal_is_judged_against_the_declared_seal_of_its_container():
    facts, _ = CASES["general cargo (machinery from Germany)"]
    seal = next(s for s in generate_checklist(facts, None, CATALOGUE) if s.key == "seal")
    second = facts.containers[1]
    ctx = step_context(facts, second)
    assert (
        judge(seal, {"seal_number": "seal1", "seal_class": "S"}, ctx, facts.declared_on, CATALOGUE).outcome
        == CONFORMING
    )
    assert (
        judge(seal, {"seal_number": "SEAL0", "seal_class": "S"}, ctx, facts.declared_on, CATALOGUE).outcome
        == NON_CONFORMING
    )


def test_declaring_recovered_paper_after_2021_raises_the_ban_alert():
    paper_2022 = decl(["4707100000"], [("HLXU2008419", "45G1")], date(2022, 3, 1))
    assert [r.id for r in declaration_alerts(paper_2022, CATALOGUE)] == ["solid_waste_import_ban"]
    assert declaration_alerts(CASES["recovered paper from the US in 2017"][0], CATALOGUE) == []


def test_a_catalogue_without_a_rule_drops_its_step():
    facts, _ = CASES["recovered paper from the US in 2017"]
    catalogue = default_catalogue()
    without = catalogue.only(set(catalogue.ids) - {"recovered_paper_impurity"})
    assert "impurity" not in [s.key for s in generate_checklist(facts, None, without)]


def test_declaration_facts_from_a_dict():
    facts = DeclarationFacts.from_mapping(
        {"transport_mode": "road", "origin_country": "vn", "hs": ["0810"], "declared_on": "2024-01-02"}
    )
    assert facts.port_kind == "land" and facts.origin_country == "VN" and facts.declared_on == date(2024, 1, 2)
    assert [s.key for s in generate_checklist(facts, None, CATALOGUE)] == ["goods", "plant_quarantine", "packaging"]
