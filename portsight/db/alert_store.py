"""Raising alerts (预警): one row per dedupe key, counted up when the condition fires again.

`raise_alert` is an upsert (INSERT ... ON CONFLICT (dedupe_key) DO UPDATE) on SQLite and
PostgreSQL alike, so two writers raising the same alert at once still leave one row.
A resolved alert that fires again is re-opened, its count going on.

An alert's states: open -> acknowledged -> resolved; portsight.services.alerts moves it by hand
(resolved_reason "by_hand"), the alert checks resolve it when its condition clears
(resolve_cleared: resolved_reason "condition_cleared", nobody's name). A condition that must hold
for a while before it fires waits as "pending" until pending_until (raise_alert with pending_until):
fire_pending opens it then, drop_pending forgets it if it cleared before, leaving no count behind.
Pending alerts are not UNRESOLVED: nobody is asked to act on them yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, false, func, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import Alert
from portsight.domain.conditions import Text
from portsight.domain.rulebook import SEVERITIES

OPEN, ACKNOWLEDGED, RESOLVED, PENDING = "open", "acknowledged", "resolved", "pending"
ALERT_STATES = (PENDING, OPEN, ACKNOWLEDGED, RESOLVED)
UNRESOLVED = (OPEN, ACKNOWLEDGED)
CONDITION_CLEARED, BY_HAND = "condition_cleared", "by_hand"


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
    enterprise_id: int | None = None,
    pending_until: datetime | None = None,
    now: datetime | None = None,
) -> RaisedAlert:
    """Insert the alert, or count it up (count + 1, last_raised_at = now) and re-open it if resolved
    or pending.

    With pending_until, an alert that is not firing (new, or resolved) waits as "pending" instead,
    uncounted (a new one has count 0); one pending already keeps its time; one open or acknowledged
    counts up as without it.

    title is English (logs, exports); title_key and title_params name the message the pages show
    in the reader's language (an alert without a key shows its title).

    Runs inside the caller's unit of work (session); it does not commit.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    now = now or utcnow()
    waits = pending_until is not None
    values = dict(
        dedupe_key=dedupe_key[:200],
        kind=kind,
        rule_id=rule_id,
        severity=severity,
        port_id=port_id,
        inspection_id=inspection_id,
        declaration_id=declaration_id,
        enterprise_id=enterprise_id,
        title=title[:300],
        title_key=title_key,
        title_params=title_params,
        detail=detail or {},
        state=PENDING if waits else OPEN,
        count=0 if waits else 1,
        first_raised_at=now,
        last_raised_at=now,
        pending_until=pending_until,
    )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Alert.__table__).values(**values)
    table = Alert.__table__
    state = table.c.state
    not_firing = state.in_((RESOLVED, PENDING))
    # waiting: not firing and the trigger asks to wait; reopened: it fires (again) now, and what a
    # previous handling left (acknowledged, resolved) is cleared
    waiting, reopened = (not_firing, false()) if waits else (false(), not_firing)
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.dedupe_key],
        set_={
            "count": case((waiting, table.c.count), else_=table.c.count + 1),
            "last_raised_at": case((waiting, table.c.last_raised_at), else_=stmt.excluded.last_raised_at),
            "severity": stmt.excluded.severity,
            "title": stmt.excluded.title,
            "title_key": stmt.excluded.title_key,
            "title_params": stmt.excluded.title_params,
            "detail": stmt.excluded.detail,
            "enterprise_id": func.coalesce(stmt.excluded.enterprise_id, table.c.enterprise_id),
            "state": case((waiting, literal(PENDING)), (reopened, literal(OPEN)), else_=state),
            "pending_until": case(
                (and_(waiting, state == PENDING), table.c.pending_until),
                (waiting, stmt.excluded.pending_until),
                else_=None,
            ),
            "resolved_at": case((reopened, None), else_=table.c.resolved_at),
            "resolved_by_id": case((reopened, None), else_=table.c.resolved_by_id),
            "resolved_reason": case((reopened, None), else_=table.c.resolved_reason),
            "acknowledged_at": case((reopened, None), else_=table.c.acknowledged_at),
            "acknowledged_by_id": case((reopened, None), else_=table.c.acknowledged_by_id),
        },
    ).returning(table.c.id, table.c.count, table.c.state)
    alert_id, count, new_state = session.execute(upsert).one()
    _expire(session, {alert_id})
    return RaisedAlert(id=alert_id, count=count, state=new_state)


def _expire(session: Session, ids: set[int]) -> None:
    """Alerts already loaded in this session are stale after a bulk statement on them."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Alert) and obj.id in ids:
            session.expire(obj)


def fire_pending(session: Session, alert_id: int, now: datetime) -> RaisedAlert:
    """A pending alert whose condition held until pending_until: open, counted, raised now. What a
    previous handling left (acknowledged, resolved) is cleared: this is a new firing."""
    table = Alert.__table__
    alert_id, count, state = session.execute(
        update(table)
        .where(table.c.id == alert_id, table.c.state == PENDING)
        .values(
            state=OPEN,
            count=table.c.count + 1,
            last_raised_at=now,
            pending_until=None,
            resolved_at=None,
            resolved_by_id=None,
            resolved_reason=None,
            acknowledged_at=None,
            acknowledged_by_id=None,
        )
        .returning(table.c.id, table.c.count, table.c.state)
    ).one()
    _expire(session, {alert_id})
    return RaisedAlert(id=alert_id, count=count, state=state)


def drop_pending(session: Session, alert_id: int) -> None:
    """A pending alert whose condition cleared before it fired: one never counted is deleted, one
    that had fired before goes back to resolved as it was (nobody was told, nothing is counted)."""
    table = Alert.__table__
    session.execute(delete(table).where(table.c.id == alert_id, table.c.state == PENDING, table.c.count == 0))
    session.execute(
        update(table).where(table.c.id == alert_id, table.c.state == PENDING).values(state=RESOLVED, pending_until=None)
    )
    _expire(session, {alert_id})


def resolve_cleared(session: Session, alert_id: int, now: datetime) -> None:
    """An open or acknowledged alert whose condition no longer holds: resolved by the system."""
    table = Alert.__table__
    session.execute(
        update(table)
        .where(table.c.id == alert_id, table.c.state.in_(UNRESOLVED))
        .values(state=RESOLVED, resolved_at=now, resolved_by_id=None, resolved_reason=CONDITION_CLEARED)
    )
    _expire(session, {alert_id})
