"""Risk-based "double random" selection (双随机): which declarations are inspected, and by whom.

Pure: no database, no clock, no global random state. Every random number comes from a recorded
seed through `uniform(seed, purpose)` (SHA-256, so the same seed gives the same draw on every
machine and Python version), which is what makes a stored draw replayable.

Tiers, bounds and targets. The credit measures in force on the date (portsight.domain.credit)
say which tiers exist; the catalogue's selection rules in force bound each tier's realised
inspection rate (`policy_from_catalogue` reads them into a `TierBound` per tier):

* a floor (dishonest, 失信企业): the rate is at least 80 %. The target sits FLOOR_MARGIN above it,
  because the realised rate scatters about ±2 pp around the target.
* a ceiling (advanced certified, 高级认证企业: below 20 % of the base tier's average; under the 2018
  measures also general certified, 一般认证企业: below 50 %). The target is CEILING_MARGIN (half)
  of the ceiling at the base rate, because the bound is watched over a rolling 28-day window and
  a capped tier's inspections are few and clustered: at the demo's volume some 2,000
  advanced-certified declarations a window give 20 to 30 inspections, mostly forced hits that
  come in runs (one enterprise under investigation, one banned heading), so a window's count
  scatters by a fifth or more; a target at three quarters of the ceiling left windows within
  1.5 % of it.
* the base tier (general, under routine measures): the configured base rate.
* everyone else: a minimum random rate (ASYCUDA's "minimum random rate"), so nobody is never
  inspected, except where a ceiling leaves no room for it (below).
Without selection rules or measures in force, DEFAULT_POLICY (the bounds of GAC Order No. 251)
applies.

Forced hits count against a ceiling. Rule hits (prohibited goods, watch-listed origin + HS,
enterprise under investigation, risk profiles) force a physical inspection, and they count
towards the tier's realised rate. With the tier's forced share f (from history), the random
probability is the headroom the forced hits leave, h = (target - f) / (1 - f), so that forced +
random meet the target: f + (1 - f) h = target. For a tier without a ceiling it is never below
the minimum random rate. For a capped tier that floor shrinks with the forced share to
min(minimum rate, max(0, h)), so the probability is max(0, h) and the expected realised rate is
f + (1 - f) p = max(target, f): the target while forced hits leave room, the forced share alone
once they fill it, so below the ceiling for as long as forced hits alone are (f < ceiling: 2 % of
the tier's declarations at a 10 % base). A fixed floor came on top instead: a forced share of
1.25 % on a 1.5 % target plus the 1 % floor gave 2.2 % against a ceiling of 2 %. What forced hits
alone do above the ceiling no draw can undo; the credit-bound alert check
(portsight.alert_checks.credit_bounds) reports it.

Dispatch. Among the inspectors on duty at the port, excluding declared conflicts (hard
constraints), and avoiding the inspectors of this enterprise's previous inspection (soft: relaxed
only when nobody else is left), draw at random among the least loaded (workload within
WORKLOAD_SLACK of the minimum). Over a week that keeps the spread of assignment counts between
inspectors with the same shifts within DISPATCH_SPREAD_BOUND (tests/unit/test_selection_dispatch.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from portsight.domain.credit import FALLBACK_BASE_TIER, FALLBACK_TIERS, GENERAL_CERTIFIED, CreditCalendar
from portsight.domain.enterprise import CreditTier
from portsight.domain.rulebook import RuleCatalogue

ALGORITHM = "sha256-u64-v1"  # how seed -> uniform -> outcome works; recorded with every draw


class Outcome(StrEnum):
    INSPECT = "inspect"  # physical inspection (查验)
    DOCUMENT_CHECK = "document_check"  # documents only (单证审核)
    RELEASE = "release"  # released without inspection


# --- parameters: the one place ----------------------------------------------------------------------
# Rule ids of the catalogue (data/rules/credit.yaml) that DEFAULT_POLICY's bounds stand for.
RULE_DISHONEST = "credit_dishonest_inspection_rate"  # dishonest tier: rate >= 80%
RULE_ADVANCED = "credit_advanced_inspection_rate"  # advanced certified: < 20% of the base tier's average
# The general base rate and the minimum random rate are configured here, not set by a rule.

GENERAL_BASE_RATE = 0.10
DISHONEST_FLOOR = 0.80
DISHONEST_RATE = 0.85
ADVANCED_SHARE_OF_GENERAL_CEILING = 0.20
ADVANCED_SHARE_OF_GENERAL = 0.10
FLOOR_MARGIN = DISHONEST_RATE - DISHONEST_FLOOR  # a floored tier's target above its floor
CEILING_MARGIN = ADVANCED_SHARE_OF_GENERAL / ADVANCED_SHARE_OF_GENERAL_CEILING  # a capped tier's target / ceiling
MINIMUM_RANDOM_RATE = 0.01
# Of the declarations not drawn for physical inspection, the share whose documents are checked.
DOCUMENT_CHECK_RATES = {
    CreditTier.ADVANCED_CERTIFIED.value: 0.02,
    GENERAL_CERTIFIED: 0.05,
    CreditTier.GENERAL.value: 0.10,
    CreditTier.DISHONEST.value: 0.50,
}
# Inspectors per inspection: one by default; two when a rule hit or the tier requires it
# (administrative inspections of high-risk targets are done by two officers).
DEFAULT_INSPECTORS = 1
TWO_INSPECTOR_TIERS = frozenset({CreditTier.DISHONEST.value})
WORKLOAD_SLACK = 1
DISPATCH_SPREAD_BOUND = 5  # assignments, between inspectors with the same shifts over a week (~120 each)

CEILING = "ceiling"  # realised rate < (or <=) value x the base tier's realised rate
FLOOR = "floor"  # realised rate >= (or >) value


@dataclass(frozen=True)
class TierBound:
    """A legal bound on a tier's realised inspection rate, and the selection rule it comes from.

    kind CEILING: rate below `value` times the base tier's average (value is a share, 0.2 = 20 %);
    kind FLOOR: rate at least `value`. strict: `<` / `>` rather than `<=` / `>=`.
    """

    kind: str
    value: float
    rule_id: str | None = None
    strict: bool = True

    def __post_init__(self) -> None:
        if self.kind not in (CEILING, FLOOR):
            raise ValueError(f"A tier bound is a {CEILING} or a {FLOOR}, not {self.kind!r}.")

    def limit(self, base_rate: float | None) -> float | None:
        """The rate the bound stands at: the floor, or the ceiling at this base rate (None without a base)."""
        if self.kind == FLOOR:
            return self.value
        return None if base_rate is None else self.value * base_rate

    def holds(self, realised: float | None, base_rate: float | None) -> bool | None:
        """Whether a realised rate keeps the bound (None when a rate it needs is unknown)."""
        limit = self.limit(base_rate)
        if realised is None or limit is None:
            return None
        eps = 1e-12  # rates are ratios of counts; keep a rate equal to its bound equal
        if self.kind == CEILING:
            return realised < limit - eps if self.strict else realised <= limit + eps
        return realised > limit + eps if self.strict else realised >= limit - eps

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "rule_id": self.rule_id, "strict": self.strict}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierBound:
        return cls(str(data["kind"]), float(data["value"]), data.get("rule_id"), bool(data.get("strict", True)))


@dataclass(frozen=True)
class SelectionPolicy:
    """Targets per tier, their legal bounds, the base tier, the minimum random rate and the rule ids."""

    targets: Mapping[str, float]
    minimum_random_rate: float = MINIMUM_RANDOM_RATE
    document_check_rates: Mapping[str, float] = field(default_factory=lambda: dict(DOCUMENT_CHECK_RATES))
    two_inspector_tiers: frozenset[str] = TWO_INSPECTOR_TIERS
    sources: Mapping[str, str] = field(default_factory=dict)  # tier -> rule id
    bounds: Mapping[str, TierBound] = field(default_factory=dict)  # tier -> its legal bound
    base_tier: str = FALLBACK_BASE_TIER  # the tier whose average a ceiling is a share of

    def __post_init__(self) -> None:
        if not 0.0 < self.minimum_random_rate <= 1.0:
            raise ValueError(f"The minimum random rate must be in (0, 1], not {self.minimum_random_rate}.")
        if self.base_tier not in self.targets:
            raise ValueError(f"The base tier '{self.base_tier}' has no target.")
        for tier, rate in self.targets.items():
            if not self.minimum_random_rate <= rate <= 1.0:
                raise ValueError(
                    f"The target rate of tier '{tier}' ({rate}) must lie between the minimum random rate "
                    f"({self.minimum_random_rate}) and 1."
                )
            bound = self.bounds.get(tier)
            if bound is not None and not bound.holds(rate, self.targets[self.base_tier]):
                raise ValueError(f"The target rate of tier '{tier}' ({rate:.2%}) is outside its legal bound.")

    @property
    def tiers(self) -> tuple[str, ...]:
        return tuple(self.targets)

    def target(self, tier: str) -> float:
        """The tier's target rate; an unknown or missing tier is treated as the base tier."""
        return self.targets.get(tier, self.targets[self.base_tier])

    def capped(self, tier: str) -> bool:
        """Whether the tier's rate has a ceiling (then forced hits eat into its random floor)."""
        bound = self.bounds.get(tier)
        return bound is not None and bound.kind == CEILING

    def as_dict(self) -> dict[str, Any]:
        return {
            "targets": dict(self.targets),
            "minimum_random_rate": self.minimum_random_rate,
            "document_check_rates": dict(self.document_check_rates),
            "two_inspector_tiers": sorted(self.two_inspector_tiers),
            "sources": dict(self.sources),
            "bounds": {tier: b.as_dict() for tier, b in self.bounds.items()},
            "base_tier": self.base_tier,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionPolicy:
        """A recorded policy; one recorded before bounds were kept has none (its floors never shrank)."""
        return cls(
            targets=dict(data["targets"]),
            minimum_random_rate=float(data["minimum_random_rate"]),
            document_check_rates=dict(data.get("document_check_rates", DOCUMENT_CHECK_RATES)),
            two_inspector_tiers=frozenset(data.get("two_inspector_tiers", TWO_INSPECTOR_TIERS)),
            sources=dict(data.get("sources", {})),
            bounds={tier: TierBound.from_dict(b) for tier, b in (data.get("bounds") or {}).items()},
            base_tier=str(data.get("base_tier", FALLBACK_BASE_TIER)),
        )


def make_policy(
    general_rate: float = GENERAL_BASE_RATE,
    dishonest_rate: float = DISHONEST_RATE,
    advanced_share_of_general: float = ADVANCED_SHARE_OF_GENERAL,
    minimum_random_rate: float = MINIMUM_RANDOM_RATE,
    dishonest_floor: float = DISHONEST_FLOOR,
    advanced_ceiling: float = ADVANCED_SHARE_OF_GENERAL_CEILING,
) -> SelectionPolicy:
    """A policy over the three stored tiers that respects the legal bounds, or ValueError saying which is broken."""
    if dishonest_rate < dishonest_floor:
        raise ValueError(f"Dishonest-tier rate {dishonest_rate:.0%} is below the legal floor of {dishonest_floor:.0%}.")
    if advanced_share_of_general >= advanced_ceiling:
        raise ValueError(f"Advanced-certified rate must stay below {advanced_ceiling:.0%} of the general rate.")
    advanced = max(minimum_random_rate, round(general_rate * advanced_share_of_general, 12))
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
        bounds={
            CreditTier.ADVANCED_CERTIFIED.value: TierBound(CEILING, advanced_ceiling, RULE_ADVANCED, strict=True),
            CreditTier.DISHONEST.value: TierBound(FLOOR, dishonest_floor, RULE_DISHONEST, strict=False),
        },
        base_tier=CreditTier.GENERAL.value,
    )


