"""Accounts: sign-in that resists abuse, sign-out, and the administrator's account management.

Sign-in in three steps, so that argon2 (slow on purpose) never runs inside a write transaction
(on SQLite a writer holds the database's one write lock for its whole transaction):

1. a short read: the account (if any) and the throttle rows of the client and of the name;
2. the password check, with no transaction open (against a dummy hash when the name is unknown);
3. a short write: the outcome, the failure counters (one atomic INSERT .. ON CONFLICT DO UPDATE
   .. RETURNING per counter: concurrent attempts never lose a count) and the audit entry.

Throttling (ThrottlePolicy), kept in the database so every replica shares it:

- per name (the normalised username, whether or not an account has it, so the answer never tells
  which names exist): after `free_failures` failures each further failure makes the name wait
  2^k seconds, up to `name_cap` (a minute). While it waits, an attempt is not checked at all and
  answers exactly like a wrong password (InvalidCredentials) after about the time a check takes;
  it does not count against the name, so it does not prolong the wait.
- per client (the address the caller passes as `client=`): after `client_free_failures` failures
  (any names, wrong or refused) the client waits 2^k seconds, up to `client_cap` (15 minutes by
  default). A waiting client gets SignInThrottled(retry_after) at once: no check, no write.
  Its refused attempts never reach the name's counter, so one client flooding a name delays
  that account by at most `name_cap` per period of its own wait; the account's owner on another
  client gets in once the name's short wait is over.
- counters restart after `reset_after` without a failure; the name's counter also on a sign-in.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.browser_sessions import end_user_sessions
from portsight.db.models import Port, SignInThrottle, User
from portsight.db.session import Database, unit_of_work
from portsight.db.sql import connection
from portsight.domain.access import SYSTEM, Actor, Role, require_role
from portsight.errors import InvalidInput
from portsight.i18n import t
from portsight.security import hash_password, verify_password

# The password of the embedded demo's accounts (published in the README): refused everywhere else.
DEMO_PASSWORD = "demo"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; this only keeps a pasted file out
USERNAME_LIMIT = 64
CLIENT_LIMIT = 200

CLIENT = "client"
NAME = "name"

# Verifying against a real hash when the user is unknown keeps the answer time the same,
# so response timing does not tell which usernames exist.
_started = time.perf_counter()
_DUMMY_HASH = hash_password("portsight-no-such-user")


class _CheckTime:
    """How long a password check takes here (moving average): a throttled answer waits as long."""

    def __init__(self, seconds: float):
        self._seconds = seconds
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._seconds = 0.8 * self._seconds + 0.2 * seconds

    @property
    def seconds(self) -> float:
        return self._seconds


_check_time = _CheckTime(time.perf_counter() - _started)

# Password checks running at once in this process: each takes 64 MB and 4 threads (argon2's
# lanes), so a flood of them would starve everything else, the short write transactions of other
# users (and of the flood's own failures) included. Half the CPUs; extra attempts queue here,
# outside any transaction.
_checks = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))


class LoginError(Exception):
    """A sign-in was refused; the subclass says why (the UI turns it into a message)."""


class InvalidCredentials(LoginError):
    """Unknown name, wrong password, or a name that must wait: deliberately one answer for all three."""

    def __init__(self) -> None:
        super().__init__("The username or password is not right, or there were too many attempts: try again later.")


class SignInThrottled(LoginError):
    """This client made too many failed attempts: it must wait retry_after seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed sign-ins from here: wait {retry_after} s.")
        self.retry_after = retry_after


class AccountLocked(LoginError):
    """No longer raised (throttling replaced the lock-out); kept so older callers still import."""

    def __init__(self, until: datetime):
        super().__init__(f"Account locked until {until.isoformat()}")
        self.until = until


class AccountInactive(LoginError):
    """The password was right but the account is switched off."""


class AccountRefused(InvalidInput):
    """An account change refused for what was asked; shown in the user's language (message_key)."""

    def __init__(self, message_key: str, **values: object):
        super().__init__(t("en", message_key, **values))
        self.message_key = message_key
        self.message_values = values


class UsernameTaken(AccountRefused):
    def __init__(self, username: str):
        super().__init__("account.username_taken", username=username)


class PasswordRejected(AccountRefused):
    """A new password does not meet the policy; reason is the i18n key saying why."""

    def __init__(self, reason: str):
        super().__init__(reason, min=MIN_PASSWORD_LENGTH)
        self.reason = reason


