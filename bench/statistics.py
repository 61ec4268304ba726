"""Weekly statistics: the page's query time for one week, on the demo data and on a large dataset.

PYTHONPATH=. .venv/bin/python bench/statistics.py [--declarations 2000000] [--database sqlite|postgresql]
    [--runs 20] [--baseline-runs 3] [--no-demo]

- demo: the demo seed (its default 60 weeks, seed 7) in a temporary SQLite file, rollups rebuilt.
- large: the national dataset of bench/national.py (N declarations over three years at 32 real
  ports, bulk loaded: executemany on SQLite, COPY on PostgreSQL from TEST_POSTGRES_URL, rollups
  rebuilt), shared with the other benches and reused when one exists for the same N.

Timed: portsight.queries.statistics.week_review for the last complete week, every port in scope
(KPI cards with previous week and same week last year, 12-week trend and the same weeks last
year, all breakdowns, heat map); and the enterprises ranked by non-conformities that the page shows
below it (portsight.queries.enterprise_review.enterprise_breakdown, read from source rows).
Baseline in the same run: the naive way, whole tables read into pandas and the same week's
cards and breakdowns computed there.

Prints a table and appends each run to bench/results/statistics.json
(rows, p50_ms, p95_ms, enterprises_p95_ms, baseline_p95_ms, database, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from bench import national  # noqa: E402
from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.models import Declaration  # noqa: E402
from portsight.db.rollups import rebuild_rollups  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.domain import stats  # noqa: E402
from portsight.domain.stats import IsoWeek  # noqa: E402
from portsight.queries.enterprise_review import enterprise_breakdown  # noqa: E402
from portsight.queries.statistics import latest_week, week_review  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "statistics.json"
END = national.END  # a Monday: the last complete week ends the day before


# ---------------------------------------------------------------------------------------------
# Datasets: the demo seed here, the large one the shared dataset of bench/national.py


def demo_engine(tmp: Path) -> Engine:
    from portsight.demo.seed import seed_demo

    url = f"sqlite:///{tmp / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, seed=7, password_hash="x")
    rebuild_rollups(engine)
    return engine


# ---------------------------------------------------------------------------------------------
# Timing


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def naive_review(engine: Engine, week: IsoWeek) -> dict:
    """The baseline: whole tables into pandas per run, then the week's cards and breakdowns."""
    with engine.connect() as conn:
        read = {
            t: pd.read_sql_table(t, conn)
            for t in (
                "ports",
                "enterprises",
                "declarations",
                "goods_lines",
                "inspections",
                "findings",
                "inspection_transitions",
                "inspector_assignments",
                "alerts",
                "assist_sessions",
            )
        }
    tz = "Asia/Shanghai"
    d = read["declarations"].merge(
        read["enterprises"][["id", "credit_tier"]], left_on="enterprise_id", right_on="id", suffixes=("", "_e")
    )
    first = read["goods_lines"][read["goods_lines"]["line_no"] == 1][["declaration_id", "hs_code"]]
    d = d.merge(first, left_on="id", right_on="declaration_id", how="left")
    d["chapter"] = d["hs_code"].str[:2]
    i = read["inspections"]
    i["has_finding"] = i["id"].isin(read["findings"]["inspection_id"])
    d["inspected"] = d["id"].isin(i["declaration_id"])
    out = {}
    for label, w in (("now", week), ("prev", week.previous()), ("ly", week.same_week_last_year())):
        start, end = (pd.Timestamp(x) for x in w.bounds(tz))
        dw = d[
            (pd.to_datetime(d["declared_at"], utc=True) >= start) & (pd.to_datetime(d["declared_at"], utc=True) < end)
        ]
        comp = pd.to_datetime(i["completed_at"], utc=True)
        iw = i[(comp >= start) & (comp < end)]
        dec = pd.to_datetime(i["decided_at"], utc=True)
        rel = i[(dec >= start) & (dec < end) & (i["decision"] == "release")].merge(
            d[["id", "declared_at"]], left_on="declaration_id", right_on="id"
        )
        minutes = (
            pd.to_datetime(rel["decided_at"], utc=True) - pd.to_datetime(rel["declared_at"], utc=True)
        ).dt.total_seconds() / 60
        out[label] = {
            "declarations": len(dw),
            "inspection_rate": dw["inspected"].mean(),
            "inspections": len(iw),
            "detection_rate": iw["has_finding"].mean(),
            "median": stats.median(minutes.tolist()),
            "by_port": dw.groupby("port_id").size(),
            "by_chapter": dw.groupby("chapter").size(),
            "by_tier": dw.groupby("credit_tier")["inspected"].mean(),
            "by_origin": dw.groupby("origin_country").size(),
        }
    return out


def measure(label: str, engine: Engine, database: str, runs: int, baseline_runs: int, rows: int) -> dict:
    week = latest_week(engine, None)
    week = week.previous() if week is not None else IsoWeek.of(END.date())
    # The last complete week: the dataset ends on a Monday, the demo at "now".
    review = week_review(engine, None, week)
    decl = int(review.kpis.set_index("kpi").loc["declarations", "value"])
    times = national.timed(lambda: week_review(engine, None, week), runs)
    ranking = national.timed(lambda: enterprise_breakdown(engine, None, week), runs)
    base = national.timed(lambda: naive_review(engine, week), baseline_runs) if baseline_runs else []
    result = {
        "label": label,
        "rows": rows,
        "database": database,
        "week": str(week),
        "week_declarations": decl,
        "runs": runs,
        "p50_ms": round(float(np.median(times)), 1),
        "p95_ms": round(p95(times), 1),
        "enterprises_p50_ms": round(float(np.median(ranking)), 1),
        "enterprises_p95_ms": round(p95(ranking), 1),
        "baseline_runs": len(base),
        "baseline_p50_ms": round(float(np.median(base)), 1) if base else None,
        "baseline_p95_ms": round(p95(base), 1) if base else None,
        "load_average": national.load_average(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    result["speedup_p95"] = round(result["baseline_p95_ms"] / result["p95_ms"], 1) if base else None
    return result


def append_results(results: list[dict]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = []
    if RESULTS.exists():
        try:
            existing = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            existing = []
    if isinstance(existing, dict):
        existing = [existing]
    RESULTS.write_text(json.dumps(existing + results, indent=2))


def print_table(results: list[dict]) -> None:
    header = (
        f"{'dataset':<8} {'database':<10} {'rows':>10} {'week':<9} {'decl/wk':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'firms p95':>10} {'naive p95 ms':>13} {'x faster':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        base = "—" if r["baseline_p95_ms"] is None else f"{r['baseline_p95_ms']:,.0f}"
        ratio = "—" if r["speedup_p95"] is None else f"{r['speedup_p95']:,.0f}x"
        print(
            f"{r['label']:<8} {r['database']:<10} {r['rows']:>10,} {r['week']:<9} {r['week_declarations']:>8,} "
            f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['enterprises_p95_ms']:>10.1f} {base:>13} {ratio:>9}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=2_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo dataset")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_demo:
            engine = demo_engine(Path(tmp))
            with engine.connect() as conn:
                n = conn.scalar(select(func.count(Declaration.id)))
            results.append(measure("demo", engine, "sqlite", args.runs, args.baseline_runs, n))
            engine.dispose()
        engine, how = national.dataset(args.declarations, args.database)
        print(f"  large dataset {how}: {args.declarations:,} declarations on {args.database}")
        results.append(measure("large", engine, args.database, args.runs, args.baseline_runs, args.declarations))
        engine.dispose()
    print_table(results)
    append_results(results)
    print(f"appended to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
