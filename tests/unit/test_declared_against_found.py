"""Declared against found: the wrong box, the downgraded seal and the short count are findings with their
citation; the seal's integrity and the new seal after inspection are steps; codes typed full-width pass."""

from __future__ import annotations

from datetime import date

import pytest

from portsight.catalogue import default_catalogue
from portsight.domain import codes, iso6346
from portsight.domain.checklist import generate_checklist
from portsight.domain.facts import DeclarationFacts
from portsight.domain.rulebook import RuleCatalogueError, Scope, parse_rule
from portsight.domain.rules import CONFORMING, INVALID, NON_CONFORMING, judge
from portsight.domain.seal import class_at_least, normalize_seal
from portsight.domain.steps import BASE_STEPS, step_context

CATALOGUE = default_catalogue()
ON = date(2026, 11, 20)
# The case of issue 15: smartphones from Japan in one declared container with a high-security seal.
CASE = DeclarationFacts.from_mapping(
    {
        "declared_on": "2026-11-20",
        "transport_mode": "sea",
        "origin_country": "JP",
        "credit_tier": "general",
        "goods": [
            {"hs_code": "8517130000", "description": "smartphones", "quantity": 1000, "unit": "pcs",
             "gross_weight_kg": 5200, "packages": 40},
        ],
        "containers": [
            {"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN1234567", "declared_seal_class": "H"}
        ],
    }
)  # fmt: skip
BOX = CASE.containers[0]
STEPS = {s.key: s for s in generate_checklist(CASE, ON, CATALOGUE)}
BASE = {s.key: s for s in BASE_STEPS}


def at_box(key: str, values: dict):
    return judge(STEPS[key], values, step_context(CASE, BOX), ON, CATALOGUE)


def goods(values: dict):
    return judge(STEPS["goods"], values, step_context(CASE), ON, CATALOGUE)


def only_finding(verdict):
    assert verdict.outcome == NON_CONFORMING, verdict
    (finding,) = verdict.findings
    return finding


# ------------------------------------------------------------------ the three cases of the issue


def test_the_wrong_box_is_a_high_finding_container_not_declared_citing_the_customs_law():
    finding = only_finding(at_box("container_number", {"number": "MSKU6011672"}))
    assert finding.rule_id == "container_declared" and finding.severity == "high"
    assert finding.text.en.startswith("Container not declared") and "cannot pass as conforming" in finding.text.en
    assert finding.citation.en == "Customs Law of the People's Republic of China, Art. 24 (truthful declaration), " \
        "Art. 28 (inspection)"  # fmt: skip
    assert "第二十四条" in finding.citation.zh
    assert "MSKU6011672" in finding.detail.en and "CSQU3054383" in finding.detail.en


def test_the_downgraded_seal_is_a_high_finding_citing_the_customs_law():
    finding = only_finding(at_box("seal", {"seal_number": "CN1234567", "seal_class": "I"}))
    assert finding.rule_id == "seal_class_not_lower_than_declared" and finding.severity == "high"
    assert finding.citation.en.endswith("Art. 24 (truthful declaration)")
    assert "found I, declared H" in finding.detail.en


def test_the_short_count_is_a_high_finding_citing_the_customs_law():
    finding = only_finding(goods({"description_matches": True, "quantity": 10, "gross_weight_kg": 5200}))
    assert finding.rule_id == "goods_quantity_tolerance" and finding.severity == "high"
    assert finding.citation.en.endswith("Art. 24 (truthful declaration)")
    assert "allowed 970 to 1030" in finding.detail.en


# ------------------------------------------------------------------ declared against found, one by one


def test_the_declared_box_and_a_wrong_check_digit_on_it_are_not_another_container():
    assert at_box("container_number", {"number": "CSQU3054383"}).outcome == CONFORMING
    # The marking's check digit is wrong: the ISO 6346 finding, not "container not declared".
    verdict = at_box("container_number", {"number": "CSQU3054384"})
    assert [f.rule_id for f in verdict.findings] == ["iso6346_check_digit"]


def test_the_declared_class_is_shown_never_taken_as_the_answer():
    verdict = at_box("seal", {"seal_number": "CN1234567"})
    assert verdict.outcome == INVALID and [p.name for p in verdict.problems] == ["seal_class"]
    assert at_box("seal", {"seal_number": "CN1234567", "seal_class": "H"}).outcome == CONFORMING
    assert class_at_least("H", "S") and class_at_least("S", "S") and not class_at_least("S", "H")
    assert not class_at_least(None, "H") and not class_at_least("X", "H")


def test_a_seal_with_another_number_is_still_found():
    finding = only_finding(at_box("seal", {"seal_number": "CN7654321", "seal_class": "H"}))
    assert finding.rule_id == "seal_matches_declared"
    assert "Art. 37 para. 2" in finding.citation.en and "第三十七条第二款" in finding.citation.zh


