"""Read side of the weekly statistics review: KPI cards, trends, breakdowns, heat map.

Definitions come from portsight.domain.stats. Volumes, rates and trends are summed from the
daily rollups (portsight.services.rollups) at the coarsest grain that answers the question:
(day, port) for KPI weeks, trends and ports; (day, port, origin) for origins; (day, port,
chapter, tier) once per review for chapters, sections and tiers. What rollups cannot hold
(percentiles, inspectors, hours, alerts, remote assists) is aggregated in SQL from one week of
source rows read through time indexes, the three KPI weeks in one query per table. Nothing
here scans the history.

port_ids: the ports the reader may see (a collection of ids, or None for every port); the
page passes the actor's scope cut down to the chosen port.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import and_, case, false, func, or_, select

from portsight import reference
from portsight.db.models import (
    Alert,
    AssistSession,
    DailyOriginRollup,
    DailyPortRollup,
    DailyRollup,
    Declaration,
    Inspection,
    InspectorAssignment,
    Port,
    User,
)
from portsight.db.session import Database
from portsight.domain import stats
from portsight.domain.stats import DEFAULT_TIER_TARGETS, IsoWeek, WeekTotals
from portsight.queries import connection
from portsight.services.rollups import has_finding, minutes_between

ROLLUP_SUMS = (
    "declarations",
    "inspected",
    "inspections",
    "non_conforming",
    "released",
    "held",
    "release_minutes_sum",
    "inspection_minutes_sum",
)
TIER_ORDER = ("advanced_certified", "general", "dishonest")


@dataclass(frozen=True)
class PortInfo:
    id: int
    code: str
    name_en: str
    name_zh: str
    timezone: str


def scope_ports(db: Database, port_ids: Iterable[int] | None) -> list[PortInfo]:
    """The ports of the scope (every port for None), ordered by code."""
    stmt = select(Port.id, Port.code, Port.name_en, Port.name_zh, Port.timezone).order_by(Port.code)
    if port_ids is not None:
        stmt = stmt.where(Port.id.in_(sorted(port_ids)))
    with connection(db) as conn:
        return [PortInfo(*row) for row in conn.execute(stmt)]


def _zones(ports: list[PortInfo]) -> dict[str, list[int]]:
    zones: dict[str, list[int]] = defaultdict(list)
    for p in ports:
        zones[p.timezone].append(p.id)
    return dict(zones)


def in_week(port_col, time_col, ports: list[PortInfo], week: IsoWeek):
    """WHERE clause: time_col within the week in each port's own zone, port_col in the scope.

    Ports sharing a zone share one range, so the clause is a short OR of index ranges.
    """
    clauses = []
    for tz, ids in sorted(_zones(ports).items()):
        start, end = week.bounds(tz)
        clauses.append(and_(port_col.in_(ids), time_col >= start, time_col < end))
    return or_(*clauses) if clauses else false()


def _rollup_days(ports: list[PortInfo], first: date, last: date, table=DailyRollup):
    return and_(
        table.port_id.in_([p.id for p in ports]),
        table.day >= first,
        table.day <= last,
    )


def _sums(table=DailyRollup, names: tuple[str, ...] = ROLLUP_SUMS):
    return [func.coalesce(func.sum(getattr(table, name)), 0).label(name) for name in names]


def _totals(row) -> WeekTotals:
    values = {name: (row[name] or 0) for name in ROLLUP_SUMS}
    return WeekTotals(
        **{k: (float(v) if k.endswith("_sum") else int(v)) for k, v in values.items()},
    )


def weekly_totals(db: Database, ports: list[PortInfo], weeks: Iterable[IsoWeek]) -> dict[IsoWeek, WeekTotals]:
    """Rollup totals per ISO week (local days of each port), summed over the scope ((day, port) grain)."""
    weeks = sorted(set(weeks))
    out = {w: WeekTotals() for w in weeks}
    if not weeks or not ports:
        return out
    ranges = [(w.monday, w.sunday) for w in weeks]
    t = DailyPortRollup
    day_clause = or_(*[and_(t.day >= a, t.day <= b) for a, b in _merge(ranges)])
    stmt = select(t.day, *_sums(t)).where(t.port_id.in_([p.id for p in ports]), day_clause).group_by(t.day)
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
    db: Database, port_ids: Iterable[int] | None, week: IsoWeek, weeks: int = 12, *, ports: list[PortInfo] | None = None
) -> pd.DataFrame:
    """The last `weeks` weeks ending with week, from rollups only. One row per week, oldest first."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    span = stats.last_weeks(week, weeks)
    totals = weekly_totals(db, ports, span)
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


