"""Enterprises under review: the weekly ranking of who had non-conformities, and one enterprise's record.

The ranking (enterprise_breakdown) reads one week of source rows through the time indexes the
other breakdowns use (declarations by port and time, inspections by completion, transitions into
"held"), plus the findings of the repeat window before the week; nothing scans the history. Its
volumes agree with the rollups: the cohort of declarations declared in the week, inspections
completed in it, holds made in it.

A repeat finding is a finding whose rule was already found at the same enterprise in another
inspection completed within the repeated-non-conformity window before it (the alert threshold
"repeat_window_days" in force at the week's end, as portsight.domain.repeats counts).

The enterprise's record (enterprise_record and the readers after it) is cut to the reader's
ports: an enterprise with no declaration there reads as unknown, so an id says nothing about
enterprises outside the scope.

port_ids: the ports the reader may see (a collection of ids, or None for every port).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, case, exists, false, func, or_, select

from portsight.catalogue import default_credit_calendar, selection_policy
from portsight.clock import LOCAL_TZ, as_utc
from portsight.db.alert_parameters import values_in_force
from portsight.db.models import (
    Alert,
    Declaration,
    Enterprise,
    EnterpriseCreditHistory,
    Finding,
    Inspection,
    InspectionTransition,
    Port,
    RiskProfile,
    RiskProfileHit,
)
from portsight.db.rollups import has_finding
from portsight.db.session import Database
from portsight.db.sql import connection, in_scope
from portsight.domain import stats
from portsight.domain.credit import CreditChange, tier_on_timeline
from portsight.domain.stats import IsoWeek
from portsight.queries.weeks import PortInfo, in_week, scope_ports

History = EnterpriseCreditHistory
HELD = "held"
OPEN_ALERT_STATES = ("open", "acknowledged")

RANKING_COLUMNS = [
    "enterprise_id",
    "name",
    "name_en",
    "credit_tier",
    "declarations",
    "inspected",
    "inspection_rate",
    "target_rate",
    "gap",
    "inspections",
    "non_conforming",
    "detection_rate",
    "findings",
    "repeat_findings",
    "holds",
]


def _since(port_col, time_col, ports: list[PortInfo], week: IsoWeek, days: int):
    """WHERE clause: time_col from `days` before the week's start to its end, in each port's zone."""
    clauses = []
    for tz in sorted({p.timezone for p in ports}):
        start, end = week.bounds(tz)
        ids = [p.id for p in ports if p.timezone == tz]
        clauses.append(and_(port_col.in_(ids), time_col >= start - timedelta(days=days), time_col < end))
    return or_(*clauses) if clauses else false()


def _repeat_counts(conn, ports: list[PortInfo], week: IsoWeek, window_days: int) -> dict[int, dict[str, int]]:
    """Per enterprise: findings of inspections completed in the week, and how many of them repeat a
    rule found at the enterprise in another inspection within window_days before."""
    stmt = (
        select(Declaration.enterprise_id, Finding.rule_id, Inspection.id, Inspection.completed_at, Inspection.port_id)
        .select_from(Inspection)
        .join(Finding, Finding.inspection_id == Inspection.id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(_since(Inspection.port_id, Inspection.completed_at, ports, week, window_days))
        .order_by(Inspection.completed_at, Inspection.id)
    )
    bounds = {p.id: week.bounds(p.timezone) for p in ports}
    seen: dict[tuple[int, str], list[tuple[datetime, int]]] = defaultdict(list)
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"findings": 0, "repeat_findings": 0})
    window = timedelta(days=window_days)
    for enterprise_id, rule_id, inspection_id, completed_at, port_id in conn.execute(stmt):
        at = as_utc(completed_at)
        start, end = bounds[port_id]
        if start <= at < end:
            out[enterprise_id]["findings"] += 1
            earlier = seen.get((enterprise_id, rule_id), []) if rule_id else []
            if any(other != inspection_id and at - when <= window for when, other in earlier):
                out[enterprise_id]["repeat_findings"] += 1
        if rule_id:
            seen[(enterprise_id, rule_id)].append((at, inspection_id))
    return out


def enterprise_breakdown(
    db: Database,
    port_ids: Iterable[int] | None,
    week: IsoWeek,
    *,
    ports: list[PortInfo] | None = None,
    limit: int | None = 20,
) -> pd.DataFrame:
    """The week's enterprises ranked by non-conforming inspections, then repeat findings, holds and
    declarations (most first). Inspection rate (cohort of the week's declarations) against the
    target of the enterprise's tier in force on the week's Sunday (its dated credit changes).
    Columns RANKING_COLUMNS, attrs["repeat_window_days"]; enterprises with nothing in the week are
    left out; limit: the first so many (None: all)."""
    ports = scope_ports(db, port_ids) if ports is None else ports
    with connection(db) as conn:
        window_days = values_in_force(conn, week.bounds(LOCAL_TZ)[1])["repeat_window_days"]
        if not ports:
            return _ranking([], window_days)
        acc: dict[int, dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(("declarations", "inspected", "inspections", "non_conforming", "holds"), 0)
        )
        inspected = case((exists().where(Inspection.declaration_id == Declaration.id), 1), else_=0)
        cohort = (
            select(Declaration.enterprise_id, func.count(Declaration.id), func.sum(inspected))
            .where(in_week(Declaration.port_id, Declaration.declared_at, ports, week))
            .group_by(Declaration.enterprise_id)
        )
        for enterprise_id, n, k in conn.execute(cohort):
            acc[enterprise_id]["declarations"] += int(n or 0)
            acc[enterprise_id]["inspected"] += int(k or 0)
        completed = (
            select(Declaration.enterprise_id, func.count(Inspection.id), func.sum(case((has_finding(), 1), else_=0)))
            .select_from(Inspection)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(in_week(Inspection.port_id, Inspection.completed_at, ports, week))
            .group_by(Declaration.enterprise_id)
        )
        for enterprise_id, n, k in conn.execute(completed):
            acc[enterprise_id]["inspections"] += int(n or 0)
            acc[enterprise_id]["non_conforming"] += int(k or 0)
        holds = (
            select(Declaration.enterprise_id, func.count(InspectionTransition.id))
            .select_from(InspectionTransition)
            .join(Inspection, Inspection.id == InspectionTransition.inspection_id)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(InspectionTransition.to_state == HELD)
            .where(in_week(Inspection.port_id, InspectionTransition.at, ports, week))
            .group_by(Declaration.enterprise_id)
        )
        for enterprise_id, n in conn.execute(holds):
            acc[enterprise_id]["holds"] += int(n or 0)
        repeats = _repeat_counts(conn, ports, week, window_days)
        ids = set(acc) | set(repeats)
        ranked = sorted(
            ids,
            key=lambda e: (
                -acc[e]["non_conforming"],
                -repeats[e]["repeat_findings"],
                -acc[e]["holds"],
                -acc[e]["declarations"],
                e,
            ),
        )
        if limit is not None:
            ranked = ranked[:limit]
        names = {
            row.id: row
            for row in conn.execute(
                select(Enterprise.id, Enterprise.name, Enterprise.name_en, Enterprise.credit_tier).where(
                    Enterprise.id.in_(ranked)
                )
            )
        }
        # the tier in force on the week's Sunday (portsight.db.credit_history's rule), one read for the rows shown
        changes: dict[int, list[CreditChange]] = defaultdict(list)
        history = (
            select(History.enterprise_id, History.valid_from, History.credit_tier, History.id)
            .where(History.enterprise_id.in_(ranked), History.valid_from <= week.sunday)
            .order_by(History.id)
        )
        for enterprise_id, valid_from, tier, recorded in conn.execute(history):
            changes[enterprise_id].append(CreditChange(valid_from, tier, recorded))
        tiers = {e: tier_on_timeline(changes[e], week.sunday, names[e].credit_tier) for e in ranked}
    policy = selection_policy(week.sunday)
    calendar = default_credit_calendar()
    records = []
    for enterprise_id in ranked:
        counts = acc[enterprise_id]
        tier = tiers[enterprise_id]
        target = policy.targets.get(tier, policy.targets.get(calendar.tier_of(tier, week.sunday)))
        rate = stats.ratio(counts["inspected"], counts["declarations"])
        records.append(
            {
                "enterprise_id": enterprise_id,
                "name": names[enterprise_id].name,
                "name_en": names[enterprise_id].name_en,
                "credit_tier": tier,
                **counts,
                "inspection_rate": rate,
                "target_rate": target,
                "gap": stats.point_change(rate, target),
                "detection_rate": stats.ratio(counts["non_conforming"], counts["inspections"]),
                **repeats.get(enterprise_id, {"findings": 0, "repeat_findings": 0}),
            }
        )
    return _ranking(records, window_days)


def _ranking(records: list[dict], window_days: int) -> pd.DataFrame:
    """The ranking's frame; attrs["repeat_window_days"]: the window its repeats were counted over."""
    df = pd.DataFrame.from_records(records, columns=RANKING_COLUMNS)
    df.attrs["repeat_window_days"] = window_days
    return df


# ------------------------------------------------------------------ one enterprise's record


@dataclass(frozen=True)
class EnterpriseInfo:
    id: int
    uscc: str
    name: str
    name_en: str | None
    credit_tier: str
    under_investigation: bool
    declarations: int  # in the reader's scope
    first_declared_at: datetime | None
    last_declared_at: datetime | None


def enterprise_record(db: Database, enterprise_id: int, port_ids: Iterable[int] | None) -> EnterpriseInfo | None:
    """The enterprise and its declarations in the scope; None when it is unknown or has none there."""
    mine = and_(Declaration.enterprise_id == enterprise_id, in_scope(Declaration.port_id, port_ids))
    stmt = select(
        Enterprise.id,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.name_en,
        Enterprise.credit_tier,
        Enterprise.under_investigation,
        select(func.count(Declaration.id)).where(mine).scalar_subquery(),
        select(func.min(Declaration.declared_at)).where(mine).scalar_subquery(),
        select(func.max(Declaration.declared_at)).where(mine).scalar_subquery(),
    ).where(Enterprise.id == enterprise_id)
    with connection(db) as conn:
        row = conn.execute(stmt).first()
    if row is None or (port_ids is not None and not row[6]):
        return None
    first, last = row[7], row[8]
    return EnterpriseInfo(
        id=row.id,
        uscc=row.uscc,
        name=row.name,
        name_en=row.name_en,
        credit_tier=row.credit_tier,
        under_investigation=bool(row.under_investigation),
        declarations=int(row[6] or 0),
        first_declared_at=None if first is None else as_utc(first),
        last_declared_at=None if last is None else as_utc(last),
    )


def _month(dialect: str, column):
    """SQL: the China-time month ("2026-03") of a timestamp column (China keeps UTC+8 all year)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(LOCAL_TZ, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+480 minutes")


def monthly_history(db: Database, enterprise_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Per China-time month (oldest first): declarations, inspected (cohort), inspections completed,
    non-conforming among them. Columns month, declarations, inspected, inspections, non_conforming."""
    scope = in_scope(Declaration.port_id, port_ids)
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("declarations", "inspected", "inspections", "non_conforming"), 0)
    )
    with connection(db) as conn:
        dialect = conn.dialect.name
        month = _month(dialect, Declaration.declared_at).label("month")
        inspected = case((exists().where(Inspection.declaration_id == Declaration.id), 1), else_=0)
        stmt = (
            select(month, func.count(Declaration.id), func.sum(inspected))
            .where(Declaration.enterprise_id == enterprise_id, scope)
            .group_by(month)
        )
        for m, n, k in conn.execute(stmt):
            counts[m]["declarations"] += int(n or 0)
            counts[m]["inspected"] += int(k or 0)
        month = _month(dialect, Inspection.completed_at).label("month")
        stmt = (
            select(month, func.count(Inspection.id), func.sum(case((has_finding(), 1), else_=0)))
            .select_from(Inspection)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(Declaration.enterprise_id == enterprise_id, scope, Inspection.completed_at.is_not(None))
            .group_by(month)
        )
        for m, n, k in conn.execute(stmt):
            counts[m]["inspections"] += int(n or 0)
            counts[m]["non_conforming"] += int(k or 0)
    cols = ["month", "declarations", "inspected", "inspections", "non_conforming"]
    return pd.DataFrame.from_records([{"month": m, **counts[m]} for m in sorted(counts)], columns=cols)