@dataclass(frozen=True)
class SignedIn:
    """What the UI keeps about a signed-in user."""

    actor: Actor
    display_name: str
    language: str
    must_change_password: bool = False


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5  # per name, before any wait
    name_cap: timedelta = timedelta(seconds=60)
    client_free_failures: int = 20  # per client: offices share an address
    client_cap: timedelta = timedelta(minutes=15)
    reset_after: timedelta = timedelta(hours=1)

    def wait(self, kind: str, failures: int) -> timedelta:
        free, cap = (
            (self.free_failures, self.name_cap) if kind == NAME else (self.client_free_failures, self.client_cap)
        )
        if failures < free:
            return timedelta(0)
        exponent = min(failures - free, 30)
        return min(cap, timedelta(seconds=2**exponent))


def actor_for(user: User) -> Actor:
    """The Actor for a user: role and port scope (None = every port)."""
    ports = None if user.all_ports else frozenset(p.id for p in user.ports)
    return Actor(user_id=user.id, username=user.username, role=Role(user.role), port_ids=ports)


def _normalise(username: str) -> str:
    return username.strip().lower()


def _anonymous(name: str) -> Actor:
    return Actor(user_id=None, username=name[:USERNAME_LIMIT] or "?", role=Role.GATE, port_ids=frozenset())


# ---------------------------------------------------------------- throttle counters


def _count_failure(session: Session, kind: str, subject: str, now: datetime, policy: ThrottlePolicy) -> int:
    """One more failure for (kind, subject), atomically; sets its wait. Returns the new count."""
    table = SignInThrottle.__table__
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stale = table.c.last_failure_at < now - policy.reset_after
    values = insert(table).values(kind=kind, subject=subject, failures=1, last_failure_at=now, blocked_until=None)
    stmt = values.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.subject],
        set_={
            "failures": case((stale, 1), else_=table.c.failures + 1),
            "last_failure_at": now,
            "blocked_until": case((stale, None), else_=table.c.blocked_until),
        },
    ).returning(table.c.failures)
    failures = int(session.execute(stmt).scalar_one())
    wait = policy.wait(kind, failures)
    if wait:
        until = now + wait
        session.execute(
            update(table)
            .where(table.c.kind == kind, table.c.subject == subject)
            .where(or_(table.c.blocked_until.is_(None), table.c.blocked_until < until))
            .values(blocked_until=until)
        )
    return failures


def _prune(db: Database, now: datetime, policy: ThrottlePolicy) -> None:
    """Forget counters nobody touched for reset_after (unknown names would pile up otherwise)."""
    table = SignInThrottle.__table__
    with unit_of_work(db) as session:
        session.execute(
            delete(table)
            .where(table.c.last_failure_at < now - policy.reset_after)
            .where(or_(table.c.blocked_until.is_(None), table.c.blocked_until < now))
        )


def _waits(conn: Connection, keys: list[tuple[str, str]], now: datetime) -> dict[str, datetime]:
    """The kinds among keys that must wait now, with the end of their wait."""
    table = SignInThrottle.__table__
    rows = conn.execute(
        select(table.c.kind, table.c.subject, table.c.blocked_until).where(
            or_(*[(table.c.kind == k) & (table.c.subject == s) for k, s in keys])
        )
    ).all()
    return {r.kind: as_utc(r.blocked_until) for r in rows if r.blocked_until and as_utc(r.blocked_until) > now}


