"""Risk-based "double random" selection (双随机): which declarations are inspected, and by whom.

Pure: no database, no clock, no global random state. Every random number comes from a recorded
seed through `uniform(seed, purpose)` (SHA-256, so the same seed gives the same draw on every
machine and Python version), which is what makes a stored draw replayable.

Targets. The target inspection rate of each credit tier comes from the rule catalogue (issue 3,
kind `selection`) when portsight.domain.rules offers it; `policy_from_rules` reads it. Until then,
and as a fallback, DEFAULT_POLICY below is the one place where the numbers live:

* dishonest (失信企业): rate at or above 80%. We aim at 85% so that the realised rate, which
  scatters about ±2 pp around the target, stays above the legal floor.
* advanced certified (高级认证企业): below 20% of the general tier's average; we aim at 15% of it.
* general (一般信用企业): the configured base rate.
* everyone: a minimum random rate (ASYCUDA's "minimum random rate"), so nobody is never inspected.

Rule hits (prohibited goods, watch-listed origin + HS, enterprise under investigation) force a
physical inspection. Forced hits count towards the realised rate: when a tier's forced share f is
known (from history), the random probability is lowered to (target - f) / (1 - f), so that over
time forced + random together meet the target, and never below the minimum random rate.

Dispatch. Among the inspectors on duty at the port, excluding declared conflicts (hard
constraints), and avoiding the inspectors of this enterprise's previous inspection (soft: relaxed
only when nobody else is left), draw at random among the least loaded (workload within
WORKLOAD_SLACK of the minimum). Over a week that keeps the spread of assignment counts between
inspectors with the same shifts within DISPATCH_SPREAD_BOUND (tests/unit/test_selection_dispatch.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from portsight.domain.enterprise import CreditTier
from portsight.domain.rulebook import RuleCatalogue

ALGORITHM = "sha256-u64-v1"  # how seed -> uniform -> outcome works; recorded with every draw


class Outcome(StrEnum):
    INSPECT = "inspect"  # physical inspection (查验)
    DOCUMENT_CHECK = "document_check"  # documents only (单证审核)
    RELEASE = "release"  # released without inspection


# --- parameters: the one place ----------------------------------------------------------------------
# Rule ids of the catalogue (data/rules/credit.yaml, issue 3) whose bounds policy_from_catalogue reads.
RULE_DISHONEST = "credit_dishonest_inspection_rate"  # dishonest tier: rate >= 80%
RULE_ADVANCED = "credit_advanced_inspection_rate"  # advanced certified: < 20% of the general average
# The general base rate and the minimum random rate are configured here, not set by a rule.

GENERAL_BASE_RATE = 0.10
DISHONEST_FLOOR = 0.80
DISHONEST_RATE = 0.85
ADVANCED_SHARE_OF_GENERAL_CEILING = 0.20
ADVANCED_SHARE_OF_GENERAL = 0.15
MINIMUM_RANDOM_RATE = 0.01
# Of the declarations not drawn for physical inspection, the share whose documents are checked.
DOCUMENT_CHECK_RATES = {
    CreditTier.ADVANCED_CERTIFIED.value: 0.02,
    CreditTier.GENERAL.value: 0.10,
    CreditTier.DISHONEST.value: 0.50,
}
# Inspectors per inspection: one by default; two when a rule hit or the tier requires it
# (administrative inspections of high-risk targets are done by two officers).
DEFAULT_INSPECTORS = 1
TWO_INSPECTOR_TIERS = frozenset({CreditTier.DISHONEST.value})
WORKLOAD_SLACK = 1
DISPATCH_SPREAD_BOUND = 5  # assignments, between inspectors with the same shifts over a week (~120 each)


@dataclass(frozen=True)
class SelectionPolicy:
    """Targets per tier, the minimum random rate and the rule ids they come from."""

    targets: Mapping[str, float]
    minimum_random_rate: float = MINIMUM_RANDOM_RATE
    document_check_rates: Mapping[str, float] = field(default_factory=lambda: dict(DOCUMENT_CHECK_RATES))
    two_inspector_tiers: frozenset[str] = TWO_INSPECTOR_TIERS
    sources: Mapping[str, str] = field(default_factory=dict)  # tier -> rule id

    def __post_init__(self) -> None:
        if not 0.0 < self.minimum_random_rate <= 1.0:
            raise ValueError(f"The minimum random rate must be in (0, 1], not {self.minimum_random_rate}.")
        for tier, rate in self.targets.items():
            if not self.minimum_random_rate <= rate <= 1.0:
                raise ValueError(
                    f"The target rate of tier '{tier}' ({rate}) must lie between the minimum random rate "
                    f"({self.minimum_random_rate}) and 1."
                )

    def target(self, tier: str) -> float:
        """The tier's target rate; an unknown or missing tier is treated as general."""
        return self.targets.get(tier, self.targets[CreditTier.GENERAL.value])

    def as_dict(self) -> dict[str, Any]:
        return {
            "targets": dict(self.targets),
            "minimum_random_rate": self.minimum_random_rate,
            "document_check_rates": dict(self.document_check_rates),
            "two_inspector_tiers": sorted(self.two_inspector_tiers),
            "sources": dict(self.sources),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionPolicy:
        return cls(
            targets=dict(data["targets"]),
            minimum_random_rate=float(data["minimum_random_rate"]),
            document_check_rates=dict(data.get("document_check_rates", DOCUMENT_CHECK_RATES)),
            two_inspector_tiers=frozenset(data.get("two_inspector_tiers", TWO_INSPECTOR_TIERS)),
            sources=dict(data.get("sources", {})),
        )


def make_policy(
    general_rate: float = GENERAL_BASE_RATE,
    dishonest_rate: float = DISHONEST_RATE,
    advanced_share_of_general: float = ADVANCED_SHARE_OF_GENERAL,
    minimum_random_rate: float = MINIMUM_RANDOM_RATE,
    dishonest_floor: float = DISHONEST_FLOOR,
    advanced_ceiling: float = ADVANCED_SHARE_OF_GENERAL_CEILING,
) -> SelectionPolicy:
    """A policy that respects the legal bounds, or ValueError saying which bound is broken."""
    if dishonest_rate < dishonest_floor:
        raise ValueError(f"Dishonest-tier rate {dishonest_rate:.0%} is below the legal floor of {dishonest_floor:.0%}.")
    if advanced_share_of_general >= advanced_ceiling:
        raise ValueError(f"Advanced-certified rate must stay below {advanced_ceiling:.0%} of the general rate.")
    advanced = max(minimum_random_rate, general_rate * advanced_share_of_general)
    if advanced >= general_rate * advanced_ceiling:
        raise ValueError(
            f"The minimum random rate {minimum_random_rate:.1%} leaves the advanced-certified rate at or above "
            f"{advanced_ceiling:.0%} of the general rate {general_rate:.1%}; lower it."
        )
    return SelectionPolicy(
        targets={
            CreditTier.ADVANCED_CERTIFIED.value: advanced,
            CreditTier.GENERAL.value: general_rate,
            CreditTier.DISHONEST.value: dishonest_rate,
        },
        minimum_random_rate=minimum_random_rate,
        sources={CreditTier.ADVANCED_CERTIFIED.value: RULE_ADVANCED, CreditTier.DISHONEST.value: RULE_DISHONEST},
    )


DEFAULT_POLICY = make_policy()


def _fraction(value: float, unit: str) -> float:
    return value / 100.0 if unit.strip() in {"%", "pct", "percent"} or value > 1.0 else value


def policy_from_catalogue(on_date: date | None, catalogue: RuleCatalogue) -> SelectionPolicy:
    """The policy whose bounds come from the catalogue's selection rules in force on on_date.

    Reads, among rules of kind `selection` scoped to a credit tier, a condition on
    inspection_rate_pct: `>=` / `>` with a limit (dishonest floor) and `<` / `<=` against
    general_average_rate_pct with a `times` parameter (advanced-certified share of the general
    average). Targets keep a margin inside those bounds (DISHONEST_RATE - DISHONEST_FLOOR above the
    floor; ADVANCED_SHARE_OF_GENERAL / ADVANCED_SHARE_OF_GENERAL_CEILING of the ceiling). Whatever the
    catalogue does not define keeps the defaults above.
    """
    on_date = on_date or date.today()
    floor, ceiling = DISHONEST_FLOOR, ADVANCED_SHARE_OF_GENERAL_CEILING
    sources: dict[str, str] = {}
    for rule in catalogue.rules:
        if rule.kind != "selection" or not rule.in_force(on_date):
            continue
        tiers = set(rule.scope.credit_tiers)
        for cond in rule.require:
            if cond.field != "inspection_rate_pct":
                continue
            if CreditTier.DISHONEST.value in tiers and cond.op in {">=", ">"} and cond.limit:
                unit = rule.parameters[cond.limit].unit
                floor = _fraction(rule.param(cond.limit, on_date), unit)
                sources[CreditTier.DISHONEST.value] = rule.id
            elif (
                CreditTier.ADVANCED_CERTIFIED.value in tiers
                and cond.op in {"<", "<="}
                and cond.ref == "general_average_rate_pct"
                and cond.times
            ):
                unit = rule.parameters[cond.times].unit
                ceiling = _fraction(rule.param(cond.times, on_date), unit)
                sources[CreditTier.ADVANCED_CERTIFIED.value] = rule.id
    if not sources:
        return DEFAULT_POLICY
    dishonest = min(1.0, floor + (DISHONEST_RATE - DISHONEST_FLOOR))
    share = ceiling * ADVANCED_SHARE_OF_GENERAL / ADVANCED_SHARE_OF_GENERAL_CEILING
    base = make_policy(
        dishonest_rate=dishonest, advanced_share_of_general=share, dishonest_floor=floor, advanced_ceiling=ceiling
    )
    return replace(base, sources={**base.sources, **sources})


# --- the draw -------------------------------------------------------------------------------------------
def uniform(seed: str, purpose: str = "select") -> float:
    """A number in [0, 1) determined by seed and purpose alone (first 64 bits of SHA-256)."""
    digest = hashlib.sha256(f"{seed}|{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def derive_seed(master: str, *parts: object) -> str:
    """A per-item seed from a master seed (bench, simulator): 32 hex characters."""
    text = "|".join([master, *map(str, parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def inspection_probability(tier: str, policy: SelectionPolicy = DEFAULT_POLICY, forced_share: float = 0.0) -> float:
    """Probability that a declaration without rule hits is drawn for physical inspection.

    forced_share: the share of this tier's declarations that rule hits force anyway (0 when unknown);
    the random part is lowered so that forced + random meet the target. Always in [minimum rate, 1].
    """
    target = policy.target(tier)
    f = min(max(float(forced_share), 0.0), 1.0)
    p = 1.0 if f >= 1.0 else (target - f) / (1.0 - f)
    return min(1.0, max(policy.minimum_random_rate, p))


@dataclass(frozen=True)
class SelectionDecision:
    outcome: Outcome
    rate: float  # the probability applied (1.0 when forced)
    draw: float | None  # the uniform number drawn; None when a rule hit forced inspection
    reasons: tuple[dict[str, Any], ...]
    forced: bool
    inspectors_needed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "rate": self.rate,
            "draw": self.draw,
            "reasons": [dict(r) for r in self.reasons],
            "forced": self.forced,
            "inspectors_needed": self.inspectors_needed,
        }


def inspectors_needed(tier: str, forced_hits: Sequence[str], policy: SelectionPolicy = DEFAULT_POLICY) -> int:
    """Two inspectors for a rule hit or a tier that requires it, else DEFAULT_INSPECTORS."""
    return 2 if forced_hits or tier in policy.two_inspector_tiers else DEFAULT_INSPECTORS


def decide(
    tier: str,
    seed: str,
    forced_hits: Iterable[str] = (),
    policy: SelectionPolicy = DEFAULT_POLICY,
    forced_share: float = 0.0,
) -> SelectionDecision:
    """The decision for one declaration: inspect, document check or release, with reasons.

    tier: the enterprise's credit tier ("advanced_certified", "general", "dishonest"; unknown = general);
    seed: any string, recorded with the decision; forced_hits: ids of rules that force inspection;
    forced_share: this tier's share of forced hits in history (see inspection_probability).
    The simulator and the seed data generator call this too, with a seed from derive_seed().
    """
    hits = tuple(sorted(set(forced_hits)))
    needed = inspectors_needed(tier, hits, policy)
    if hits:
        reasons = tuple({"code": "rule_hit", "rule_id": rule_id} for rule_id in hits)
        return SelectionDecision(Outcome.INSPECT, 1.0, None, reasons, True, needed)
    rate = inspection_probability(tier, policy, forced_share)
    u = uniform(seed, "select")
    base = {"tier": tier, "rate": round(rate, 6), "draw": round(u, 6), "rule_id": policy.sources.get(tier)}
    if u < rate:
        return SelectionDecision(Outcome.INSPECT, rate, u, ({"code": "random_draw", **base},), False, needed)
    doc_rate = float(policy.document_check_rates.get(tier, 0.0))
    # Rescale the rest of [rate, 1) onto [0, 1) so the document draw is independent of the first.
    v = (u - rate) / (1.0 - rate) if rate < 1.0 else 1.0
    if v < doc_rate:
        reason = {"code": "document_draw", **base, "document_rate": doc_rate}
        return SelectionDecision(Outcome.DOCUMENT_CHECK, rate, u, (reason,), False, needed)
    return SelectionDecision(Outcome.RELEASE, rate, u, ({"code": "not_drawn", **base},), False, needed)


def selection_inputs(
    tier: str,
    forced_hits: Iterable[str],
    policy: SelectionPolicy,
    forced_share: float = 0.0,
    **context: object,
) -> dict[str, Any]:
    """Everything decide() needs besides the seed, as plain JSON, plus context for the record."""
    hits = sorted(set(forced_hits))
    return {
        "algorithm": ALGORITHM,
        "tier": tier,
        "forced_hits": hits,
        "forced": bool(hits),
        "forced_share": float(forced_share),
        "policy": policy.as_dict(),
        **context,
    }


def replay_decision(inputs: Mapping[str, Any], seed: str) -> SelectionDecision:
    """Recompute a recorded decision from its inputs and seed (not from today's policy)."""
    if inputs.get("algorithm") != ALGORITHM:
        raise ValueError(f"This draw used algorithm {inputs.get('algorithm')!r}; this code replays {ALGORITHM!r}.")
    return decide(
        tier=str(inputs["tier"]),
        seed=seed,
        forced_hits=inputs.get("forced_hits", ()),
        policy=SelectionPolicy.from_dict(inputs["policy"]),
        forced_share=float(inputs.get("forced_share", 0.0)),
    )


# --- dispatch of inspectors ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """An inspector of the port, with what dispatch needs to know about them."""

    user_id: int
    on_duty: bool
    workload: int = 0  # assignments in the balancing window (e.g. the last 7 days)
    conflicted: bool = False  # declared conflict of interest with this enterprise
    previous_team: bool = False  # inspected this enterprise's previous inspection


@dataclass(frozen=True)
class DispatchResult:
    user_ids: tuple[int, ...]
    needed: int
    excluded: Mapping[int, str]  # user id -> off_duty / conflict
    relaxed: bool  # True when someone of the previous team had to be taken again
    draws: tuple[float, ...]

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - len(self.user_ids))

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_ids": list(self.user_ids),
            "needed": self.needed,
            "excluded": {str(k): v for k, v in self.excluded.items()},
            "relaxed": self.relaxed,
            "draws": [round(d, 6) for d in self.draws],
        }


def dispatch(
    candidates: Sequence[Candidate],
    needed: int,
    seed: str,
    slack: int = WORKLOAD_SLACK,
) -> DispatchResult:
    """Draw `needed` inspectors at random among the eligible, least loaded first.

    Hard: never off duty, never conflicted. Soft: not someone of the enterprise's previous team,
    unless there are not enough others. Each pick is uniform among the eligible whose workload is
    within `slack` of the lowest. Fewer than `needed` come back when not enough are eligible
    (see DispatchResult.shortfall); the caller decides whether that is acceptable.
    """
    if needed < 1:
        raise ValueError("At least one inspector is needed.")
    excluded: dict[int, str] = {}
    eligible: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: c.user_id):
        if not c.on_duty:
            excluded[c.user_id] = "off_duty"
        elif c.conflicted:
            excluded[c.user_id] = "conflict"
        else:
            eligible.append(c)
    picked: list[int] = []
    draws: list[float] = []
    relaxed = False
    for k in range(min(needed, len(eligible))):
        remaining = [c for c in eligible if c.user_id not in picked]
        fresh = [c for c in remaining if not c.previous_team]
        relaxed = relaxed or not fresh
        pool = fresh or remaining
        low = min(c.workload for c in pool)
        band = [c for c in pool if c.workload <= low + slack]
        u = uniform(seed, f"dispatch:{k}")
        picked.append(band[int(u * len(band))].user_id)
        draws.append(u)
    return DispatchResult(tuple(picked), needed, excluded, relaxed, tuple(draws))


def dispatch_inputs(
    candidates: Sequence[Candidate], needed: int, slack: int = WORKLOAD_SLACK, **context: object
) -> dict[str, Any]:
    """What dispatch() needs besides the seed, as plain JSON, plus context for the record."""
    return {
        "algorithm": ALGORITHM,
        "needed": needed,
        "slack": slack,
        "candidates": [asdict(c) for c in sorted(candidates, key=lambda c: c.user_id)],
        **context,
    }


def replay_dispatch(inputs: Mapping[str, Any], seed: str) -> DispatchResult:
    if inputs.get("algorithm") != ALGORITHM:
        raise ValueError(f"This draw used algorithm {inputs.get('algorithm')!r}; this code replays {ALGORITHM!r}.")
    candidates = [Candidate(**c) for c in inputs["candidates"]]
    return dispatch(candidates, int(inputs["needed"]), seed, int(inputs.get("slack", WORKLOAD_SLACK)))


def may_decide(user_id: int | None, conflicted_user_ids: Iterable[int]) -> bool:
    """Release is decided by someone other than a person with a declared conflict."""
    return user_id not in set(conflicted_user_ids)