def recent_inspections(
    db: Database, enterprise_id: int, port_ids: Iterable[int] | None, limit: int = 20
) -> pd.DataFrame:
    """The enterprise's latest inspections (newest first). Columns inspection_id, declaration,
    port, state, decision, created_at, completed_at, findings."""
    findings = (
        select(func.count(Finding.id)).where(Finding.inspection_id == Inspection.id).scalar_subquery().label("findings")
    )
    stmt = (
        select(
            Inspection.id.label("inspection_id"),
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            Inspection.state,
            Inspection.decision,
            Inspection.created_at,
            Inspection.completed_at,
            findings,
        )
        .select_from(Inspection)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .where(Declaration.enterprise_id == enterprise_id, in_scope(Inspection.port_id, port_ids))
        .order_by(Inspection.created_at.desc(), Inspection.id.desc())
        .limit(limit)
    )
    cols = ["inspection_id", "declaration", "port", "state", "decision", "created_at", "completed_at", "findings"]
    with connection(db) as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=cols)


def findings_by_rule(db: Database, enterprise_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """The enterprise's findings per rule (most inspections first): rule_id (None: no rule),
    findings, inspections, first_at, last_at, repeated (found in more than one inspection)."""
    stmt = (
        select(
            Finding.rule_id,
            func.count(Finding.id),
            func.count(func.distinct(Finding.inspection_id)),
            func.min(Finding.created_at),
            func.max(Finding.created_at),
        )
        .select_from(Finding)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(Declaration.enterprise_id == enterprise_id, in_scope(Inspection.port_id, port_ids))
        .group_by(Finding.rule_id)
    )
    with connection(db) as conn:
        found = sorted(conn.execute(stmt).all(), key=lambda r: (-int(r[2]), -int(r[1]), r[0] or ""))
    rows = [
        {
            "rule_id": rule_id,
            "findings": int(n),
            "inspections": int(k),
            "first_at": as_utc(first),
            "last_at": as_utc(last),
            "repeated": int(k) > 1,
        }
        for rule_id, n, k, first, last in found
    ]
    cols = ["rule_id", "findings", "inspections", "first_at", "last_at", "repeated"]
    return pd.DataFrame.from_records(rows, columns=cols)


def risk_profiles_hitting(db: Database, enterprise_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Risk profiles aimed at the enterprise or that matched its declarations in the scope.
    Columns profile_id, name, action, rate, active, starts_at, expires_at, hits, fired, last_hit_at."""
    hits = (
        select(
            RiskProfileHit.profile_id.label("profile_id"),
            func.count(RiskProfileHit.id).label("hits"),
            func.sum(case((RiskProfileHit.fired, 1), else_=0)).label("fired"),
            func.max(RiskProfileHit.hit_at).label("last_hit_at"),
        )
        .join(Declaration, Declaration.id == RiskProfileHit.declaration_id)
        .where(Declaration.enterprise_id == enterprise_id, in_scope(Declaration.port_id, port_ids))
        .group_by(RiskProfileHit.profile_id)
        .subquery()
    )
    aimed = RiskProfile.enterprise_id == enterprise_id
    if port_ids is not None:
        aimed = and_(aimed, or_(RiskProfile.port_id.is_(None), RiskProfile.port_id.in_(sorted(port_ids))))
    stmt = (
        select(
            RiskProfile.id,
            RiskProfile.name,
            RiskProfile.action,
            RiskProfile.rate,
            RiskProfile.active,
            RiskProfile.starts_at,
            RiskProfile.expires_at,
            func.coalesce(hits.c.hits, 0),
            func.coalesce(hits.c.fired, 0),
            hits.c.last_hit_at,
        )
        .outerjoin(hits, hits.c.profile_id == RiskProfile.id)
        .where(or_(aimed, hits.c.profile_id.is_not(None)))
        .order_by(RiskProfile.starts_at.desc(), RiskProfile.id.desc())
    )
    cols = ["profile_id", "name", "action", "rate", "active", "starts_at", "expires_at", "hits", "fired", "last_hit_at"]
    with connection(db) as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=cols)


def open_alerts(db: Database, enterprise_id: int, port_ids: Iterable[int] | None) -> pd.DataFrame:
    """Alerts not resolved about the enterprise or one of its declarations, in the scope (latest first).
    Columns alert_id, kind, severity, state, port_id, title, title_key, title_params, count, last_raised_at."""
    of_declaration = Alert.declaration_id.in_(select(Declaration.id).where(Declaration.enterprise_id == enterprise_id))
    stmt = (
        select(
            Alert.id,
            Alert.kind,
            Alert.severity,
            Alert.state,
            Alert.port_id,
            Alert.title,
            Alert.title_key,
            Alert.title_params,
            Alert.count,
            Alert.last_raised_at,
        )
        .where(Alert.state.in_(OPEN_ALERT_STATES), or_(Alert.enterprise_id == enterprise_id, of_declaration))
        .where(in_scope(Alert.port_id, port_ids))
        .order_by(Alert.last_raised_at.desc(), Alert.id.desc())
    )
    cols = ["alert_id", "kind", "severity", "state", "port_id", "title", "title_key", "title_params", "count"]
    with connection(db) as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=[*cols, "last_raised_at"])


__all__ = [
    "RANKING_COLUMNS",
    "EnterpriseInfo",
    "enterprise_breakdown",
    "enterprise_record",
    "findings_by_rule",
    "monthly_history",
    "open_alerts",
    "recent_inspections",
    "risk_profiles_hitting",
]
