"""Inspection record at national scale: everything about one inspection on one page.

PYTHONPATH=. .venv/bin/python bench/inspection_record.py [--declarations 2000000]
    [--database sqlite|postgresql] [--runs 30] [--baseline-runs 1]

Timed: portsight.queries.inspection_record.inspection_record for inspections picked at random
(seeded) among old, recent and still-open ones, national scope, on the dataset of
bench/national.py: declaration, goods, containers, selection draw, inspectors, timeline,
checklist steps, photos, findings, remote assists, receipt, alerts and the audit trail.
Baseline in the same run: the whole tables of the record read into pandas and filtered to
the inspection there. Prints a table, writes bench/results/inspection_record.json.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench import national  # noqa: E402
from portsight.db.models import Inspection  # noqa: E402
from portsight.queries.inspection_record import inspection_record  # noqa: E402

TABLES = (
    "inspections",
    "declarations",
    "enterprises",
    "ports",
    "goods_lines",
    "containers",
    "selections",
    "inspector_assignments",
    "users",
    "inspection_transitions",
    "step_results",
    "evidence",
    "findings",
    "assist_sessions",
    "release_receipts",
    "alerts",
    "audit_log",
)


def naive_record(engine, inspection_id: int) -> dict:
    t = national.read_tables(engine, *TABLES)
    ins = t["inspections"][t["inspections"]["id"] == inspection_id].iloc[0]
    decl_id = ins["declaration_id"]
    by_insp = {
        name: t[name][t[name]["inspection_id"] == inspection_id]
        for name in (
            "inspector_assignments",
            "inspection_transitions",
            "step_results",
            "evidence",
            "findings",
            "assist_sessions",
            "release_receipts",
            "alerts",
        )
    }
    audit = t["audit_log"]
    return {
        "declaration": t["declarations"][t["declarations"]["id"] == decl_id],
        "goods": t["goods_lines"][t["goods_lines"]["declaration_id"] == decl_id],
        "containers": t["containers"][t["containers"]["declaration_id"] == decl_id],
        "selection": t["selections"][t["selections"]["declaration_id"] == decl_id],
        **by_insp,
        "audit": audit[
            ((audit["entity"] == "inspection") & (audit["entity_id"] == str(inspection_id)))
            | ((audit["entity"] == "declaration") & (audit["entity_id"] == str(decl_id)))
        ],
    }


def main() -> int:
    args = national.bench_args(__doc__, baseline_runs=1)
    engine, how = national.dataset(args.declarations, args.database)
    with engine.connect() as conn:
        top = conn.scalar(select(func.max(Inspection.id)))
    rng = random.Random(6)
    picks = {
        "old inspection (first year)": [rng.randint(1, top // 3) for _ in range(args.runs)],
        "recent inspection (last weeks)": [rng.randint(top - 3000, top - 300) for _ in range(args.runs)],
        "open inspection (today)": [rng.randint(top - 100, top) for _ in range(args.runs)],
    }
    rows = []
    for name, ids in picks.items():
        inspection_record(engine, None, ids[0])
        it = iter(ids)
        fast = national.timed(lambda it=it: inspection_record(engine, None, next(it)), len(ids))
        slow = national.timed(lambda ids=ids: naive_record(engine, ids[0]), args.baseline_runs)
        rows.append(national.scenario_row(name, fast, slow))
    national.report_scenarios("inspection_record", "inspection record", args, how, rows)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