DEFAULT_POLICY = make_policy()


def policy_for_bounds(
    tiers: Sequence[str],
    bounds: Mapping[str, TierBound],
    base_tier: str = FALLBACK_BASE_TIER,
    general_rate: float = GENERAL_BASE_RATE,
    minimum_random_rate: float = MINIMUM_RANDOM_RATE,
) -> SelectionPolicy:
    """The policy of these tiers under these bounds: the base tier at the base rate, a floored tier
    FLOOR_MARGIN above its floor, a capped tier at CEILING_MARGIN of its ceiling (never below the
    minimum random rate), any other tier at the base rate. ValueError when a target cannot keep its bound."""
    targets: dict[str, float] = {}
    for tier in tiers:
        bound = bounds.get(tier)
        if tier == base_tier or bound is None:
            targets[tier] = general_rate
        elif bound.kind == FLOOR:
            targets[tier] = min(1.0, bound.value + FLOOR_MARGIN)
        else:
            targets[tier] = max(minimum_random_rate, round(general_rate * bound.value * CEILING_MARGIN, 12))
            if not bound.holds(targets[tier], general_rate):
                raise ValueError(
                    f"The minimum random rate {minimum_random_rate:.1%} leaves tier '{tier}' at or above its ceiling "
                    f"of {bound.value:.0%} of the base rate {general_rate:.1%}; lower it."
                )
    kept = {t: b for t, b in bounds.items() if t in targets and t != base_tier}
    return SelectionPolicy(
        targets=targets,
        minimum_random_rate=minimum_random_rate,
        sources={t: b.rule_id for t, b in kept.items() if b.rule_id},
        bounds=kept,
        base_tier=base_tier,
    )


