"""Notifications page: the signed-in person's subscriptions, the silences in their scope (active
and scheduled), and for administrators the delivery log with its failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from portsight.clock import as_utc
from portsight.db.models import (
    Alert,
    AlertSilence,
    AssistRing,
    NotificationDelivery,
    NotificationSubscription,
    Port,
    User,
)
from portsight.db.session import Database
from portsight.db.sql import in_scope, records
from portsight.domain import notifications as policy
from portsight.domain.access import Actor, Role, require_role

MAX_LOG = 200


def my_subscriptions(db: Database, actor: Actor) -> list[dict]:
    """The actor's own subscriptions, newest first, with the full address (they entered it)."""
    stmt = (
        select(
            NotificationSubscription.id,
            NotificationSubscription.channel,
            NotificationSubscription.target,
            NotificationSubscription.port_ids,
            NotificationSubscription.min_severity,
            NotificationSubscription.kinds,
            NotificationSubscription.active,
            NotificationSubscription.changed_at,
        )
        .where(NotificationSubscription.user_id == actor.user_id)
        .order_by(NotificationSubscription.id.desc())
    )
    return records(db, stmt) if actor.user_id is not None else []


def silences(db: Database, actor: Actor, now: datetime) -> list[dict]:
    """Silences not over at `now` (running or scheduled) of ports the actor covers, and of every
    port; `running` tells which hold now."""
    creator = aliased(User)
    stmt = (
        select(
            AlertSilence.id,
            AlertSilence.kind,
            AlertSilence.port_id,
            Port.code.label("port_code"),
            AlertSilence.starts_at,
            AlertSilence.ends_at,
            AlertSilence.reason,
            creator.display_name.label("created_by"),
        )
        .outerjoin(Port, Port.id == AlertSilence.port_id)
        .outerjoin(creator, creator.id == AlertSilence.created_by_id)
        .where(
            AlertSilence.ended_at.is_(None),
            AlertSilence.ends_at > now,
            or_(AlertSilence.port_id.is_(None), in_scope(AlertSilence.port_id, actor.port_ids)),
        )
        .order_by(AlertSilence.starts_at, AlertSilence.id)
    )
    rows = records(db, stmt)
    for row in rows:
        row["starts_at"], row["ends_at"] = as_utc(row["starts_at"]), as_utc(row["ends_at"])
        row["running"] = row["starts_at"] <= as_utc(now)
    return rows


def delivery_log(db: Database, actor: Actor, *, status: str | None = None, limit: int = MAX_LOG) -> list[dict]:
    """The newest deliveries (administrators only), about an alert (alert_id) or an expert rung for a
    request of remote help (assist_id), failures with their attempts and last error; addresses masked."""
    require_role(actor, Role.ADMIN)
    stmt = (
        select(
            NotificationDelivery.id,
            NotificationDelivery.created_at,
            NotificationDelivery.alert_id,
            AssistRing.session_id.label("assist_id"),
            NotificationDelivery.reason,
            NotificationDelivery.status,
            NotificationDelivery.attempts,
            NotificationDelivery.next_attempt_at,
            NotificationDelivery.sent_at,
            NotificationDelivery.last_error,
            NotificationSubscription.channel,
            NotificationSubscription.target,
            User.username,
        )
        .join(NotificationSubscription, NotificationSubscription.id == NotificationDelivery.subscription_id)
        .join(User, User.id == NotificationSubscription.user_id)
        .outerjoin(AssistRing, AssistRing.id == NotificationDelivery.assist_ring_id)
        .order_by(NotificationDelivery.id.desc())
        .limit(max(1, min(int(limit), MAX_LOG)))
    )
    if status is not None:
        stmt = stmt.where(NotificationDelivery.status == status)
    rows = records(db, stmt)
    for row in rows:
        row["target"] = policy.masked_target(row["channel"], row["target"])
        for column in ("created_at", "next_attempt_at", "sent_at"):
            row[column] = None if row[column] is None else as_utc(row[column])
    return rows


def alert_kinds(db: Database) -> list[str]:
    """The kinds of alert there are, for choosing what a subscription or a silence covers."""
    return [row["kind"] for row in records(db, select(Alert.kind).distinct().order_by(Alert.kind))]