def test_packages_and_hs_code_are_judged_when_recorded():
    base = {"description_matches": True, "quantity": 1000, "gross_weight_kg": 5200}
    assert CASE.declared_packages == 40
    assert goods({**base, "package_count": 40, "hs_code": "8517.13"}).outcome == CONFORMING
    assert only_finding(goods({**base, "package_count": 38})).rule_id == "goods_package_count"
    wrong = only_finding(goods({**base, "hs_code": "8528520000"}))
    assert wrong.rule_id == "goods_hs_code_matches" and "found 8528520000, declared 8517130000" in wrong.detail.en
    assert goods({**base, "hs_code": "phones"}).outcome == INVALID


def test_a_partial_package_declaration_is_not_compared():
    facts = DeclarationFacts.from_mapping(
        {"goods": [{"hs_code": "8517130000", "quantity": 1, "packages": 4}, {"hs_code": "8528520000", "quantity": 1}]}
    )
    assert facts.declared_packages is None


def test_a_step_recorded_with_its_earlier_inputs_is_judged_on_them():
    """The inputs the base steps had before keep giving a complete record (the judge command relies on it)."""
    assert goods({"description_matches": True, "quantity": 1000, "gross_weight_kg": 5200}).outcome == CONFORMING
    assert goods({"description_matches": True, "quantity": 1000}).outcome == INVALID  # a required one is missing
    # Judged on a bare base step (every in-force rule on its key) with the declared values, as a script would.
    ctx = step_context(CASE, BOX)
    assert judge(BASE["seal"], {"seal_number": "CN1234567", "seal_class": "H"}, ctx, ON, CATALOGUE).outcome == (
        CONFORMING
    )
    assert judge(BASE["container_number"], {"number": "MSKU6011672"}, ctx, ON, CATALOGUE).outcome == NON_CONFORMING
    assert judge(BASE["goods"], {"description_matches": True, "quantity": 10, "gross_weight_kg": 5200},
                 step_context(CASE), ON, CATALOGUE).outcome == NON_CONFORMING  # fmt: skip


def test_without_declared_values_the_declared_checks_do_not_apply():
    assert judge(BASE["container_number"], {"number": "MSKU6011672"}, {}, ON, CATALOGUE).outcome == CONFORMING
    assert judge(BASE["goods"], {"description_matches": True, "quantity": 10, "gross_weight_kg": 5200},
                 {"declared_gross_weight_kg": 5200}, ON, CATALOGUE).outcome == CONFORMING  # fmt: skip


# ------------------------------------------------------------------ seal integrity and the new seal


def test_seal_integrity_is_a_step_per_container_after_the_seal():
    keys = [s.key for s in generate_checklist(CASE, ON, CATALOGUE)]
    assert keys.index("seal") < keys.index("seal_integrity") < keys.index("goods")
    assert keys[-1] == "reseal" and STEPS["reseal"].container_numbers == ("CSQU3054383",)
    intact = dict.fromkeys(("seal_view", "seal_tug", "seal_twist", "seal_turn"), True)
    assert at_box("seal_integrity", intact).outcome == CONFORMING
    finding = only_finding(at_box("seal_integrity", {**intact, "seal_twist": False}))
    assert finding.rule_id == "seal_integrity_intact" and finding.severity == "high"
    assert (
        "Turn" in CATALOGUE.get("seal_integrity_check").note.en
        and "UNCONFIRMED" in CATALOGUE.get("seal_integrity_check").note.en
    )


def test_the_new_seal_is_recorded_normalised_and_checked_against_the_cut_one():
    verdict = at_box("reseal", {"new_seal_number": "ｈｇ－７６５４３２１", "new_seal_class": "ｈ"})
    assert verdict.outcome == CONFORMING
    assert verdict.values == {"new_seal_number": "HG7654321", "new_seal_class": "H"}
    reused = only_finding(at_box("reseal", {"new_seal_number": "CN 1234567", "new_seal_class": "H"}))
    assert reused.rule_id == "reseal_new_seal" and "Art. 28" in reused.citation.en
    assert only_finding(at_box("reseal", {"new_seal_number": "HG7654321", "new_seal_class": "S"})).rule_id == (
        "reseal_new_seal"
    )
    assert at_box("reseal", {"new_seal_class": "H"}).outcome == INVALID


def test_air_cargo_without_containers_gets_neither_seal_step():
    air = DeclarationFacts.from_mapping({"transport_mode": "air", "hs": ["8517130000"], "declared_on": "2026-11-20"})
    assert [s.key for s in generate_checklist(air, None, CATALOGUE)][:1] == ["goods"]
    assert not {"seal_integrity", "reseal"} & {s.key for s in generate_checklist(air, None, CATALOGUE)}


# ------------------------------------------------------------------ input as people type it