def _fraction(value: float, unit: str) -> float:
    return value / 100.0 if unit.strip() in {"%", "pct", "percent"} or value > 1.0 else value


def policy_from_catalogue(
    on_date: date | None, catalogue: RuleCatalogue, calendar: CreditCalendar | None = None
) -> SelectionPolicy:
    """The policy of the tiers and bounds in force on on_date.

    Tiers: those of the credit measures in force (calendar; the three stored tiers without).
    Bounds: among rules of kind `selection` in force, scoped to a credit tier, a condition on
    inspection_rate_pct: `>=` / `>` with a limit (a floor) or `<` / `<=` against
    general_average_rate_pct with a `times` parameter (a ceiling, as a share of the base tier's
    average). Targets keep a margin inside those bounds (see policy_for_bounds). With neither
    measures nor selection rules in force on the date, DEFAULT_POLICY.
    """
    on_date = on_date or date.today()
    measures = calendar.on(on_date) if calendar is not None else None
    tiers = measures.drawn_tiers if measures is not None else FALLBACK_TIERS
    base_tier = measures.base_tier if measures is not None else FALLBACK_BASE_TIER
    bounds: dict[str, TierBound] = {}
    for rule in catalogue.rules:
        if rule.kind != "selection" or not rule.in_force(on_date):
            continue
        for cond in rule.require:
            if cond.field != "inspection_rate_pct":
                continue
            for tier in rule.scope.credit_tiers:
                if tier not in tiers:
                    continue
                if cond.op in {">=", ">"} and cond.limit:
                    value = _fraction(rule.param(cond.limit, on_date), rule.parameters[cond.limit].unit)
                    bounds[tier] = TierBound(FLOOR, value, rule.id, strict=cond.op == ">")
                elif cond.op in {"<", "<="} and cond.ref == "general_average_rate_pct" and cond.times:
                    value = _fraction(rule.param(cond.times, on_date), rule.parameters[cond.times].unit)
                    bounds[tier] = TierBound(CEILING, value, rule.id, strict=cond.op == "<")
    if not bounds and measures is None:
        return DEFAULT_POLICY
    return policy_for_bounds(tiers, bounds, base_tier)


