"""Breakdowns of one week of the statistics review: by port, HS chapter or section, credit tier,
origin, inspector, and the weekday x hour heat map.

Volumes and rates come from the daily rollups (portsight.db.rollups) at the coarsest grain that
answers: (day, port) for ports, (day, port, origin) for origins, (day, port, chapter, tier) once
per review for chapters, sections and tiers (chapter_tier_week). Inspectors and hours are
aggregated in SQL from one week of inspections read through time indexes.

Breakdowns are built as plain records and turned into a DataFrame once: at the size of a week's
breakdown (tens of rows) pandas column operations cost more than the query itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import case, func, select

from portsight import reference
from portsight.catalogue import default_credit_calendar, selection_policy
from portsight.db.models import DailyOriginRollup, DailyPortRollup, DailyRollup, Inspection, InspectorAssignment, User
from portsight.db.rollups import ORIGIN_COUNTS, has_finding, minutes_between
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain import stats
from portsight.domain.stats import IsoWeek
from portsight.queries.weeks import (
    ROLLUP_SUMS,
    PortInfo,
    in_week,
    rollup_days,
    rollup_sums,
    scope_ports,
    sum_type,
    typed_sum,
)

TIER_ORDER = ("advanced_certified", "general_certified", "general", "dishonest")
# Each rate of a breakdown: (rate, numerator, denominator), named as the rollup sums are.
RATES = (
    ("inspection_rate", "inspected", "declarations"),
    ("detection_rate", "non_conforming", "inspections"),
    ("release_mean_min", "release_minutes_sum", "released"),
)


def _rates(rec: dict) -> dict:
    for rate, num, den in RATES:
        if num in rec:
            rec[rate] = stats.ratio(rec[num], rec[den])
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
        select(column.label("key"), *rollup_sums(table, names))
        .where(rollup_days(ports, week.monday, week.sunday, table))
        .group_by(column)
        .order_by(column)
    )
    with connection(db) as conn:
        return [
            _rates({"key": row[0], **{n: typed_sum(n, v) for n, v in zip(names, row[1:], strict=True)}})
            for row in conn.execute(stmt)
        ]


def chapter_tier_week(db: Database, ports: list[PortInfo], week: IsoWeek) -> list[dict]:
    """The week's (chapter, tier) sums: one read of daily_rollups for the chapter, section and
    tier breakdowns of a review (records with hs_chapter, credit_tier and ROLLUP_SUMS)."""
    stmt = (
        select(DailyRollup.hs_chapter, DailyRollup.credit_tier, *rollup_sums())
        .where(rollup_days(ports, week.monday, week.sunday))
        .group_by(DailyRollup.hs_chapter, DailyRollup.credit_tier)
    )
    with connection(db) as conn:
        return [
            {
                "hs_chapter": r[0],
                "credit_tier": r[1],
                **{n: typed_sum(n, v) for n, v in zip(ROLLUP_SUMS, r[2:], strict=True)},
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
            df[name] = df[name].astype(sum_type(name))
    for rate, num, den in RATES:
        if num in df:
            df[rate] = [stats.ratio(a, b) for a, b in zip(df[num], df[den], strict=True)] if len(df) else []
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
            df[name] = df[name].astype(sum_type(name))
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
    inspected, realised_rate, target_rate, gap (points), inspections, non_conforming, detection_rate.

    Targets are those in force on the week's Sunday (portsight.catalogue.selection_policy, the same
    the selection page shows), unless `targets` overrides some; a stored credit code is compared with
    the target of the tier it stands for under the measures in force."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    policy = selection_policy(week.sunday)
    targets = {**policy.targets, **(targets or {})}
    calendar = default_credit_calendar()
    if detail is None:
        records = _rollup_records(db, ports, week, DailyRollup.credit_tier)
    else:
        records = _regroup(detail, lambda r: r["credit_tier"])
    order = {t: i for i, t in enumerate(TIER_ORDER)}
    records.sort(key=lambda r: (order.get(r["key"], 99), r["key"]))
    for r in records:
        r["tier"] = r["key"]
        r["realised_rate"] = r["inspection_rate"]
        r["target_rate"] = targets.get(r["key"], targets.get(calendar.tier_of(r["key"], week.sunday)))
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
    records = _rollup_records(db, ports, week, t.origin_country, t, ORIGIN_COUNTS)
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
            assert started_at is not None  # the query keeps started inspections only
            grid[stats.heat_cell(started_at, tz[port_id])] += 1
    return pd.DataFrame([{"weekday": d, "hour": h, "inspections": n} for (d, h), n in sorted(grid.items())])


__all__ = [
    "TIER_ORDER",
    "chapter_tier_week",
    "credit_tier_breakdown",
    "heatmap",
    "hs_breakdown",
    "inspector_breakdown",
    "origin_breakdown",
    "port_breakdown",
]
