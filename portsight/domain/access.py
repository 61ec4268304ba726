"""Roles, what each may open, and port scope. Services call these; a hidden menu entry is not a permission."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    EXPERT = "expert"
    INSPECTOR = "inspector"
    ADMIN = "admin"
    GATE = "gate"


# Page key -> roles that may open it. The order is the menu order.
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "home": frozenset(Role),
    "overview": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "inspections": frozenset({Role.SUPERVISOR, Role.ADMIN, Role.EXPERT}),
    "alerts": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "notifications": frozenset({Role.SUPERVISOR, Role.ADMIN, Role.EXPERT}),  # experts: to be rung
    "statistics": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "enterprise": frozenset({Role.SUPERVISOR, Role.ADMIN}),  # opened by its links, not from the menu
    "field_inspection": frozenset({Role.INSPECTOR}),
    "remote_assist": frozenset({Role.EXPERT, Role.INSPECTOR, Role.SUPERVISOR}),
    "selection": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "roster": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "rules": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "risk_profiles": frozenset({Role.ADMIN, Role.SUPERVISOR}),  # administrators change, supervisors read
    "alert_settings": frozenset({Role.ADMIN}),
    "data_exchange": frozenset({Role.ADMIN}),
    "users": frozenset({Role.ADMIN}),
    "administration": frozenset({Role.ADMIN}),
    "gate": frozenset({Role.GATE}),
}


class AccessDenied(PermissionError):
    """The signed-in user may not do this; the message says what is missing.

    The message is English; `key` and `params` name it in the catalogues for a page in the
    reader's language (as portsight.errors.PortSightError does)."""

    def __init__(self, message: str, *, key: str | None = None, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message_key = key
        self.message_values = dict(params or {})


@dataclass(frozen=True)
class Actor:
    """Who is acting: what services need to check role and port scope and to write the audit log."""

    user_id: int | None
    username: str
    role: Role
    # None means every port (administrators, national supervisors).
    port_ids: frozenset[int] | None
    # The demo's simulator acting through one of its accounts: the audit marks what it does.
    simulated: bool = False

    def sees_port(self, port_id: int | None) -> bool:
        return self.port_ids is None or port_id in self.port_ids

    def scope(self, requested: Iterable[int] | None = None) -> frozenset[int] | None:
        """The ports a read covers: the requested ones cut down to this actor's scope."""
        if requested is None:
            return self.port_ids
        wanted = frozenset(requested)
        return wanted if self.port_ids is None else wanted & self.port_ids


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, port_ids=None)


def pages_for(role: Role | str) -> list[str]:
    role = Role(role)
    return [page for page, roles in PAGE_ROLES.items() if role in roles]


def may_open(role: Role | str, page: str) -> bool:
    return Role(role) in PAGE_ROLES.get(page, frozenset())


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise AccessDenied(
            f"This needs the role {allowed}; you are signed in as {actor.role.value}.",
            key="errors.role_needed",
            params={"roles": [{"role": r.value} for r in roles], "role": {"role": actor.role.value}},
        )


def require_port(actor: Actor, port_id: int | None) -> None:
    if not actor.sees_port(port_id):
        raise AccessDenied("This belongs to a port outside your scope.", key="errors.port_outside_scope")
