"""Alerts: the groups (kind, port, enterprise) with their counts, the filtered list, one alert with
its history, open counts for the sidebar badge, and the new high alerts the toast announces.
Scope is applied in SQL (None = every port)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime
from itertools import islice

import pandas as pd
from sqlalchemy import ColumnElement, String, and_, case, cast, func, or_, select, true
from sqlalchemy.orm import aliased

from portsight.db.alert_store import ALERT_STATES, UNRESOLVED
from portsight.db.models import Alert, AuditEntry, Enterprise, Port, User
from portsight.db.session import Database
from portsight.db.sql import connection, frame, in_scope, port_in_scope, records, utc_columns
from portsight.db.staff import works_at
from portsight.domain.access import AccessDenied
from portsight.domain.rulebook import SEVERITIES_HIGH_FIRST
from portsight.errors import NotFound

# A group of alerts on the page: (kind, port id, enterprise id); None where the alert has none.
AlertGroup = tuple[str, int | None, int | None]
MAX_SEARCH = 100


def _newest_first(row) -> tuple:
    return row.last_raised_at, row.id


def _is(column, value: int | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == int(value)


def _filters(
    *,
    kinds: Iterable[str] | None,
    enterprise_id: int | None,
    group: AlertGroup | None,
    search: str | None,
) -> list[ColumnElement[bool]]:
    """The WHERE clauses the list and the groups share (beside scope, state and severity).

    search matches an alert's number, or a piece of its stored title or title parameters
    (container, seal and declaration numbers, codes, the English text) regardless of case."""
    where: list[ColumnElement[bool]] = []
    if kinds:
        where.append(Alert.kind.in_(list(kinds)))
    if enterprise_id is not None:
        where.append(Alert.enterprise_id == int(enterprise_id))
    if group is not None:
        kind, port_id, group_enterprise = group
        where.append(and_(Alert.kind == kind, _is(Alert.port_id, port_id), _is(Alert.enterprise_id, group_enterprise)))
    text = (search or "").strip()[:MAX_SEARCH]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches: list[ColumnElement[bool]] = [
            Alert.title.ilike(pattern, escape="\\"),
            cast(Alert.title_params, String).ilike(pattern, escape="\\"),
        ]
        number = text.lstrip("#")
        if number.isdigit() and len(number) <= 18:
            matches.append(Alert.id == int(number))
        where.append(or_(*matches))
    return where


def list_alerts(
    db: Database,
    port_ids: Iterable[int] | None,
    *,
    states: Iterable[str] = UNRESOLVED,
    severities: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    assigned_to_id: int | None = None,
    enterprise_id: int | None = None,
    group: AlertGroup | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> pd.DataFrame:
    """Alerts, most severe then most recently raised first (the id breaks ties).

    kinds, enterprise_id, group (kind, port, enterprise: exactly one group of alert_groups) and
    search narrow the list (see _filters). The enterprise comes as its id: its name is in the
    groups the page reads beside the list (no join per listed alert).

    Severities are read in rank order until offset + limit rows are in hand; within one, each
    state is a range of ix_alerts_state_severity_last_raised read newest first and the states
    are merged here. An ORDER BY on the severity's rank sorted every matching alert, and with
    several states in one query SQLite may walk every alert by time. raise_alert admits only
    the catalogue's SEVERITIES.
    """
    assignee = aliased(User)
    stmt = (
        select(
            Alert.id,
            Alert.severity,
            Alert.state,
            Alert.kind,
            Alert.title,
            Alert.title_key,
            Alert.title_params,
            Alert.count,
            Port.code.label("port"),
            Alert.enterprise_id,
            Alert.first_raised_at,
            Alert.last_raised_at,
            assignee.username.label("assigned_to"),
            Alert.inspection_id,
            Alert.declaration_id,
            Alert.rule_id,
            Alert.comment,
            Alert.detail,
        )
        .outerjoin(Port, Port.id == Alert.port_id)
        .outerjoin(assignee, assignee.id == Alert.assigned_to_id)
        .where(in_scope(Alert.port_id, port_ids))
        .where(*_filters(kinds=kinds, enterprise_id=enterprise_id, group=group, search=search))
        .order_by(Alert.last_raised_at.desc(), Alert.id.desc())
    )
    if assigned_to_id is not None:
        stmt = stmt.where(Alert.assigned_to_id == int(assigned_to_id))
    in_state = [Alert.state == state for state in dict.fromkeys(states or ())] or [true()]
    wanted = set(severities or SEVERITIES_HIGH_FIRST)
    end = offset + limit
    rows: list = []
    with connection(db) as conn:
        for severity in (s for s in SEVERITIES_HIGH_FIRST if s in wanted):
            need = end - len(rows)
            if need <= 0:
                break
            ranges = [conn.execute(stmt.where(Alert.severity == severity, c).limit(need)).all() for c in in_state]
            rows += islice(heapq.merge(*ranges, key=_newest_first, reverse=True), need)
    columns = list(stmt.selected_columns.keys())
    return utc_columns(pd.DataFrame(rows[offset:end], columns=columns), "first_raised_at", "last_raised_at")


def alert_groups(
    db: Database,
    port_ids: Iterable[int] | None,
    *,
    states: Iterable[str] = UNRESOLVED,
    severities: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    enterprise_id: int | None = None,
    search: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Alerts grouped by kind, port and enterprise, with how many are in each state (columns
    pending, open, acknowledged, resolved, total), largest group first.

    Counted in the database; the port's and the enterprise's names come with each group. The
    states (default: unresolved) are ranges of ix_alerts_state_port, so resolved history is not read
    for the default view.
    """
    wanted = list(dict.fromkeys(states or ALERT_STATES))
    counts = [func.sum(case((Alert.state == s, 1), else_=0)).label(s) for s in ALERT_STATES]
    grouped = (
        select(Alert.kind, Alert.port_id, Alert.enterprise_id, *counts, func.count().label("total"))
        .where(Alert.state.in_(wanted), in_scope(Alert.port_id, port_ids))
        .where(*_filters(kinds=kinds, enterprise_id=enterprise_id, group=None, search=search))
        .group_by(Alert.kind, Alert.port_id, Alert.enterprise_id)
    )
    if severities:
        grouped = grouped.where(Alert.severity.in_(list(severities)))
    g = grouped.subquery()
    stmt = (
        select(
            g,
            Port.code.label("port"),
            Port.name_en.label("port_en"),
            Port.name_zh.label("port_zh"),
            Enterprise.name.label("enterprise"),
            Enterprise.name_en.label("enterprise_en"),
        )
        .outerjoin(Port, Port.id == g.c.port_id)
        .outerjoin(Enterprise, Enterprise.id == g.c.enterprise_id)
        .order_by(g.c.total.desc(), g.c.kind, Port.code, g.c.enterprise_id)
        .limit(limit)
    )
    df = frame(db, stmt)
    for state in (*ALERT_STATES, "total"):
        df[state] = df[state].fillna(0).astype(int)
    # Ids stay ints and a missing port or enterprise stays None (not a float NaN): they name the group.
    for column in ("port_id", "enterprise_id"):
        df[column] = pd.Series([None if pd.isna(v) else int(v) for v in df[column]], index=df.index, dtype=object)
    for column in ("port", "port_en", "port_zh", "enterprise", "enterprise_en"):
        df[column] = df[column].astype(object).where(df[column].notna(), None)
    return df


