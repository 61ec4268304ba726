"""The append-only audit log, written by every service in the same transaction as the change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import AuditEntry
from portsight.domain.access import Actor


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    port_id: int | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=utcnow(),
        user_id=actor.user_id,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        port_id=port_id,
        before=_plain(before),
        after=_plain(after),
        simulated=actor.simulated,
    )
    session.add(entry)
    return entry
