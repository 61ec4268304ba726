"""Selection of targets: exact draws from fixed seeds, rates by tier, forced hits, replay."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portsight.domain.enterprise import CreditTier
from portsight.domain.selection import (
    ALGORITHM,
    CEILING,
    CEILING_MARGIN,
    DEFAULT_POLICY,
    DISHONEST_FLOOR,
    FLOOR,
    Outcome,
    SelectionPolicy,
    TierBound,
    decide,
    derive_seed,
    inspection_probability,
    make_policy,
    replay_decision,
    selection_inputs,
    uniform,
)

TIERS = [t.value for t in CreditTier]


def test_uniform_is_a_fixed_function_of_seed_and_purpose():
    # Pinned values: if these change, every recorded draw would replay differently.
    assert uniform("portsight-7", "select") == pytest.approx(0.98758388574, abs=1e-11)
    assert uniform("portsight-7", "dispatch:0") == pytest.approx(0.239833984463, abs=1e-11)
    assert uniform("portsight-7", "dispatch:1") == pytest.approx(0.576435884247, abs=1e-11)


def test_fixed_seeds_give_exact_outcomes_for_the_general_tier():
    outcomes = [decide("general", derive_seed("fixed", i)).outcome.value for i in range(12)]
    assert outcomes == [
        "release", "release", "document_check", "release", "release", "release",
        "document_check", "release", "release", "document_check", "release", "release",
    ]  # fmt: skip


def test_draw_below_the_rate_is_inspected_with_the_draw_as_reason():
    seeds = [derive_seed("fixed", i) for i in range(200)]
    drawn = [s for s in seeds if uniform(s) < DEFAULT_POLICY.target("general")]
    assert drawn, "some of 200 seeds fall under a 10% rate"
    decision = decide("general", drawn[0])
    assert decision.outcome is Outcome.INSPECT
    assert decision.reasons[0]["code"] == "random_draw"
    assert decision.reasons[0]["draw"] == round(uniform(drawn[0]), 6)
    assert decision.reasons[0]["rule_id"] is None  # the general base rate is configured, not a rule


def test_rule_hit_forces_inspection_whatever_the_draw():
    decision = decide("advanced_certified", "portsight-7", forced_hits=["watch.origin_hs", "prohibited.solid_waste"])
    assert decision.outcome is Outcome.INSPECT
    assert decision.forced and decision.rate == 1.0 and decision.draw is None
    assert [r["rule_id"] for r in decision.reasons] == ["prohibited.solid_waste", "watch.origin_hs"]
    assert decision.inspectors_needed == 2


def test_default_policy_respects_the_catalogue_bounds():
    general = DEFAULT_POLICY.target("general")
    assert DEFAULT_POLICY.target("dishonest") >= DISHONEST_FLOOR
    assert DEFAULT_POLICY.target("advanced_certified") < 0.2 * general
    assert DEFAULT_POLICY.target("advanced_certified") >= DEFAULT_POLICY.minimum_random_rate


def test_unknown_tier_is_treated_as_general():
    assert DEFAULT_POLICY.target("not_rated") == DEFAULT_POLICY.target("general")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dishonest_rate": 0.7}, "legal floor"),
        ({"advanced_share_of_general": 0.25}, "below 20%"),
        ({"general_rate": 0.04, "minimum_random_rate": 0.01}, "lower it"),
    ],
)
def test_policy_outside_the_legal_bounds_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_policy(**kwargs)


def test_forced_share_lowers_the_random_rate_so_the_total_meets_the_target():
    p = inspection_probability("general", DEFAULT_POLICY, forced_share=0.04)
    assert 0.04 + 0.96 * p == pytest.approx(DEFAULT_POLICY.target("general"))


def test_forced_share_above_target_leaves_the_minimum_random_rate_to_a_tier_without_a_ceiling():
    assert inspection_probability("general", DEFAULT_POLICY, 0.5) == DEFAULT_POLICY.minimum_random_rate
    assert inspection_probability("dishonest", DEFAULT_POLICY, 1.0) == 1.0


def test_forced_hits_count_against_a_ceiling_the_random_floor_shrinks_to_the_headroom():
    target = DEFAULT_POLICY.target("advanced_certified")
    assert DEFAULT_POLICY.capped("advanced_certified") and not DEFAULT_POLICY.capped("general")
    # The demo's case: forced hits on 1.25 % of the tier's declarations leave no room for random draws.
    assert inspection_probability("advanced_certified", DEFAULT_POLICY, 0.0125) == 0.0
    assert inspection_probability("advanced_certified", DEFAULT_POLICY, 0.5) == 0.0
    assert inspection_probability("advanced_certified", DEFAULT_POLICY, 1.0) == 0.0
    # Some room left: the random part fills the target and no more, even below the minimum random rate.
    p = inspection_probability("advanced_certified", DEFAULT_POLICY, 0.006)
    assert p < DEFAULT_POLICY.minimum_random_rate
    assert 0.006 + 0.994 * p == pytest.approx(target)
    assert inspection_probability("advanced_certified", DEFAULT_POLICY, 0.0) == target


def test_a_recorded_policy_without_bounds_replays_with_its_fixed_floor():
    """Draws recorded before bounds were kept replay as they were drawn: no ceiling, the floor applies."""
    recorded = DEFAULT_POLICY.as_dict()
    del recorded["bounds"], recorded["base_tier"]
    old = SelectionPolicy.from_dict(recorded)
    assert not old.capped("advanced_certified")
    assert inspection_probability("advanced_certified", old, 0.0125) == old.minimum_random_rate


def test_replay_uses_the_recorded_policy_not_todays():
    old = make_policy(general_rate=0.3)
    seed = next(derive_seed("r", i) for i in range(1000) if 0.1 <= uniform(derive_seed("r", i)) < 0.3)
    inputs = selection_inputs("general", [], old, declaration_id=1)
    assert inputs["algorithm"] == ALGORITHM
    assert replay_decision(inputs, seed).outcome is Outcome.INSPECT
    assert decide("general", seed).outcome is not Outcome.INSPECT  # today's 10% would not draw it


def test_replay_refuses_an_unknown_algorithm():
    inputs = selection_inputs("general", [], DEFAULT_POLICY) | {"algorithm": "other"}
    with pytest.raises(ValueError, match="algorithm"):
        replay_decision(inputs, "s")


def test_policy_round_trips_through_json_form():
    assert SelectionPolicy.from_dict(DEFAULT_POLICY.as_dict()) == DEFAULT_POLICY


# --- properties ------------------------------------------------------------------------------------------
policies = st.builds(
    make_policy,
    general_rate=st.floats(0.06, 0.5),
    dishonest_rate=st.floats(0.8, 1.0),
    advanced_share_of_general=st.floats(0.0, 0.19),
    minimum_random_rate=st.floats(0.001, 0.01),
)


@given(tier=st.sampled_from([*TIERS, "unknown"]), policy=policies, forced_share=st.floats(-1, 2))
def test_probability_stays_within_minimum_random_rate_and_one(tier, policy, forced_share):
    p = inspection_probability(tier, policy, forced_share)
    if policy.capped(tier):
        f = min(max(forced_share, 0.0), 1.0)
        assert 0.0 <= p <= 1.0
        # forced + random never expect more than the target, or the forced share alone
        assert f + (1 - f) * p <= max(policy.target(tier), f) + 1e-12
    else:
        assert policy.minimum_random_rate <= p <= 1.0


@given(
    tier=st.sampled_from(TIERS),
    seed=st.text(max_size=40),
    hits=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4),
    policy=policies,
    forced_share=st.floats(0, 1),
)
def test_forced_hits_are_always_inspected(tier, seed, hits, policy, forced_share):
    decision = decide(tier, seed, hits, policy, forced_share)
    assert decision.outcome is Outcome.INSPECT and decision.forced


@given(tier=st.sampled_from(TIERS), seed=st.text(max_size=40), policy=policies)
def test_decision_replays_exactly_from_its_inputs(tier, seed, policy):
    inputs = selection_inputs(tier, [], policy)
    assert replay_decision(inputs, seed) == decide(tier, seed, policy=policy)


@given(tier=st.sampled_from(TIERS), seed=st.text(max_size=40))
def test_inspect_exactly_when_the_draw_falls_under_the_rate(tier, seed):
    decision = decide(tier, seed)
    assert (decision.outcome is Outcome.INSPECT) == (uniform(seed) < decision.rate)
    assert DEFAULT_POLICY.minimum_random_rate <= decision.rate <= 1.0


def test_realised_rates_over_many_draws_meet_the_targets():
    n = 4000
    for tier in TIERS:
        inspected = sum(decide(tier, derive_seed("rates", tier, i)).outcome is Outcome.INSPECT for i in range(n))
        assert inspected / n == pytest.approx(DEFAULT_POLICY.target(tier), abs=0.02), tier


def test_bench_simulation_of_ten_thousand_declarations_keeps_every_bound_and_target(tmp_path, monkeypatch):
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "selection_rates.py"
    spec = importlib.util.spec_from_file_location("bench_selection_rates", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "selection_rates.json")
    assert bench.main(["--simulate", "10000"]) == 0
    table = json.loads((tmp_path / "selection_rates.json").read_text())["simulated"]
    assert set(table) == set(TIERS) and sum(row["n"] for row in table.values()) == 10_000
    for tier, row in table.items():
        assert abs(row["realised"] - row["target"]) <= 0.02, tier
        assert row["target"] == DEFAULT_POLICY.target(tier)
        assert row["inside"] is (None if tier == "general" else True), tier


def test_policy_takes_its_bounds_from_the_rule_catalogue(tmp_path):
    from portsight import catalogue as rules
    from portsight.domain.selection import policy_from_catalogue

    policy = policy_from_catalogue(date(2025, 1, 1), rules.default_catalogue())
    assert policy.sources == {
        "dishonest": "credit_dishonest_inspection_rate",
        "advanced_certified": "credit_advanced_inspection_rate",
    }
    assert policy.target("dishonest") == pytest.approx(0.85)
    assert policy.target("advanced_certified") == pytest.approx(0.01)
    assert policy.bounds["advanced_certified"] == TierBound(CEILING, 0.2, "credit_advanced_inspection_rate", True)
    assert policy.bounds["dishonest"] == TierBound(FLOOR, 0.8, "credit_dishonest_inspection_rate", strict=False)

    # Another edition of the catalogue moves the targets with it.
    source = (rules.RULES_DIR / "credit.yaml").read_text(encoding="utf-8")
    edited = source.replace("value: 80}", "value: 90}").replace("value: 0.2}", "value: 0.3}")
    assert edited != source
    (tmp_path / "credit.yaml").write_text(edited, encoding="utf-8")
    policy = policy_from_catalogue(date(2025, 1, 1), rules.load_catalogue(tmp_path))
    assert policy.target("dishonest") == pytest.approx(0.95)
    assert policy.target("advanced_certified") == pytest.approx(0.1 * 0.3 * CEILING_MARGIN)


def test_before_the_rules_take_effect_the_defaults_apply():
    from portsight import catalogue as rules
    from portsight.domain.selection import policy_from_catalogue

    assert policy_from_catalogue(date(2017, 1, 1), rules.default_catalogue()) == DEFAULT_POLICY
    assert policy_from_catalogue(date(2017, 1, 1), rules.default_catalogue(), rules.default_credit_calendar()) == (
        DEFAULT_POLICY
    )
