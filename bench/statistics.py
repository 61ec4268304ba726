"""Weekly statistics: the page's query time for one week, on the demo data and on a large dataset.

PYTHONPATH=. .venv/bin/python bench/statistics.py [--declarations 2000000] [--database sqlite|postgresql]
    [--runs 20] [--baseline-runs 3] [--no-demo]

- demo: the demo seed (26 weeks, seed 7) in a temporary SQLite file, rollups rebuilt.
- large: N declarations over three years at 32 ports, bulk loaded (executemany on SQLite,
  COPY on PostgreSQL from TEST_POSTGRES_URL), rollups rebuilt. A dataset already built for the
  same N is reused (SQLite: bench/datasets/statistics_<N>.db; PostgreSQL: the database named by
  TEST_POSTGRES_URL when it holds exactly N bench declarations).

Timed: portsight.queries.statistics.week_review for the last complete week, every port in scope
(KPI cards with previous week and same week last year, 12-week trend, all breakdowns, heat map).
Baseline in the same run: the naive way, whole tables read into pandas and the same week's
cards and breakdowns computed there.

Prints a table and appends each run to bench/results/statistics.json
(rows, p50_ms, p95_ms, baseline_p95_ms, database, ...).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select, text  # noqa: E402

from portsight import reference  # noqa: E402
from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.models import Declaration  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.domain import stats  # noqa: E402
from portsight.domain.stats import IsoWeek  # noqa: E402
from portsight.queries.statistics import latest_week, week_review  # noqa: E402
from portsight.services.rollups import rebuild_rollups  # noqa: E402

DATASETS = ROOT / "bench" / "datasets"
RESULTS = ROOT / "bench" / "results" / "statistics.json"
YEARS = 3
N_PORTS = 32
N_ENTERPRISES = 6000
N_INSPECTORS = 240
TIERS = np.array(["advanced_certified", "general", "dishonest"])
TIER_SHARE = [0.25, 0.70, 0.05]
TIER_RATE = {"advanced_certified": 0.01, "general": 0.06, "dishonest": 0.80}
COUNTRIES = ["US", "DE", "JP", "KR", "VN", "AU", "BR", "TH", "MY", "ID", "RU", "GB", "FR", "IT", "NL", "CA", "IN", "CL"]
CHAPTERS = [c for c in reference.hs_chapters() if c not in {"77"}]
DATASET_VERSION = 2  # bump when the generator changes: a dataset of another version is rebuilt
END = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # a Monday: the last complete week ends before it


# ---------------------------------------------------------------------------------------------
# Dataset


def _ts(values: np.ndarray) -> list[str]:
    """datetime64[s] (UTC) -> SQLAlchemy's SQLite text format."""
    return [s.replace("T", " ") + ".000000" for s in np.datetime_as_string(values, unit="s")]