# ---------------------------------------------------------------- sign-in


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
    policy: ThrottlePolicy | None = None,
    max_failures: int | None = None,
    lockout_minutes: int | None = None,
) -> SignedIn:
    """Check a username and password; raise a LoginError subclass when the sign-in is refused.

    max_failures (failures of a name before it waits) and lockout_minutes (the longest wait of a
    client) come from the settings; policy gives every knob.
    """
    policy = policy or ThrottlePolicy()
    if max_failures is not None:
        policy = replace(policy, free_failures=max_failures)
    if lockout_minutes is not None:
        policy = replace(policy, client_cap=timedelta(minutes=lockout_minutes))
    now = now or utcnow()
    name = _normalise(username)[:USERNAME_LIMIT]
    client_key = client[:CLIENT_LIMIT] if client else None
    keys = [(NAME, name)] + ([(CLIENT, client_key)] if client_key else [])

    # 1. A short read (no write lock): the waits and the account.
    with connection(db) as conn:
        waits = _waits(conn, keys, now)
        user = conn.execute(
            select(User.id, User.password_hash, User.active).where(func.lower(User.username) == name)
        ).one_or_none()
    if CLIENT in waits:
        raise SignInThrottled(max(1, math.ceil((waits[CLIENT] - now).total_seconds())))

    # 2. The check, outside any transaction. A waiting name is not checked: it answers after the
    #    time a check takes, so the wait cannot be told from a wrong password by its speed either.
    name_waits = NAME in waits
    if name_waits:
        time.sleep(_check_time.seconds)
        right = False
    else:
        with _checks:
            started = time.perf_counter()
            right = verify_password(user.password_hash if user else _DUMMY_HASH, password)
            _check_time.observe(time.perf_counter() - started)

    # 3. A short write: the outcome.
    outcome: LoginError | SignedIn
    with unit_of_work(db) as session:
        account = session.get(User, user.id) if right and user is not None else None
        if account is not None and user is not None and account.password_hash != user.password_hash:
            account = None  # changed meanwhile: the password checked is no longer the account's
        if account is not None:
            actor = actor_for(account)
            if not account.active:
                record_audit(session, actor, "login_refused", "user", account.id, after={"reason": "inactive"})
                outcome = AccountInactive()
            else:
                session.execute(
                    delete(SignInThrottle).where(SignInThrottle.kind == NAME, SignInThrottle.subject == name)
                )
                account.failed_logins = 0
                account.locked_until = None
                account.last_login_at = now
                record_audit(session, actor, "login", "user", account.id)
                outcome = SignedIn(
                    actor=actor,
                    display_name=account.display_name,
                    language=account.language,
                    must_change_password=account.must_change_password,
                )
        else:
            counts: dict[str, int] = {}
            if client_key:
                counts[CLIENT] = _count_failure(session, CLIENT, client_key, now, policy)
            if not name_waits:
                counts[NAME] = _count_failure(session, NAME, name, now, policy)
            if name_waits:
                reason = "throttled"
            else:
                reason = "wrong_password" if user is not None else "unknown_user"
            actor = _anonymous(name)
            if user is not None:
                actor = Actor(user_id=user.id, username=name, role=Role.GATE, port_ids=frozenset())
            record_audit(
                session,
                actor,
                "login_refused" if name_waits else "login_failed",
                "user",
                user.id if user else None,
                after={"reason": reason, "failures": counts.get(NAME), "client_failures": counts.get(CLIENT)},
            )
            outcome = InvalidCredentials()
    if isinstance(outcome, InvalidCredentials) and random.random() < 0.02:
        _prune(db, now, policy)
    if isinstance(outcome, LoginError):
        raise outcome
    return outcome


def sign_out(db: Database, actor: Actor) -> None:
    with unit_of_work(db) as session:
        record_audit(session, actor, "logout", "user", actor.user_id)


# ---------------------------------------------------------------- password policy


def check_password(password: str, username: str) -> None:
    """Raise PasswordRejected (reason = an i18n key) unless the password meets the policy."""
    if password != password.strip():
        raise PasswordRejected("account.password_spaces")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected("account.password_too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected("account.password_too_long")
    lowered = password.casefold()
    if lowered == _normalise(username).casefold():
        raise PasswordRejected("account.password_is_username")
    if lowered == DEMO_PASSWORD or lowered.replace(DEMO_PASSWORD, "") == "":
        raise PasswordRejected("account.password_is_demo")
    if len(set(password)) < 4:
        raise PasswordRejected("account.password_too_simple")


def generate_password() -> str:
    """A one-time password for an administrator's reset: 4 groups of 4 letters and digits."""
    import secrets

    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


# ---------------------------------------------------------------- administration


def _find(session: Session, user: int | str) -> User:
    if isinstance(user, int):
        found = session.get(User, user)
    else:
        found = session.scalars(select(User).where(func.lower(User.username) == _normalise(user))).one_or_none()
    if found is None:
        raise AccountRefused("account.unknown_account", name=str(user))
    return found


def _ports(session: Session, codes: Iterable[str]) -> list[Port]:
    wanted = sorted({c.strip().upper() for c in codes if c.strip()})
    ports = list(session.scalars(select(Port).where(Port.code.in_(wanted)))) if wanted else []
    unknown = set(wanted) - {p.code for p in ports}
    if unknown:
        raise AccountRefused("account.unknown_ports", codes=", ".join(sorted(unknown)))
    return ports


def _other_active_admins(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user_id)
        )
        or 0
    )


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
    must_change_password: bool = False,
    check_policy: bool = True,
) -> int:
    """Create a user with a port scope (port UN/LOCODEs) or all ports; returns the new id.

    check_policy=False only for fixtures that need a short known password (tests, benches).
    """
    require_role(actor, Role.ADMIN)
    name = _normalise(username)
    if not name or len(name) > USERNAME_LIMIT or any(c.isspace() for c in name):
        raise AccountRefused("account.bad_username", limit=USERNAME_LIMIT)
    try:
        role = Role(role)
    except ValueError:
        raise AccountRefused("account.bad_role", role=role, roles=", ".join(r.value for r in Role)) from None
    if check_policy:
        check_password(password, name)
    password_hash = hash_password(password)  # before the transaction: argon2 is slow on purpose
    with unit_of_work(db) as session:
        if session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
            raise UsernameTaken(name)
        ports = _ports(session, port_codes)
        user = User(
            username=name,
            display_name=display_name or name,
            role=role.value,
            password_hash=password_hash,
            active=active,
            all_ports=all_ports,
            language=language,
            expertise=expertise,
            failed_logins=0,
            must_change_password=must_change_password,
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
            after={
                "username": name,
                "role": role.value,
                "all_ports": all_ports,
                "ports": [p.code for p in ports],
                "active": active,
            },
        )
        return user.id


