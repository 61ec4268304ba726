"""The notification outbox: which messages are owed, written as rows (notification_deliveries)
that portsight.notify sends afterwards, outside any transaction.

`sweep` runs inside the caller's unit of work:

- an open alert (fired: not pending, not acknowledged) raised or re-opened within the look-back
  whose current count has no delivery yet gets one row per matching subscription of its port's
  circle (portsight.domain.notifications), reason "raised" (count 1) or "reopened";
- an unacknowledged high alert open for `escalation_minutes` goes to the next circle: rows with
  reason "escalated", escalation_level and escalated_at moved on, audited as the system's act;
- during a silence the row is written with status "silenced": recorded, never sent.

`queue_rings` writes the rows of an expert rung for a request of remote help (reason "ring").

Rows are inserted with ON CONFLICT DO NOTHING on the unique (alert, subscription, reason, count),
so two replicas sweeping at once, or a sweep run twice, owe each message once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portsight.clock import as_utc
from portsight.db.audit import record_audit
from portsight.db.models import Alert, AlertSilence, NotificationDelivery, NotificationSubscription, User, UserPort
from portsight.domain import notifications as policy
from portsight.domain.access import SYSTEM, Role
from portsight.domain.alert_parameters import AlertCheckLimits

NOTIFIED_ROLES = (Role.SUPERVISOR.value, Role.ADMIN.value)
LOOKBACK = timedelta(hours=24)  # alerts raised before this are not announced any more (a long outage)
MAX_ALERTS = 500  # per sweep and kind of work: the next sweep takes the rest
CHUNK = 500  # rows per INSERT: 8 bound parameters each stays under SQLite's limit


@dataclass(frozen=True)
class SweepResult:
    queued: int
    silenced: int
    escalated: int


def recipients(session: Session) -> list[policy.Recipient]:
    """Every active subscription of an active supervisor or administrator, with the user's ports."""
    rows = session.execute(
        select(
            NotificationSubscription.id,
            NotificationSubscription.user_id,
            NotificationSubscription.port_ids,
            NotificationSubscription.min_severity,
            NotificationSubscription.kinds,
            NotificationSubscription.created_at,
            User.all_ports,
        )
        .join(User, User.id == NotificationSubscription.user_id)
        .where(NotificationSubscription.active.is_(True), User.active.is_(True), User.role.in_(NOTIFIED_ROLES))
        .order_by(NotificationSubscription.id)
    ).all()
    user_ids = {row.user_id for row in rows}
    ports: dict[int, set[int]] = {}
    if user_ids:
        for user_id, port_id in session.execute(
            select(UserPort.user_id, UserPort.port_id).where(UserPort.user_id.in_(user_ids))
        ):
            ports.setdefault(user_id, set()).add(port_id)
    return [
        policy.Recipient(
            subscription_id=row.id,
            user_id=row.user_id,
            all_ports=bool(row.all_ports),
            user_port_ids=frozenset(ports.get(row.user_id, ())),
            port_ids=None if row.port_ids is None else frozenset(int(p) for p in row.port_ids),
            min_severity=row.min_severity,
            kinds=None if row.kinds is None else frozenset(str(k) for k in row.kinds),
            created_at=None if row.created_at is None else as_utc(row.created_at),
        )
        for row in rows
    ]


def silences_at(session: Session, now: datetime) -> list[policy.Silence]:
    rows = session.execute(
        select(AlertSilence.kind, AlertSilence.port_id, AlertSilence.starts_at, AlertSilence.ends_at).where(
            AlertSilence.starts_at <= now, AlertSilence.ends_at > now, AlertSilence.ended_at.is_(None)
        )
    ).all()
    return [policy.Silence(r.kind, r.port_id, as_utc(r.starts_at), as_utc(r.ends_at)) for r in rows]


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> int:
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = NotificationDelivery.__table__
    written = 0
    for start in range(0, len(rows), CHUNK):
        # RETURNING counts the rows written (a conflict returns none); rowcount is unreliable for many rows
        stmt = insert(table).values(rows[start : start + CHUNK]).on_conflict_do_nothing().returning(table.c.id)
        written += len(session.execute(stmt).all())
    return written


def _row(alert_id: int, recipient: policy.Recipient, reason: str, count: int, silent: bool, now: datetime) -> dict:
    return {
        "alert_id": alert_id,
        "subscription_id": recipient.subscription_id,
        "reason": reason,
        "alert_count": count,
        "status": policy.SILENCED if silent else policy.PENDING,
        "attempts": 0,
        "next_attempt_at": None if silent else now,
        "created_at": now,
    }


