"""Time the import of 100k declaration rows (CSV) on a fresh temporary SQLite file; goal under 20 s.

PYTHONPATH=. .venv/bin/python bench/import.py [--rows 100000] [--seed 3]

Also measured in the same run, as a baseline for this machine's load: reading the same CSV with the
csv module and inserting the same rows with plain executemany (no validation, no idempotency,
no report). Writes bench/results/import.json with rows and seconds (and the breakdown).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from portsight import reference  # noqa: E402
from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.models import Port  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.domain.access import SYSTEM  # noqa: E402
from portsight.exchange import import_bytes  # noqa: E402
from portsight.exchange.readers import read_file  # noqa: E402
from portsight.exchange.synthetic import declaration_rows, rows_to_csv  # noqa: E402
from portsight.exchange.validation import validate_record  # noqa: E402

GOAL_SECONDS = 20.0
RESULTS = Path(__file__).resolve().parent / "results" / "import.json"


def fresh_engine(folder: Path, name: str):
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Port),
            [{"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh, "kind": p.kind} for p in reference.ports()],
        )
    return engine


def baseline(engine, data: bytes) -> float:
    """csv.DictReader + executemany of declarations, goods lines and containers: the floor."""
    t0 = time.perf_counter()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    decls, goods, boxes = {}, [], []
    for r in rows:
        decls.setdefault(r["declaration_id"], r)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO enterprises (uscc, name, credit_tier, under_investigation) VALUES ('X', 'x', 'general', 0)"
        )
        ids = {}
        conn.exec_driver_sql(
            "INSERT INTO declarations (number, source_system_id, port_id, enterprise_id, direction, transport_mode, "
            "origin_country, declared_at, content_hash) VALUES (?, ?, 1, 1, ?, ?, ?, ?, '')",
            [
                (r["declaration_number"], k, r["direction"], r["transport_mode"], r["origin_country"], r["declared_at"])
                for k, r in decls.items()
            ],
        )
        for sid, did in conn.exec_driver_sql("SELECT source_system_id, id FROM declarations"):
            ids[sid] = did
        for r in rows:
            goods.append(
                (
                    ids[r["declaration_id"]],
                    r["line_no"],
                    r["hs_code"],
                    r["description"],
                    r["quantity"],
                    r["unit"],
                    r["gross_weight_kg"],
                    r["value"],
                    r["currency"],
                )
            )
            for part in filter(None, r["containers"].split(";")):
                number, size_type, seal = (part.split(":") + [None])[:3]
                boxes.append((ids[r["declaration_id"]], number, size_type, seal))
        conn.exec_driver_sql(
            "INSERT INTO goods_lines (declaration_id, line_no, hs_code, description, quantity, unit, gross_weight_kg, "
            "value, currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            goods,
        )
        conn.exec_driver_sql(
            "INSERT INTO containers (declaration_id, number, size_type, declared_seal) VALUES (?, ?, ?, ?)", boxes
        )
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    data = rows_to_csv(declaration_rows(args.rows, seed=args.seed))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base_seconds = baseline(fresh_engine(folder, "baseline.db"), data)

        t0 = time.perf_counter()
        parsed = read_file("bench.csv", data)
        t1 = time.perf_counter()
        for record in parsed.records:
            validate_record(record)
        t2 = time.perf_counter()

        engine = fresh_engine(folder, "bench.db")
        t3 = time.perf_counter()
        result = import_bytes(engine, SYSTEM, "bench.csv", data)
        seconds = time.perf_counter() - t3
        t4 = time.perf_counter()
        again = import_bytes(engine, SYSTEM, "bench-copy.csv", data + b"\n")  # other file hash: every row compared
        reimport = time.perf_counter() - t4
        engine.dispose()
    counts = result.counts
    assert counts["rejected"] == 0 and again.counts["unchanged"] == counts["accepted"], (counts, again.counts)
    figures = {
        "rows": args.rows,
        "declarations": counts["accepted"],
        "seconds": round(seconds, 2),
        "rows_per_second": round(args.rows / seconds),
        "goal_seconds": GOAL_SECONDS,
        "read_seconds": round(t1 - t0, 2),
        "validate_seconds": round(t2 - t1, 2),
        "reimport_unchanged_seconds": round(reimport, 2),
        "baseline_executemany_seconds": round(base_seconds, 2),
        "ratio_to_baseline": round(seconds / base_seconds, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(
        f"import {args.rows} rows ({counts['accepted']} declarations) on SQLite: {seconds:.1f} s "
        f"({figures['rows_per_second']:,} rows/s; goal < {GOAL_SECONDS:.0f} s)"
    )
    print(
        f"  of which read {figures['read_seconds']} s, validate {figures['validate_seconds']} s; "
        f"re-import of the same rows (all unchanged) {figures['reimport_unchanged_seconds']} s"
    )
    print(
        f"  baseline (csv + executemany, no validation) {figures['baseline_executemany_seconds']} s: "
        f"{figures['ratio_to_baseline']}x"
    )
    return 0 if seconds < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