FULL_WIDTH_BOX = "ＣＳＱＵ３０５４３８３"


def test_full_width_codes_are_folded_before_any_check():
    assert codes.normalize_code(FULL_WIDTH_BOX) == "CSQU3054383"
    assert codes.normalize_code("ｃｓｑｕ　３０５４３８－３") == "CSQU3054383"  # ideographic space, full-width hyphen
    assert codes.normalize_code("csqu 305438\u20133") == "CSQU3054383"  # en dash
    assert codes.normalize_hs("８５１７．１３．００．００") == "8517130000"
    assert codes.is_hs_code("8517130000") and not codes.is_hs_code("85a7") and not codes.is_hs_code("８５１７")
    assert codes.hs_agree("8517", "8517130000") and not codes.hs_agree("8528", "8517130000")
    assert iso6346.is_valid(FULL_WIDTH_BOX) and iso6346.explain(FULL_WIDTH_BOX) is None
    assert normalize_seal("ＣＮ１２３４５６７") == "CN1234567"


@pytest.mark.parametrize(
    ("key", "values", "stored"),
    [
        ("container_number", {"number": FULL_WIDTH_BOX}, {"number": "CSQU3054383"}),
        ("container_number", {"number": "csqu 305438-3"}, {"number": "CSQU3054383"}),
        (
            "seal",
            {"seal_number": "ＣＮ－１２３４５６７", "seal_class": "Ｈ"},
            {"seal_number": "CN1234567", "seal_class": "H"},
        ),
    ],
    ids=["full-width number", "spaced number", "full-width seal"],
)
def test_a_full_width_entry_is_judged_and_stored_in_ascii(key, values, stored):
    verdict = at_box(key, values)
    assert verdict.outcome == CONFORMING, verdict
    assert dict(verdict.values) == stored


def test_full_width_numbers_and_words_are_read():
    verdict = goods({"description_matches": "是", "quantity": "１０００", "gross_weight_kg": "５２００．０",
                     "hs_code": "８５１７１３００００"})  # fmt: skip
    assert verdict.outcome == CONFORMING, verdict
    assert verdict.values["quantity"] == 1000 and verdict.values["hs_code"] == "8517130000"
    assert goods({"description_matches": "ＹＥＳ", "quantity": 1000, "gross_weight_kg": 5200}).outcome == CONFORMING
    # A thousands separator is not a decimal comma: "1,000" counted is not a short count of 1.
    grouped = goods({"description_matches": True, "quantity": "１，０００", "gross_weight_kg": "5,200.0"})
    assert grouped.outcome == CONFORMING and grouped.values["quantity"] == 1000, grouped


def test_a_declaration_typed_full_width_is_read_in_ascii():
    facts = DeclarationFacts.from_mapping(
        {
            "hs": ["７４０４０００"],
            "goods": [{"hs_code": "４７０７．１０", "quantity": 1}],
            "containers": [{"number": FULL_WIDTH_BOX, "size_type": "２２Ｇ１", "declared_seal": "ｃｎ１２３４５６７",
                            "declared_seal_class": "ｈ"}],
        }
    )  # fmt: skip
    assert [g.hs_code for g in facts.goods] == ["470710", "7404000"]
    assert facts.containers[0].number == "CSQU3054383" and facts.containers[0].type_group == "G"
    assert facts.containers[0].declared_seal == "CN1234567" and facts.containers[0].declared_seal_class == "H"
    assert Scope(hs=("7404",)).matches(facts)  # a rule's HS scope sees the heading through the full-width digits


# ------------------------------------------------------------------ the vocabulary


def test_if_given_and_code_are_read_from_rule_files():
    rule = CATALOGUE.get("goods_quantity_tolerance")
    assert rule.require[0].if_given is True
    assert rule.param("quantity_tolerance_pct", ON) == 3
    reseal = CATALOGUE.step_specs()["reseal"]
    assert reseal.input("new_seal_number").code == "code"
    x = {"zh": "x", "en": "x"}
    step = {"key": "k", "title": x, "photos": {"count": 0, "what": x},
            "inputs": [{"name": "n", "type": "text", "code": "plate", "title": x}]}  # fmt: skip
    bad = {"id": "bad_code", "kind": "checklist", "title": x, "severity": "low", "basis": {"document": x},
           "finding": x, "adds_step": step}  # fmt: skip
    with pytest.raises(RuleCatalogueError, match=r"inputs\[0\]\.code.*unknown code form 'plate'"):
        parse_rule(bad, "bad.yaml")


def test_the_policy_tolerances_say_they_are_not_law():
    for rule_id in ("goods_quantity_tolerance", "goods_package_count"):
        note = CATALOGUE.get(rule_id).note
        assert "policy choice" in note.en and "UNCONFIRMED as law" in note.en
        assert "政策选择" in note.zh and "作为法律规定未经核实" in note.zh
