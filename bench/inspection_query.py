"""Inspections page at national scale: one page of the filtered, sorted list plus its count.

PYTHONPATH=. .venv/bin/python bench/inspection_query.py [--declarations 2000000]
    [--database sqlite|postgresql] [--runs 30] [--baseline-runs 2]

Timed: portsight.queries.inspections.search_inspections (50 rows) and count_inspections, what
the page runs for each view, for a national supervisor (every port in scope), on the dataset
of bench/national.py. Scenarios: the default view (newest first), one port and open states in
a date range, a container number prefix, an HS chapter with an inspector, and a deep page
reached by keyset (the 200th page, cursor taken from a walk done before timing).
Baseline in the same run: whole tables read into pandas, filtered, sorted and sliced there.
Prints a table and writes bench/results/inspection_query.json.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench import national  # noqa: E402
from portsight.db.models import Container, InspectorAssignment  # noqa: E402
from portsight.queries.inspections import InspectionFilter, count_inspections, search_inspections  # noqa: E402

PAGE = 50
DEEP = 200


def page(engine, flt, after=None):
    result = search_inspections(engine, None, flt, limit=PAGE, after=after)
    return result, count_inspections(engine, None, flt)


def naive(engine, flt: InspectionFilter, skip: int = 0):
    """Whole tables into pandas, then the same filter, order and page."""
    names = ["inspections", "declarations", "ports", "enterprises"]
    if flt.container:
        names.append("containers")
    if flt.hs_chapter:
        names.append("goods_lines")
    if flt.inspector_id:
        names.append("inspector_assignments")
    t = national.read_tables(engine, *names)
    df = t["inspections"].merge(t["declarations"], left_on="declaration_id", right_on="id", suffixes=("", "_d"))
    df = df.merge(t["ports"][["id", "code"]], left_on="port_id", right_on="id", suffixes=("", "_p"))
    df = df.merge(
        t["enterprises"][["id", "name", "credit_tier"]], left_on="enterprise_id", right_on="id", suffixes=("", "_e")
    )
    created = pd.to_datetime(df["created_at"], utc=True, format="mixed")
    if flt.port_id:
        df = df[df["port_id"] == flt.port_id]
    if flt.states:
        df = df[df["state"].isin(flt.states)]
    if flt.date_from:
        df = df[created.loc[df.index] >= pd.Timestamp(flt.date_from, tz="Asia/Shanghai")]
    if flt.date_to:
        df = df[created.loc[df.index] < pd.Timestamp(flt.date_to + timedelta(days=1), tz="Asia/Shanghai")]
    if flt.container:
        c = t["containers"]
        df = df[df["declaration_id"].isin(c[c["number"].str.startswith(flt.container)]["declaration_id"])]
    if flt.hs_chapter:
        g = t["goods_lines"]
        df = df[df["declaration_id"].isin(g[g["hs_code"].str.startswith(flt.hs_chapter)]["declaration_id"])]
    if flt.inspector_id:
        a = t["inspector_assignments"]
        df = df[df["id"].isin(a[a["user_id"] == flt.inspector_id]["inspection_id"])]
    df = df.assign(_c=created.loc[df.index]).sort_values(["_c", "id"], ascending=False)
    return df.iloc[skip : skip + PAGE], len(df)


def main() -> int:
    args = national.bench_args(__doc__)
    engine, how = national.dataset(args.declarations, args.database)
    now = national.now_of(engine)
    with engine.connect() as conn:
        container = conn.scalar(select(Container.number).order_by(Container.id.desc()).limit(1))[:7]
        inspector = conn.scalar(select(InspectorAssignment.user_id).order_by(InspectorAssignment.id.desc()).limit(1))
    today = (now + timedelta(hours=8)).date()
    scenarios = {
        "default view (newest first)": InspectionFilter(),
        "port + open states + 30 days": InspectionFilter(
            port_id=1,
            states=("pending", "assigned", "in_progress", "completed"),
            date_from=today - timedelta(days=30),
            date_to=today,
        ),
        "container number prefix": InspectionFilter(container=container),
        "HS chapter 84 + inspector": InspectionFilter(hs_chapter="84", inspector_id=inspector),
    }
    rows = []
    for name, flt in scenarios.items():
        result, total = page(engine, flt)
        fast = national.timed(lambda flt=flt: page(engine, flt), args.runs)
        slow = national.timed(lambda flt=flt: naive(engine, flt), args.baseline_runs)
        rows.append(national.scenario_row(name, fast, slow, rows_matched=total))
    # Keyset: walk to page DEEP once, then time that page (what "next" does deep in the list).
    after = None
    for _ in range(DEEP - 1):
        after = search_inspections(engine, None, InspectionFilter(), limit=PAGE, after=after).next_after
    fast = national.timed(
        lambda: search_inspections(engine, None, InspectionFilter(), limit=PAGE, after=after), args.runs
    )
    slow = national.timed(lambda: naive(engine, InspectionFilter(), skip=(DEEP - 1) * PAGE), args.baseline_runs)
    rows.append(national.scenario_row(f"page {DEEP} by keyset (list only)", fast, slow))
    national.report_scenarios("inspection_query", "inspection query", args, how, rows)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
