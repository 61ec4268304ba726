"""Time the default demo seed (60 weeks) on a fresh temporary SQLite file and print the figures.

.venv/bin/python bench/seed.py [--weeks 60] [--seed 7] [--detail-weeks 13]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.demo.seed import DETAIL_WEEKS, seed_demo  # noqa: E402


def _children_cpu() -> float:
    """CPU seconds of the ended child processes (the seed's writing process, once it has been waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--detail-weeks", type=int, default=DETAIL_WEEKS, help="recent weeks with photos and audit entries"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        upgrade(url)
        t1 = time.perf_counter()
        engine = make_engine(url)
        cpu, children = time.process_time(), _children_cpu()
        counts = seed_demo(
            engine,
            weeks=args.weeks,
            seed=args.seed,
            demo=True,
            media_dir=Path(tmp) / "media",
            secret="bench",
            detail_weeks=args.detail_weeks,
        )
        t2 = time.perf_counter()
        cpu, children = time.process_time() - cpu, _children_cpu() - children
        engine.dispose()
        size = (Path(tmp) / "bench.db").stat().st_size
    rows = sum(counts.values())
    seconds = t2 - t1
    print(
        f"seed {args.weeks} weeks (seed {args.seed}, photos and audit the last {args.detail_weeks}) on SQLite: "
        f"{seconds:.1f} s, {rows} rows, "
        f"{rows / seconds:,.0f} rows/s; migrate {t1 - t0:.1f} s; file {size / 1e6:.0f} MB"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"  CPU {cpu:.1f} s of this process and {children:.1f} s of the writing process it started (wall time "
        "also counts waiting for the disk and other processes); "
        f"load average {load} on {os.cpu_count()} cores"
    )
    print(
        f"  declarations {counts['declarations']}, inspections {counts['inspections']}, "
        f"step results {counts['step_results']}, findings {counts['findings']}, alerts {counts['alerts']}, "
        f"rollup rows {counts.get('daily_rollups', 0)}"
    )
    print(
        f"  release receipts {counts['release_receipts']}, evidence (photos) {counts['evidence']}, "
        f"audit entries {counts['audit_log']}"
    )
    return 0 if seconds < 30 else 1


if __name__ == "__main__":
    sys.exit(main())
