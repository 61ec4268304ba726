"""Live overview: the board's server time, on the demo-sized data and on a 10x dataset, against a naive baseline.

PYTHONPATH=. .venv/bin/python bench/overview.py [--declarations N] [--database sqlite|postgresql]
    [--runs 30] [--baseline-runs 3]

Without --declarations it measures the demo size (100,000 declarations, about the 26-week demo
seed's volume) and 10x that (1,000,000); --declarations 2000000 is the national scale. The data
is the shared dataset of bench/national.py (N declarations over three years at 32 real ports,
the newest hours still open, alerts and one audit entry per event), bulk-loaded (executemany on
SQLite, COPY on PostgreSQL from TEST_POSTGRES_URL) and reused when one exists for the same N.

Timed, every port in scope (a national supervisor):
- overview: portsight.queries.overview.overview (KPIs, per-port table, alerts, feed);
- token: change_token, the question the live panel asks every period.
Baseline in the same run: the naive way, whole tables read into pandas and the same KPIs
computed there.

Prints a table and writes bench/results/overview.json: the last run's figures at the top level
(rows, p50_ms, p95_ms, baseline_p95_ms, database, ...), every dataset of the run under
"datasets", and every run so far under "runs".
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select, text  # noqa: E402

from bench import national  # noqa: E402
from portsight.db.models import Declaration  # noqa: E402
from portsight.db.sql import day_bounds  # noqa: E402
from portsight.queries.overview import change_token, overview  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "overview.json"
DEMO_N = 100_000
OVERDUE_MINUTES = 240


# ---------------------------------------------------------------------------------------------
# Dataset: the shared national dataset of bench/national.py (built once, reused by every bench)


def dataset_now(engine: Engine) -> datetime:
    """'Now' of a (possibly reused) dataset: just after its newest declaration."""
    with engine.connect() as conn:
        newest = conn.scalar(select(func.max(Declaration.declared_at)))
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    return newest + timedelta(minutes=1)


# ---------------------------------------------------------------------------------------------
# Timing


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def naive_overview(engine: Engine, now: datetime) -> dict:
    """The baseline: read whole tables into pandas per refresh and compute the board there."""
    with engine.connect() as conn:
        decl = pd.read_sql(text("SELECT id, port_id, declared_at FROM declarations"), conn)
        insp = pd.read_sql(
            text("SELECT id, declaration_id, port_id, state, created_at, decided_at FROM inspections"), conn
        )
        alerts = pd.read_sql(text("SELECT id, port_id, state, severity FROM alerts"), conn)
        audit = pd.read_sql(text("SELECT id, at, actor, action, entity, entity_id, port_id FROM audit_log"), conn)
        ports = pd.read_sql(text("SELECT id, code FROM ports"), conn)
    start, end = (pd.Timestamp(v).tz_convert(None) for v in day_bounds(now))
    now_naive = pd.Timestamp(now).tz_convert(None)
    for df, cols in ((decl, ["declared_at"]), (insp, ["created_at", "decided_at"])):
        for c in cols:
            df[c] = pd.to_datetime(df[c], utc=True, format="mixed").dt.tz_convert(None)
    today = decl[(decl["declared_at"] >= start) & (decl["declared_at"] < end)]
    open_ = insp[insp["state"].isin(["pending", "assigned", "in_progress", "completed"])]
    decided = insp[(insp["decided_at"] >= start) & (insp["decided_at"] < end)]
    rel = decided[decided["state"] == "released"].merge(decl, left_on="declaration_id", right_on="id")
    minutes = ((rel["decided_at"] - rel["declared_at"]).dt.total_seconds() / 60).sort_values()
    per_port = pd.DataFrame(
        {"declarations": today.groupby("port_id").size(), "open": open_.groupby("port_id").size()}
    ).fillna(0)
    return {
        "declarations": len(today),
        "waiting": int(open_["state"].isin(["pending", "assigned"]).sum()),
        "overdue": int((open_["created_at"] <= now_naive - pd.Timedelta(minutes=OVERDUE_MINUTES)).sum()),
        "released": int((decided["state"] == "released").sum()),
        "p50": minutes.quantile(0.5) if len(minutes) else None,
        "alerts": alerts[alerts["state"] != "resolved"].groupby("severity").size().to_dict(),
        "ports": len(per_port.join(ports.set_index("id"), how="right")),
        "events": audit.dropna(subset=["port_id"]).nlargest(15, "id"),
    }


def measure(label: str, engine: Engine, database: str, n: int, runs: int, baseline_runs: int, source: str) -> dict:
    now = dataset_now(engine)
    board = overview(engine, None, now, overdue_minutes=OVERDUE_MINUTES)  # warm-up, and a sanity check
    naive = naive_overview(engine, now)
    assert board.kpis["declarations"] == naive["declarations"], (board.kpis, naive)
    fast = national.timed(lambda: overview(engine, None, now, overdue_minutes=OVERDUE_MINUTES), runs)
    token = national.timed(lambda: change_token(engine, None), runs)
    slow = national.timed(lambda: naive_overview(engine, now), baseline_runs)
    row = {
        "label": label,
        "database": database,
        "rows": n,
        "dataset": source,
        "p50_ms": round(pct(fast, 50), 2),
        "p95_ms": round(pct(fast, 95), 2),
        "token_p50_ms": round(pct(token, 50), 3),
        "token_p95_ms": round(pct(token, 95), 3),
        "baseline_p50_ms": round(pct(slow, 50), 1),
        "baseline_p95_ms": round(pct(slow, 95), 1),
        "declarations_today": board.kpis["declarations"],
        "open_inspections": board.kpis["waiting"] + board.kpis["under_inspection"] + board.kpis["completed"],
        "runs": runs,
        "baseline_runs": baseline_runs,
        "load_average": national.load_average(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    row["speedup_p95"] = round(row["baseline_p95_ms"] / row["p95_ms"], 1) if row["p95_ms"] else None
    return row


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'dataset':<8} {'db':<10} {'declarations':>12} {'today':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'token p95':>9} {'naive p95 ms':>12} {'x faster':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['label']:<8} {r['database']:<10} {r['rows']:>12,} {r['declarations_today']:>6} {r['p50_ms']:>8.1f} "
            f"{r['p95_ms']:>8.1f} {r['token_p95_ms']:>9.2f} {r['baseline_p95_ms']:>12.1f} "
            f"{r['speedup_p95'] or 0:>8.1f}"
        )


def write_results(rows: list[dict]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    history = []
    if RESULTS.exists():
        try:
            history = json.loads(RESULTS.read_text()).get("runs", [])
        except (json.JSONDecodeError, AttributeError):
            history = []
    last = rows[-1]
    payload = {
        **{k: last[k] for k in ("rows", "p50_ms", "p95_ms", "baseline_p95_ms", "database")},
        "token_p95_ms": last["token_p95_ms"],
        "speedup_p95": last["speedup_p95"],
        "datasets": rows,
        "runs": history + rows,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, help="one dataset of N declarations (default: demo and 10x)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [("custom", args.declarations)] if args.declarations else [("demo", DEMO_N), ("10x", DEMO_N * 10)]
    rows = []
    for label, n in sizes:
        engine, source = national.dataset(n, args.database)
        rows.append(measure(label, engine, args.database, n, args.runs, args.baseline_runs, source))
        engine.dispose()
    print_table(rows)
    write_results(rows)
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
