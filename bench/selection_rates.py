"""Per credit tier: target, realised inspection rate and legal bound over the seeded demo weeks.

    PYTHONPATH=. .venv/bin/python bench/selection_rates.py [--weeks 26] [--seed 7] [--now 2026-12-02T13:00]
    PYTHONPATH=. .venv/bin/python bench/selection_rates.py --simulate 10000 [--master bench-7]

Seeds the demo (portsight.demo.seed.seed_demo: its draws go through domain.selection.decide with
the day's policy and each tier's forced share) into a temporary SQLite file, then reads what the
selection page shows (portsight.queries.selection.realised_rates: target, realised, the bound's
limit at the base tier's realised rate, inside or not) over the whole seeded period, and the same
for every rolling window of --window days ending at a local midnight (the credit-bound alert's
window, portsight.alert_checks.credit_bounds), of which it prints the worst per tier.

--simulate N draws N synthetic declarations through decide() instead, with forced hits at the
shares of FORCED_SHARE (the advanced-certified share as in the demo), in well under a second.

Prints the table and writes bench/results/selection_rates.json ({"period": {tier: row},
"worst_window": {tier: row}}, fractions). Exit status 1 when a tier is outside its bound over the
period or in any full window.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portsight.catalogue import selection_policy  # noqa: E402
from portsight.clock import LOCAL_TZ, as_utc  # noqa: E402
from portsight.domain.enterprise import CreditTier  # noqa: E402
from portsight.domain.selection import (  # noqa: E402
    DEFAULT_POLICY,
    Outcome,
    SelectionPolicy,
    bound_report,
    decide,
    derive_seed,
    uniform,
)

RESULTS = Path(__file__).resolve().parent / "results" / "selection_rates.json"
TOLERANCE = 0.02  # simulation: realised within 2 points of the target
ZONE = ZoneInfo(LOCAL_TZ)
# Simulation: share of declarations per tier, and the share of each tier whose declarations hit a forcing rule
# (advanced certified: 1.25 %, as in the demo, where forced hits alone leave little of its 1.5 % target).
MIX = {CreditTier.ADVANCED_CERTIFIED.value: 0.3, CreditTier.GENERAL.value: 0.4, CreditTier.DISHONEST.value: 0.3}
FORCED_SHARE = {CreditTier.ADVANCED_CERTIFIED.value: 0.0125, CreditTier.GENERAL.value: 0.03,
                CreditTier.DISHONEST.value: 0.10}  # fmt: skip


def _row(policy: SelectionPolicy, counts: dict[str, Counter]) -> dict[str, dict[str, Any]]:
    """Per tier of the policy (and any other drawn): n, inspected, forced, target, realised, limit, inside."""
    tiers = [*policy.tiers, *sorted(t for t in counts if t not in policy.targets)]
    realised = {t: counts[t]["inspected"] / counts[t]["n"] if counts[t]["n"] else None for t in tiers}
    report = bound_report(policy, realised)
    table = {}
    for t in tiers:
        bound = policy.bounds.get(t)
        table[t] = {
            "n": counts[t]["n"],
            "inspected": counts[t]["inspected"],
            "forced": counts[t]["forced"],
            "target": policy.target(t),
            "realised": None if realised[t] is None else round(realised[t], 6),
            "bound": None if bound is None else {**bound.as_dict(), "limit": report.get(t, {}).get("limit")},
            "inside": report.get(t, {}).get("inside"),
        }
    return table


# --------------------------------------------------------------------------- simulation
def pick_tier(u: float) -> str:
    edge = 0.0
    for tier, share in MIX.items():
        edge += share
        if u < edge:
            return tier
    return CreditTier.GENERAL.value


def simulate(n: int, master: str, policy: SelectionPolicy = DEFAULT_POLICY) -> dict[str, dict[str, Any]]:
    """n synthetic declarations drawn by decide() with forced hits at FORCED_SHARE (known to the draw)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for i in range(n):
        seed = derive_seed(master, i)
        tier = pick_tier(uniform(seed, "tier"))
        hits = ["simulated.watch_list"] if uniform(seed, "hit") < FORCED_SHARE[tier] else []
        decision = decide(tier, seed, hits, policy, forced_share=FORCED_SHARE[tier])
        c = counts[tier]
        c["n"] += 1
        c["forced"] += decision.forced
        c["inspected"] += decision.outcome is Outcome.INSPECT
    table = _row(policy, counts)
    for row in table.values():
        row["within_tolerance"] = row["realised"] is not None and abs(row["realised"] - row["target"]) <= TOLERANCE
    return table