def set_password(db: Database, actor: Actor, user: int | str, new: str, *, must_change: bool = True) -> None:
    """An administrator's reset: the user must choose a new password at the next sign-in
    (unless must_change=False); every browser session of the user ends."""
    require_role(actor, Role.ADMIN)
    with connection(db) as conn:
        name = conn.scalar(
            select(User.username).where(
                User.id == user if isinstance(user, int) else func.lower(User.username) == _normalise(user)
            )
        )
    if name is None:
        raise AccountRefused("account.unknown_account", name=str(user))
    check_password(new, name)
    password_hash = hash_password(new)
    with unit_of_work(db) as session:
        account = _find(session, user)
        account.password_hash = password_hash
        account.must_change_password = must_change
        ended = end_user_sessions(session, account.id, "password")
        record_audit(
            session,
            actor,
            "reset_password",
            "user",
            account.id,
            after={"must_change": must_change, "sessions_ended": ended},
        )


def change_password(db: Database, actor: Actor, *, current: str, new: str, keep_token: str | None = None) -> None:
    """The signed-in user's own change: current password checked, policy applied, the user's
    other browser sessions end (the one holding keep_token stays signed in)."""
    if actor.user_id is None:
        raise AccountRefused("account.unknown_account", name=actor.username)
    with connection(db) as conn:
        row = conn.execute(select(User.username, User.password_hash).where(User.id == actor.user_id)).one_or_none()
    if row is None:
        raise AccountRefused("account.unknown_account", name=actor.username)
    if not verify_password(row.password_hash, current):  # outside any transaction
        raise PasswordRejected("account.current_password_wrong")
    check_password(new, row.username)
    if new == current:
        raise PasswordRejected("account.password_unchanged")
    password_hash = hash_password(new)
    with unit_of_work(db) as session:
        account = _find(session, actor.user_id)
        if account.password_hash != row.password_hash:
            raise AccountRefused("account.changed_meanwhile")
        account.password_hash = password_hash
        account.must_change_password = False
        ended = end_user_sessions(session, account.id, "password", keep_token=keep_token)
        record_audit(session, actor, "change_password", "user", account.id, after={"sessions_ended": ended})


def set_active(db: Database, actor: Actor, user: int | str, active: bool) -> None:
    """Switch an account on or off; switching it off ends its browser sessions at once."""
    require_role(actor, Role.ADMIN)
    with unit_of_work(db) as session:
        account = _find(session, user)
        if not active:
            if account.id == actor.user_id:
                raise AccountRefused("account.not_yourself")
            if account.role == Role.ADMIN.value and not _other_active_admins(session, account.id):
                raise AccountRefused("account.last_admin")
        before = account.active
        account.active = active
        ended = 0 if active else end_user_sessions(session, account.id, "admin")
        record_audit(
            session,
            actor,
            "activate_user" if active else "deactivate_user",
            "user",
            account.id,
            before={"active": before},
            after={"active": active, "sessions_ended": ended},
        )


def deactivate_user(db: Database, actor: Actor, user: int | str) -> None:
    set_active(db, actor, user, False)


def activate_user(db: Database, actor: Actor, user: int | str) -> None:
    set_active(db, actor, user, True)


def unlock_user(db: Database, actor: Actor, user: int | str) -> None:
    """Clear the account name's failure count and wait."""
    require_role(actor, Role.ADMIN)
    with unit_of_work(db) as session:
        account = _find(session, user)
        session.execute(
            delete(SignInThrottle).where(SignInThrottle.kind == NAME, SignInThrottle.subject == account.username)
        )
        account.failed_logins = 0
        account.locked_until = None
        record_audit(session, actor, "unlock", "user", account.id)


