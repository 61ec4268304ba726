"""Raising alerts (预警): one row per dedupe key, counted up when the condition fires again.

`raise_alert` is an upsert (INSERT ... ON CONFLICT (dedupe_key) DO UPDATE) on SQLite and
PostgreSQL alike, so two writers raising the same alert at once still leave one row.
A resolved alert that fires again is re-opened.

An alert's states: open -> acknowledged -> resolved (portsight.services.alerts moves it by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import Alert
from portsight.domain.conditions import Text
from portsight.domain.rulebook import SEVERITIES

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
ALERT_STATES = (OPEN, ACKNOWLEDGED, RESOLVED)
UNRESOLVED = (OPEN, ACKNOWLEDGED)


@dataclass(frozen=True)
class AlertTitle:
    """An alert's title: English text (logs, exports) and the message (key, parameters) shown in
    the reader's language."""

    text: str
    key: str
    params: dict


def finding_alert_title(finding: Text, slot_id: str) -> AlertTitle:
    """The title of the alert a high-severity finding raises (services.field as it records the step,
    the demo seed as it records its history): the finding's text and the step (slot id) it was made at."""
    return AlertTitle(
        text=f"{finding.en} ({slot_id})"[:300],
        key="alert_titles.finding",
        params={"finding": {"zh": finding.zh, "en": finding.en}, "step": {"step": slot_id}},
    )


@dataclass(frozen=True)
class RaisedAlert:
    id: int
    count: int
    state: str


def raise_alert(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    severity: str,
    port_id: int | None,
    title: str,
    title_key: str | None = None,
    title_params: dict | None = None,
    detail: dict | None = None,
    rule_id: str | None = None,
    inspection_id: int | None = None,
    declaration_id: int | None = None,
) -> RaisedAlert:
    """Insert the alert, or count it up (count + 1, last_raised_at = now) and re-open it if resolved.

    title is English (logs, exports); title_key and title_params name the message the pages show
    in the reader's language (an alert without a key shows its title).

    Runs inside the caller's unit of work (session); it does not commit.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    now = utcnow()
    values = dict(
        dedupe_key=dedupe_key[:200],
        kind=kind,
        rule_id=rule_id,
        severity=severity,
        port_id=port_id,
        inspection_id=inspection_id,
        declaration_id=declaration_id,
        title=title[:300],
        title_key=title_key,
        title_params=title_params,
        detail=detail or {},
        state=OPEN,
        count=1,
        first_raised_at=now,
        last_raised_at=now,
    )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Alert.__table__).values(**values)
    table = Alert.__table__
    resolved = table.c.state == RESOLVED
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.dedupe_key],
        set_={
            "count": table.c.count + 1,
            "last_raised_at": stmt.excluded.last_raised_at,
            "severity": stmt.excluded.severity,
            "title": stmt.excluded.title,
            "title_key": stmt.excluded.title_key,
            "title_params": stmt.excluded.title_params,
            "detail": stmt.excluded.detail,
            "state": case((resolved, literal(OPEN)), else_=table.c.state),
            "resolved_at": case((resolved, None), else_=table.c.resolved_at),
            "resolved_by_id": case((resolved, None), else_=table.c.resolved_by_id),
            "acknowledged_at": case((resolved, None), else_=table.c.acknowledged_at),
            "acknowledged_by_id": case((resolved, None), else_=table.c.acknowledged_by_id),
        },
    ).returning(table.c.id, table.c.count, table.c.state)
    alert_id, count, state = session.execute(upsert).one()
    # An Alert already loaded in this session is now stale.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Alert) and obj.id == alert_id:
            session.expire(obj)
    return RaisedAlert(id=alert_id, count=count, state=state)
