"""Notification subscriptions (a person's contact points and policy) and silences: each write
checks the role and the port scope, runs in one unit of work and is audited in it.

Who may: supervisors and administrators, for themselves (subscriptions) and for the ports they
cover (silences; a silence of every port needs every port). Addresses are checked by
portsight.domain.notifications.target_problem; an address is audited masked (a robot's key is
a secret).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import AlertSilence, NotificationSubscription
from portsight.db.session import Database, unit_of_work
from portsight.domain import notifications as policy
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.domain.rulebook import SEVERITIES
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.services.inputs import typed_text

NOTIFY_ROLES = (Role.SUPERVISOR, Role.ADMIN)
# Experts subscribe to be rung for requests of remote help; silences are about alerts, which are not theirs.
SUBSCRIBE_ROLES = (*NOTIFY_ROLES, Role.EXPERT)
MAX_REASON = 1000
MAX_KINDS = 50
MAX_KIND = 32
MAX_SILENCE = timedelta(days=90)  # a longer silence is a switch-off, not a maintenance window


def _target(channel: str, target: str | None) -> str:
    text = (target or "").strip()
    problem = policy.target_problem(channel, text)
    if problem is not None:
        raise InvalidInput(
            f"The address cannot be used for {channel} ({problem.replace('_', ' ')}).",
            key=f"notifications.address_{problem}",
        )
    return text


def _severity(value: str) -> str:
    if value not in SEVERITIES:
        raise InvalidInput(f"Unknown severity {value!r}.", key="notifications.refused_severity")
    return value


def _kinds(kinds: Iterable[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    cleaned = sorted({str(k).strip() for k in kinds if str(k).strip()})
    if not cleaned:
        return None
    if len(cleaned) > MAX_KINDS or any(len(k) > MAX_KIND for k in cleaned):
        raise InvalidInput("Too many or too long alert kinds.", key="notifications.refused_kinds")
    return cleaned


def _ports(actor: Actor, port_ids: Iterable[int] | None) -> list[int] | None:
    if port_ids is None:
        return None
    wanted = sorted({int(p) for p in port_ids})
    if not wanted:
        raise InvalidInput("Choose at least one port, or every port you cover.", key="notifications.refused_no_port")
    for port_id in wanted:
        require_port(actor, port_id)
    return wanted


def _audit_view(sub: NotificationSubscription) -> dict[str, Any]:
    return {
        "channel": sub.channel,
        "target": policy.masked_target(sub.channel, sub.target),
        "port_ids": sub.port_ids,
        "min_severity": sub.min_severity,
        "kinds": sub.kinds,
        "active": sub.active,
    }


def create_subscription(
    db: Database,
    actor: Actor,
    *,
    channel: str,
    target: str | None,
    min_severity: str,
    port_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
    now: datetime | None = None,
) -> int:
    """A new contact point of the actor: `port_ids` None means every port they cover."""
    require_role(actor, *SUBSCRIBE_ROLES)
    if actor.user_id is None:
        raise AccessDenied("Only a signed-in person subscribes.", key="notifications.refused_no_person")
    at = as_utc(now) if now is not None else utcnow()
    sub = NotificationSubscription(
        user_id=actor.user_id,
        channel=channel,
        target=_target(channel, target),
        port_ids=_ports(actor, port_ids),
        min_severity=_severity(min_severity),
        kinds=_kinds(kinds),
        active=True,
        created_at=at,
        changed_at=at,
    )
    with unit_of_work(db) as session:
        session.add(sub)
        session.flush()
        record_audit(session, actor, "create", "notification_subscription", sub.id, after=_audit_view(sub))
        return sub.id


def _own_subscription(session: Session, actor: Actor, subscription_id: int) -> NotificationSubscription:
    require_role(actor, *SUBSCRIBE_ROLES)
    sub = session.scalar(
        select(NotificationSubscription).where(NotificationSubscription.id == int(subscription_id)).with_for_update()
    )
    if sub is None or sub.user_id != actor.user_id:
        raise NotFound(
            f"Subscription {subscription_id} does not exist; refresh the page.",
            key="notifications.refused_subscription_not_found",
            params={"id": subscription_id},
        )
    return sub


def change_subscription(
    db: Database,
    actor: Actor,
    subscription_id: int,
    *,
    target: str | None,
    min_severity: str,
    port_ids: Iterable[int] | None,
    kinds: Iterable[str] | None,
    active: bool,
    now: datetime | None = None,
) -> None:
    """Change one of the actor's own subscriptions (its channel stays; a new channel is a new one)."""
    with unit_of_work(db) as session:
        sub = _own_subscription(session, actor, subscription_id)
        before = _audit_view(sub)
        sub.target = _target(sub.channel, target)
        sub.min_severity = _severity(min_severity)
        sub.port_ids = _ports(actor, port_ids)
        sub.kinds = _kinds(kinds)
        sub.active = bool(active)
        sub.changed_at = as_utc(now) if now is not None else utcnow()
        record_audit(
            session, actor, "change", "notification_subscription", sub.id, before=before, after=_audit_view(sub)
        )


