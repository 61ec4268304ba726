"""Sign-in, lockout, sign-out and user creation against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portsight.clock import as_utc, utcnow
from portsight.db.models import AuditEntry, Port, User
from portsight.domain.access import SYSTEM, AccessDenied, Actor, Role
from portsight.services.accounts import (
    AccountInactive,
    AccountLocked,
    InvalidCredentials,
    UsernameTaken,
    actor_for,
    authenticate,
    create_user,
    sign_out,
)


@pytest.fixture
def port(db) -> int:
    db.execute(
        Port.__table__.insert().values(
            code="CNSGH", name_en="Shanghai", name_zh="上海", kind="sea", timezone="Asia/Shanghai"
        )
    )
    return db.scalar(select(Port.id).where(Port.code == "CNSGH"))


def actions(db, username: str) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.actor == username).order_by(AuditEntry.id)))


def test_right_password_signs_in_with_role_and_port_scope(db, port):
    create_user(db, SYSTEM, username="Inspector", password="pw", role="inspector", port_codes=["CNSGH"])
    signed = authenticate(db, " inspector ", "pw")
    assert signed.actor.role is Role.INSPECTOR
    assert signed.actor.port_ids == frozenset({port})
    assert actions(db, "inspector")[-1] == "login"


def test_all_ports_user_has_no_port_limit(db, port):
    create_user(db, SYSTEM, username="boss", password="pw", role="supervisor", all_ports=True)
    assert authenticate(db, "boss", "pw").actor.port_ids is None


def test_wrong_password_and_unknown_user_give_the_same_error(db, port):
    create_user(db, SYSTEM, username="a", password="pw", role="gate", port_codes=["CNSGH"])
    with pytest.raises(InvalidCredentials) as wrong:
        authenticate(db, "a", "nope")
    with pytest.raises(InvalidCredentials) as unknown:
        authenticate(db, "nobody", "pw")
    assert type(wrong.value) is type(unknown.value) and str(wrong.value) == str(unknown.value)
    assert actions(db, "a")[-1] == "login_failed"
    assert actions(db, "nobody") == ["login_failed"]


def test_account_locks_after_max_failures_and_says_until_when(db, port):
    create_user(db, SYSTEM, username="b", password="pw", role="gate", port_codes=["CNSGH"])
    now = utcnow()
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            authenticate(db, "b", "bad", max_failures=3, lockout_minutes=10, now=now)
    with pytest.raises(AccountLocked) as locked:
        authenticate(db, "b", "bad", max_failures=3, lockout_minutes=10, now=now)
    assert locked.value.until == now + timedelta(minutes=10)
    with pytest.raises(AccountLocked):  # even the right password is refused while locked
        authenticate(db, "b", "pw", max_failures=3, lockout_minutes=10, now=now + timedelta(minutes=5))
    assert "lockout" in actions(db, "b")
    signed = authenticate(db, "b", "pw", max_failures=3, lockout_minutes=10, now=now + timedelta(minutes=11))
    assert signed.actor.username == "b"
    row = db.execute(select(User.failed_logins, User.locked_until).where(User.username == "b")).one()
    assert tuple(row) == (0, None)


def test_failed_attempts_are_committed_although_the_caller_gets_an_error(db, port):
    create_user(db, SYSTEM, username="c", password="pw", role="gate", port_codes=["CNSGH"])
    with pytest.raises(InvalidCredentials):
        authenticate(db, "c", "bad")
    assert db.scalar(select(User.failed_logins).where(User.username == "c")) == 1


def test_inactive_account_is_refused_only_with_the_right_password(db, port):
    create_user(db, SYSTEM, username="d", password="pw", role="expert", all_ports=True, active=False)
    with pytest.raises(InvalidCredentials):
        authenticate(db, "d", "bad")
    with pytest.raises(AccountInactive):
        authenticate(db, "d", "pw")


def test_sign_out_is_audited(db, port):
    create_user(db, SYSTEM, username="e", password="pw", role="expert", all_ports=True)
    sign_out(db, authenticate(db, "e", "pw").actor)
    assert actions(db, "e")[-2:] == ["login", "logout"]


def test_only_an_administrator_creates_users(db, port):
    clerk = Actor(user_id=None, username="clerk", role=Role.SUPERVISOR, port_ids=None)
    with pytest.raises(AccessDenied):
        create_user(db, clerk, username="f", password="pw", role="gate")


def test_username_is_unique_case_insensitively(db, port):
    create_user(db, SYSTEM, username="g", password="pw", role="gate", port_codes=["CNSGH"])
    with pytest.raises(UsernameTaken):
        create_user(db, SYSTEM, username="G", password="pw", role="gate")


def test_unknown_port_code_is_refused(db, port):
    with pytest.raises(ValueError, match="CNXXX"):
        create_user(db, SYSTEM, username="h", password="pw", role="gate", port_codes=["CNXXX"])


def test_actor_for_reads_scope_from_the_user(db, port):
    create_user(db, SYSTEM, username="i", password="pw", role="inspector", port_codes=["CNSGH"])
    from portsight.db.session import unit_of_work

    with unit_of_work(db) as s:
        user = s.scalars(select(User).where(User.username == "i")).one()
        assert actor_for(user) == Actor(user_id=user.id, username="i", role=Role.INSPECTOR, port_ids=frozenset({port}))
        assert user.password_hash.startswith("$argon2id$")
        assert as_utc(s.scalar(select(AuditEntry.at).where(AuditEntry.action == "create_user"))) <= utcnow()