def queue_rings(session: Session, rung: list[tuple[int, int]], port_id: int, now: datetime) -> int:
    """One delivery per active subscription of each expert rung ((ring id, user id) pairs) whose
    ports take in the request's port; in the ring's transaction. A subscription's lowest severity
    and kinds choose among alerts and a silence mutes alerts: a ring is neither, it is a person
    chosen by name for a request waiting now, so those filters would only lose it."""
    if not rung:
        return 0
    ring_of = {user_id: ring_id for ring_id, user_id in rung}
    subscriptions = session.execute(
        select(NotificationSubscription.id, NotificationSubscription.user_id, NotificationSubscription.port_ids).where(
            NotificationSubscription.user_id.in_(ring_of), NotificationSubscription.active.is_(True)
        )
    ).all()
    rows = [
        {
            "assist_ring_id": ring_of[s.user_id],
            "subscription_id": s.id,
            "reason": policy.RING,
            "alert_count": 0,
            "status": policy.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for s in subscriptions
        if s.port_ids is None or port_id in {int(p) for p in s.port_ids}
    ]
    return _insert_ignoring_duplicates(session, rows)


def _fired_at(alert) -> datetime:
    """When the alert fired: after its pending period, if it had one."""
    raised = as_utc(alert.first_raised_at)
    return max(raised, as_utc(alert.pending_until)) if alert.pending_until is not None else raised


def sweep(session: Session, now: datetime, limits: AlertCheckLimits) -> SweepResult:
    """Queue what is owed at `now` (see the module); limits: the thresholds in force
    (portsight.db.alert_parameters.limits_in_force), of which the escalation delay."""
    now = as_utc(now)
    everyone = recipients(session)
    if not everyone:
        return SweepResult(0, 0, 0)
    silences = silences_at(session, now)
    rows: list[dict] = []

    queued = exists().where(
        NotificationDelivery.alert_id == Alert.id,
        NotificationDelivery.alert_count == Alert.count,
        NotificationDelivery.reason.in_((policy.RAISED, policy.REOPENED)),
    )
    fresh = session.execute(
        select(
            Alert.id,
            Alert.kind,
            Alert.severity,
            Alert.port_id,
            Alert.count.label("alert_count"),
            Alert.last_raised_at,
        )
        .where(
            Alert.state == "open",
            or_(Alert.pending_until.is_(None), Alert.pending_until <= now),
            Alert.last_raised_at >= now - LOOKBACK,
            ~queued,
        )
        .order_by(Alert.last_raised_at.desc(), Alert.id)
        .limit(MAX_ALERTS)
    ).all()
    for alert in fresh:
        raised_at = as_utc(alert.last_raised_at)
        reason = policy.RAISED if alert.alert_count == 1 else policy.REOPENED
        silent = policy.silenced(silences, kind=alert.kind, port_id=alert.port_id, at=now)
        for recipient in policy.first_recipients(
            everyone, kind=alert.kind, severity=alert.severity, port_id=alert.port_id
        ):
            # a subscription hears of alerts raised after it was made, not of the backlog
            if recipient.created_at is None or recipient.created_at <= raised_at:
                rows.append(_row(alert.id, recipient, reason, alert.alert_count, silent, now))
    written = _insert_ignoring_duplicates(session, rows)

    escalated = _escalate(session, now, limits.escalation_minutes, everyone, silences)
    silent_rows = sum(1 for r in rows if r["status"] == policy.SILENCED)
    return SweepResult(queued=written, silenced=silent_rows, escalated=escalated)


def _escalate(
    session: Session,
    now: datetime,
    minutes: int,
    everyone: list[policy.Recipient],
    silences: list[policy.Silence],
) -> int:
    since = now - timedelta(minutes=max(minutes, 1))
    fired = func.coalesce(Alert.escalated_at, Alert.pending_until, Alert.first_raised_at)
    query = (
        select(Alert)
        .where(
            Alert.state == "open",
            Alert.severity == policy.ESCALATES_FROM,
            Alert.escalation_level < policy.NATIONAL_CIRCLE,
            or_(Alert.pending_until.is_(None), Alert.pending_until <= now),
            and_(fired <= since, Alert.first_raised_at <= since),
        )
        .order_by(Alert.id)
        .limit(MAX_ALERTS)
    )
    if session.get_bind().dialect.name == "postgresql":
        # two replicas sweeping at once escalate each alert once
        query = query.with_for_update(skip_locked=True)
    count = 0
    for alert in session.scalars(query):
        if not policy.escalation_due(
            severity=alert.severity,
            level=alert.escalation_level,
            fired_at=_fired_at(alert),
            escalated_at=None if alert.escalated_at is None else as_utc(alert.escalated_at),
            minutes=minutes,
            now=now,
        ):
            continue
        before = {"escalation_level": alert.escalation_level}
        circle, told = policy.escalate(
            everyone, level=alert.escalation_level, kind=alert.kind, severity=alert.severity, port_id=alert.port_id
        )
        silent = policy.silenced(silences, kind=alert.kind, port_id=alert.port_id, at=now)
        _insert_ignoring_duplicates(
            session, [_row(alert.id, r, policy.ESCALATED, alert.count, silent, now) for r in told]
        )
        alert.escalation_level = circle
        alert.escalated_at = now
        record_audit(
            session,
            SYSTEM,
            "escalate",
            "alert",
            alert.id,
            before=before,
            after={"escalation_level": circle, "recipients": len(told), "silenced": silent},
            port_id=alert.port_id,
        )
        count += 1
    return count