def create_silence(
    db: Database,
    actor: Actor,
    *,
    kind: str | None,
    port_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str | None,
    now: datetime | None = None,
) -> int:
    """A silence of `kind` (None: every kind) at `port_id` (None: every port, for those who cover
    every port) from starts_at to ends_at: alerts in it are recorded, not sent."""
    require_role(actor, *NOTIFY_ROLES)
    if port_id is None and actor.port_ids is not None:
        raise AccessDenied("A silence of every port needs every port.", key="notifications.refused_all_ports")
    require_port(actor, port_id)
    why = typed_text(
        reason,
        "reason",
        MAX_REASON,
        required="Say why alerts are silenced; it goes into the audit log.",
        required_key="notifications.refused_reason",
    )
    start, end = as_utc(starts_at), as_utc(ends_at)
    at = as_utc(now) if now is not None else utcnow()
    if end <= start or end <= at:
        raise InvalidInput(
            "The silence must end after it starts, and in the future.", key="notifications.refused_window"
        )
    if end - start > MAX_SILENCE:
        raise InvalidInput("A silence lasts at most 90 days.", key="notifications.refused_window_long")
    clean_kind = (kind or "").strip() or None
    if clean_kind is not None and len(clean_kind) > MAX_KIND:
        raise InvalidInput("Too many or too long alert kinds.", key="notifications.refused_kinds")
    silence = AlertSilence(
        kind=clean_kind,
        port_id=port_id,
        starts_at=start,
        ends_at=end,
        reason=why,
        created_by_id=actor.user_id,
        created_at=at,
    )
    with unit_of_work(db) as session:
        session.add(silence)
        session.flush()
        record_audit(
            session,
            actor,
            "create",
            "alert_silence",
            silence.id,
            after={"kind": clean_kind, "starts_at": start, "ends_at": end, "reason": why},
            port_id=port_id,
        )
        return silence.id


def end_silence(db: Database, actor: Actor, silence_id: int, now: datetime | None = None) -> None:
    """End a silence now (sending resumes for alerts raised from now on)."""
    require_role(actor, *NOTIFY_ROLES)
    at = as_utc(now) if now is not None else utcnow()
    with unit_of_work(db) as session:
        silence = session.scalar(select(AlertSilence).where(AlertSilence.id == int(silence_id)).with_for_update())
        if silence is None:
            raise NotFound(
                f"Silence {silence_id} does not exist; refresh the page.",
                key="notifications.refused_silence_not_found",
                params={"id": silence_id},
            )
        if silence.port_id is None and actor.port_ids is not None:
            raise AccessDenied("A silence of every port needs every port.", key="notifications.refused_all_ports")
        require_port(actor, silence.port_id)
        if silence.ended_at is not None or as_utc(silence.ends_at) <= at:
            raise Conflict("This silence has already ended.", key="notifications.refused_silence_over")
        silence.ended_at = at
        silence.ended_by_id = actor.user_id
        record_audit(
            session, actor, "end", "alert_silence", silence.id, after={"ended_at": at}, port_id=silence.port_id
        )
