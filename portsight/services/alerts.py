"""An alert's life after it is raised: acknowledge, assign, resolve (with a comment), re-open,
one alert at a time or many with one comment.

Raising (and re-opening when the same condition fires again) is portsight.db.alert_store
.raise_alert. Here a person acts on alerts: each function checks the role and the port scope,
changes the alerts in one unit of work and writes the audit log (one entry per alert) in the
same transaction. A batch is all or nothing: when one alert of it may not be changed, nothing
is, and the refusal names every alert that stood in the way and why.

States: open -> acknowledged -> resolved; an open alert may also be resolved directly; a
resolved alert is re-opened by raise_alert when its condition fires again, or by hand with
reopen_alert. A person's resolution is recorded as resolved_reason "by_hand".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.alert_store import ACKNOWLEDGED, BY_HAND, OPEN, PENDING, RESOLVED, UNRESOLVED
from portsight.db.audit import record_audit
from portsight.db.models import Alert, User
from portsight.db.session import Database, unit_of_work
from portsight.db.staff import covers_port
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.services.inputs import typed_text

# Roles that act on alerts, and the roles an alert may be assigned to.
ALERT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MAX_COMMENT = 2000
# The most alerts one bulk action changes: a page's selection, not a whole history.
MAX_BATCH = 500


def _snapshot(alert: Alert) -> dict[str, Any]:
    return {
        "state": alert.state,
        "count": alert.count,
        "assigned_to_id": alert.assigned_to_id,
        "comment": alert.comment,
        "resolved_reason": alert.resolved_reason,
    }


def _load_for_update(session: Session, actor: Actor, alert_id: int) -> Alert:
    require_role(actor, *ALERT_ROLES)
    alert = session.scalar(select(Alert).where(Alert.id == int(alert_id)).with_for_update())
    if alert is None:
        raise NotFound(
            f"Alert {alert_id} does not exist; refresh the list.", key="errors.alert_not_found", params={"id": alert_id}
        )
    require_port(actor, alert.port_id)
    return alert


def _clean_comment(comment: str | None, *, required: bool, what: str) -> str | None:
    why = f"Write a comment saying why the alert is {what}; it goes into the audit log."
    # what: "resolved" or "re-opened"
    key = "errors.alert_comment_resolve" if what == "resolved" else "errors.alert_comment_reopen"
    return typed_text(comment, "comment", MAX_COMMENT, required=why if required else None, required_key=key)


def _result(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "state": alert.state,
        "count": alert.count,
        "assigned_to_id": alert.assigned_to_id,
        "acknowledged_at": alert.acknowledged_at,
        "resolved_at": alert.resolved_at,
        "comment": alert.comment,
    }


def _audited(
    session: Session,
    actor: Actor,
    action: str,
    alert: Alert,
    before: dict[str, Any],
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Audit the change to the alert (after: its snapshot now, unless given) and return it as plain data."""
    record_audit(
        session,
        actor,
        action,
        "alert",
        alert.id,
        before=before,
        after=_snapshot(alert) if after is None else after,
        port_id=alert.port_id,
    )
    return _result(alert)


def _require_open(alert: Alert) -> None:
    if alert.state != OPEN:
        raise Conflict(
            f"Alert {alert.id} is already {alert.state}; only an open alert can be acknowledged.",
            key="errors.alert_not_open",
            params={"id": alert.id, "state": {"key": f"alerts.state_{alert.state}"}},
        )


def _require_unresolved(alert: Alert) -> None:
    if alert.state == RESOLVED:
        raise Conflict(
            f"Alert {alert.id} is already resolved.", key="errors.alert_already_resolved", params={"id": alert.id}
        )
    if alert.state == PENDING:
        raise Conflict(
            f"Alert {alert.id} is pending: its condition has not held long enough to fire; nothing to resolve.",
            key="errors.alert_pending",
            params={"id": alert.id},
        )


def _acknowledge(session: Session, actor: Actor, alert: Alert, text: str | None, now: datetime) -> dict[str, Any]:
    before = _snapshot(alert)
    alert.state = ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by_id = actor.user_id
    if text:
        alert.comment = text
    return _audited(session, actor, "acknowledge", alert, before, {**_snapshot(alert), "comment": text})


