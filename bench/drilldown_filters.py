"""The filters the board's and the weekly review's links open, at national scale.

PYTHONPATH=. .venv/bin/python bench/drilldown_filters.py [--declarations 2000000]
    [--database sqlite|postgresql] [--runs 30]

Timed: one page of the inspections list (50 rows) and its count, what /inspections runs for each
link, for a national supervisor, on the dataset of bench/national.py: overdue (the board's
"Overdue" card; portsight.db.overdue), overdue at one port (a port row), one enterprise (the weekly
review's enterprise row: the most inspected), one enterprise's inspections with a finding, one rule's findings, one
declaration (a feed line), and of the dataset's last complete week what the weekly review opens: its
holds (the "Held" card), a credit tier's, the commonest origin's and HS section XVI's declarations
(a mark of the charts by tier, origin and section) and section XVI's inspections with a finding (its
non-conformity rate's mark); and the finding filter's choices (cached for 5 minutes by the page).
Prints a table and writes bench/results/drilldown_filters.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from datetime import UTC, datetime, timedelta  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from bench import national  # noqa: E402
from portsight.clock import LOCAL_TZ  # noqa: E402
from portsight.db.models import Declaration, Finding, Inspection  # noqa: E402
from portsight.db.overdue import overdue_cutoff  # noqa: E402
from portsight.domain.stats import IsoWeek, local_day  # noqa: E402
from portsight.queries.alert_parameters import overdue_minutes_in_force  # noqa: E402
from portsight.queries.inspections import (  # noqa: E402
    ANY_FINDING,
    InspectionFilter,
    count_inspections,
    finding_rules,
    search_inspections,
)

PAGE = 50


def main() -> int:
    args = national.bench_args(__doc__)
    engine, how = national.dataset(args.declarations, args.database)
    now = national.now_of(engine)
    cutoff = overdue_cutoff(now, overdue_minutes_in_force(engine, now))
    with engine.connect() as conn:
        busiest = conn.scalar(  # the enterprise with the most inspections
            select(Declaration.enterprise_id)
            .join(Inspection, Inspection.declaration_id == Declaration.id)
            .group_by(Declaration.enterprise_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        rule = conn.scalar(select(Finding.rule_id).where(Finding.rule_id.is_not(None)).limit(1))
        declaration = conn.scalar(select(Inspection.declaration_id).order_by(Inspection.id.desc()).limit(1))
        origin = conn.scalar(
            select(Declaration.origin_country)
            .group_by(Declaration.origin_country)
            .order_by(func.count().desc())
            .limit(1)
        )
    week = IsoWeek.of(local_day(now - timedelta(days=7), LOCAL_TZ))
    declared = {"declared_from": week.monday, "declared_to": week.sunday}
    scenarios = {
        "overdue (national)": InspectionFilter(overdue_cutoff=cutoff),
        "overdue at port 1": InspectionFilter(overdue_cutoff=cutoff, port_id=1),
        "busiest enterprise": InspectionFilter(enterprise_id=busiest),
        "busiest enterprise, any finding": InspectionFilter(enterprise_id=busiest, finding=ANY_FINDING),
        f"finding of {rule}"[:34]: InspectionFilter(finding=rule),
        "one declaration": InspectionFilter(declaration_id=declaration),
        "week's holds": InspectionFilter(held_from=week.monday, held_to=week.sunday),
        "week's tier general, declared": InspectionFilter(**declared, credit_tier="general"),
        f"week's origin {origin}, declared": InspectionFilter(**declared, origin=origin),
        "week's section XVI, declared": InspectionFilter(**declared, hs_section="XVI"),
        "week's section XVI, any finding": InspectionFilter(
            completed_from=week.monday, completed_to=week.sunday, hs_section="XVI", finding=ANY_FINDING
        ),
    }
    rows = []
    for name, flt in scenarios.items():
        total = count_inspections(engine, None, flt)
        times = national.timed(
            lambda flt=flt: (
                search_inspections(engine, None, flt, limit=PAGE),
                count_inspections(engine, None, flt),
            ),
            args.runs,
        )
        rows.append({"scenario": name, "p50_ms": national.pct(times, 50), "p95_ms": national.pct(times, 95),
                     "runs": len(times), "rows_matched": total})  # fmt: skip
    times = national.timed(lambda: finding_rules(engine, None), max(1, args.runs // 5))
    rows.append({"scenario": "finding filter's choices", "p50_ms": national.pct(times, 50),
                 "p95_ms": national.pct(times, 95), "runs": len(times)})  # fmt: skip
    print(f"drill-down filters, {args.declarations:,} declarations on {args.database} "
          f"(load {national.load_average()})")  # fmt: skip
    print(f"{'scenario':<34} {'p50 ms':>9} {'p95 ms':>9} {'rows':>10}")
    for r in rows:
        print(f"{r['scenario']:<34} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} {r.get('rows_matched', ''):>10}")
    run = {
        "bench": "drilldown_filters",
        "database": args.database,
        "rows": args.declarations,
        "dataset": how,
        "load_average": national.load_average(),
        "p95_ms": max(r["p95_ms"] for r in rows),
        "scenarios": rows,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(f"wrote {national.write_result('drilldown_filters', run).relative_to(ROOT)}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