def update_user(
    db: Database,
    actor: Actor,
    user: int | str,
    *,
    role: Role | str | None = None,
    port_codes: Iterable[str] | None = None,
    all_ports: bool | None = None,
    display_name: str | None = None,
) -> None:
    """Change role, port scope (codes, or all ports) or display name; applies on the user's next action."""
    require_role(actor, Role.ADMIN)
    with unit_of_work(db) as session:
        account = _find(session, user)
        before = {
            "role": account.role,
            "all_ports": account.all_ports,
            "ports": sorted(p.code for p in account.ports),
            "display_name": account.display_name,
        }
        if role is not None:
            try:
                new_role = Role(role)
            except ValueError:
                raise AccountRefused("account.bad_role", role=role, roles=", ".join(r.value for r in Role)) from None
            if (
                account.role == Role.ADMIN.value
                and new_role is not Role.ADMIN
                and account.active
                and not _other_active_admins(session, account.id)
            ):
                raise AccountRefused("account.last_admin")
            account.role = new_role.value
        if all_ports is not None:
            account.all_ports = all_ports
        if port_codes is not None:
            account.ports = _ports(session, port_codes)
        if display_name is not None and display_name.strip():
            account.display_name = display_name.strip()[:120]
        after = {
            "role": account.role,
            "all_ports": account.all_ports,
            "ports": sorted(p.code for p in account.ports),
            "display_name": account.display_name,
        }
        record_audit(session, actor, "update_user", "user", account.id, before=before, after=after)


@dataclass(frozen=True)
class UserRow:
    """One account as the administrator sees it."""

    id: int
    username: str
    display_name: str
    role: str
    all_ports: bool
    ports: tuple[str, ...]
    active: bool
    last_login_at: datetime | None
    must_change_password: bool
    failures: int  # failed sign-ins of the name counted now
    throttled_until: datetime | None  # the name must wait until then


def user_rows(db: Database, *, now: datetime | None = None) -> list[UserRow]:
    """Every account for the administrator: role, ports, active, last sign-in, the name's wait."""
    now = now or utcnow()
    with unit_of_work(db) as session:  # a read; the unit of work gives the ports relationship
        users = list(session.scalars(select(User).order_by(User.username)))
        counts = {
            row.subject: (row.failures, as_utc(row.blocked_until) if row.blocked_until else None)
            for row in session.execute(
                select(SignInThrottle.subject, SignInThrottle.failures, SignInThrottle.blocked_until).where(
                    SignInThrottle.kind == NAME
                )
            )
        }
        rows = []
        for u in users:
            failures, until = counts.get(u.username, (0, None))
            rows.append(
                UserRow(
                    id=u.id,
                    username=u.username,
                    display_name=u.display_name,
                    role=u.role,
                    all_ports=u.all_ports,
                    ports=tuple(sorted(p.code for p in u.ports)),
                    active=u.active,
                    last_login_at=as_utc(u.last_login_at) if u.last_login_at else None,
                    must_change_password=u.must_change_password,
                    failures=failures,
                    throttled_until=until if until and until > now else None,
                )
            )
        return rows


def demo_password_users(
    db: Database, *, verdicts: dict[str, bool] | None = None, budget: int | None = None
) -> tuple[list[str], int]:
    """Active accounts whose password is still the demo's; and how many hashes are left unchecked.

    Each distinct hash is checked once (verdicts, kept by the caller across calls, remembers the
    answers); at most `budget` new hashes per call, so a page pays a bounded price.
    """
    verdicts = {} if verdicts is None else verdicts
    with connection(db) as conn:
        rows = conn.execute(select(User.username, User.password_hash).where(User.active.is_(True))).all()
    pending = [h for h in dict.fromkeys(r.password_hash for r in rows) if h not in verdicts]
    for password_hash in pending[:budget] if budget is not None else pending:
        verdicts[password_hash] = verify_password(password_hash, DEMO_PASSWORD)
    left = sum(1 for h in dict.fromkeys(r.password_hash for r in rows) if h not in verdicts)
    return sorted(r.username for r in rows if verdicts.get(r.password_hash)), left


__all__ = [
    "DEMO_PASSWORD",
    "SYSTEM",
    "AccountInactive",
    "AccountLocked",
    "AccountRefused",
    "InvalidCredentials",
    "LoginError",
    "PasswordRejected",
    "SignInThrottled",
    "SignedIn",
    "ThrottlePolicy",
    "UserRow",
    "UsernameTaken",
    "activate_user",
    "actor_for",
    "authenticate",
    "change_password",
    "check_password",
    "create_user",
    "deactivate_user",
    "demo_password_users",
    "generate_password",
    "set_active",
    "set_password",
    "sign_out",
    "unlock_user",
    "update_user",
    "user_rows",
]