def bound_report(policy: SelectionPolicy, realised: Mapping[str, float | None]) -> dict[str, dict[str, Any]]:
    """Per tier of the policy: target, realised, the bound's limit at the realised base rate, and whether
    the realised rate keeps it (None: no bound, or a rate it needs is unknown)."""
    base = realised.get(policy.base_tier)
    out: dict[str, dict[str, Any]] = {}
    for tier in policy.tiers:
        bound = policy.bounds.get(tier)
        rate = realised.get(tier)
        out[tier] = {
            "target": policy.target(tier),
            "realised": rate,
            "bound": bound,
            "limit": None if bound is None else bound.limit(base),
            "inside": None if bound is None else bound.holds(rate, base),
        }
    return out


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

    forced_share: the share of this tier's declarations that rule hits force anyway (0 when unknown).
    The random part is the headroom h = (target - f) / (1 - f) the forced hits leave, so that
    forced + random meet the target. A tier without a ceiling never goes below the minimum random
    rate; a capped tier's floor shrinks to the headroom (so max(0, h)): forced hits count against
    its cap. Always in [0, 1].
    """
    target = policy.target(tier)
    f = min(max(float(forced_share), 0.0), 1.0)
    headroom = 1.0 if f >= 1.0 else (target - f) / (1.0 - f)
    if policy.capped(tier):
        if f >= 1.0:
            return 0.0  # every declaration of the tier is forced: nothing is left to draw
        floor = min(policy.minimum_random_rate, max(0.0, headroom))
        return min(1.0, max(floor, headroom))
    return min(1.0, max(policy.minimum_random_rate, headroom))


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
