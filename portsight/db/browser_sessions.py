"""What both sides need of browser sessions: how a token is kept, and ending a user's sessions.

The sessions service opens and resolves them; the accounts service ends a user's sessions when
an administrator deactivates the account or a password changes. Both go through here, inside
their own unit of work.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import BrowserSession


def token_hash(token: str) -> str:
    """What the table keeps of a token: its SHA-256, hex. A leaked table signs nobody in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def end_user_sessions(
    session: Session,
    user_id: int,
    reason: str,
    *,
    keep_token: str | None = None,
    now: datetime | None = None,
) -> int:
    """End every open session of a user but keep_token's; returns how many."""
    stmt = (
        update(BrowserSession)
        .where(BrowserSession.user_id == user_id, BrowserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason)
    )
    if keep_token:
        stmt = stmt.where(BrowserSession.token_hash != token_hash(keep_token))
    # an UPDATE without RETURNING gives a CursorResult, which carries the rowcount
    return cast(CursorResult[Any], session.execute(stmt)).rowcount or 0
