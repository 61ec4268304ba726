"""Risk profiles (布控), pure: which declarations a profile matches, when it is in force, how a force and
a raise enter the draw, that Replay redraws a raise from the seed, and what a typed profile gets refused for."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from portsight.domain.risk_profiles import (
    FORCE,
    HIT_PREFIX,
    RAISE,
    ProfileDraft,
    ProfileScope,
    ProfileSubject,
    RiskProfile,
    SubjectLine,
    draft_problems,
    draw_profiles,
    matches,
    normalize_code,
    normalize_hs_prefix,
    parse_amount,
    with_redrawn_hits,
)
from portsight.domain.selection import DEFAULT_POLICY, decide, derive_seed, replay_decision, selection_inputs, uniform
from portsight.i18n import LANGUAGES, catalogue

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def subject(**overrides) -> ProfileSubject:
    values = {
        "port_id": 1,
        "enterprise_id": 7,
        "origin_country": "JP",
        "goods": (SubjectLine("8517130000", Decimal("60000.00")), SubjectLine("8528520000", Decimal("15000.00"))),
    }
    return ProfileSubject(**{**values, **overrides})


def profile(pid=1, action=FORCE, rate=None, **scope) -> RiskProfile:
    return RiskProfile(
        id=pid, action=action, rate=rate, scope=ProfileScope(**scope), starts_at=T0, expires_at=T0 + timedelta(days=30)
    )


# --------------------------------------------------------------------------- matching
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"enterprise_id": 7}, True),
        ({"enterprise_id": 8}, False),
        ({"hs_prefix": "8517"}, True),  # one line of two is enough
        ({"hs_prefix": "851713"}, True),
        ({"hs_prefix": "7404"}, False),
        ({"origin_country": "JP"}, True),
        ({"origin_country": "DE"}, False),
        ({"min_value": Decimal(75000)}, True),  # bounds included: 60,000 + 15,000
        ({"max_value": Decimal(75000)}, True),
        ({"min_value": Decimal("75000.01")}, False),
        ({"min_value": Decimal(10000), "max_value": Decimal(50000)}, False),
        ({"enterprise_id": 7, "hs_prefix": "8517", "origin_country": "JP", "port_id": 1}, True),
        ({"enterprise_id": 7, "origin_country": "DE"}, False),  # every criterion given must hold
        ({"hs_prefix": "8517", "port_id": 2}, False),
    ],
)
def test_a_profile_matches_when_every_criterion_it_gives_holds(scope, expected):
    assert matches(ProfileScope(**scope), subject()) is expected


def test_a_value_range_is_compared_only_in_its_own_currency():
    eur = subject(goods=(SubjectLine("8517130000", Decimal(90000), "EUR"),))
    mixed = subject(goods=(SubjectLine("8517130000", Decimal(90000)), SubjectLine("8517130000", Decimal(1), "EUR")))
    assert not matches(ProfileScope(min_value=Decimal(50000)), eur)
    assert matches(ProfileScope(min_value=Decimal(50000), currency="EUR"), eur)
    assert not matches(ProfileScope(min_value=Decimal(50000)), mixed)  # no exchange rates: not compared
    assert matches(ProfileScope(origin_country="JP"), eur)  # the other criteria still apply


def test_a_profile_is_in_force_from_its_start_until_before_its_expiry_unless_deactivated():
    p = profile(hs_prefix="8517")
    assert not p.in_force(T0 - timedelta(seconds=1))
    assert p.in_force(T0) and p.in_force(T0 + timedelta(days=30) - timedelta(microseconds=1))
    assert not p.in_force(T0 + timedelta(days=30))
    off = RiskProfile(1, FORCE, ProfileScope(hs_prefix="8517"), T0, T0 + timedelta(days=30), active=False)
    assert not off.in_force(T0 + timedelta(days=1))


# --------------------------------------------------------------------------- the draw
def test_a_force_profile_in_force_is_a_forced_hit_of_the_draw():
    drawn = draw_profiles([profile(3, hs_prefix="8517")], subject(), T0 + timedelta(hours=1), "seed")
    assert drawn.hits == [f"{HIT_PREFIX}3"]
    assert drawn.inputs() == {
        "risk_profiles": [{"profile_id": 3, "action": FORCE, "rate": 1.0, "draw": None, "fired": True}]
    }
    decision = decide("advanced_certified", "seed", drawn.hits)
    assert decision.forced and {"code": "rule_hit", "rule_id": "risk_profile:3"} in decision.reasons


def test_an_expired_or_unmatched_profile_leaves_the_draw_as_it_was():
    later = T0 + timedelta(days=31)
    assert draw_profiles([profile(hs_prefix="8517")], subject(), later, "seed").inputs() == {}
    assert draw_profiles([profile(hs_prefix="7404")], subject(), T0, "seed").hits == []


def seed_where(predicate, purpose):
    return next(s for s in (derive_seed("rp", i) for i in range(10_000)) if predicate(uniform(s, purpose)))


def test_a_raise_fires_when_its_own_draw_from_the_seed_falls_below_its_rate():
    raised = profile(5, RAISE, 0.3, origin_country="JP")
    low = seed_where(lambda u: u < 0.3, "risk_profile:5")
    high = seed_where(lambda u: u >= 0.3, "risk_profile:5")
    assert draw_profiles([raised], subject(), T0, low).hits == ["risk_profile:5"]
    missed = draw_profiles([raised], subject(), T0, high)
    assert missed.hits == [] and missed.entries[0]["fired"] is False  # matched: a hit, but not forced


def test_a_raise_fires_at_about_its_rate_over_many_draws():
    raised = profile(9, RAISE, 0.25, origin_country="JP")
    fired = sum(bool(draw_profiles([raised], subject(), T0, derive_seed("rate", i)).hits) for i in range(4000))
    assert 0.22 < fired / 4000 < 0.28


def test_replay_redraws_a_raise_from_the_seed_instead_of_trusting_the_record():
    raised = profile(5, RAISE, 0.3, origin_country="JP")
    seed = next(
        s
        for s in (derive_seed("replay", i) for i in range(10_000))
        if uniform(s, "risk_profile:5") >= 0.3 and uniform(s, "select") >= 0.5
    )
    honest = draw_profiles([raised], subject(), T0, seed)
    inputs = selection_inputs("general", honest.hits, DEFAULT_POLICY, **honest.inputs())
    recorded = decide("general", seed, honest.hits)
    assert replay_decision(with_redrawn_hits(inputs, seed), seed) == recorded
    # a record claiming the raise fired (inspection forced) is not what the seed gives
    forged = {**inputs, "forced_hits": ["risk_profile:5"], "forced": True}
    assert decide("general", seed, ["risk_profile:5"]).forced
    assert not replay_decision(with_redrawn_hits(forged, seed), seed).forced


def test_inputs_without_profiles_replay_unchanged():
    inputs = selection_inputs("general", ["solid_waste_import_ban"], DEFAULT_POLICY)
    assert with_redrawn_hits(inputs, "s") == inputs


# --------------------------------------------------------------------------- validation
def draft(**overrides) -> ProfileDraft:
    values = {
        "name": "Smartphones from JP",
        "reason": "Intelligence note 2026-17",
        "action": FORCE,
        "rate": None,
        "scope": ProfileScope(hs_prefix="8517"),
        "starts_at": T0,
        "expires_at": T0 + timedelta(days=30),
    }
    return ProfileDraft(**{**values, **overrides})


def keys(d: ProfileDraft, now: datetime = T0) -> list[str]:
    return [p.key.removeprefix("risk_profiles.") for p in draft_problems(d, now)]


def test_a_complete_draft_has_no_problems():
    assert keys(draft()) == []
    assert keys(draft(action=RAISE, rate=0.4)) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"name": ""}, "error_name_required"),
        ({"name": "x" * 121}, "error_name_long"),
        ({"reason": ""}, "error_reason_required"),
        ({"action": "block"}, "error_action"),
        ({"action": RAISE, "rate": None}, "error_rate"),
        ({"action": RAISE, "rate": 1.0}, "error_rate"),
        ({"scope": ProfileScope(hs_prefix="85A7")}, "error_hs_prefix"),
        ({"scope": ProfileScope(hs_prefix="8")}, "error_hs_prefix"),
        ({"scope": ProfileScope(origin_country="JPN")}, "error_country"),
        ({"scope": ProfileScope(min_value=Decimal(-1))}, "error_value_negative"),
        ({"scope": ProfileScope(min_value=Decimal(10), max_value=Decimal(5))}, "error_value_range"),
        ({"scope": ProfileScope(hs_prefix="8517", currency="US")}, "error_currency"),
        ({"scope": ProfileScope(port_id=1)}, "error_scope_empty"),
        ({"expires_at": T0}, "error_expiry_before_start"),
        ({"starts_at": T0.replace(tzinfo=None)}, "error_timezone"),
    ],
)
def test_a_draft_is_refused_with_the_problem_named(overrides, problem):
    assert problem in keys(draft(**overrides))


def test_an_expiry_already_past_is_refused():
    assert keys(draft(), now=T0 + timedelta(days=31)) == ["error_expiry_past"]


def test_input_from_a_chinese_input_method_is_read_as_typed():
    assert normalize_hs_prefix("８５１７.１３") == "851713"
    assert normalize_code("ｊｐ") == "JP"
    assert parse_amount("１２,０００.５") == Decimal("12000.5")
    assert parse_amount("  ") is None
    with pytest.raises(ValueError):
        parse_amount("lots")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_problem_a_profile_can_have_is_worded_in_both_languages(lang):
    sources = [ROOT / "portsight/domain/risk_profiles.py", ROOT / "portsight/services/risk_profiles.py"]
    used = {m for path in sources for m in re.findall(r'"(risk_profiles\.error_\w+)"', path.read_text("utf-8"))}
    assert len(used) >= 15
    assert not sorted(used - set(catalogue(lang)))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_status_the_page_shows_is_worded_in_both_languages(lang):
    from portsight.queries.risk_profiles import STATUSES

    assert not [s for s in STATUSES if f"risk_profiles.status_{s}" not in catalogue(lang)]