def _resolve(session: Session, actor: Actor, alert: Alert, text: str | None, now: datetime) -> dict[str, Any]:
    before = _snapshot(alert)
    if alert.acknowledged_at is None:
        # Resolving implies having seen it: keep the lifecycle's timestamps complete.
        alert.acknowledged_at = now
        alert.acknowledged_by_id = actor.user_id
    alert.state = RESOLVED
    alert.resolved_at = now
    alert.resolved_by_id = actor.user_id
    alert.resolved_reason = BY_HAND
    alert.comment = text
    return _audited(session, actor, "resolve", alert, before)


def acknowledge_alert(
    db: Database, actor: Actor, alert_id: int, comment: str | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """Someone has seen the alert and is on it (open -> acknowledged). The comment is optional."""
    now = now or utcnow()
    text = _clean_comment(comment, required=False, what="acknowledged")
    with unit_of_work(db) as session:
        alert = _load_for_update(session, actor, alert_id)
        _require_open(alert)
        return _acknowledge(session, actor, alert, text, now)


def resolve_alert(
    db: Database, actor: Actor, alert_id: int, comment: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Close the alert by hand with a required comment saying what was done (open/acknowledged -> resolved)."""
    now = now or utcnow()
    text = _clean_comment(comment, required=True, what="resolved")
    with unit_of_work(db) as session:
        alert = _load_for_update(session, actor, alert_id)
        _require_unresolved(alert)
        return _resolve(session, actor, alert, text, now)


def _load_batch_for_update(
    session: Session, actor: Actor, alert_ids: Iterable[int], states: tuple[str, ...], refusal_key: str
) -> list[Alert]:
    """The alerts, locked in id order (two batches over the same alerts cannot deadlock), each one
    checked for the actor's port scope and for being in one of the states the action needs.

    Refuses the whole batch when any alert is missing, outside the scope or in another state:
    AccessDenied when one lies outside the scope (whose state is not told), else Conflict; the
    message (refusal_key) lists each of them with why ("#12 resolved", "#13 outside your ports")."""
    require_role(actor, *ALERT_ROLES)
    ids = sorted({int(i) for i in alert_ids})
    if not ids:
        raise InvalidInput("Select at least one alert.", key="errors.alerts_none_selected")
    if len(ids) > MAX_BATCH:
        raise InvalidInput(
            f"{len(ids)} alerts are selected; act on at most {MAX_BATCH} at once.",
            key="errors.alerts_too_many",
            params={"count": len(ids), "max": MAX_BATCH},
        )
    stmt = select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id).with_for_update()
    alerts = {a.id: a for a in session.scalars(stmt)}
    reasons: list[tuple[str, dict[str, Any]]] = []  # (English, message) for each alert in the way
    outside = False
    for alert_id in ids:
        alert = alerts.get(alert_id)
        if alert is None:
            reasons.append(
                (f"#{alert_id} does not exist", {"key": "errors.alert_bulk_missing", "params": {"id": alert_id}})
            )
        elif not actor.sees_port(alert.port_id):
            outside = True
            reasons.append(
                (
                    f"#{alert_id} outside your ports",
                    {"key": "errors.alert_bulk_outside_scope", "params": {"id": alert_id}},
                )
            )
        elif alert.state not in states:
            state = {"key": f"alerts.state_{alert.state}"}
            reasons.append(
                (
                    f"#{alert_id} {alert.state}",
                    {"key": "errors.alert_bulk_state", "params": {"id": alert_id, "state": state}},
                )
            )
    if reasons:
        message = (
            f"Nothing was changed: {len(reasons)} of the {len(ids)} selected alerts cannot be "
            f"(allowed: {', '.join(states)} alerts of your ports): {'; '.join(r for r, _ in reasons)}."
        )
        params = {"count": len(reasons), "total": len(ids), "reasons": [m for _, m in reasons]}
        if outside:
            raise AccessDenied(message, key=refusal_key, params=params)
        raise Conflict(message, key=refusal_key, params=params)
    return [alerts[i] for i in ids]


def acknowledge_alerts(
    db: Database, actor: Actor, alert_ids: Iterable[int], comment: str | None = None, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Acknowledge many open alerts with one (optional) comment: all of them in one transaction,
    one audit entry each, or none when any of them is not open or not the actor's to act on."""
    now = now or utcnow()
    text = _clean_comment(comment, required=False, what="acknowledged")
    with unit_of_work(db) as session:
        alerts = _load_batch_for_update(session, actor, alert_ids, (OPEN,), "errors.alerts_ack_refused")
        return [_acknowledge(session, actor, alert, text, now) for alert in alerts]


def resolve_alerts(
    db: Database, actor: Actor, alert_ids: Iterable[int], comment: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Resolve many alerts by hand with one required comment: all in one transaction, one audit
    entry each, or none when any of them is already resolved or not the actor's to act on."""
    now = now or utcnow()
    text = _clean_comment(comment, required=True, what="resolved")
    with unit_of_work(db) as session:
        alerts = _load_batch_for_update(session, actor, alert_ids, UNRESOLVED, "errors.alerts_resolve_refused")
        return [_resolve(session, actor, alert, text, now) for alert in alerts]


def assign_alert(
    db: Database, actor: Actor, alert_id: int, assignee_id: int | None, *, now: datetime | None = None
) -> dict[str, Any]:
    """Give the alert to a supervisor or administrator who sees its port (None takes it back)."""
    with unit_of_work(db) as session:
        alert = _load_for_update(session, actor, alert_id)
        if alert.state == RESOLVED:
            raise Conflict(
                f"Alert {alert.id} is resolved; re-open it before assigning it.",
                key="errors.alert_resolved_assign",
                params={"id": alert.id},
            )
        if assignee_id is not None:
            assignee = session.get(User, int(assignee_id))
            if assignee is None or not assignee.active:
                raise InvalidInput(
                    f"User {assignee_id} does not exist or is deactivated; pick another person.",
                    key="errors.assignee_unavailable",
                    params={"id": assignee_id},
                )
            if assignee.role not in {r.value for r in ALERT_ROLES}:
                raise InvalidInput(
                    f"{assignee.username} is a {assignee.role}; alerts go to a supervisor or an administrator.",
                    key="errors.assignee_wrong_role",
                    params={"user": assignee.display_name, "role": {"role": assignee.role}},
                )
            if not covers_port(session, assignee, alert.port_id):
                raise InvalidInput(
                    f"{assignee.username} does not cover this alert's port; pick someone who does.",
                    key="errors.assignee_outside_port",
                    params={"user": assignee.display_name},
                )
        before = _snapshot(alert)
        alert.assigned_to_id = None if assignee_id is None else int(assignee_id)
        return _audited(session, actor, "assign", alert, before)


def reopen_alert(
    db: Database, actor: Actor, alert_id: int, comment: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Re-open a resolved alert by hand (resolved too early); the comment says why.

    When the condition itself fires again, raise_alert re-opens the alert and raises its count.
    """
    text = _clean_comment(comment, required=True, what="re-opened")
    with unit_of_work(db) as session:
        alert = _load_for_update(session, actor, alert_id)
        if alert.state != RESOLVED:
            raise Conflict(
                f"Alert {alert.id} is {alert.state}, not resolved; nothing to re-open.",
                key="errors.alert_not_resolved",
                params={"id": alert.id, "state": {"key": f"alerts.state_{alert.state}"}},
            )
        before = _snapshot(alert)
        alert.state = OPEN
        alert.acknowledged_at = None
        alert.acknowledged_by_id = None
        alert.resolved_at = None
        alert.resolved_by_id = None
        alert.resolved_reason = None
        alert.comment = text
        return _audited(session, actor, "reopen", alert, before)


__all__ = [
    "AccessDenied",
    "acknowledge_alert",
    "acknowledge_alerts",
    "assign_alert",
    "reopen_alert",
    "resolve_alert",
    "resolve_alerts",
]