def open_alert_counts(db: Database, port_ids: Iterable[int] | None) -> dict[str, int]:
    """Unresolved alerts by severity plus 'total': what the sidebar badge shows."""
    stmt = (
        select(Alert.severity, func.count())
        .where(Alert.state.in_(UNRESOLVED), in_scope(Alert.port_id, port_ids))
        .group_by(Alert.severity)
    )
    counts = dict.fromkeys(SEVERITIES_HIGH_FIRST, 0)
    with connection(db) as conn:
        for severity, n in conn.execute(stmt):
            counts[severity] = counts.get(severity, 0) + int(n)
    counts["total"] = sum(counts[s] for s in counts)
    return counts


def alert_detail(db: Database, port_ids: Iterable[int] | None, alert_id: int) -> dict:
    """One alert with who acknowledged / resolved it and its audit history (oldest first)."""
    ack, res, assignee = aliased(User), aliased(User), aliased(User)
    stmt = (
        select(
            Alert.__table__,
            Port.code.label("port"),
            ack.username.label("acknowledged_by"),
            res.username.label("resolved_by"),
            assignee.username.label("assigned_to"),
        )
        .outerjoin(Port, Port.id == Alert.port_id)
        .outerjoin(ack, ack.id == Alert.acknowledged_by_id)
        .outerjoin(res, res.id == Alert.resolved_by_id)
        .outerjoin(assignee, assignee.id == Alert.assigned_to_id)
        .where(Alert.id == int(alert_id))
    )
    with connection(db) as conn:
        row = conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(
                f"Alert {alert_id} does not exist; refresh the list.",
                key="errors.alert_not_found",
                params={"id": alert_id},
            )
        if not port_in_scope(row["port_id"], port_ids):
            raise AccessDenied("This alert belongs to a port outside your scope.", key="errors.alert_outside_scope")
        history = records(
            conn,
            select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.before,
                AuditEntry.after,
            )
            .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert_id))
            .order_by(AuditEntry.id),
        )
    return {**dict(row), "history": history}


def high_alerts_raised_since(db: Database, port_ids: Iterable[int] | None, since: datetime) -> pd.DataFrame:
    """Open high alerts raised (first time or again) after `since`: what the toast announces."""
    stmt = (
        select(
            Alert.id,
            Alert.title,
            Alert.title_key,
            Alert.title_params,
            Alert.kind,
            Port.code.label("port"),
            Alert.count,
            Alert.last_raised_at,
        )
        .outerjoin(Port, Port.id == Alert.port_id)
        .where(Alert.severity == "high", Alert.state == "open", Alert.last_raised_at > since)
        .where(in_scope(Alert.port_id, port_ids))
        .order_by(Alert.last_raised_at.desc())
        .limit(20)
    )
    return utc_columns(frame(db, stmt), "last_raised_at")


def alert_assignees(db: Database, port_id: int | None) -> list[dict]:
    """Active supervisors and administrators who cover the port: [{'id', 'username', 'display_name'}]."""
    covers = User.all_ports.is_(True) if port_id is None else works_at(int(port_id))
    stmt = (
        select(User.id, User.username, User.display_name)
        .where(User.active.is_(True), User.role.in_(["supervisor", "admin"]), covers)
        .order_by(User.username)
    )
    return records(db, stmt)