def generate(n: int, seed: int = 10) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    demo = reference.ports()
    extra = [c for c in reference.locodes().values() if c.is_port and c.code not in {p.code for p in demo}]
    ports = []
    for i, p in enumerate(demo[:N_PORTS]):
        ports.append((i + 1, p.code, p.name_en, p.name_zh, p.kind))
    for c in extra[: N_PORTS - len(ports)]:
        ports.append((len(ports) + 1, c.code, c.name, c.name, "sea"))
    ports_df = pd.DataFrame(ports, columns=["id", "code", "name_en", "name_zh", "kind"])
    ports_df["timezone"] = "Asia/Shanghai"
    port_weight = 1.0 / np.arange(1, len(ports) + 1) ** 0.8
    port_weight /= port_weight.sum()

    ent_tier = rng.choice(TIERS, size=N_ENTERPRISES, p=TIER_SHARE)
    enterprises = pd.DataFrame(
        {
            "id": np.arange(1, N_ENTERPRISES + 1),
            "uscc": [f"BENCH{i:013d}" for i in range(1, N_ENTERPRISES + 1)],
            "name": [f"Bench enterprise {i}" for i in range(1, N_ENTERPRISES + 1)],
            "credit_tier": ent_tier,
            "under_investigation": False,
        }
    )
    users = pd.DataFrame(
        {
            "id": np.arange(1, N_INSPECTORS + 1),
            "username": [f"bench.insp.{i}" for i in range(1, N_INSPECTORS + 1)],
            "display_name": [f"Inspector {i}" for i in range(1, N_INSPECTORS + 1)],
            "role": "inspector",
            "password_hash": "x",
            "active": True,
            "all_ports": False,
            "language": "zh_CN",
            "failed_logins": 0,
        }
    )

    ids = np.arange(1, n + 1)
    start = np.datetime64(END.replace(tzinfo=None)) - np.timedelta64(YEARS * 365, "D")
    span_s = YEARS * 365 * 86400
    # Busy in the daytime (China time): hours drawn around 10:00 local = 02:00 UTC.
    day = rng.integers(0, YEARS * 365, n)
    sec = (rng.normal(10.5, 3.0, n).clip(0, 23.99) * 3600 - 8 * 3600).astype(np.int64)
    # Sorted: declarations arrive in time order, so ids (and table pages) follow time as in production.
    declared = np.sort(start + (day * 86400 + sec).clip(0, span_s - 1).astype("timedelta64[s]"))
    port_id = rng.choice(len(ports), size=n, p=port_weight) + 1
    ent = rng.integers(1, N_ENTERPRISES + 1, n)
    chapter_weight = 1.0 / np.arange(1, len(CHAPTERS) + 1) ** 1.2
    chapter_weight /= chapter_weight.sum()
    chapter = np.array(CHAPTERS)[rng.choice(len(CHAPTERS), size=n, p=chapter_weight)]
    decl = pd.DataFrame(
        {
            "id": ids,
            "number": [f"B{DATASET_VERSION}-{i:010d}" for i in ids],
            "port_id": port_id,
            "enterprise_id": ent,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": np.array(COUNTRIES)[rng.integers(0, len(COUNTRIES), n)],
            "declared_at": declared,
        }
    )
    goods = pd.DataFrame(
        {
            "id": ids,
            "declaration_id": ids,
            "line_no": 1,
            "hs_code": [c + "01000000" for c in chapter],
            "description": "bench goods",
            "quantity": 1.0,
            "unit": "pcs",
            "gross_weight_kg": 100.0,
            "value": 1000.0,
            "currency": "USD",
        }
    )
    rate = np.vectorize(TIER_RATE.get)(ent_tier[ent - 1])
    picked = rng.random(n) < rate
    d = decl[picked].reset_index(drop=True)
    m = len(d)
    created = d["declared_at"].to_numpy() + rng.integers(5, 120, m).astype("timedelta64[m]")
    assigned = created + rng.integers(2, 30, m).astype("timedelta64[m]")
    started = assigned + rng.integers(10, 240, m).astype("timedelta64[m]")
    completed = started + rng.integers(15, 300, m).astype("timedelta64[m]")
    decided = completed + rng.integers(2, 90, m).astype("timedelta64[m]")
    decision = rng.choice(["release", "hold", "return", "destroy"], size=m, p=[0.86, 0.08, 0.04, 0.02])
    insp = pd.DataFrame(
        {
            "id": np.arange(1, m + 1),
            "declaration_id": d["id"],
            "port_id": d["port_id"],
            "state": np.where(decision == "release", "released", np.where(decision == "hold", "held", decision + "ed")),
            "priority": 0,
            "created_at": created,
            "assigned_at": assigned,
            "started_at": started,
            "completed_at": completed,
            "decided_at": decided,
            "decision": decision,
        }
    )
    insp.loc[insp["decision"] == "destroy", "state"] = "destroyed"
    insp.loc[insp["decision"] == "return", "state"] = "returned"
    found = rng.random(m) < np.where(decision == "release", 0.05, 0.9)
    findings = pd.DataFrame(
        {
            "id": np.arange(1, found.sum() + 1),
            "inspection_id": insp["id"][found].to_numpy(),
            "severity": "medium",
            "description": "bench finding",
            "created_at": completed[found],
        }
    )
    held = decision == "hold"
    transitions = pd.DataFrame(
        {
            "id": np.arange(1, held.sum() + 1),
            "inspection_id": insp["id"][held].to_numpy(),
            "from_state": "completed",
            "to_state": "held",
            "at": decided[held],
        }
    )
    assignments = pd.DataFrame(
        {
            "id": np.arange(1, m + 1),
            "inspection_id": insp["id"],
            "user_id": rng.integers(1, N_INSPECTORS + 1, m),
            "position": "lead",
            "assigned_at": assigned,
        }
    )
    k = max(1, m // 4)
    alert_insp = rng.choice(m, size=k, replace=False)
    raised = created[alert_insp] + np.timedelta64(60, "m")
    resolved = raised + rng.integers(30, 3000, k).astype("timedelta64[m]")
    alerts = pd.DataFrame(
        {
            "id": np.arange(1, k + 1),
            "dedupe_key": [f"bench:{i}" for i in range(k)],
            "kind": "overdue",
            "severity": "medium",
            "port_id": insp["port_id"].to_numpy()[alert_insp],
            "inspection_id": insp["id"].to_numpy()[alert_insp],
            "title": "bench alert",
            "detail": "{}",
            "state": "resolved",
            "count": 1,
            "first_raised_at": raised,
            "last_raised_at": raised,
            "resolved_at": resolved,
        }
    )
    a = max(1, m // 15)
    assist_insp = rng.choice(m, size=a, replace=False)
    assists = pd.DataFrame(
        {
            "id": np.arange(1, a + 1),
            "inspection_id": insp["id"].to_numpy()[assist_insp],
            "port_id": insp["port_id"].to_numpy()[assist_insp],
            "question": "bench question",
            "state": "ended",
            "requested_by_id": 1,
            "requested_at": started[assist_insp] + np.timedelta64(10, "m"),
        }
    )
    return {
        "ports": ports_df,
        "enterprises": enterprises,
        "users": users,
        "declarations": decl,
        "goods_lines": goods,
        "inspections": insp,
        "findings": findings,
        "inspection_transitions": transitions,
        "inspector_assignments": assignments,
        "alerts": alerts,
        "assist_sessions": assists,
    }


def _sqlite_values(df: pd.DataFrame) -> list[tuple]:
    cols = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            cols.append(_ts(s.to_numpy().astype("datetime64[s]")))
        elif pd.api.types.is_bool_dtype(s):
            cols.append([int(v) for v in s])
        else:
            cols.append(s.tolist())
    return list(zip(*cols, strict=True))


def load_sqlite(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    for name, df in tables.items():
        sql = f"INSERT INTO {name} ({', '.join(df.columns)}) VALUES ({', '.join('?' * len(df.columns))})"
        conn.executemany(sql, _sqlite_values(df))
    conn.commit()
    conn.close()


def load_postgres(engine: Engine, tables: dict[str, pd.DataFrame]) -> None:
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        for name, df in tables.items():
            buf = io.StringIO()
            out = df.copy()
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = [v + "+00" for v in np.datetime_as_string(out[c].to_numpy().astype("datetime64[s]"))]
            out.to_csv(buf, index=False, header=False, sep="\t", na_rep="\\N")
            buf.seek(0)
            with cur.copy(f"COPY {name} ({', '.join(df.columns)}) FROM STDIN") as copy:
                while chunk := buf.read(1 << 20):
                    copy.write(chunk)
        for name, df in tables.items():
            if "id" in df.columns and name not in {"ports"}:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {int(df['id'].max())})")
        cur.execute("ANALYZE")


def _bench_count(engine: Engine) -> int:
    with engine.connect() as conn:
        try:
            return (
                conn.scalar(select(func.count(Declaration.id)).where(Declaration.number.like(f"B{DATASET_VERSION}-%")))
                or 0
            )
        except Exception:  # noqa: BLE001 - no schema yet
            return -1


def dataset(n: int, database: str) -> tuple[Engine, str]:
    """An engine on a dataset of n bench declarations with rollups, built when missing."""
    if database == "sqlite":
        DATASETS.mkdir(parents=True, exist_ok=True)
        path = DATASETS / f"statistics_v{DATASET_VERSION}_{n}.db"
        url = f"sqlite:///{path}"
        if path.exists():
            engine = make_engine(url)
            if _bench_count(engine) == n:
                return engine, "reused"
            engine.dispose()
            path.unlink()
        upgrade(url)
        t0 = time.perf_counter()
        load_sqlite(path, generate(n))
        engine = make_engine(url)
    else:
        url = os.environ.get("TEST_POSTGRES_URL")
        if not url:
            raise SystemExit(
                "Set TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> for --database postgresql"
            )
        engine = make_engine(url)
        if _bench_count(engine) == n:
            return engine, "reused"
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(url)
        t0 = time.perf_counter()
        load_postgres(engine, generate(n))
    t1 = time.perf_counter()
    rollup_rows = rebuild_rollups(engine)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    t2 = time.perf_counter()
    print(
        f"  built {n:,} declarations on {database}: load {t1 - t0:.0f} s, "
        f"rollups {t2 - t1:.0f} s ({rollup_rows:,} rows)"
    )
    return engine, "built"


def demo_engine(tmp: Path) -> Engine:
    from portsight.services.seeding import seed_demo

    url = f"sqlite:///{tmp / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, weeks=26, seed=7, password_hash="x")
    rebuild_rollups(engine)
    return engine


# ---------------------------------------------------------------------------------------------
# Timing


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


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
    times = timed(lambda: week_review(engine, None, week), runs)
    base = timed(lambda: naive_review(engine, week), baseline_runs) if baseline_runs else []
    result = {
        "label": label,
        "rows": rows,
        "database": database,
        "week": str(week),
        "week_declarations": decl,
        "runs": runs,
        "p50_ms": round(float(np.median(times)), 1),
        "p95_ms": round(p95(times), 1),
        "baseline_runs": len(base),
        "baseline_p50_ms": round(float(np.median(base)), 1) if base else None,
        "baseline_p95_ms": round(p95(base), 1) if base else None,
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
        f"{'p50 ms':>8} {'p95 ms':>8} {'naive p95 ms':>13} {'x faster':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        base = "—" if r["baseline_p95_ms"] is None else f"{r['baseline_p95_ms']:,.0f}"
        ratio = "—" if r["speedup_p95"] is None else f"{r['speedup_p95']:,.0f}x"
        print(
            f"{r['label']:<8} {r['database']:<10} {r['rows']:>10,} {r['week']:<9} {r['week_declarations']:>8,} "
            f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {base:>13} {ratio:>9}"
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
        engine, how = dataset(args.declarations, args.database)
        print(f"  large dataset {how}: {args.declarations:,} declarations on {args.database}")
        results.append(measure("large", engine, args.database, args.runs, args.baseline_runs, args.declarations))
        engine.dispose()
    print_table(results)
    append_results(results)
    print(f"appended to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
