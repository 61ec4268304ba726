"""Alerts page at national scale: the groups, the list, the badge counts and one alert with its history.

PYTHONPATH=. .venv/bin/python bench/alerts_page.py [--declarations 2000000]
    [--database sqlite|postgresql] [--runs 30] [--baseline-runs 2]

Timed, for a national supervisor (every port in scope), on the dataset of bench/national.py:
- badge: portsight.queries.alerts.open_alert_counts (every page's sidebar);
- unresolved list: list_alerts with its default states (the page's first view, 100 rows);
- resolved high alerts: list_alerts(states=resolved, severities=high) (the history view);
- one alert: alert_detail with its audit history;
- one port's unresolved list (a port supervisor);
- groups: alert_groups, unresolved alerts by kind, port and enterprise with their counts (the page's
  first view, beside the list);
- one group's list: list_alerts(group=...) of the largest unresolved group.
Baseline in the same run: whole tables (alerts, ports, users, audit_log for the detail) read
into pandas, filtered, ordered and cut there. Prints a table, writes bench/results/alerts_page.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench import national  # noqa: E402
from portsight.db.models import Alert  # noqa: E402
from portsight.queries.alerts import alert_detail, alert_groups, list_alerts, open_alert_counts  # noqa: E402

RANK = {"high": 0, "medium": 1, "low": 2}


def naive_list(engine, states, severities=None, port_id=None, limit=100):
    t = national.read_tables(engine, "alerts", "ports", "users")
    df = t["alerts"].merge(
        t["ports"][["id", "code"]], left_on="port_id", right_on="id", how="left", suffixes=("", "_p")
    )
    df = df[df["state"].isin(states)]
    if severities:
        df = df[df["severity"].isin(severities)]
    if port_id:
        df = df[df["port_id"] == port_id]
    df = df.assign(_rank=df["severity"].map(RANK)).sort_values(
        ["_rank", "last_raised_at", "id"], ascending=[True, False, False]
    )
    return df.head(limit)


def naive_counts(engine):
    a = national.read_tables(engine, "alerts")["alerts"]
    return a[a["state"].isin(["open", "acknowledged"])].groupby("severity").size().to_dict()


def naive_groups(engine):
    a = national.read_tables(engine, "alerts")["alerts"]
    a = a[a["state"].isin(["open", "acknowledged"])]
    keys = [a["kind"], a["port_id"].fillna(-1), a["enterprise_id"].fillna(-1)]
    counts = pd.crosstab(keys, a["state"])
    return counts.assign(total=counts.sum(axis=1)).sort_values("total", ascending=False)


def naive_group_list(engine, group):
    kind, port_id, enterprise_id = group
    df = naive_list(engine, ("open", "acknowledged"), port_id=port_id, limit=10**9)
    df = df[
        (df["kind"] == kind)
        & (df["enterprise_id"].isna() if enterprise_id is None else df["enterprise_id"] == enterprise_id)
    ]
    return df.head(100)


def naive_detail(engine, alert_id):
    t = national.read_tables(engine, "alerts", "ports", "users", "audit_log")
    row = t["alerts"][t["alerts"]["id"] == alert_id]
    audit = t["audit_log"]
    return row, audit[(audit["entity"] == "alert") & (audit["entity_id"] == str(alert_id))]


def main() -> int:
    args = national.bench_args(__doc__)
    engine, how = national.dataset(args.declarations, args.database)
    with engine.connect() as conn:
        alert_id = conn.scalar(select(Alert.id).where(Alert.state == "resolved").order_by(Alert.id.desc()).limit(1))
    unresolved = ("open", "acknowledged")
    largest = alert_groups(engine, None, limit=1).iloc[0]
    group = (str(largest["kind"]), largest["port_id"], largest["enterprise_id"])
    scenarios = {
        "badge: open counts": (
            lambda: open_alert_counts(engine, None),
            lambda: naive_counts(engine),
        ),
        "unresolved list (100)": (
            lambda: list_alerts(engine, None),
            lambda: naive_list(engine, unresolved),
        ),
        "resolved high alerts (100)": (
            lambda: list_alerts(engine, None, states=("resolved",), severities=("high",)),
            lambda: naive_list(engine, ("resolved",), ("high",)),
        ),
        "one port's unresolved list": (
            lambda: list_alerts(engine, frozenset({1})),
            lambda: naive_list(engine, unresolved, port_id=1),
        ),
        "groups: unresolved by kind, port, enterprise": (
            lambda: alert_groups(engine, None),
            lambda: naive_groups(engine),
        ),
        "one group's unresolved list": (
            lambda: list_alerts(engine, None, group=group),
            lambda: naive_group_list(engine, group),
        ),
        "one alert with its history": (
            lambda: alert_detail(engine, None, alert_id),
            lambda: naive_detail(engine, alert_id),
        ),
    }
    rows = []
    for name, (fast_fn, slow_fn) in scenarios.items():
        fast_fn()
        fast = national.timed(fast_fn, args.runs)
        slow = national.timed(slow_fn, args.baseline_runs)
        rows.append(national.scenario_row(name, fast, slow))
    national.report_scenarios("alerts_page", "alerts page", args, how, rows)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
