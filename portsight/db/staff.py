"""Who works where: a user covers every port (all_ports) or the ports listed for them (user_ports).

Dispatch, the roster, the second inspector of a decision, alert assignment and the pages' pickers
all ask it; the SQL form filters a select of users, the Python form checks one loaded user.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from portsight.db.models import User, UserPort
from portsight.domain.access import Role


def works_at(port_id: int) -> ColumnElement[bool]:
    """SQL: the user covers the port."""
    return or_(User.all_ports.is_(True), User.id.in_(select(UserPort.user_id).where(UserPort.port_id == port_id)))


def active_inspector_at(port_id: int) -> ColumnElement[bool]:
    """SQL: the user is an active inspector who covers the port."""
    return and_(User.role == Role.INSPECTOR.value, User.active.is_(True), works_at(port_id))


def covers_port(session: Session, user: User, port_id: int | None) -> bool:
    """Whether a loaded user covers the port (only a user of every port covers "no port")."""
    if user.all_ports or port_id is None:
        return bool(user.all_ports)
    return session.get(UserPort, (user.id, port_id)) is not None


def is_active_inspector(user: User) -> bool:
    return user.role == Role.INSPECTOR.value and bool(user.active)
