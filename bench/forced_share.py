"""A draw's forced share: the count each draw makes of its tier's draws of the last 90 days, timed.

    PYTHONPATH=. .venv/bin/python bench/forced_share.py [--weeks 60] [--instants 40] [--url URL]

Seeds the demo (--weeks of history, seed 7) into a temporary SQLite file, or uses the database at --url
as it is, then asks for each credit tier's forced share at --instants moments spread over the last 30
days of the history, two ways, alternated:

- the product's count (portsight.services.selection.forced_draws, from the selections' tier and forced
  columns and their index);
- the baseline: the same count read from every draw's recorded JSON inputs, as each draw made it before
  the columns existed.

Both must find the same draws and forced draws. Prints p50 and p95 milliseconds of each and their ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sqlalchemy import case, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portsight.clock import as_utc  # noqa: E402
from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.models import Selection  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.demo.seed import seed_demo  # noqa: E402
from portsight.services.selection import FORCED_SHARE_WINDOW_DAYS, forced_draws  # noqa: E402

Count = Callable[[Session, str, datetime], tuple[int, int]]


def by_inputs(session: Session, tier: str, now: datetime) -> tuple[int, int]:
    """(draws, forced) read from each draw's JSON inputs: the baseline."""
    since = now - timedelta(days=FORCED_SHARE_WINDOW_DAYS)
    total, forced = session.execute(
        select(
            func.count(), func.coalesce(func.sum(case((Selection.inputs["forced"].as_boolean(), 1), else_=0)), 0)
        ).where(Selection.inputs["tier"].as_string() == tier, Selection.drawn_at >= since, Selection.drawn_at < now)
    ).one()
    return int(total), int(forced)


def _ms(count: Count, session: Session, tier: str, now: datetime) -> tuple[float, tuple[int, int]]:
    started = time.perf_counter()
    found = count(session, tier, now)
    return (time.perf_counter() - started) * 1000, found


def measure(url: str, instants: int) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        tiers = sorted(session.scalars(select(Selection.tier).distinct()))
        last = as_utc(session.scalar(select(func.max(Selection.drawn_at))))
        draws = session.scalar(select(func.count()).select_from(Selection))
        moments = [last - timedelta(days=30) * i / instants for i in range(instants)]
        times: dict[str, list[float]] = {"columns": [], "inputs": []}
        for tier in tiers:
            for now in moments:
                a, found = _ms(forced_draws, session, tier, now)
                b, baseline = _ms(by_inputs, session, tier, now)
                if found != baseline:
                    print(f"MISMATCH {tier} at {now}: columns {found}, inputs {baseline}")
                    return 1
                times["columns"].append(a)
                times["inputs"].append(b)
    engine.dispose()
    print(f"{draws:,} draws; {len(tiers)} tiers x {instants} moments over the last 30 days; 90-day windows")
    for name, values in times.items():
        p50, p95 = np.percentile(values, [50, 95])
        print(f"  {name:8} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    ratio = np.median(times["inputs"]) / np.median(times["columns"])
    print(f"  the JSON baseline takes {ratio:.0f} times as long (p50)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=60)
    parser.add_argument("--instants", type=int, default=40)
    parser.add_argument("--url", help="a migrated database with draws, used as it is (default: seed a temporary one)")
    args = parser.parse_args()
    if args.url:
        return measure(args.url, args.instants)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'forced_share.db'}"
        upgrade(url)
        engine = make_engine(url)
        seed_demo(engine, weeks=args.weeks, seed=7, demo=True, media_dir=Path(tmp) / "media", secret="bench")
        engine.dispose()
        return measure(url, args.instants)


if __name__ == "__main__":
    sys.exit(main())
