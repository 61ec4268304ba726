"""Simulate 10,000 declarations across credit tiers and compare realised inspection rates with targets.

    PYTHONPATH=. .venv/bin/python bench/selection_rates.py [--n 10000] [--seed bench-7]

Each declaration gets the decision portsight.domain.selection.decide() would record, with a seed
derived from the master seed. Some declarations hit a rule that forces inspection (enterprise under
investigation, watch-listed origin + HS); as in the service, the random rate of each tier is lowered
by the tier's forced share so that forced + random meet the target. Prints the table and writes
bench/results/selection_rates.json: {tier: {"target", "realised", "n", ...}} (fractions).
Exit status 1 when a tier's realised rate is more than 2 percentage points from its target.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from portsight.domain.enterprise import CreditTier
from portsight.domain.selection import DEFAULT_POLICY, Outcome, decide, derive_seed, uniform

RESULTS = Path(__file__).resolve().parent / "results" / "selection_rates.json"
TOLERANCE = 0.02
# Share of declarations per tier, and the share of each tier whose declarations hit a forcing rule.
MIX = {CreditTier.ADVANCED_CERTIFIED.value: 0.3, CreditTier.GENERAL.value: 0.4, CreditTier.DISHONEST.value: 0.3}
FORCED_SHARE = {CreditTier.ADVANCED_CERTIFIED.value: 0.005, CreditTier.GENERAL.value: 0.03,
                CreditTier.DISHONEST.value: 0.10}  # fmt: skip


def pick_tier(u: float) -> str:
    edge = 0.0
    for tier, share in MIX.items():
        edge += share
        if u < edge:
            return tier
    return CreditTier.GENERAL.value


def simulate(n: int, master: str) -> dict[str, dict]:
    counts: dict[str, Counter] = {tier: Counter() for tier in MIX}
    for i in range(n):
        seed = derive_seed(master, i)
        tier = pick_tier(uniform(seed, "tier"))
        hits = ["simulated.watch_list"] if uniform(seed, "hit") < FORCED_SHARE[tier] else []
        decision = decide(tier, seed, hits, DEFAULT_POLICY, forced_share=FORCED_SHARE[tier])
        c = counts[tier]
        c["n"] += 1
        c["forced"] += decision.forced
        c[decision.outcome.value] += 1
    table = {}
    for tier, c in counts.items():
        target = DEFAULT_POLICY.target(tier)
        realised = c[Outcome.INSPECT.value] / c["n"] if c["n"] else 0.0
        table[tier] = {
            "target": target,
            "realised": round(realised, 6),
            "n": c["n"],
            "inspected": c[Outcome.INSPECT.value],
            "forced": c["forced"],
            "document_check": c[Outcome.DOCUMENT_CHECK.value],
            "released": c[Outcome.RELEASE.value],
            "within_tolerance": abs(realised - target) <= TOLERANCE,
        }
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", default="bench-7")
    args = parser.parse_args(argv)
    table = simulate(args.n, args.seed)
    print(f"Selection rates: {args.n} simulated declarations, master seed {args.seed!r}, tolerance ±2 pp")
    header = f"{'tier':<20}{'n':>7}{'forced':>8}{'inspected':>11}{'target':>9}{'realised':>10}{'diff pp':>9}  ok"
    print(header)
    print("-" * len(header))
    for tier, row in table.items():
        diff = (row["realised"] - row["target"]) * 100
        print(
            f"{tier:<20}{row['n']:>7}{row['forced']:>8}{row['inspected']:>11}{row['target']:>9.1%}"
            f"{row['realised']:>10.2%}{diff:>+9.2f}  {'yes' if row['within_tolerance'] else 'NO'}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0 if all(row["within_tolerance"] for row in table.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
