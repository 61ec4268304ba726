"""Read side of the weekly statistics review: KPI cards, trends, and the whole review of a week.

Definitions come from portsight.domain.stats. Volumes, rates and trends are summed from the
daily rollups (portsight.db.rollups) at the coarsest grain that answers the question: (day,
port) for KPI weeks and trends. What rollups cannot hold (percentiles, alerts, remote assists)
is aggregated in SQL from one week of source rows read through time indexes, the three KPI
weeks in one query per table. Nothing here scans the history. The breakdowns of a week (ports,
chapters, tiers, origins, inspectors, hours) are portsight.queries.breakdowns; the ranking of
enterprises, read from source rows and shown below the review, is
portsight.queries.enterprise_review; the scope and week building blocks all use are
portsight.queries.weeks.

port_ids: the ports the reader may see (a collection of ids, or None for every port); the
page passes the actor's scope cut down to the chosen port.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, or_, select

from portsight.db.models import Alert, AssistSession, DailyPortRollup, DailyRollup, Declaration, Inspection
from portsight.db.rollups import minutes_between
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain import stats
from portsight.domain.stats import IsoWeek, WeekTotals
from portsight.queries.breakdowns import (
    chapter_tier_week,
    credit_tier_breakdown,
    heatmap,
    hs_breakdown,
    inspector_breakdown,
    origin_breakdown,
    port_breakdown,
)
from portsight.queries.weeks import ROLLUP_SUMS, PortInfo, in_week, rollup_sums, scope_ports, typed_sum


def _totals(row) -> WeekTotals:
    # each sum has its field's type, int or float by name (typed_sum), which mypy cannot follow
    sums: dict[str, Any] = {name: typed_sum(name, row[name]) for name in ROLLUP_SUMS}
    return WeekTotals(**sums)


def weekly_totals(db: Database, ports: list[PortInfo], weeks: Iterable[IsoWeek]) -> dict[IsoWeek, WeekTotals]:
    """Rollup totals per ISO week (local days of each port), summed over the scope ((day, port) grain)."""
    weeks = sorted(set(weeks))
    out = {w: WeekTotals() for w in weeks}
    if not weeks or not ports:
        return out
    ranges = [(w.monday, w.sunday) for w in weeks]
    t = DailyPortRollup
    day_clause = or_(*[and_(t.day >= a, t.day <= b) for a, b in _merge(ranges)])
    stmt = select(t.day, *rollup_sums(t)).where(t.port_id.in_([p.id for p in ports]), day_clause).group_by(t.day)
    acc: dict[IsoWeek, dict[str, float]] = {w: dict.fromkeys(ROLLUP_SUMS, 0) for w in weeks}
    with connection(db) as conn:
        for row in conn.execute(stmt).mappings():
            day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
            week = IsoWeek.of(day)
            if week in acc:
                for name in ROLLUP_SUMS:
                    acc[week][name] += row[name] or 0
    for w in weeks:
        out[w] = _totals(acc[w])
    return out


def _merge(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for a, b in sorted(ranges):
        if merged and (a - merged[-1][1]).days <= 1:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _which_week(port_col, time_col, ports: list[PortInfo], weeks: list[IsoWeek]):
    """SQL: the index in weeks of the week time_col falls in (NULL outside them all)."""
    return case(*[(in_week(port_col, time_col, ports, w), i) for i, w in enumerate(weeks)], else_=None)


def _in_weeks(port_col, time_col, ports: list[PortInfo], weeks: list[IsoWeek]):
    return or_(*[in_week(port_col, time_col, ports, w) for w in weeks])


def release_minutes_by_week(db: Database, ports: list[PortInfo], weeks: Iterable[IsoWeek]) -> dict[IsoWeek, list]:
    """Time to release (minutes) of every release decided in each week, in one query."""
    weeks = list(weeks)
    out: dict[IsoWeek, list[float]] = {w: [] for w in weeks}
    if not ports or not weeks:
        return out
    with connection(db) as conn:
        minutes = minutes_between(conn.dialect.name, Declaration.declared_at, Inspection.decided_at)
        which = _which_week(Inspection.port_id, Inspection.decided_at, ports, weeks)
        stmt = (
            select(which, minutes)
            .select_from(Inspection)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(Inspection.decision == stats.RELEASE_DECISION)
            .where(_in_weeks(Inspection.port_id, Inspection.decided_at, ports, weeks))
        )
        for i, value in conn.execute(stmt):
            if i is not None and value is not None:
                out[weeks[int(i)]].append(float(value))
    return out


def release_minutes(db: Database, ports: list[PortInfo], week: IsoWeek) -> list[float]:
    """Time to release (minutes) of every release decided in the week (one week of rows)."""
    return release_minutes_by_week(db, ports, [week])[week]


def activity_counts_by_week(db: Database, ports: list[PortInfo], weeks: Iterable[IsoWeek]) -> dict[IsoWeek, dict]:
    """Alerts raised and resolved, remote-assist requests, per week: one grouped query per table."""
    weeks = list(weeks)
    out = {w: {"alerts_raised": 0, "alerts_resolved": 0, "remote_assists": 0} for w in weeks}
    if not ports or not weeks:
        return out
    asked = (
        ("alerts_raised", Alert.port_id, Alert.first_raised_at, Alert.id),
        ("alerts_resolved", Alert.port_id, Alert.resolved_at, Alert.id),
        ("remote_assists", AssistSession.port_id, AssistSession.requested_at, AssistSession.id),
    )
    with connection(db) as conn:
        for key, port_col, time_col, id_col in asked:
            which = _which_week(port_col, time_col, ports, weeks).label("w")
            stmt = select(which, func.count(id_col)).where(_in_weeks(port_col, time_col, ports, weeks)).group_by(which)
            for i, n in conn.execute(stmt):
                if i is not None:
                    out[weeks[int(i)]][key] += int(n or 0)
    return out


def activity_counts(db: Database, ports: list[PortInfo], week: IsoWeek) -> dict[str, int]:
    """Alerts raised and resolved, remote-assist requests, in the week (alerts of the scope's ports)."""
    return activity_counts_by_week(db, ports, [week])[week]


def _kpi_values(totals: WeekTotals, minutes: list[float], activity: dict[str, int]) -> dict[str, float | None]:
    return {
        "declarations": totals.declarations,
        "inspections": totals.inspections,
        "inspection_rate": totals.inspection_rate,
        "detection_rate": totals.detection_rate,
        "release_median_min": stats.median(minutes),
        "release_p90_min": stats.percentile(minutes, 0.9),
        "holds": totals.held,
        **activity,
    }


def kpi_cards(
    db: Database, port_ids: Iterable[int] | None, week: IsoWeek, *, ports: list[PortInfo] | None = None
) -> pd.DataFrame:
    """One row per KPI: value this week, previous week, same week last year and both changes.

    Columns: kpi, kind ("relative" or "points"), good_when_up, value, previous, last_year,
    change_wow, change_yoy.
    """
    ports = scope_ports(db, port_ids) if ports is None else ports
    periods = {"value": week, "previous": week.previous(), "last_year": week.same_week_last_year()}
    with connection(db) as conn:  # the three weeks together: one query per source
        totals = weekly_totals(conn, ports, periods.values())
        minutes = release_minutes_by_week(conn, ports, periods.values())
        activity = activity_counts_by_week(conn, ports, periods.values())
    values = {name: _kpi_values(totals[w], minutes[w], activity[w]) for name, w in periods.items()}
    rows = []
    for key, kind, good_when_up in stats.KPIS:
        now, before, last_year = (values[p][key] for p in ("value", "previous", "last_year"))
        rows.append(
            {
                "kpi": key,
                "kind": kind,
                "good_when_up": good_when_up,
                "value": now,
                "previous": before,
                "last_year": last_year,
                "change_wow": stats.kpi_change(kind, now, before),
                "change_yoy": stats.kpi_change(kind, now, last_year),
            }
        )
    return pd.DataFrame(rows)


def weekly_trend(
    db: Database,
    port_ids: Iterable[int] | None,
    week: IsoWeek,
    weeks: int = 12,
    *,
    ports: list[PortInfo] | None = None,
    totals: dict[IsoWeek, WeekTotals] | None = None,
) -> pd.DataFrame:
    """The last `weeks` weeks ending with week, from rollups only. One row per week, oldest first.
    totals: weekly_totals already read for (at least) these weeks."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    span = stats.last_weeks(week, weeks)
    totals = weekly_totals(db, ports, span) if totals is None else totals
    rows = []
    for w in span:
        t = totals[w]
        rows.append(
            {
                "week": str(w),
                "week_start": w.monday,
                "declarations": t.declarations,
                "inspected": t.inspected,
                "inspections": t.inspections,
                "non_conforming": t.non_conforming,
                "released": t.released,
                "held": t.held,
                "inspection_rate": t.inspection_rate,
                "detection_rate": t.detection_rate,
                "release_mean_min": t.release_mean_min,
                "inspection_mean_min": t.inspection_mean_min,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class WeekReview:
    """Everything the page and the report show for one week and scope."""

    week: IsoWeek
    ports: list[PortInfo]
    kpis: pd.DataFrame
    trend: pd.DataFrame
    by_port: pd.DataFrame
    by_chapter: pd.DataFrame
    by_section: pd.DataFrame
    by_origin: pd.DataFrame
    by_tier: pd.DataFrame
    by_inspector: pd.DataFrame
    heat: pd.DataFrame
    # the trend's weeks a year earlier (weekly_trend ending with the same week last year): year over year
    trend_last_year: pd.DataFrame = field(default_factory=pd.DataFrame)
    generated_at: datetime | None = None
    extra: dict = field(default_factory=dict)


def week_review(
    db: Database,
    port_ids: Iterable[int] | None,
    week: IsoWeek,
    trend_weeks: int = 12,
    targets: dict[str, float] | None = None,
) -> WeekReview:
    """The whole review of one week (what bench/statistics.py times)."""
    port_ids = None if port_ids is None else frozenset(port_ids)
    with connection(db) as conn:  # one connection and one scope lookup for the whole review
        ports = scope_ports(conn, port_ids)
        scoped = {"ports": ports}
        detail = chapter_tier_week(conn, ports, week)
        # the trend's weeks and the same weeks a year earlier: one read of the rollups
        spans = [*stats.last_weeks(week, trend_weeks), *stats.last_weeks(week.same_week_last_year(), trend_weeks)]
        totals = weekly_totals(conn, ports, spans)
        return WeekReview(
            week=week,
            ports=ports,
            kpis=kpi_cards(conn, port_ids, week, **scoped),
            trend=weekly_trend(conn, port_ids, week, trend_weeks, ports=ports, totals=totals),
            trend_last_year=weekly_trend(
                conn, port_ids, week.same_week_last_year(), trend_weeks, ports=ports, totals=totals
            ),
            by_port=port_breakdown(conn, port_ids, week, **scoped),
            by_chapter=hs_breakdown(conn, port_ids, week, "chapter", **scoped, detail=detail),
            by_section=hs_breakdown(conn, port_ids, week, "section", **scoped, detail=detail),
            by_origin=origin_breakdown(conn, port_ids, week, **scoped),
            by_tier=credit_tier_breakdown(conn, port_ids, week, targets, **scoped, detail=detail),
            by_inspector=inspector_breakdown(conn, port_ids, week, **scoped),
            heat=heatmap(conn, port_ids, week, **scoped),
        )


def latest_week(db: Database, port_ids: Iterable[int] | None) -> IsoWeek | None:
    """The most recent ISO week with rollup data in the scope (the page's default)."""
    stmt = select(func.max(DailyRollup.day))
    if port_ids is not None:
        stmt = stmt.where(DailyRollup.port_id.in_(sorted(port_ids)))
    with connection(db) as conn:
        value = conn.scalar(stmt)
    if value is None:
        return None
    return IsoWeek.of(value if isinstance(value, date) else date.fromisoformat(str(value)))


__all__ = [
    "PortInfo",
    "WeekReview",
    "activity_counts",
    "activity_counts_by_week",
    "kpi_cards",
    "latest_week",
    "release_minutes",
    "release_minutes_by_week",
    "scope_ports",
    "week_review",
    "weekly_totals",
    "weekly_trend",
]
