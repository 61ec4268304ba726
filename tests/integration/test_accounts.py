"""Sign-in with throttling, sign-out and account management against SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from portsight.clock import as_utc, utcnow
from portsight.db.models import AuditEntry, BrowserSession, Port, SignInThrottle, User
from portsight.db.session import unit_of_work
from portsight.domain.access import SYSTEM, AccessDenied, Actor, Role
from portsight.errors import InvalidInput
from portsight.i18n import catalogue
from portsight.services.accounts import (
    AccountInactive,
    AccountRefused,
    InvalidCredentials,
    PasswordRejected,
    SignInThrottled,
    ThrottlePolicy,
    UsernameTaken,
    activate_user,
    actor_for,
    authenticate,
    change_password,
    check_password,
    create_user,
    deactivate_user,
    demo_password_users,
    set_password,
    sign_out,
    unlock_user,
    update_user,
    user_rows,
)

PW = "harbour-crane-42"
OTHER = "quay-side-lamp-7"


def make(db, username: str, password: str = PW, **kw) -> int:
    kw.setdefault("role", "gate")
    if "all_ports" not in kw:
        kw.setdefault("port_codes", ["CNSGH"])
    return create_user(db, SYSTEM, username=username, password=password, **kw)


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


def name_count(db, name: str) -> tuple[int, object] | None:
    row = db.execute(
        select(SignInThrottle.failures, SignInThrottle.blocked_until).where(
            SignInThrottle.kind == "name", SignInThrottle.subject == name
        )
    ).one_or_none()
    return None if row is None else (row.failures, row.blocked_until)


def test_right_password_signs_in_with_role_and_port_scope(db, port):
    make(db, "Inspector", role="inspector")
    signed = authenticate(db, " inspector ", PW)
    assert signed.actor.role is Role.INSPECTOR
    assert signed.actor.port_ids == frozenset({port})
    assert signed.must_change_password is False
    assert actions(db, "inspector")[-1] == "login"


def test_all_ports_user_has_no_port_limit(db, port):
    make(db, "boss", role="supervisor", all_ports=True)
    assert authenticate(db, "boss", PW).actor.port_ids is None


def test_unknown_name_wrong_password_and_waiting_name_answer_alike(db, port):
    make(db, "a")
    policy = ThrottlePolicy(free_failures=2)
    now = utcnow()
    with pytest.raises(InvalidCredentials) as wrong:
        authenticate(db, "a", "nope", now=now, policy=policy)
    with pytest.raises(InvalidCredentials) as unknown:
        authenticate(db, "nobody", PW, now=now, policy=policy)
    with pytest.raises(InvalidCredentials):
        authenticate(db, "a", "nope", now=now, policy=policy)  # the second failure: "a" now waits
    with pytest.raises(InvalidCredentials) as waiting:
        authenticate(db, "a", PW, now=now, policy=policy)  # even the right password, unchecked
    answers = [wrong.value, unknown.value, waiting.value]
    assert {type(e) for e in answers} == {InvalidCredentials}
    assert len({str(e) for e in answers}) == 1
    assert actions(db, "a")[-1] == "login_refused"
    assert actions(db, "nobody") == ["login_failed"]


def test_unknown_names_are_counted_and_made_to_wait_like_accounts(db, port):
    make(db, "known")
    policy = ThrottlePolicy(free_failures=3)
    now = utcnow()
    for name in ("known", "ghost"):
        for _ in range(3):
            with pytest.raises(InvalidCredentials):
                authenticate(db, name, "bad", now=now, policy=policy)
    known, ghost = name_count(db, "known"), name_count(db, "ghost")
    assert known is not None and ghost is not None
    assert known[0] == ghost[0] == 3
    assert as_utc(known[1]) == as_utc(ghost[1]) == now + timedelta(seconds=1)


def test_the_wait_doubles_with_each_failure_up_to_the_cap(db, port):
    make(db, "b")
    policy = ThrottlePolicy(free_failures=3, name_cap=timedelta(seconds=10))
    now = utcnow()
    waits = []
    for _ in range(8):
        with pytest.raises(InvalidCredentials):
            authenticate(db, "b", "bad", now=now, policy=policy)
        count = name_count(db, "b")
        assert count is not None
        waits.append(None if count[1] is None else (as_utc(count[1]) - now).total_seconds())
        now = now + timedelta(seconds=20)  # each attempt after the previous wait is over
    assert waits == [None, None, 1, 2, 4, 8, 10, 10]


def test_right_password_after_the_wait_signs_in_and_resets_the_count(db, port):
    make(db, "c")
    policy = ThrottlePolicy(free_failures=3)
    now = utcnow()
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            authenticate(db, "c", "bad", now=now, policy=policy)
    with pytest.raises(InvalidCredentials):
        authenticate(db, "c", PW, now=now + timedelta(milliseconds=500), policy=policy)  # still waiting (1 s)
    signed = authenticate(db, "c", PW, now=now + timedelta(seconds=2), policy=policy)
    assert signed.actor.username == "c"
    assert name_count(db, "c") is None
    assert db.scalar(select(User.last_login_at).where(User.username == "c")) is not None


def test_a_flooding_client_waits_while_the_owner_signs_in_from_elsewhere(db, port):
    """Policy: a client's wait doubles up to 15 minutes, a name's up to a minute, and attempts
    refused at the client never reach the name: the owner, on another client, gets in."""
    make(db, "d")
    policy = ThrottlePolicy(free_failures=5, client_free_failures=10)
    now = utcnow()
    for second in range(200):  # one guess a second for 200 s from one address
        with pytest.raises((InvalidCredentials, SignInThrottled)):
            authenticate(db, "d", "guess", client="203.0.113.9", now=now + timedelta(seconds=second), policy=policy)
    waits = {
        r.kind: as_utc(r.blocked_until)
        for r in db.execute(
            select(SignInThrottle.kind, SignInThrottle.blocked_until).where(
                SignInThrottle.subject.in_(["d", "203.0.113.9"])
            )
        )
    }
    owner_at = waits["name"] + timedelta(seconds=1)
    assert waits["client"] > owner_at  # the flooding client still waits when the name is free again
    with pytest.raises(SignInThrottled) as throttled:
        authenticate(db, "d", PW, client="203.0.113.9", now=owner_at, policy=policy)
    assert throttled.value.retry_after > 0
    assert authenticate(db, "d", PW, client="198.51.100.4", now=owner_at, policy=policy).actor.username == "d"


def test_failed_attempts_are_committed_although_the_caller_gets_an_error(db, port):
    make(db, "e")
    with pytest.raises(InvalidCredentials):
        authenticate(db, "e", "bad")
    count = name_count(db, "e")
    assert count is not None and count[0] == 1


def test_inactive_account_is_refused_only_with_the_right_password(db, port):
    make(db, "f", role="expert", all_ports=True, active=False)
    with pytest.raises(InvalidCredentials):
        authenticate(db, "f", "bad")
    with pytest.raises(AccountInactive):
        authenticate(db, "f", PW)


def test_sign_out_is_audited(db, port):
    make(db, "g", role="expert", all_ports=True)
    sign_out(db, authenticate(db, "g", PW).actor)
    assert actions(db, "g")[-2:] == ["login", "logout"]


@pytest.fixture
def committed(engine):
    """Accounts committed for real (threads use their own connections); removed afterwards."""
    names: list[str] = []

    def add(**kw) -> str:
        name = f"flood-{uuid.uuid4().hex[:8]}"
        create_user(engine, SYSTEM, username=name, password=PW, role="gate", **kw)
        names.append(name)
        return name

    yield add
    with unit_of_work(engine) as s:
        ids = list(s.scalars(select(User.id).where(User.username.in_(names))))
        s.execute(delete(AuditEntry).where(AuditEntry.user_id.in_(ids) | AuditEntry.actor.in_(names)))
        s.execute(delete(BrowserSession).where(BrowserSession.user_id.in_(ids)))
        s.execute(delete(SignInThrottle).where(SignInThrottle.subject.in_(names)))
        s.execute(delete(User).where(User.id.in_(ids)))


def test_thirty_concurrent_wrong_passwords_are_all_counted(engine, committed):
    name = committed(all_ports=True)
    # Thirty attempts are all checked (no wait before the thirtieth): only atomic increments
    # end at 30; a read-then-write counter loses some and the name would not wait.
    policy = ThrottlePolicy(free_failures=30)
    start = threading.Barrier(30)
    answers: list[BaseException] = []

    def attempt() -> None:
        start.wait()
        try:
            authenticate(engine, name, "wrong-guess", policy=policy)
        except BaseException as exc:  # noqa: BLE001 - collected and checked below
            answers.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [type(a) for a in answers] == [InvalidCredentials] * 30
    with engine.connect() as conn:
        count = name_count(conn, name)
        last = conn.scalar(select(SignInThrottle.last_failure_at).where(SignInThrottle.subject == name))
    assert count is not None and count[0] == 30
    assert count[1] is not None and as_utc(count[1]) > as_utc(last)  # the thirtieth set a wait
    with pytest.raises(InvalidCredentials):  # during it even the right password is refused
        authenticate(engine, name, PW, policy=policy, now=as_utc(last))


def test_password_policy_gives_reasons():
    for password, reason in [
        ("short", "account.password_too_short"),
        ("demodemodemodemo", "account.password_is_demo"),
        ("aaaaaaaaaaaaaaaa", "account.password_too_simple"),
        (" harbour-crane-42", "account.password_spaces"),
        ("Harbourmaster01", "account.password_is_username"),
    ]:
        with pytest.raises(PasswordRejected) as rejected:
            check_password(password, "harbourmaster01")
        assert rejected.value.reason == reason
        assert reason in catalogue("en") and reason in catalogue("zh_CN")
    check_password(PW, "harbourmaster01")


def test_create_user_applies_the_password_policy(db, port):
    with pytest.raises(PasswordRejected):
        create_user(db, SYSTEM, username="h", password="demo", role="gate")


def test_only_an_administrator_creates_and_manages_users(db, port):
    clerk = Actor(user_id=None, username="clerk", role=Role.SUPERVISOR, port_ids=None)
    with pytest.raises(AccessDenied):
        create_user(db, clerk, username="i", password=PW, role="gate")
    make(db, "j")
    for call in (
        lambda: set_password(db, clerk, "j", OTHER),
        lambda: deactivate_user(db, clerk, "j"),
        lambda: unlock_user(db, clerk, "j"),
        lambda: update_user(db, clerk, "j", role="admin"),
    ):
        with pytest.raises(AccessDenied):
            call()


def test_username_is_unique_case_insensitively(db, port):
    make(db, "k")
    with pytest.raises(UsernameTaken):
        make(db, "K")


def test_unknown_port_code_is_refused(db, port):
    with pytest.raises(InvalidInput, match="CNXXX"):
        make(db, "l", port_codes=["CNXXX"])


def open_session(db, user_id: int, token_hash: str) -> None:
    now = utcnow()
    db.execute(
        BrowserSession.__table__.insert().values(
            token_hash=token_hash,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=8),
        )
    )


def ended(db, user_id: int) -> dict[str, str | None]:
    rows = db.execute(
        select(BrowserSession.token_hash, BrowserSession.end_reason).where(BrowserSession.user_id == user_id)
    )
    return {r.token_hash: r.end_reason for r in rows}


def test_reset_forces_a_change_and_ends_the_users_sessions(db, port):
    uid = make(db, "m")
    open_session(db, uid, "a" * 64)
    set_password(db, SYSTEM, "m", OTHER)
    assert ended(db, uid) == {"a" * 64: "password"}
    with pytest.raises(InvalidCredentials):
        authenticate(db, "m", PW)
    signed = authenticate(db, "m", OTHER)
    assert signed.must_change_password is True
    assert "reset_password" in actions(db, "system")


def test_own_change_checks_the_current_password_and_keeps_this_session(db, port):
    import hashlib

    uid = make(db, "n", must_change_password=True)
    actor = authenticate(db, "n", PW).actor
    keep, other = hashlib.sha256(b"this-tab").hexdigest(), "b" * 64
    open_session(db, uid, keep)
    open_session(db, uid, other)
    with pytest.raises(PasswordRejected) as wrong:
        change_password(db, actor, current="nope", new=OTHER)
    assert wrong.value.reason == "account.current_password_wrong"
    with pytest.raises(PasswordRejected) as weak:
        change_password(db, actor, current=PW, new="short")
    assert weak.value.reason == "account.password_too_short"
    change_password(db, actor, current=PW, new=OTHER, keep_token="this-tab")
    assert ended(db, uid) == {keep: None, other: "password"}
    assert authenticate(db, "n", OTHER).must_change_password is False


def test_deactivation_ends_sessions_and_activation_lets_the_user_back(db, port):
    uid = make(db, "o")
    open_session(db, uid, "c" * 64)
    deactivate_user(db, SYSTEM, "o")
    assert ended(db, uid) == {"c" * 64: "admin"}
    with pytest.raises(AccountInactive):
        authenticate(db, "o", PW)
    activate_user(db, SYSTEM, uid)
    assert authenticate(db, "o", PW).actor.username == "o"


def test_the_last_active_administrator_stays(db, port):
    only = make(db, "root", role="admin", all_ports=True)
    admin = Actor(user_id=only, username="root", role=Role.ADMIN, port_ids=None)
    if db.scalar(select(User.id).where(User.role == "admin", User.active.is_(True), User.id != only)) is None:
        with pytest.raises(AccountRefused):
            update_user(db, SYSTEM, "root", role="supervisor")
    with pytest.raises(AccountRefused):
        deactivate_user(db, admin, "root")  # nor oneself


def test_unlock_clears_the_names_wait(db, port):
    make(db, "p")
    now = utcnow()
    for _ in range(6):
        with pytest.raises(InvalidCredentials):
            authenticate(db, "p", "bad", now=now)
    row = next(r for r in user_rows(db, now=now) if r.username == "p")
    assert row.throttled_until is not None and row.failures == 5  # the sixth waited: not counted
    unlock_user(db, SYSTEM, "p")
    assert authenticate(db, "p", PW, now=now).actor.username == "p"
    assert "unlock" in actions(db, "system")


def test_role_and_ports_change(db, port):
    make(db, "q")
    update_user(db, SYSTEM, "q", role="inspector", all_ports=True, port_codes=[])
    signed = authenticate(db, "q", PW)
    assert signed.actor.role is Role.INSPECTOR and signed.actor.port_ids is None


def test_demo_password_accounts_are_found_once_per_hash(db, port):
    make(db, "r", password="demo", check_policy=False)
    make(db, "s", password="demo", check_policy=False, active=False)
    make(db, "t")
    verdicts: dict[str, bool] = {}
    names, left = demo_password_users(db, verdicts=verdicts)
    assert "r" in names and "s" not in names and "t" not in names and left == 0
    assert True in verdicts.values()


def test_actor_for_reads_scope_from_the_user(db, port):
    make(db, "u", role="inspector")
    with unit_of_work(db) as s:
        user = s.scalars(select(User).where(User.username == "u")).one()
        assert actor_for(user) == Actor(user_id=user.id, username="u", role=Role.INSPECTOR, port_ids=frozenset({port}))
        assert user.password_hash.startswith("$argon2id$")
        assert as_utc(s.scalar(select(AuditEntry.at).where(AuditEntry.action == "create_user"))) <= utcnow()
