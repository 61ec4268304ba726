"""Browser sessions against SQLite and PostgreSQL: what a token signs in, and when it stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portsight.clock import as_utc, utcnow
from portsight.db.browser_sessions import end_user_sessions
from portsight.db.models import BrowserSession, Port, User, UserPort
from portsight.db.session import unit_of_work
from portsight.domain.access import SYSTEM, Role
from portsight.services.accounts import create_user
from portsight.services.sessions import (
    TOUCH_EVERY,
    end_session,
    open_session,
    resolve_session,
    session_alive,
    token_hash,
)


@pytest.fixture
def ports(db) -> dict[str, int]:
    for code in ("CNSGH", "CNNGB"):
        db.execute(Port.__table__.insert().values(code=code, name_en=code, name_zh=code, kind="sea"))
    return {p.code: p.id for p in db.execute(select(Port.code, Port.id))}


@pytest.fixture
def user(db, ports) -> int:
    return create_user(
        db, SYSTEM, username="insp", password="pw", role="inspector", port_codes=["CNSGH"], check_policy=False
    )


def row(db, token: str):
    table = BrowserSession.__table__
    return db.execute(select(table).where(table.c.token_hash == token_hash(token))).one()


def test_a_token_signs_in_its_user_and_only_its_hash_is_stored(db, user, ports):
    token = open_session(db, user, client="Chromium")
    signed_in = resolve_session(db, token)
    assert signed_in is not None and signed_in.actor.user_id == user
    assert signed_in.actor.port_ids == frozenset({ports["CNSGH"]})
    stored = row(db, token)
    assert stored.token_hash == token_hash(token) != token and stored.client == "Chromium"
    assert len(token) >= 40  # 256 random bits


def test_no_token_an_unknown_token_or_an_ended_one_signs_nobody_in(db, user):
    assert resolve_session(db, None) is None and resolve_session(db, "") is None
    assert resolve_session(db, "made-up") is None
    token = open_session(db, user, client=None)
    assert end_session(db, token) is True
    assert resolve_session(db, token) is None
    assert row(db, token).end_reason == "sign_out"
    assert end_session(db, token) is False  # twice is harmless


def test_a_session_idle_too_long_ends(db, user):
    start = utcnow()
    token = open_session(db, user, client=None, now=start)
    idle = timedelta(minutes=30)
    assert resolve_session(db, token, idle=idle, now=start + idle - timedelta(seconds=1)) is not None
    assert resolve_session(db, token, idle=idle, now=start + idle + idle) is None
    assert row(db, token).end_reason == "idle"
    assert resolve_session(db, token, idle=idle, now=start + timedelta(seconds=1)) is None  # ended stays ended


def test_activity_keeps_a_session_but_not_past_its_lifetime(db, user):
    start = utcnow()
    token = open_session(db, user, client=None, lifetime=timedelta(hours=2), now=start)
    idle = timedelta(minutes=30)
    for minutes in range(20, 120, 20):  # active every 20 minutes
        assert resolve_session(db, token, idle=idle, now=start + timedelta(minutes=minutes)) is not None
    assert resolve_session(db, token, idle=idle, now=start + timedelta(minutes=121)) is None
    assert row(db, token).end_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(db, user):
    start = utcnow()
    token = open_session(db, user, client=None, now=start)
    resolve_session(db, token, now=start + TOUCH_EVERY / 2)
    assert as_utc(row(db, token).last_seen_at) == start  # a rerun seconds later writes nothing
    later = start + TOUCH_EVERY + timedelta(seconds=1)
    resolve_session(db, token, now=later)
    assert as_utc(row(db, token).last_seen_at) == later
    resolve_session(db, token, now=later + timedelta(minutes=5), touch=False)
    assert as_utc(row(db, token).last_seen_at) == later  # a live board's own refresh is not activity


def test_an_inactive_user_is_signed_out_at_once(db, user):
    token = open_session(db, user, client=None)
    db.execute(update(User).where(User.id == user).values(active=False))
    assert resolve_session(db, token) is None


def test_role_ports_and_forced_password_change_are_read_fresh(db, user, ports):
    token = open_session(db, user, client=None)
    db.execute(update(User).where(User.id == user).values(role="supervisor", must_change_password=True))
    db.execute(UserPort.__table__.insert().values(user_id=user, port_id=ports["CNNGB"]))
    signed_in = resolve_session(db, token)
    assert signed_in is not None and signed_in.actor.role is Role.SUPERVISOR
    assert signed_in.actor.port_ids == frozenset(ports.values())
    assert signed_in.must_change_password is True


def test_ending_a_users_sessions_keeps_the_one_asked_for(db, user):
    tokens = [open_session(db, user, client=None) for _ in range(3)]
    with unit_of_work(db) as session:
        assert end_user_sessions(session, user, "password", keep_token=tokens[0]) == 2
    assert resolve_session(db, tokens[0]) is not None
    assert [resolve_session(db, t) for t in tokens[1:]] == [None, None]
    assert {row(db, t).end_reason for t in tokens[1:]} == {"password"}


def test_the_gates_light_check_answers_as_resolving_the_user_does(db, user):
    """session_alive (asked of every websocket message) says yes exactly when resolve_session finds the user."""
    start = utcnow()
    idle = timedelta(minutes=30)
    assert not any(session_alive(db, token) for token in (None, "", "made-up"))

    token = open_session(db, user, client=None, lifetime=timedelta(hours=2), now=start)
    assert session_alive(db, token, idle=idle, now=start + TOUCH_EVERY / 2)
    assert as_utc(row(db, token).last_seen_at) == start  # without touch, a check is no activity
    later = start + timedelta(minutes=20)
    assert session_alive(db, token, idle=idle, now=later, touch=True)
    assert as_utc(row(db, token).last_seen_at) == later

    db.execute(update(User).where(User.id == user).values(active=False))
    assert not session_alive(db, token, idle=idle, now=later) and resolve_session(db, token, now=later) is None
    db.execute(update(User).where(User.id == user).values(active=True))
    assert session_alive(db, token, idle=idle, now=later)

    assert not session_alive(db, token, idle=idle, now=later + idle)  # idle: ended on the way, saying why
    assert row(db, token).end_reason == "idle"
    assert not session_alive(db, token, idle=idle, now=later)  # ended stays ended

    expiring = open_session(db, user, client=None, lifetime=timedelta(hours=2), now=start)
    assert not session_alive(db, expiring, idle=timedelta(days=1), now=start + timedelta(hours=2))
    assert row(db, expiring).end_reason == "expired"
    signed_out = open_session(db, user, client=None)
    end_session(db, signed_out)
    assert not session_alive(db, signed_out)
