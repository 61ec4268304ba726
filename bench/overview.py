"""Live overview: the board's server time, on the demo-sized data and on a 10x dataset, against a naive baseline.

PYTHONPATH=. .venv/bin/python bench/overview.py [--declarations N] [--database sqlite|postgresql]
    [--runs 30] [--baseline-runs 3]

Without --declarations it measures the demo size (100,000 declarations, about the 26-week demo
seed's volume) and 10x that (1,000,000). Each dataset holds N declarations at 32 ports ending
"now", about 1,800 a day nationally (so a larger N means a longer history, as a real system
grows), ~8% inspected, the last hours still open, alerts and one audit entry per event. It is
bulk-loaded (executemany on SQLite, COPY on PostgreSQL from TEST_POSTGRES_URL) and reused when
one already exists for the same N (SQLite: bench/datasets/overview_<N>.db; PostgreSQL: the
database of TEST_POSTGRES_URL when it holds exactly N overview-bench declarations).

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
import io
import json
import math
import os
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select, text  # noqa: E402

from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.models import Declaration  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.queries import day_bounds  # noqa: E402
from portsight.queries.overview import change_token, overview  # noqa: E402

DATASETS = ROOT / "bench" / "datasets"
RESULTS = ROOT / "bench" / "results" / "overview.json"
DEMO_N = 100_000
PER_DAY = 1_800
N_PORTS = 32
N_ENTERPRISES = 6000
OVERDUE_MINUTES = 240
PREFIX = "OV"  # declaration numbers of this bench's datasets


# ---------------------------------------------------------------------------------------------
# Dataset


def generate(n: int, end: datetime, seed: int = 6) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    days = max(30, math.ceil(n / PER_DAY))
    end64 = np.datetime64(end.replace(tzinfo=None), "s")
    ports = pd.DataFrame(
        {
            "id": np.arange(1, N_PORTS + 1),
            "code": [f"CNB{i:02d}" for i in range(1, N_PORTS + 1)],
            "name_en": [f"Bench port {i}" for i in range(1, N_PORTS + 1)],
            "name_zh": [f"测试口岸{i}" for i in range(1, N_PORTS + 1)],
            "kind": "sea",
            "lat": rng.uniform(20, 42, N_PORTS),
            "lon": rng.uniform(108, 124, N_PORTS),
            "timezone": "Asia/Shanghai",
        }
    )
    weight = 1.0 / np.arange(1, N_PORTS + 1) ** 0.8
    weight /= weight.sum()
    enterprises = pd.DataFrame(
        {
            "id": np.arange(1, N_ENTERPRISES + 1),
            "uscc": [f"OVB{i:015d}" for i in range(1, N_ENTERPRISES + 1)],
            "name": [f"Bench enterprise {i}" for i in range(1, N_ENTERPRISES + 1)],
            "credit_tier": rng.choice(
                ["advanced_certified", "general", "dishonest"], N_ENTERPRISES, p=[0.25, 0.7, 0.05]
            ),
            "under_investigation": False,
        }
    )
    ids = np.arange(1, n + 1)
    age_s = rng.integers(0, days * 86400, n)
    declared = end64 - age_s.astype("timedelta64[s]")
    port_id = rng.choice(N_PORTS, size=n, p=weight) + 1
    decl = pd.DataFrame(
        {
            "id": ids,
            "number": [f"{PREFIX}{i:010d}" for i in ids],
            "port_id": port_id,
            "enterprise_id": rng.integers(1, N_ENTERPRISES + 1, n),
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": np.array(["DE", "JP", "US", "VN", "BR", "AU"])[rng.integers(0, 6, n)],
            "declared_at": declared,
        }
    )
    goods = pd.DataFrame(
        {
            "id": ids, "declaration_id": ids, "line_no": 1,
            "hs_code": np.array(["8471300000", "0202300000", "6109100000", "3901100000"])[rng.integers(0, 4, n)],
            "description": "bench goods", "quantity": 1.0, "unit": "pcs", "gross_weight_kg": 100.0, "value": 1000.0,
            "currency": "USD",
        }
    )
    picked = rng.random(n) < 0.08
    d = decl[picked].reset_index(drop=True)
    m = len(d)
    created = d["declared_at"].to_numpy() + rng.integers(5, 120, m).astype("timedelta64[m]")
    created = np.minimum(created, end64)
    decided = created + rng.integers(60, 900, m).astype("timedelta64[m]")
    age_h = (end64 - created).astype("timedelta64[m]").astype(np.int64) / 60
    decision = rng.choice(["release", "hold", "return", "destroy"], size=m, p=[0.86, 0.08, 0.04, 0.02])
    final_state = np.select(
        [decision == "release", decision == "hold", decision == "return"], ["released", "held", "returned"],
        "destroyed",
    )
    open_state = np.array(["pending", "assigned", "in_progress", "completed"])[rng.integers(0, 4, m)]
    is_open = (decided > end64) | (age_h < 6) & (rng.random(m) < 0.7)
    state = np.where(is_open, open_state, final_state)
    insp = pd.DataFrame(
        {
            "id": np.arange(1, m + 1),
            "declaration_id": d["id"],
            "port_id": d["port_id"],
            "state": state,
            "priority": 0,
            "created_at": created,
            "decided_at": pd.Series(decided).where(~is_open),
            "decision": pd.Series(decision).where(~is_open),
        }
    )
    k = max(1, m // 4)
    pick = rng.choice(m, size=k, replace=False)
    raised = created[pick] + np.timedelta64(60, "m")
    recent = (end64 - raised) < np.timedelta64(2, "D")
    alerts = pd.DataFrame(
        {
            "id": np.arange(1, k + 1),
            "dedupe_key": [f"ovbench:{i}" for i in range(k)],
            "kind": "overdue",
            "severity": rng.choice(["high", "medium", "low"], k, p=[0.2, 0.5, 0.3]),
            "port_id": insp["port_id"].to_numpy()[pick],
            "inspection_id": insp["id"].to_numpy()[pick],
            "title": "bench alert",
            "detail": "{}",
            "state": np.where(recent, "open", "resolved"),
            "count": 1,
            "first_raised_at": raised,
            "last_raised_at": raised,
        }
    )
    ev_decl = pd.DataFrame({"at": decl["declared_at"], "action": "register", "entity": "declaration",
                            "entity_id": decl["id"].astype(str), "port_id": decl["port_id"]})
    ev_open = pd.DataFrame({"at": insp["created_at"], "action": "open", "entity": "inspection",
                            "entity_id": insp["id"].astype(str), "port_id": insp["port_id"]})
    done = insp[~is_open]
    ev_done = pd.DataFrame({"at": done["decided_at"], "action": "decide", "entity": "inspection",
                            "entity_id": done["id"].astype(str), "port_id": done["port_id"]})
    audit = pd.concat([ev_decl, ev_open, ev_done]).sort_values("at", kind="stable").reset_index(drop=True)
    audit.insert(0, "id", np.arange(1, len(audit) + 1))
    audit["actor"] = "system"
    return {
        "ports": ports, "enterprises": enterprises, "declarations": decl, "goods_lines": goods,
        "inspections": insp, "alerts": alerts, "audit_log": audit,
    }


def _ts(values) -> list:
    arr = pd.Series(values)
    out = [None] * len(arr)
    mask = arr.notna().to_numpy()
    strings = np.datetime_as_string(arr[mask].to_numpy().astype("datetime64[s]"))
    for i, s in zip(np.flatnonzero(mask), strings, strict=True):
        out[i] = s.replace("T", " ") + ".000000"
    return out


def load_sqlite(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    for name, df in tables.items():
        cols = []
        for c in df.columns:
            s = df[c]
            if pd.api.types.is_datetime64_any_dtype(s):
                cols.append(_ts(s))
            elif pd.api.types.is_bool_dtype(s):
                cols.append([int(v) for v in s])
            else:
                cols.append([None if isinstance(v, float) and math.isnan(v) else v for v in s.tolist()])
        sql = f"INSERT INTO {name} ({', '.join(df.columns)}) VALUES ({', '.join('?' * len(df.columns))})"
        conn.executemany(sql, list(zip(*cols, strict=True)))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(engine: Engine, tables: dict[str, pd.DataFrame]) -> None:
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        for name, df in tables.items():
            out = df.copy()
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = [None if v is None else v + "+00" for v in _ts(out[c])]
            buf = io.StringIO()
            out.to_csv(buf, index=False, header=False, sep="\t", na_rep="\\N")
            buf.seek(0)
            with cur.copy(f"COPY {name} ({', '.join(df.columns)}) FROM STDIN") as copy:
                while chunk := buf.read(1 << 20):
                    copy.write(chunk)
            if "id" in df.columns and name != "ports":
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {int(df['id'].max())})")
        cur.execute("ANALYZE")


def _bench_count(engine: Engine) -> int:
    with engine.connect() as conn:
        try:
            return conn.scalar(select(func.count(Declaration.id)).where(Declaration.number.like(f"{PREFIX}%"))) or 0
        except Exception:  # noqa: BLE001 - no schema yet
            return -1


def dataset(n: int, database: str) -> tuple[Engine, str]:
    """An engine on a dataset of n overview-bench declarations, built when missing."""
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    if database == "sqlite":
        DATASETS.mkdir(parents=True, exist_ok=True)
        path = DATASETS / f"overview_{n}.db"
        url = f"sqlite:///{path}"
        if path.exists():
            engine = make_engine(url)
            if _bench_count(engine) == n:
                return engine, "reused"
            engine.dispose()
            for extra in ("", "-wal", "-shm"):
                Path(f"{path}{extra}").unlink(missing_ok=True)
        upgrade(url)
        t0 = time.perf_counter()
        load_sqlite(path, generate(n, end))
        engine = make_engine(url)
    else:
        url = os.environ.get("TEST_POSTGRES_URL")
        if not url:
            raise SystemExit("Set TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> for postgresql")
        engine = make_engine(url)
        if _bench_count(engine) == n:
            return engine, "reused"
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(url)
        t0 = time.perf_counter()
        load_postgres(engine, generate(n, end))
    print(f"  built {n:,} declarations on {database} in {time.perf_counter() - t0:.0f} s")
    return engine, "built"


def dataset_now(engine: Engine) -> datetime:
    """'Now' of a (possibly reused) dataset: just after its newest declaration."""
    with engine.connect() as conn:
        newest = conn.scalar(select(func.max(Declaration.declared_at)))
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    return newest + timedelta(minutes=1)


# ---------------------------------------------------------------------------------------------
# Timing


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def naive_overview(engine: Engine, now: datetime) -> dict:
    """The baseline: read whole tables into pandas per refresh and compute the board there."""
    with engine.connect() as conn:
        decl = pd.read_sql(text("SELECT id, port_id, declared_at FROM declarations"), conn)
        insp = pd.read_sql(text("SELECT id, declaration_id, port_id, state, created_at, decided_at FROM inspections"),
                           conn)
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
    per_port = pd.DataFrame({"declarations": today.groupby("port_id").size(),
                             "open": open_.groupby("port_id").size()}).fillna(0)
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
    fast = timed(lambda: overview(engine, None, now, overdue_minutes=OVERDUE_MINUTES), runs)
    token = timed(lambda: change_token(engine, None), runs)
    slow = timed(lambda: naive_overview(engine, now), baseline_runs)
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
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    row["speedup_p95"] = round(row["baseline_p95_ms"] / row["p95_ms"], 1) if row["p95_ms"] else None
    return row


def print_table(rows: list[dict]) -> None:
    head = (f"{'dataset':<8} {'db':<10} {'declarations':>12} {'today':>6} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'token p95':>9} {'naive p95 ms':>12} {'x faster':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['label']:<8} {r['database']:<10} {r['rows']:>12,} {r['declarations_today']:>6} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f} {r['token_p95_ms']:>9.2f} {r['baseline_p95_ms']:>12.1f} "
              f"{r['speedup_p95'] or 0:>8.1f}")


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
        engine, source = dataset(n, args.database)
        rows.append(measure(label, engine, args.database, n, args.runs, args.baseline_runs, source))
        engine.dispose()
    print_table(rows)
    write_results(rows)
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
