"""A call's link mode in its record: when a poor link made it step down, and when it recovered.

Kept in the audit trail rather than the chat: the chat holds what people wrote to each other,
while a mode change is a fact about the call that both sides are shown live beside the video
(``render_link_notice``); the audit entry is what remains afterwards, in the session's record
and the activity feed. Called from the room watchdog's thread, as the system.
"""

from __future__ import annotations

from sqlalchemy import select

from portsight.db.audit import record_audit
from portsight.db.models import AssistSession
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.errors import NotFound

LINK_MODES = ("full", "reduced", "audio_snapshots", "chat")


def record_link_mode(db: Database, session_id: int, before: str, after: str) -> None:
    """Note that the call's link mode changed from ``before`` to ``after``."""
    if before not in LINK_MODES or after not in LINK_MODES:
        raise ValueError(f"Unknown link mode {before!r} -> {after!r}.")  # a programming error, not a refusal
    with unit_of_work(db) as session:
        record = session.scalars(select(AssistSession).where(AssistSession.id == session_id)).one_or_none()
        if record is None:
            raise NotFound(
                f"Assistance request #{session_id} does not exist.",
                key="errors.assist_not_found",
                params={"id": session_id},
            )
        action = (
            "assist.link_full"
            if after == "full"
            else "assist.link_reduced"
            if after == "reduced"
            else "assist.link_audio_snapshots"
            if after == "audio_snapshots"
            else "assist.link_chat"
        )
        record_audit(
            session,
            SYSTEM,
            action,
            "assist_session",
            session_id,
            before={"link_mode": before},
            after={"link_mode": after},
            port_id=record.port_id,
        )
