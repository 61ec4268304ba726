"""Browser sessions: a random token in an HttpOnly cookie, its SHA-256 in browser_sessions.

The token is the only thing that signs a browser in: the Streamlit session id never does. Every
request resolves the token afresh, so role, port scope, must-change-password and the account's
active flag are read from the users table each time, and a session ended anywhere (sign-out in
another tab, an administrator, a password change) stops working on the browser's next request.

Time-outs: a session ends after `idle` without a request that touches it, and after `lifetime`
whatever happens. Touching writes last_seen_at at most once per TOUCH_EVERY, so a page that
reruns every few seconds costs a read, not a write, per run.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.browser_sessions import token_hash
from portsight.db.models import BrowserSession, User
from portsight.db.session import Database, unit_of_work
from portsight.db.sql import connection
from portsight.services.accounts import SignedIn, actor_for

DEFAULT_IDLE = timedelta(minutes=30)
DEFAULT_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
TOKEN_BYTES = 32  # 256 random bits, URL-safe base64 in the cookie
CLIENT_CHARS = 200  # browser_sessions.client


def open_session(
    db: Database,
    user_id: int,
    *,
    client: str | None,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> str:
    """A new session for a user who has just signed in; returns the token for the cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with unit_of_work(db) as session:
        session.add(
            BrowserSession(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
                client=(client or None) and client[:CLIENT_CHARS],
            )
        )
    return token


def _end(db: Database, session_id: int, reason: str, now: datetime) -> None:
    with unit_of_work(db) as session:
        session.execute(
            update(BrowserSession)
            .where(BrowserSession.id == session_id, BrowserSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )


def resolve_session(
    db: Database,
    token: str | None,
    *,
    idle: timedelta = DEFAULT_IDLE,
    touch: bool = True,
    now: datetime | None = None,
) -> SignedIn | None:
    """The user a token signs in, read fresh; None when missing, ended, idle, expired or inactive.

    An idle or expired session is ended on the way (end_reason says which). With touch, the
    request counts as activity: last_seen_at moves, at most once per TOUCH_EVERY.
    """
    if not token:
        return None
    now = now or utcnow()
    with connection(db) as conn:
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            row = session.scalars(select(BrowserSession).where(BrowserSession.token_hash == token_hash(token))).first()
            if row is None or row.ended_at is not None:
                return None
            user = session.get(User, row.user_id)
            row_id, last_seen, expires = row.id, as_utc(row.last_seen_at), as_utc(row.expires_at)
            if user is None or not user.active:
                return None
            signed_in = SignedIn(
                actor=actor_for(user),
                display_name=user.display_name,
                language=user.language,
                must_change_password=bool(user.must_change_password),
            )
        finally:
            session.close()
    return signed_in if _still_open(db, row_id, last_seen, expires, now, idle=idle, touch=touch) else None


# Built once: making the statement anew on each call cost three times its execution on SQLite
# (~0.7 of ~0.95 ms), and the gate asks it of every websocket message.
_OPEN_SESSION = (
    select(BrowserSession.id, BrowserSession.last_seen_at, BrowserSession.expires_at)
    .join(User, User.id == BrowserSession.user_id)
    .where(
        BrowserSession.token_hash == bindparam("token_hash"),
        BrowserSession.ended_at.is_(None),
        User.active.is_(True),
    )
)


def session_alive(
    db: Database,
    token: str | None,
    *,
    idle: timedelta = DEFAULT_IDLE,
    touch: bool = False,
    now: datetime | None = None,
) -> bool:
    """Whether a token still signs an active user in: resolve_session's answer without building
    the user (one row read). The session gate asks it of every websocket message, a hundred a
    second with a hundred live boards, where building the user was a quarter of the server's time."""
    if not token:
        return False
    now = now or utcnow()
    with connection(db) as conn:
        row = conn.execute(_OPEN_SESSION, {"token_hash": token_hash(token)}).first()
    if row is None:
        return False
    return _still_open(db, row.id, as_utc(row.last_seen_at), as_utc(row.expires_at), now, idle=idle, touch=touch)


def _still_open(
    db: Database, row_id: int, last_seen: datetime, expires: datetime, now: datetime, *, idle: timedelta, touch: bool
) -> bool:
    """End a session past its lifetime or idle time (saying which); else, with touch, count this
    request as activity (at most once per TOUCH_EVERY). Whether it is still open."""
    if now >= expires:
        _end(db, row_id, "expired", now)
        return False
    if now - last_seen >= idle:
        _end(db, row_id, "idle", now)
        return False
    if touch and now - last_seen >= TOUCH_EVERY:
        with unit_of_work(db) as write:
            write.execute(
                update(BrowserSession)
                .where(BrowserSession.id == row_id, BrowserSession.last_seen_at < now - TOUCH_EVERY)
                .values(last_seen_at=now)
            )
    return True


def end_session(db: Database, token: str | None, reason: str = "sign_out", *, now: datetime | None = None) -> bool:
    """End the session of a token (sign-out); True when one was open. Audited as the user's logout."""
    if not token:
        return False
    now = now or utcnow()
    with unit_of_work(db) as session:
        row = session.scalars(
            select(BrowserSession).where(
                BrowserSession.token_hash == token_hash(token), BrowserSession.ended_at.is_(None)
            )
        ).first()
        if row is None:
            return False
        row.ended_at, row.end_reason = now, reason
        user = session.get(User, row.user_id)
        if user is not None and reason == "sign_out":
            record_audit(session, actor_for(user), "logout", "user", user.id)
        return True


__all__ = [
    "DEFAULT_IDLE",
    "DEFAULT_LIFETIME",
    "TOUCH_EVERY",
    "end_session",
    "open_session",
    "resolve_session",
    "session_alive",
    "token_hash",
]
