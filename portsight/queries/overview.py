"""The live overview's read side: a handful of grouped queries, each answered from an index.

`overview(db, scope, now, overdue_minutes)` returns the whole board (KPIs for today, the per-
port table, open alerts by severity, the latest events). `latest_event_id(db, scope)` is the
cheap question the live panel asks every period: "anything newer than event N?" — the board
is only recomputed when the answer changes (or the minute turns, for the overdue count).

"Today" is the local calendar day (Asia/Shanghai). A port scope is a frozenset of port ids, or
None for every port.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import case, func, select

from portsight.clock import as_utc, utcnow
from portsight.db.alert_store import UNRESOLVED
from portsight.db.models import Alert, AuditEntry, Declaration, Inspection, Port, User
from portsight.db.overdue import opened_too_long_ago, overdue_cutoff
from portsight.db.session import Database
from portsight.db.sql import connection, day_bounds, in_scope
from portsight.domain.inspection import ACTIVE_STATES, AWAITING_RESULT_STATES, OPEN_STATES, InspectionState
from portsight.domain.rulebook import SEVERITIES_HIGH_FIRST
from portsight.domain.stats import percentile

WAITING_STATES = (InspectionState.PENDING.value, InspectionState.ASSIGNED.value)

# Where today's inspections stand, per port and in total: the board's table, cards and pipeline.
PIPELINE_COUNTS = (
    "waiting",
    "under_inspection",
    "completed",
    "awaiting_results",
    "released",
    "held",
    "overdue",
)
PORT_COLUMNS = [
    "port_id",
    "port",
    "name_en",
    "name_zh",
    "kind",
    "lat",
    "lon",
    "declarations",
    "inspected_today",
    *PIPELINE_COUNTS,
    *(f"alerts_{s}" for s in SEVERITIES_HIGH_FIRST),
]
COUNT_COLUMNS = PORT_COLUMNS[7:]
KPI_KEYS = (
    "declarations",
    *PIPELINE_COUNTS,
    "inspected_today",
    "inspection_rate",
    "release_p50_minutes",
    "release_p90_minutes",
)


@dataclass
class Overview:
    kpis: dict[str, float | int | None]
    ports: pd.DataFrame
    alerts_by_severity: dict[str, int]
    events: pd.DataFrame
    latest_event_id: int
    at: datetime
    release_minutes: list[float] = field(default_factory=list)


def latest_event_id(db: Database, port_ids: Iterable[int] | None) -> int:
    """Id of the newest port event (audit entry with a port) in the scope; 0 when none."""
    stmt = select(func.max(AuditEntry.id)).where(
        AuditEntry.port_id.is_not(None), in_scope(AuditEntry.port_id, port_ids)
    )
    with connection(db) as conn:
        return int(conn.scalar(stmt) or 0)


def change_token(db: Database, port_ids: Iterable[int] | None) -> tuple[int, str]:
    """What the live panel compares between refreshes: (newest port event id, newest alert raise).

    Every write through a service leaves an audit entry; alerts raised again only move their
    last_raised_at, so both are asked, in two index-backed one-row queries.
    """
    with connection(db) as conn:
        last_raise = conn.scalar(select(func.max(Alert.last_raised_at)).where(in_scope(Alert.port_id, port_ids)))
        return latest_event_id(conn, port_ids), "" if last_raise is None else as_utc(last_raise).isoformat()


FEED_COLUMNS = [
    "id",
    "at",
    "actor",
    "actor_name",
    "action",
    "entity",
    "entity_id",
    "port",
    "port_zh",
    "port_en",
    "after",
    "simulated",
]


def latest_events(db: Database, port_ids: Iterable[int] | None, limit: int = 15, after_id: int = 0) -> pd.DataFrame:
    """The activity feed: newest port events first. Columns FEED_COLUMNS: actor is the username
    recorded, actor_name the person's display name (None for the system), simulated marks what
    the demo simulator did."""
    stmt = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            User.display_name,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            Port.code,
            Port.name_zh,
            Port.name_en,
            AuditEntry.after,
            AuditEntry.simulated,
        )
        .join(Port, Port.id == AuditEntry.port_id)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.port_id.is_not(None), in_scope(AuditEntry.port_id, port_ids), AuditEntry.id > after_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    with connection(db) as conn:
        rows = [(*r[:1], as_utc(r[1]), *r[2:]) for r in conn.execute(stmt)]
    return pd.DataFrame(rows, columns=FEED_COLUMNS)


def release_minutes_today(db: Database, port_ids: Iterable[int] | None, now: datetime) -> list[float]:
    """Minutes from declaration to release for each inspection released today, sorted."""
    start, end = day_bounds(now)
    stmt = (
        select(Declaration.declared_at, Inspection.decided_at)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(
            Inspection.decided_at >= start,
            Inspection.decided_at < end,
            Inspection.state == InspectionState.RELEASED.value,
            in_scope(Inspection.port_id, port_ids),
        )
    )
    with connection(db) as conn:
        # every row has a decided_at (the query filters on it); the check only narrows its type
        minutes = [(as_utc(b) - as_utc(a)).total_seconds() / 60 for a, b in conn.execute(stmt) if b is not None]
    return sorted(minutes)


def port_table(db: Database, port_ids: Iterable[int] | None, now: datetime, overdue_minutes: int) -> pd.DataFrame:
    """One row per port in scope with today's counts (columns PORT_COLUMNS), ordered by port code."""
    start, end = day_bounds(now)
    cutoff = overdue_cutoff(now, overdue_minutes)
    with connection(db) as conn:
        ports = conn.execute(
            select(Port.id, Port.code, Port.name_en, Port.name_zh, Port.kind, Port.lat, Port.lon)
            .where(in_scope(Port.id, port_ids))
            .order_by(Port.code)
        ).all()
        counts: dict[int, dict[str, int]] = {p.id: dict.fromkeys(COUNT_COLUMNS, 0) for p in ports}

        def add(port_id: int | None, key: str, value) -> None:  # None: an alert of no port
            if port_id in counts:
                counts[port_id][key] += int(value or 0)

        # Declarations made and inspections opened today: a count per port over an index range.
        for key, port_col, time_col in (
            ("declarations", Declaration.port_id, Declaration.declared_at),
            ("inspected_today", Inspection.port_id, Inspection.created_at),
        ):
            for port_id, n in conn.execute(
                select(port_col, func.count())
                .where(time_col >= start, time_col < end, in_scope(port_col, port_ids))
                .group_by(port_col)
            ):
                add(port_id, key, n)

        for port_id, state, n, overdue in conn.execute(
            select(
                Inspection.port_id,
                Inspection.state,
                func.count(),
                # the inspections list's ?overdue=1 filters with the same definition (portsight.db.overdue)
                func.sum(case((opened_too_long_ago(cutoff), 1), else_=0)),
            )
            .where(Inspection.state.in_(sorted(OPEN_STATES)), in_scope(Inspection.port_id, port_ids))
            .group_by(Inspection.port_id, Inspection.state)
        ):
            if state in AWAITING_RESULT_STATES:
                # Treatment, a laboratory or an identification: outside work, not the inspectors' service time.
                add(port_id, "awaiting_results", n)
                continue
            key = {"in_progress": "under_inspection", "completed": "completed"}.get(state, "waiting")
            add(port_id, key, n)
            if state in ACTIVE_STATES:
                add(port_id, "overdue", overdue)

        for port_id, state, n in conn.execute(
            select(Inspection.port_id, Inspection.state, func.count())
            .where(Inspection.decided_at >= start, Inspection.decided_at < end)
            .where(Inspection.state.in_([InspectionState.RELEASED.value, InspectionState.HELD.value]))
            .where(in_scope(Inspection.port_id, port_ids))
            .group_by(Inspection.port_id, Inspection.state)
        ):
            add(port_id, "released" if state == InspectionState.RELEASED.value else "held", n)

        for alert_port_id, severity, n in conn.execute(
            select(Alert.port_id, Alert.severity, func.count())
            .where(Alert.state.in_(UNRESOLVED), in_scope(Alert.port_id, port_ids))
            .group_by(Alert.port_id, Alert.severity)
        ):
            if severity in SEVERITIES_HIGH_FIRST:
                add(alert_port_id, f"alerts_{severity}", n)

    rows = [
        {
            "port_id": p.id,
            "port": p.code,
            "name_en": p.name_en,
            "name_zh": p.name_zh,
            "kind": p.kind,
            "lat": p.lat,
            "lon": p.lon,
            **counts[p.id],
        }
        for p in ports
    ]
    return pd.DataFrame(rows, columns=PORT_COLUMNS)


