"""The duty roster (排班) and conflicts of interest (回避): who may be dispatched where, and to whom not.

set_duty_shift / remove_duty_shift put an inspector on duty at a port for a while; declare_conflict
records that a person is never dispatched to, nor decides for, an enterprise.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import ConflictOfInterest, DutyShift, Enterprise, Port, User
from portsight.db.session import Database, unit_of_work
from portsight.db.staff import covers_port, is_active_inspector
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.errors import Conflict, InvalidInput, NotFound

MAX_SHIFT_HOURS = 24
MAX_REASON = 200  # ConflictOfInterest.reason's column


def _inspector_at_port(session: Session, user_id: int, port_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.", key="errors.user_not_found", params={"id": user_id})
    if not is_active_inspector(user):
        raise InvalidInput(
            f"{user.username} is not an active inspector; only inspectors go on the roster.",
            key="errors.inspector_inactive",
            params={"user": user.display_name},
        )
    if not covers_port(session, user, port_id):
        raise InvalidInput(
            f"{user.username} does not work at this port; add the port to their account first.",
            key="errors.roster_other_port",
            params={"user": user.display_name},
        )
    return user


def set_duty_shift(
    db: Database,
    actor: Actor,
    user_id: int,
    port_id: int,
    starts_at: datetime,
    ends_at: datetime,
) -> int:
    """Put an inspector on duty at a port from starts_at to ends_at; returns the shift id."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    require_port(actor, port_id)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("Give shift times with their time zone.", key="errors.shift_timezone")
    if ends_at <= starts_at:
        raise InvalidInput("A shift must end after it starts.", key="errors.shift_ends_before_start")
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)  # SQLite keeps wall-clock time: store UTC only
    if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        raise InvalidInput(
            f"A shift lasts at most {MAX_SHIFT_HOURS} hours; split longer duty into shifts.",
            key="errors.shift_too_long",
            params={"hours": MAX_SHIFT_HOURS},
        )
    with unit_of_work(db) as session:
        if session.get(Port, port_id) is None:
            raise NotFound(f"Port {port_id} does not exist.", key="errors.port_not_found", params={"id": port_id})
        user = _inspector_at_port(session, user_id, port_id)
        overlap = session.scalar(
            select(DutyShift.id).where(
                DutyShift.user_id == user_id, DutyShift.starts_at < ends_at, DutyShift.ends_at > starts_at
            )
        )
        if overlap is not None:
            raise Conflict(
                f"{user.username} already has a shift at that time (shift {overlap}); remove it first.",
                key="errors.shift_overlap",
                params={"user": user.display_name, "id": overlap},
            )
        shift = DutyShift(user_id=user_id, port_id=port_id, starts_at=starts_at, ends_at=ends_at)
        session.add(shift)
        session.flush()
        record_audit(
            session,
            actor,
            "set_shift",
            "duty_shift",
            shift.id,
            after={"user_id": user_id, "port_id": port_id, "starts_at": starts_at, "ends_at": ends_at},
            port_id=port_id,
        )
        return shift.id


def remove_duty_shift(db: Database, actor: Actor, shift_id: int) -> None:
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    with unit_of_work(db) as session:
        shift = session.get(DutyShift, shift_id)
        if shift is None:
            raise NotFound(
                f"Shift {shift_id} does not exist (already removed?).",
                key="errors.shift_not_found",
                params={"id": shift_id},
            )
        require_port(actor, shift.port_id)
        before: dict[str, Any] = {"user_id": shift.user_id, "port_id": shift.port_id, "starts_at": shift.starts_at,
                  "ends_at": shift.ends_at}  # fmt: skip
        session.delete(shift)
        record_audit(session, actor, "remove_shift", "duty_shift", shift_id, before=before, port_id=before["port_id"])


def _require_scope_over(session: Session, actor: Actor, user: User) -> None:
    """The actor's port scope reaches someone who works at one of its ports."""
    if actor.port_ids is None:
        return
    if not user.all_ports and any(covers_port(session, user, port_id) for port_id in actor.port_ids):
        return
    raise AccessDenied(
        f"{user.username} does not work at a port in your scope.",
        key="errors.user_outside_scope",
        params={"user": user.display_name},
    )


def declare_conflict(
    db: Database,
    actor: Actor,
    user_id: int,
    enterprise_id: int,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Record a conflict of interest: that person is never dispatched to, nor decides for, the enterprise.

    Inspectors declare their own; supervisors and administrators declare those of the people who work
    at a port in their scope (someone who works at every port, only one whose scope is every port).
    """
    if actor.role == Role.INSPECTOR:
        if actor.user_id != user_id:
            raise AccessDenied(
                "An inspector declares only their own conflicts of interest.", key="errors.conflict_own_only"
            )
    else:
        require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.INSPECTOR)
    now = as_utc(now or utcnow())  # SQLite keeps wall-clock time: store UTC only
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise InvalidInput(
            f"Keep the reason under {MAX_REASON} characters.",
            key="errors.text_too_long",
            params={"length": len(reason), "limit": MAX_REASON},
        )
    with unit_of_work(db) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"User {user_id} does not exist.", key="errors.user_not_found", params={"id": user_id})
        if actor.role != Role.INSPECTOR:
            _require_scope_over(session, actor, user)
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise NotFound(
                f"Enterprise {enterprise_id} does not exist.",
                key="errors.enterprise_not_found",
                params={"id": enterprise_id},
            )
        existing = session.scalar(
            select(ConflictOfInterest.id).where(
                and_(ConflictOfInterest.user_id == user_id, ConflictOfInterest.enterprise_id == enterprise_id)
            )
        )
        if existing is not None:
            raise Conflict(
                f"{user.username}'s conflict with {enterprise.name} is already declared.",
                key="errors.conflict_already_declared",
                params={"user": user.display_name, "enterprise": {"zh": enterprise.name, "en": enterprise.name_en}},
            )
        conflict = ConflictOfInterest(user_id=user_id, enterprise_id=enterprise_id, reason=reason, declared_at=now)
        session.add(conflict)
        session.flush()
        record_audit(
            session,
            actor,
            "declare_conflict",
            "conflict_of_interest",
            conflict.id,
            after={"user_id": user_id, "enterprise_id": enterprise_id, "reason": reason},
        )
        return conflict.id


__all__ = ["MAX_SHIFT_HOURS", "declare_conflict", "remove_duty_shift", "set_duty_shift"]
