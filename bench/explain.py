"""Query plans of the hot queries, captured from the real query functions on the national dataset.

PYTHONPATH=. .venv/bin/python bench/explain.py [--declarations 2000000] [--database sqlite|postgresql]
    [--only overview,statistics,inspections,alerts,record]

Each page function runs once with a listener on the engine that records every SQL statement
and its parameters; each recorded statement is then explained: EXPLAIN QUERY PLAN on SQLite,
EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL (so the PostgreSQL output carries real row counts and
times). Read the plans for full scans (SQLite "SCAN <table>" without an index, PostgreSQL
"Seq Scan" on a large table) and temporary sorts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402

from bench import national  # noqa: E402
from portsight.db.models import Alert, Inspection  # noqa: E402
from portsight.queries import alerts as alert_queries  # noqa: E402
from portsight.queries import inspection_record as record_queries  # noqa: E402
from portsight.queries import inspections as inspection_queries  # noqa: E402
from portsight.queries import overview as overview_queries  # noqa: E402
from portsight.queries import statistics as statistics_queries  # noqa: E402


def capture(engine, fn) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # noqa: PLR0913
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def explain(engine, statement: str, parameters) -> list[str]:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [f"{'  ' * 0}{row[3]}" for row in cur.fetchall()]
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return [row[0] for row in cur.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=2_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--only", default="overview,statistics,inspections,alerts,record")
    args = parser.parse_args()
    engine, _ = national.dataset(args.declarations, args.database)
    now = national.now_of(engine)
    week = statistics_queries.latest_week(engine, None).previous()
    with engine.connect() as conn:
        some_inspection = conn.scalar(select(Inspection.id).order_by(Inspection.id.desc()).offset(500).limit(1))
        some_alert = conn.scalar(select(Alert.id).order_by(Alert.id.desc()).limit(1))
    pages = {
        "overview": lambda: overview_queries.overview(engine, None, now),
        "statistics": lambda: statistics_queries.week_review(engine, None, week),
        "inspections": lambda: (
            inspection_queries.search_inspections(engine, None, inspection_queries.InspectionFilter()),
            inspection_queries.count_inspections(engine, None, inspection_queries.InspectionFilter()),
        ),
        "alerts": lambda: (
            alert_queries.list_alerts(engine, None),
            alert_queries.list_alerts(engine, None, states=("resolved",), severities=("high",)),
            alert_queries.open_alert_counts(engine, None),
            alert_queries.alert_detail(engine, None, some_alert),
        ),
        "record": lambda: record_queries.inspection_record(engine, None, some_inspection),
    }
    print(f"plans on {args.database}, {args.declarations:,} declarations, week {week}, now {now:%Y-%m-%d %H:%M}Z")
    for name in args.only.split(","):
        print(f"\n=== {name} " + "=" * 60)
        for statement, parameters in capture(engine, pages[name]):
            print("\n" + " ".join(statement.split())[:600])
            for line in explain(engine, statement, parameters):
                print("   " + line)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