def kpis_from(ports: pd.DataFrame, release_minutes: Sequence[float]) -> dict[str, float | int | None]:
    """Board totals from the per-port table and today's sorted release times."""
    totals = {key: int(ports[key].sum()) if not ports.empty else 0 for key in COUNT_COLUMNS}
    declarations = totals["declarations"]
    return {
        **{k: totals[k] for k in KPI_KEYS if k in totals},
        "inspection_rate": (totals["inspected_today"] / declarations) if declarations else None,
        "release_p50_minutes": percentile(release_minutes, 0.5),
        "release_p90_minutes": percentile(release_minutes, 0.9),
    }


def overview(
    db: Database,
    port_ids: Iterable[int] | None,
    now: datetime | None = None,
    *,
    overdue_minutes: int = 240,
    events: int = 15,
) -> Overview:
    """Everything the live board shows, for the ports in scope."""
    now = as_utc(now or utcnow())
    scope = None if port_ids is None else frozenset(port_ids)
    with connection(db) as conn:
        event_id = latest_event_id(conn, scope)
        ports = port_table(conn, scope, now, overdue_minutes)
        minutes = release_minutes_today(conn, scope, now)
        feed = latest_events(conn, scope, limit=events)
    by_severity = {s: int(ports[f"alerts_{s}"].sum()) if not ports.empty else 0 for s in SEVERITIES_HIGH_FIRST}
    return Overview(
        kpis=kpis_from(ports, minutes),
        ports=ports,
        alerts_by_severity=by_severity,
        events=feed,
        latest_event_id=event_id,
        at=now,
        release_minutes=minutes,
    )