# --------------------------------------------------------------------------- the seeded demo
def seeded(weeks: int, seed: int, now: datetime, window: int) -> tuple[dict, dict, dict]:
    """Seed the demo into a temporary SQLite file; the period's table, the worst window per tier, and facts."""
    from sqlalchemy import select

    from portsight.db.migrate import upgrade
    from portsight.db.models import Selection
    from portsight.db.session import make_engine
    from portsight.demo.seed import seed_demo
    from portsight.queries.selection import realised_rates

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        seed_demo(engine, weeks=weeks, seed=seed, now=now, password_hash="x")
        start = now - timedelta(weeks=weeks)
        period = realised_rates(engine, None, start, now + timedelta(hours=1))
        with engine.connect() as conn:
            draws = conn.execute(
                select(Selection.drawn_at, Selection.inputs["tier"].as_string(), Selection.outcome, Selection.inputs)
            ).all()
        engine.dispose()
    daily: dict[date, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for drawn_at, tier, outcome, inputs in draws:
        c = daily[as_utc(drawn_at).astimezone(ZONE).date()][tier]
        c["n"] += 1
        c["inspected"] += outcome == Outcome.INSPECT.value
        c["forced"] += bool(inputs.get("forced"))
    period_table = {
        r["tier"]: {
            "n": int(r["n"]),
            "inspected": int(r["inspected"]),
            "forced": int(r["forced"]),
            "target": float(r["target"]),
            "realised": None if r["realised"] is None or r["realised"] != r["realised"] else round(r["realised"], 6),
            "bound": None if not isinstance(r["bound_op"], str) else {"op": r["bound_op"], "limit": r["limit"]},
            "inside": r["inside"],
        }
        for r in period.to_dict("records")
    }
    # Full windows only: from the first whole local day of the history to the last midnight before now.
    first = min(daily) + timedelta(days=1)
    last = as_utc(now).astimezone(ZONE).date()
    worst: dict[str, dict[str, Any]] = {}
    windows = 0
    for end in (first + timedelta(days=k) for k in range(window, (last - first).days + 1)):
        counts: dict[str, Counter] = defaultdict(Counter)
        for d in (end - timedelta(days=k) for k in range(1, window + 1)):
            for tier, c in daily.get(d, {}).items():
                counts[tier].update(c)
        policy = selection_policy(end - timedelta(days=1))
        windows += 1
        for tier, row in _row(policy, counts).items():
            if row["bound"] is None or row["realised"] is None:
                continue
            limit = row["bound"]["limit"]
            # The worst window: the smallest margin between the realised rate and the bound's limit.
            margin = (limit - row["realised"]) if row["bound"]["kind"] == "ceiling" else (row["realised"] - limit)
            if tier not in worst or margin < worst[tier]["margin"]:
                worst[tier] = {**row, "margin": round(margin, 6), "window_end": end.isoformat()}
    facts = {"weeks": weeks, "seed": seed, "now": now.isoformat(), "window_days": window, "windows": windows}
    return period_table, worst, facts


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.2%}"


def _bound(row: dict[str, Any]) -> str:
    bound = row["bound"]
    if bound is None:
        return "—"
    op = bound.get("op") or {("ceiling", True): "<", ("ceiling", False): "<=", ("floor", True): ">",
                             ("floor", False): ">="}[(bound["kind"], bound["strict"])]  # fmt: skip
    return f"{op} {_pct(bound['limit'])}"


def _inside(row: dict[str, Any]) -> str:
    return "—" if row["inside"] is None else "yes" if row["inside"] else "NO"


def print_table(title: str, table: dict[str, dict[str, Any]], extra: str = "") -> None:
    print(title)
    header = (
        f"{'tier':<20}{'n':>8}{'forced':>8}{'inspected':>11}{'target':>9}{'realised':>10}{'bound':>12}  inside{extra}"
    )
    print(header)
    print("-" * len(header))
    for tier, row in table.items():
        tail = f"  {row['window_end']}" if "window_end" in row else ""
        print(
            f"{tier:<20}{row['n']:>8}{row['forced']:>8}{row['inspected']:>11}{_pct(row['target']):>9}"
            f"{_pct(row['realised']):>10}{_bound(row):>12}  {_inside(row):<6}{tail}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", help="the seed's anchor, ISO (default: the current hour, as the demo)")
    parser.add_argument("--window", type=int, default=28, help="rolling window in days (the alert's)")
    parser.add_argument("--simulate", type=int, metavar="N", help="draw N synthetic declarations instead of seeding")
    parser.add_argument("--master", default="bench-7", help="master seed of the simulation")
    args = parser.parse_args(argv)
    if args.simulate:
        table = simulate(args.simulate, args.master)
        print_table(f"Selection rates: {args.simulate} simulated declarations, master seed {args.master!r}", table)
        result: dict[str, Any] = {"simulated": table}
        ok = all(r["inside"] is not False and r["within_tolerance"] for r in table.values())
    else:
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC).replace(minute=0, second=0,
                                                                                         microsecond=0)  # fmt: skip
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        period, worst, facts = seeded(args.weeks, args.seed, now, args.window)
        start = (now - timedelta(weeks=args.weeks)).astimezone(ZONE).date()
        print_table(
            f"Selection rates over the seeded demo: {args.weeks} weeks ({start} to {now.astimezone(ZONE).date()}), "
            f"seed {args.seed}",
            period,
        )
        print()
        print_table(
            f"Worst of {facts['windows']} rolling {args.window}-day windows per bounded tier", worst, "  window ends"
        )
        result = {**facts, "period": period, "worst_window": worst}
        ok = all(r["inside"] is not False for r in period.values()) and all(r["inside"] for r in worst.values())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