# Breakdowns are built as plain records and turned into a DataFrame once: at the size of a
# week's breakdown (tens of rows) pandas column operations cost more than the query itself.


def _typed(name: str, value) -> float | int:
    return float(value or 0) if name.endswith("_sum") else int(value or 0)


def _rates(rec: dict) -> dict:
    if "inspected" in rec:
        rec["inspection_rate"] = stats.ratio(rec["inspected"], rec["declarations"])
    if "non_conforming" in rec:
        rec["detection_rate"] = stats.ratio(rec["non_conforming"], rec["inspections"])
    if "release_minutes_sum" in rec:
        rec["release_mean_min"] = stats.ratio(rec["release_minutes_sum"], rec["released"])
    return rec


def _rollup_records(
    db: Database,
    ports: list[PortInfo],
    week: IsoWeek,
    column,
    table=DailyRollup,
    names: tuple[str, ...] = ROLLUP_SUMS,
) -> list[dict]:
    stmt = (
        select(column.label("key"), *_sums(table, names))
        .where(_rollup_days(ports, week.monday, week.sunday, table))
        .group_by(column)
        .order_by(column)
    )
    with connection(db) as conn:
        return [
            _rates({"key": row[0], **{n: _typed(n, v) for n, v in zip(names, row[1:], strict=True)}})
            for row in conn.execute(stmt)
        ]


def chapter_tier_week(db: Database, ports: list[PortInfo], week: IsoWeek) -> list[dict]:
    """The week's (chapter, tier) sums: one read of daily_rollups for the chapter, section and
    tier breakdowns of a review (records with hs_chapter, credit_tier and ROLLUP_SUMS)."""
    stmt = (
        select(DailyRollup.hs_chapter, DailyRollup.credit_tier, *_sums())
        .where(_rollup_days(ports, week.monday, week.sunday))
        .group_by(DailyRollup.hs_chapter, DailyRollup.credit_tier)
    )
    with connection(db) as conn:
        return [
            {
                "hs_chapter": r[0],
                "credit_tier": r[1],
                **{n: _typed(n, v) for n, v in zip(ROLLUP_SUMS, r[2:], strict=True)},
            }
            for r in conn.execute(stmt)
        ]


def _regroup(records: list[dict], key) -> list[dict]:
    """Records summed by key(record) (ROLLUP_SUMS), with rates, ordered by key."""
    acc: dict = {}
    for r in records:
        k = key(r)
        target = acc.get(k)
        if target is None:
            target = acc[k] = {"key": k, **dict.fromkeys(ROLLUP_SUMS, 0)}
        for n in ROLLUP_SUMS:
            target[n] += r[n]
    return [_rates(acc[k]) for k in sorted(acc)]


def _with_rates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for name in ROLLUP_SUMS:
        if name in df:
            df[name] = df[name].astype(float if name.endswith("_sum") else int)

    def rate(num, den):
        return [stats.ratio(a, b) for a, b in zip(df[num], df[den], strict=True)] if len(df) else []

    if "inspected" in df:
        df["inspection_rate"] = rate("inspected", "declarations")
    if "non_conforming" in df:
        df["detection_rate"] = rate("non_conforming", "inspections")
    if "release_minutes_sum" in df:
        df["release_mean_min"] = rate("release_minutes_sum", "released")
    return df


