"""Browsing the rule catalogue on the rules page: filters by kind, scope and text; dated parameters."""

from __future__ import annotations

from datetime import date

from components.rules.data import (
    ANY_SCOPE,
    UNIVERSAL,
    filter_rule_rows,
    rule_parameter_defaults,
    rule_parameter_rows,
)
from portsight.catalogue import default_catalogue
from portsight.domain.rulebook import KINDS


def rows() -> list[dict]:
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "title_zh": r.title.zh,
            "title_en": r.title.en,
            "scope": r.scope.codes(),
        }  # fmt: skip
        for r in default_catalogue().rules
    ]


def ids(found) -> set[str]:
    return {r["id"] for r in found}


def test_every_kind_and_any_scope_lists_the_whole_catalogue():
    assert ids(filter_rule_rows(rows(), KINDS)) == set(default_catalogue().ids)


def test_kind_filter_keeps_only_that_kind():
    assert ids(filter_rule_rows(rows(), ["alert"])) == {"quick_close_without_photo", "solid_waste_import_ban"}


def test_universal_scope_is_the_rules_without_a_scope():
    found = filter_rule_rows(rows(), KINDS, UNIVERSAL)
    assert "seal_matches_declared" in ids(found) and all(not r["scope"] for r in found)


def test_scope_dimension_keeps_rules_restricted_by_it():
    found = ids(filter_rule_rows(rows(), KINDS, "credit_tiers"))
    assert {"credit_dishonest_inspection_rate", "credit_advanced_inspection_rate"} <= found
    assert all(rule_id.startswith("credit_") for rule_id in found), found


def test_an_hs_code_finds_rules_whose_prefixes_cover_it():
    assert ids(filter_rule_rows(rows(), KINDS, ANY_SCOPE, "740400")) == {
        "nonferrous_scrap_impurity",
        "radiation_surface_dose_rate",
        "solid_waste_import_ban",
        # the recycled raw-material codes under 7404 (7404000020, ...) contain the text
        "recycled_copper_aluminium_2020",
        "recycled_copper_aluminium_2024",
        "recycled_one_kind_per_container",
        "recycled_not_as_declared",
    }
    # A 10-digit recycled code finds the rules on that code and those on its heading.
    assert ids(filter_rule_rows(rows(), KINDS, ANY_SCOPE, "7204490030")) == {
        "radiation_surface_dose_rate",
        "solid_waste_import_ban",
        "recycled_steel_raw_material",
        "recycled_not_as_declared",
    }


def test_text_matches_titles_in_either_language_and_ids():
    assert "seal_matches_declared" in ids(filter_rule_rows(rows(), KINDS, ANY_SCOPE, "SEAL"))
    zh_title = default_catalogue().get("recovered_paper_impurity").title.zh
    assert ids(filter_rule_rows(rows(), KINDS, ANY_SCOPE, zh_title)) == {"recovered_paper_impurity"}


def test_parameters_are_shown_with_their_dates_and_units():
    assert rule_parameter_rows("recovered_paper_impurity") == [
        {"name": "impurity_max_pct", "unit": "%", "from": None, "value": 1.5},
        {"name": "impurity_max_pct", "unit": "%", "from": date(2018, 3, 1), "value": 0.5},
    ]
    assert rule_parameter_defaults("recovered_paper_impurity", date(2017, 6, 1)) == {"impurity_max_pct": (1.5, "%")}
    assert rule_parameter_defaults("recovered_paper_impurity", date(2024, 6, 1)) == {"impurity_max_pct": (0.5, "%")}
