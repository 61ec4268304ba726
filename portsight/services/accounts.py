"""Accounts: sign-in with lockout, sign-out, user creation, and the Actor a signed-in user acts as.

Every outcome of a sign-in attempt is written to the audit log in its own transaction, so a
failed attempt (and the failure counter) is committed even though the caller gets an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Port, User
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role, require_role
from portsight.security import hash_password, verify_password

# Verifying against a real hash when the user is unknown keeps the answer time the same,
# so response timing does not tell which usernames exist.
_DUMMY_HASH = hash_password("portsight-no-such-user")


class LoginError(Exception):
    """A sign-in was refused; the subclass says why (the UI turns it into a message)."""


class InvalidCredentials(LoginError):
    """Unknown user or wrong password: deliberately the same error for both."""


class AccountLocked(LoginError):
    def __init__(self, until: datetime):
        super().__init__(f"Account locked until {until.isoformat()}")
        self.until = until


class AccountInactive(LoginError):
    """The password was right but the account is switched off."""


class UsernameTaken(ValueError):
    pass


@dataclass(frozen=True)
class SignedIn:
    """What the UI keeps about a signed-in user."""

    actor: Actor
    display_name: str
    language: str


def actor_for(user: User) -> Actor:
    """The Actor for a user: role and port scope (None = every port)."""
    ports = None if user.all_ports else frozenset(p.id for p in user.ports)
    return Actor(user_id=user.id, username=user.username, role=Role(user.role), port_ids=ports)


def _normalise(username: str) -> str:
    return username.strip().lower()


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    max_failures: int = 5,
    lockout_minutes: int = 15,
    now: datetime | None = None,
) -> SignedIn:
    """Check a username and password; raise a LoginError subclass when the sign-in is refused.

    After max_failures wrong passwords in a row the account is locked for lockout_minutes.
    """
    now = now or utcnow()
    name = _normalise(username)
    outcome: LoginError | SignedIn
    with unit_of_work(db) as session:
        user = session.scalars(select(User).where(func.lower(User.username) == name)).one_or_none()
        if user is None:
            verify_password(_DUMMY_HASH, password)
            anonymous = Actor(user_id=None, username=name[:64] or "?", role=Role.GATE, port_ids=frozenset())
            record_audit(session, anonymous, "login_failed", "user", None, after={"reason": "unknown_user"})
            outcome = InvalidCredentials()
        else:
            actor = actor_for(user)
            locked_until = as_utc(user.locked_until) if user.locked_until else None
            if locked_until and locked_until > now:
                record_audit(session, actor, "login_refused", "user", user.id, after={"reason": "locked"})
                outcome = AccountLocked(locked_until)
            elif not verify_password(user.password_hash, password):
                user.failed_logins = (user.failed_logins or 0) + 1
                if user.failed_logins >= max_failures:
                    user.locked_until = now + timedelta(minutes=lockout_minutes)
                    user.failed_logins = 0
                    record_audit(
                        session,
                        actor,
                        "lockout",
                        "user",
                        user.id,
                        after={"locked_until": user.locked_until, "failures": max_failures},
                    )
                    outcome = AccountLocked(user.locked_until)
                else:
                    record_audit(
                        session,
                        actor,
                        "login_failed",
                        "user",
                        user.id,
                        after={"reason": "wrong_password", "failures": user.failed_logins},
                    )
                    outcome = InvalidCredentials()
            elif not user.active:
                record_audit(session, actor, "login_refused", "user", user.id, after={"reason": "inactive"})
                outcome = AccountInactive()
            else:
                user.failed_logins = 0
                user.locked_until = None
                user.last_login_at = now
                record_audit(session, actor, "login", "user", user.id)
                outcome = SignedIn(actor=actor, display_name=user.display_name, language=user.language)
    if isinstance(outcome, LoginError):
        raise outcome
    return outcome


def sign_out(db: Database, actor: Actor) -> None:
    with unit_of_work(db) as session:
        record_audit(session, actor, "logout", "user", actor.user_id)


def create_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    port_codes: Iterable[str] = (),
    all_ports: bool = False,
    language: str = "zh_CN",
    expertise: str | None = None,
    active: bool = True,
) -> int:
    """Create a user with a port scope (port UN/LOCODEs) or all ports; returns the new id."""
    require_role(actor, Role.ADMIN)
    name = _normalise(username)
    role = Role(role)
    with unit_of_work(db) as session:
        if session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
            raise UsernameTaken(f"The username {name!r} is already taken.")
        codes = sorted(set(port_codes))
        ports = list(session.scalars(select(Port).where(Port.code.in_(codes)))) if codes else []
        unknown = set(codes) - {p.code for p in ports}
        if unknown:
            raise ValueError(f"Unknown port code(s): {', '.join(sorted(unknown))}")
        user = User(
            username=name,
            display_name=display_name or name,
            role=role.value,
            password_hash=hash_password(password),
            active=active,
            all_ports=all_ports,
            language=language,
            expertise=expertise,
            failed_logins=0,
            ports=ports,
        )
        session.add(user)
        session.flush()
        record_audit(
            session,
            actor,
            "create_user",
            "user",
            user.id,
            after={"username": name, "role": role.value, "all_ports": all_ports, "ports": codes},
        )
        return user.id


__all__ = [
    "SYSTEM",
    "AccountInactive",
    "AccountLocked",
    "InvalidCredentials",
    "LoginError",
    "SignedIn",
    "UsernameTaken",
    "actor_for",
    "authenticate",
    "create_user",
    "sign_out",
]