def port_breakdown(
    db: Database, port_ids: Iterable[int] | None, week: IsoWeek, *, ports: list[PortInfo] | None = None
) -> pd.DataFrame:
    """Per port: volumes, rates, holds, mean time to release. Names in both languages."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    records = _rollup_records(db, ports, week, DailyPortRollup.port_id, DailyPortRollup)
    info = {p.id: p for p in ports}
    # Most declarations first; ties keep the port order of the query (by id), as a stable sort.
    records.sort(key=lambda r: -r["declarations"])
    for r in records:
        p = info[r["key"]]
        r["port"], r["name_en"], r["name_zh"] = p.code, p.name_en, p.name_zh
    cols = ["port", "name_en", "name_zh", *ROLLUP_SUMS, "inspection_rate", "detection_rate", "release_mean_min"]
    return pd.DataFrame.from_records(records, columns=cols) if records else _empty(cols)


def hs_breakdown(
    db: Database,
    port_ids: Iterable[int] | None,
    week: IsoWeek,
    level: str = "chapter",
    *,
    ports: list[PortInfo] | None = None,
    detail: list[dict] | None = None,
) -> pd.DataFrame:
    """Per HS chapter (or section, level="section") of the declarations' first goods line.
    detail: the week's chapter_tier_week, when the caller already read it."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    if detail is None:
        records = _rollup_records(db, ports, week, DailyRollup.hs_chapter)
    else:
        records = _regroup(detail, lambda r: r["hs_chapter"])
    chapters = reference.hs_chapters()

    def section_of(chapter: str) -> str:
        return chapters[chapter].section if chapter in chapters else ""

    if level == "section":
        sections = reference.hs_sections()
        order = {s: int(v["section_number"]) for s, v in sections.items()}
        rows = _regroup(records, lambda r: section_of(r["key"]))
        rows.sort(key=lambda r: order.get(r["key"], 99))
        for r in rows:
            r["section"] = r["key"]
            r["description"] = sections.get(r["key"], {}).get("name", "")
        cols = ["section", "description", *_BREAKDOWN_COLUMNS]
        return pd.DataFrame.from_records(rows, columns=cols) if rows else _empty(cols)
    for r in records:
        r["chapter"] = r["key"]
        r["section"] = section_of(r["key"])
        r["description"] = chapters[r["key"]].description if r["key"] in chapters else ""
    cols = ["chapter", "section", "description", *_BREAKDOWN_COLUMNS]
    return pd.DataFrame.from_records(records, columns=cols) if records else _empty(cols)


