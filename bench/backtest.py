"""Back-test timing on a 26-week demo database (SQLite): p50 / p95 in ms, goal under 2 s.

    .venv/bin/python bench/backtest.py [--rule ID] [--runs N] [--db PATH]

Builds the database once with `python -m portsight seed --weeks 26 --seed 7` into
bench/datasets/ (git-ignored) and reuses it; writes bench/results/backtest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds a statistics.py of its own: keep the script's folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from portsight.db.models import Declaration, StepResult  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.domain.access import SYSTEM  # noqa: E402
from portsight.queries.backtest import backtest_rule  # noqa: E402


def build(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "PORTSIGHT_DATA_DIR": str(db_path.parent)}
    subprocess.run([sys.executable, "-m", "portsight", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "portsight", "seed", "--weeks", "26", "--seed", "7", "--if-empty"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", action="append", help="rule id (repeatable)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "datasets" / "backtest-26w-seed7.db")
    args = parser.parse_args(argv)
    rules = args.rule or [
        "gross_weight_tolerance",
        "solid_waste_import_ban",
        "quick_close_without_photo",
        "iso6346_check_digit",
    ]

    if not args.db.exists():
        build(args.db)
    engine = make_engine(f"sqlite:///{args.db}")
    with engine.connect() as conn:
        declarations = conn.scalar(select(func.count(Declaration.id)))
        steps = conn.scalar(select(func.count(StepResult.id)))
        first, last = conn.execute(select(func.min(Declaration.declared_at), func.max(Declaration.declared_at))).one()
    start = (first if hasattr(first, "date") else __import__("datetime").datetime.fromisoformat(first)).date()
    end = (last if hasattr(last, "date") else __import__("datetime").datetime.fromisoformat(last)).date()
    end += timedelta(days=1)

    report = {
        "database": "sqlite",
        "declarations": declarations,
        "step_results": steps,
        "period": [start.isoformat(), end.isoformat()],
        "runs": args.runs,
        "rules": {},
    }
    for rule_id in rules:
        timings = []
        result = None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = backtest_rule(engine, SYSTEM, rule_id, start, end)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        mid = len(timings) // 2
        p50 = timings[mid] if len(timings) % 2 else (timings[mid - 1] + timings[mid]) / 2
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        report["rules"][rule_id] = {
            "unit": result.unit,
            "subjects": result.total_subjects,
            "hits": result.total_hits,
            "ports": len(result.by_port),
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "goal_ms": 2000,
            "ok": p95 < 2000,
        }
        print(
            f"{rule_id}: {result.total_hits} hits in {result.total_subjects} {result.unit}"
            f" over {len(result.by_port)} ports; p50 {p50:.1f} ms, p95 {p95:.1f} ms (goal < 2000 ms)"
        )
    out = ROOT / "bench" / "results" / "backtest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{declarations} declarations, {steps} step results; written {out.relative_to(ROOT)}")
    return 0 if all(r["ok"] for r in report["rules"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
