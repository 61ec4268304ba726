"""The release policy (portsight.domain.release): what blocks release, why, and which decisions stay open."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from portsight.catalogue import default_catalogue
from portsight.domain.conditions import Text
from portsight.domain.facts import DeclarationFacts
from portsight.domain.release import (
    AlertFact,
    FindingFact,
    HoldFact,
    ReleaseCase,
    decision_options,
    forbidding_rules,
    from_bilingual,
    release_blockers,
)
from portsight.domain.rulebook import RuleCatalogueError, build_catalogue, parse_rule

T = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def rule(rule_id: str, **extra) -> dict:
    return {
        "id": rule_id,
        "kind": "alert",
        "title": {"zh": f"{rule_id} 标题", "en": f"{rule_id} title"},
        "scope": {"hs": ["7404"]},
        "basis": {"document": {"zh": "某法", "en": "Some Law"}, "article": {"zh": "第二十四条", "en": "Art. 24"}},
        "severity": "high",
        "finding": {"zh": "不得进口", "en": "May not be imported"},
        **extra,
    }


BAN = rule("ban", forbids_release=True, remedies=["identify", "return"], effective_from="2021-01-01")
NOTICE = rule("notice", scope={"hs": ["8517"]})
TREATABLE = {
    **rule("wood"),
    "kind": "validation",
    "scope": {},
    "step": "packaging",
    "severity": "medium",
    "remedies": ["treat", "return"],
    "require": [{"field": "ispm15_mark", "op": "is_true", "only_if": "wood_packaging"}],
}
CATALOGUE = build_catalogue(parse_rule(r, "test.yaml", i) for i, r in enumerate((BAN, NOTICE, TREATABLE)))


def facts(hs: str = "7404000090", on: date = date(2026, 11, 20)) -> DeclarationFacts:
    return DeclarationFacts.from_mapping({"declared_on": on, "goods": [{"hs_code": hs}]})


def kinds(case: ReleaseCase, catalogue=CATALOGUE) -> list[str]:
    return [b.kind for b in release_blockers(case, catalogue)]


def test_nothing_blocks_release_of_ordinary_goods_and_every_closing_decision_is_open():
    options = decision_options("completed", ReleaseCase(facts("8517130000")), CATALOGUE)
    assert options.blockers == () and options.release_allowed
    assert options.allowed == ("release", "hold", "return", "destroy", "sample")


def test_a_high_finding_blocks_release_with_its_text_and_citation():
    finding = FindingFact("high", Text("封识不符", "Seal differs"), Text("海关法", "Customs Law"), "seal_matches")
    [blocker] = release_blockers(ReleaseCase(facts("8517130000"), findings=(finding,)), CATALOGUE)
    assert blocker.kind == "finding" and blocker.ref == "seal_matches"
    assert blocker.line("en") == "High-severity finding: Seal differs (Customs Law)"
    assert blocker.line("zh_CN") == "高严重性发现：封识不符 (海关法)"
    low = FindingFact("medium", Text("包装破损", "Packaging damaged"))
    assert release_blockers(ReleaseCase(facts("8517130000"), findings=(low,)), CATALOGUE) == []


def test_a_rule_in_force_that_forbids_release_blocks_it_with_the_rules_citation():
    case = ReleaseCase(facts())
    [blocker] = release_blockers(case, CATALOGUE)
    assert (blocker.kind, blocker.ref) == ("rule", "ban")
    assert blocker.citation == Text("某法 第二十四条", "Some Law, Art. 24")
    assert "ban title" in blocker.reason.en and blocker.detail == Text("不得进口", "May not be imported")
    options = decision_options("completed", case, CATALOGUE)
    assert not options.release_allowed and "identify" in options.allowed
    assert options.suggested["identify"] == ("ban",) and options.suggested["return"] == ("ban",)


def test_the_rule_does_not_block_before_it_is_in_force_nor_outside_its_scope():
    assert kinds(ReleaseCase(facts(on=date(2020, 6, 1)))) == []
    assert forbidding_rules(facts("8517130000"), CATALOGUE) == []


def test_an_identification_that_finds_no_waste_lifts_the_rule_and_one_that_finds_waste_calls_for_return():
    ordered = T - timedelta(days=3)
    cleared = ReleaseCase(facts(), holds=(HoldFact("identification", "not_waste", "CIQ lab", ("ban",), ordered),))
    assert kinds(cleared) == []
    options = decision_options("completed", cleared, CATALOGUE)
    assert options.release_allowed and "identify" not in options.allowed  # concluded once
    waste = ReleaseCase(facts(), holds=(HoldFact("identification", "waste", "CIQ lab", ("ban",), ordered),))
    assert kinds(waste) == ["rule", "waste"]
    assert decision_options("completed", waste, CATALOGUE).suggested["return"] == ("ban",)


def test_an_open_prohibited_goods_alert_blocks_until_resolved():
    case = ReleaseCase(facts("8517130000"), alerts=(AlertFact(5726, "prohibited_goods", "ban", "acknowledged"),))
    [blocker] = release_blockers(case, CATALOGUE)
    assert blocker.kind == "alert" and blocker.ref == "alert #5726"
    assert "Open prohibited-goods alert #5726" in blocker.reason.en and blocker.citation.en == "Some Law, Art. 24"
    resolved = ReleaseCase(facts("8517130000"), alerts=(AlertFact(5726, "prohibited_goods", "ban", "resolved"),))
    assert kinds(resolved) == []


def test_an_alert_of_a_scope_rule_blocks_whatever_its_kind_and_other_alerts_do_not():
    by_scope = ReleaseCase(facts("8517130000"), alerts=(AlertFact(1, "rule", "notice"),))
    assert kinds(by_scope) == ["alert"]
    overdue = ReleaseCase(facts("8517130000"), alerts=(AlertFact(2, "overdue", None),))
    assert kinds(overdue) == []


@pytest.mark.parametrize(("result", "expected"), [(None, ["lab_pending"]), ("fail", ["lab_failed"]), ("pass", [])])
def test_release_waits_for_a_laboratory_result_that_passes(result, expected):
    case = ReleaseCase(facts("8517130000"), holds=(HoldFact("lab", result, "CIQ Shanghai lab: 3 units"),))
    assert kinds(case) == expected


def test_treatment_is_open_where_a_finding_calls_for_it_and_remedies_it_once_done():
    made = T - timedelta(hours=2)
    finding = FindingFact("high", Text("无标识", "No IPPC mark"), None, "wood", made)
    case = ReleaseCase(facts("8517130000"), findings=(finding,))
    options = decision_options("completed", case, CATALOGUE)
    assert "treat" in options.allowed and options.suggested["treat"] == ("wood",)
    pending = ReleaseCase(case.facts, case.findings, holds=(HoldFact("treatment", None, "fumigation", ("wood",), T),))
    assert kinds(pending) == ["finding", "treatment_pending"]
    done = ReleaseCase(case.facts, case.findings, holds=(HoldFact("treatment", "done", "fumigation", ("wood",), T),))
    assert kinds(done) == []
    assert "treat" not in decision_options("completed", done, CATALOGUE).allowed
    # A finding made again at re-inspection, after the treatment was ordered, is not remedied by it.
    again = FindingFact("high", Text("无标识", "No IPPC mark"), None, "wood", T + timedelta(hours=1))
    assert kinds(ReleaseCase(done.facts, (again,), holds=done.holds)) == ["finding"]


def test_no_treatment_without_a_rule_that_calls_for_it_and_no_decision_outside_completed_or_held():
    assert "treat" not in decision_options("completed", ReleaseCase(facts("8517130000")), CATALOGUE).allowed
    assert decision_options("held", ReleaseCase(facts("8517130000")), CATALOGUE).allowed == (
        "release",
        "return",
        "destroy",
    )
    assert decision_options("held", ReleaseCase(facts()), CATALOGUE).allowed == ("return", "destroy")
    assert decision_options("in_progress", ReleaseCase(facts()), CATALOGUE).allowed == ()


def test_the_shipped_ban_forbids_releasing_copper_waste_declared_in_2026():
    catalogue = default_catalogue()
    [ban] = forbidding_rules(facts("7404000090"), catalogue)
    assert ban.id == "solid_waste_import_ban" and "identify" in ban.remedies
    assert not decision_options("completed", ReleaseCase(facts("7404000090")), catalogue).release_allowed


def test_a_stored_bilingual_text_reads_back_in_both_languages():
    assert from_bilingual("封识不符\nSeal differs") == Text("封识不符", "Seal differs")
    assert from_bilingual("by hand") == Text("by hand", "by hand")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"forbids_release": "yes"}, "forbids_release"),
        ({"remedies": ["fumigate"]}, "remedies[0]"),
        ({"forbids_release": True, "scope": {}, "when": [{"field": "photo_count", "op": "<", "value": 1}]},
         "forbids_release"),
    ],
)  # fmt: skip
def test_a_malformed_release_field_names_the_field(extra, field):
    with pytest.raises(RuleCatalogueError, match=re.escape(f"field '{field}'")):
        parse_rule(rule("bad", **extra), "test.yaml")