def _empty(columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(columns=columns)
    for name in columns:
        if name in ROLLUP_SUMS:
            df[name] = df[name].astype(float if name.endswith("_sum") else int)
    return df


_BREAKDOWN_COLUMNS = [
    "declarations",
    "inspected",
    "inspection_rate",
    "inspections",
    "non_conforming",
    "detection_rate",
    "released",
    "held",
    "release_mean_min",
]


def credit_tier_breakdown(
    db: Database,
    port_ids: Iterable[int] | None,
    week: IsoWeek,
    targets: dict[str, float] | None = None,
    *,
    ports: list[PortInfo] | None = None,
    detail: list[dict] | None = None,
) -> pd.DataFrame:
    """Per credit tier: realised inspection rate against the target. Columns tier, declarations,
    inspected, realised_rate, target_rate, gap (points), inspections, non_conforming, detection_rate."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    targets = {**DEFAULT_TIER_TARGETS, **(targets or {})}
    if detail is None:
        records = _rollup_records(db, ports, week, DailyRollup.credit_tier)
    else:
        records = _regroup(detail, lambda r: r["credit_tier"])
    order = {t: i for i, t in enumerate(TIER_ORDER)}
    records.sort(key=lambda r: (order.get(r["key"], 99), r["key"]))
    for r in records:
        r["tier"] = r["key"]
        r["realised_rate"] = r["inspection_rate"]
        r["target_rate"] = targets.get(r["key"])
        r["gap"] = stats.point_change(r["realised_rate"], r["target_rate"])
    cols = ["tier", "declarations", "inspected", "realised_rate", "target_rate", "gap"]
    cols = [*cols, "inspections", "non_conforming", "detection_rate"]
    return pd.DataFrame.from_records(records, columns=cols) if records else _empty(cols)


def origin_breakdown(
    db: Database, port_ids: Iterable[int] | None, week: IsoWeek, *, ports: list[PortInfo] | None = None
) -> pd.DataFrame:
    """Per origin country: declarations and inspection rate (cohort of the week's declarations),
    inspections completed and detection rate. Names in English and Chinese."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    t = DailyOriginRollup
    names = ("declarations", "inspected", "inspections", "non_conforming")
    records = _rollup_records(db, ports, week, t.origin_country, t, names)
    records.sort(key=lambda r: (-r["declarations"], r["key"]))
    for r in records:
        r["country"] = r["key"]
        r["name_en"] = reference.country_name(r["key"], "en")
        r["name_zh"] = reference.country_name(r["key"], "zh_CN")
    cols = ["country", "name_en", "name_zh", "declarations", "inspected", "inspection_rate"]
    cols = [*cols, "inspections", "non_conforming", "detection_rate"]
    return pd.DataFrame.from_records(records, columns=cols) if records else _empty(cols)


def inspector_breakdown(
    db: Database, port_ids: Iterable[int] | None, week: IsoWeek, *, ports: list[PortInfo] | None = None
) -> pd.DataFrame:
    """Per inspector assigned to inspections completed in the week: workload, detection rate,
    mean inspection duration (minutes)."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    with connection(db) as conn:
        minutes = minutes_between(conn.dialect.name, Inspection.started_at, Inspection.completed_at)
        stmt = (
            select(
                User.id.label("user_id"),
                User.display_name.label("inspector"),
                func.count(Inspection.id).label("inspections"),
                func.sum(case((InspectorAssignment.position == "lead", 1), else_=0)).label("as_lead"),
                func.sum(case((has_finding(), 1), else_=0)).label("non_conforming"),
                func.avg(minutes).label("mean_duration_min"),
            )
            .select_from(Inspection)
            .join(InspectorAssignment, InspectorAssignment.inspection_id == Inspection.id)
            .join(User, User.id == InspectorAssignment.user_id)
            .where(in_week(Inspection.port_id, Inspection.completed_at, ports, week))
            .group_by(User.id, User.display_name)
        )
        cols = ["user_id", "inspector", "inspections", "as_lead", "non_conforming", "mean_duration_min"]
        df = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=cols)
    df = _with_rates(df)
    df["mean_duration_min"] = df["mean_duration_min"].astype(float)
    cols = ["user_id", "inspector", "inspections", "as_lead", "non_conforming", "detection_rate", "mean_duration_min"]
    return df[cols].sort_values(["inspections", "inspector"], ascending=[False, True]).reset_index(drop=True)


def heatmap(
    db: Database, port_ids: Iterable[int] | None, week: IsoWeek, *, ports: list[PortInfo] | None = None
) -> pd.DataFrame:
    """Inspections completed in the week by local weekday (0 = Monday) x hour of their start.
    Always the full 7 x 24 grid; columns weekday, hour, inspections."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    tz = {p.id: p.timezone for p in ports}
    grid = {(d, h): 0 for d in range(7) for h in range(24)}
    stmt = select(Inspection.port_id, Inspection.started_at).where(
        Inspection.started_at.is_not(None), in_week(Inspection.port_id, Inspection.completed_at, ports, week)
    )
    with connection(db) as conn:
        for port_id, started_at in conn.execute(stmt):
            grid[stats.heat_cell(started_at, tz[port_id])] += 1
    return pd.DataFrame([{"weekday": d, "hour": h, "inspections": n} for (d, h), n in sorted(grid.items())])


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
        return WeekReview(
            week=week,
            ports=ports,
            kpis=kpi_cards(conn, port_ids, week, **scoped),
            trend=weekly_trend(conn, port_ids, week, trend_weeks, **scoped),
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
