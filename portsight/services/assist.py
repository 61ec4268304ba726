"""Remote assisted inspection (远程辅助查验): request, join, chat, snapshot, end.

A session's life: waiting -> active -> ended, or waiting -> cancelled (the inspector withdrew)
or waiting -> missed (no expert joined in time). One expert per call: joining is a conditional
UPDATE on state 'waiting', so two experts clicking at once cannot both get the call.
Supervisors and administrators in scope may watch a call (and chat) but never join it.

Every write is one unit of work and is audited. These functions are also called from the
WebRTC room registry's threads (tab closed, side left) with the Engine; they never touch
Streamlit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import (
    AssistSession,
    ChatMessage,
    Container,
    Evidence,
    Inspection,
    InspectorAssignment,
    User,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import AccessDenied, Actor, Role, require_port, require_role
from portsight.domain.assist_routing import ACTIVE, CANCELLED, ENDED, MISSED, WAITING
from portsight.domain.checklist import split_slot_id
from portsight.domain.inspection import OPEN_STATES
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.images import JPEG, clean_photo
from portsight.services.assist_cases import keep_case
from portsight.services.assist_rings import ring_first_circle
from portsight.services.inputs import typed_text
from portsight.storage import store_media

OPEN_ASSIST_STATES = (WAITING, ACTIVE)
CLOSED_ASSIST_STATES = (ENDED, MISSED, CANCELLED)

MAX_QUESTION = 500
MAX_CHAT = 1000
MAX_NOTE = 4000
MAX_SNAPSHOT_BYTES = 5 * 1024 * 1024
DEFAULT_MISSED_AFTER_MINUTES = 15

WATCHER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _text(value: str | None, what: str, limit: int, *, required: bool) -> str | None:
    return typed_text(
        value,
        what,
        limit,
        required=f"The {what} is empty; write a few words." if required else None,
        required_key=f"errors.assist_{what}_empty" if required else None,
    )


def _load(session: Session, session_id: int, *, lock: bool = False) -> AssistSession:
    stmt = select(AssistSession).where(AssistSession.id == session_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).one_or_none()
    if found is None:
        raise NotFound(
            f"Assistance request #{session_id} does not exist.",
            key="errors.assist_not_found",
            params={"id": session_id},
        )
    return found


def _is_requester(actor: Actor, record: AssistSession) -> bool:
    return actor.user_id is not None and actor.user_id == record.requested_by_id


def _is_expert(actor: Actor, record: AssistSession) -> bool:
    return actor.user_id is not None and actor.user_id == record.expert_id


def _require_participant(actor: Actor, record: AssistSession) -> None:
    """The requester, the expert who joined, or a supervisor/administrator watching in scope."""
    require_port(actor, record.port_id)
    if _is_requester(actor, record) or _is_expert(actor, record) or actor.role in WATCHER_ROLES:
        return
    raise AccessDenied(
        f"Only the inspector who asked and the expert who joined take part in request #{record.id}.",
        key="errors.assist_not_participant",
        params={"id": record.id},
    )


def _snapshot(record: AssistSession) -> dict[str, Any]:
    return {"state": record.state, "expert_id": record.expert_id}


def request_assist(
    db: Database,
    actor: Actor,
    inspection_id: int,
    step_key: str | None,
    question: str,
    expertise: str | None = None,
) -> int:
    """An inspector assigned to an open inspection asks for an expert on a step of it; returns the request id."""
    require_role(actor, Role.INSPECTOR)
    question_text = _text(question, "question", MAX_QUESTION, required=True)
    expertise_text = _text(expertise, "kind of expertise", 120, required=False)
    step = _text(step_key, "step", 64, required=False)
    with unit_of_work(db) as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(
                f"Inspection #{inspection_id} does not exist.",
                key="errors.inspection_not_found",
                params={"id": inspection_id},
            )
        require_port(actor, inspection.port_id)
        assigned = session.scalar(
            select(InspectorAssignment.id).where(
                InspectorAssignment.inspection_id == inspection_id, InspectorAssignment.user_id == actor.user_id
            )
        )
        if assigned is None:
            raise AccessDenied(
                f"Inspection #{inspection_id} is assigned to other inspectors; they ask for help on it.",
                key="errors.assist_inspection_not_yours",
                params={"id": inspection_id},
            )
        if inspection.state not in OPEN_STATES:
            raise Conflict(
                f"Inspection #{inspection_id} is already {inspection.state}; "
                "help can only be asked on an open inspection.",
                key="errors.assist_inspection_closed",
                params={"id": inspection_id, "state": {"state": inspection.state}},
            )
        already = session.scalar(
            select(AssistSession.id).where(
                AssistSession.inspection_id == inspection_id,
                AssistSession.requested_by_id == actor.user_id,
                AssistSession.state.in_(OPEN_ASSIST_STATES),
            )
        )
        if already is not None:
            raise Conflict(
                f"You already have request #{already} open on this inspection; end or cancel it before asking again.",
                key="errors.assist_already_open",
                params={"id": already},
            )
        record = AssistSession(
            inspection_id=inspection_id,
            port_id=inspection.port_id,
            step_key=step,
            question=question_text,
            expertise=expertise_text,
            state=WAITING,
            requested_by_id=actor.user_id,
            requested_at=utcnow(),
        )
        session.add(record)
        session.flush()
        record_audit(
            session,
            actor,
            "assist.request",
            "assist_session",
            record.id,
            after={
                "inspection_id": inspection_id,
                "step_key": step,
                "question": question_text,
                "expertise": expertise_text,
            },
            port_id=inspection.port_id,
        )
        ring_first_circle(session, record, record.requested_at, simulated=actor.simulated)
        return record.id


def cancel_assist(db: Database, actor: Actor, session_id: int) -> None:
    """The inspector withdraws a request no expert has joined yet (a supervisor may too)."""
    _close_waiting(db, actor, session_id, CANCELLED, "assist.cancel", verb="cancel")


def join_assist(db: Database, actor: Actor, session_id: int) -> None:
    """An expert takes a waiting request. Rejoining one's own active call is allowed (reconnect)."""
    require_role(actor, Role.EXPERT)
    with unit_of_work(db) as session:
        record = _load(session, session_id)
        require_port(actor, record.port_id)
        if record.state == ACTIVE and _is_expert(actor, record):
            return
        now = utcnow()
        # an UPDATE without RETURNING gives a CursorResult, which carries the rowcount
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(AssistSession)
                .where(AssistSession.id == session_id, AssistSession.state == WAITING)
                .values(state=ACTIVE, expert_id=actor.user_id, joined_at=now)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if taken != 1:
            session.refresh(record)
            if record.state == ACTIVE:
                name = session.scalar(select(User.display_name).where(User.id == record.expert_id))
                raise Conflict(
                    f"Request #{session_id} has already been taken by {name}; one expert per call.",
                    key="errors.assist_taken",
                    params={"id": session_id, "user": name or "—"},
                )
            raise Conflict(
                f"Request #{session_id} is {record.state}; only a waiting request can be joined.",
                key="errors.assist_not_waiting_join",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        record_audit(
            session,
            actor,
            "assist.join",
            "assist_session",
            session_id,
            before={"state": WAITING, "expert_id": None},
            after={"state": ACTIVE, "expert_id": actor.user_id},
            port_id=record.port_id,
        )


def end_assist(
    db: Database,
    actor: Actor,
    session_id: int,
    note: str | None = None,
    conclusion: str | None = None,
) -> None:
    """End an active call (either side, or a supervisor). The expert's note and conclusion are kept.

    Calling it again on an ended call lets the expert add or correct the note and conclusion
    (the call may have ended because the inspector's tab closed). A conclusion is also kept as a
    case for later inspections of the same goods heading and step (portsight.services.assist_cases).
    """
    note_text = _text(note, "note", MAX_NOTE, required=False)
    conclusion_text = _text(conclusion, "conclusion", MAX_NOTE, required=False)
    with unit_of_work(db) as session:
        record = _load(session, session_id, lock=True)
        _require_participant(actor, record)
        if (note_text or conclusion_text) and not _is_expert(actor, record):
            raise AccessDenied(
                "Only the expert who joined the call writes its note and conclusion.", key="errors.assist_expert_only"
            )
        before = {**_snapshot(record), "note": record.note, "conclusion": record.conclusion}
        if record.state == ACTIVE:
            record.state = ENDED
            record.ended_at = utcnow()
            action = "assist.end"
        elif record.state == ENDED:
            if not (note_text or conclusion_text):
                return
            action = "assist.conclude"
        else:
            raise Conflict(
                f"Request #{session_id} is {record.state}; only a call in progress can be ended.",
                key="errors.assist_not_active_end",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        if note_text is not None:
            record.note = note_text
        if conclusion_text is not None:
            record.conclusion = conclusion_text
        record_audit(
            session,
            actor,
            action,
            "assist_session",
            session_id,
            before=before,
            after={**_snapshot(record), "note": record.note, "conclusion": record.conclusion},
            port_id=record.port_id,
        )
        if conclusion_text is not None:
            keep_case(session, actor, record)


def mark_missed(db: Database, actor: Actor, session_id: int) -> None:
    """A waiting request nobody took: the inspector gave up waiting or the wait ran out."""
    _close_waiting(db, actor, session_id, MISSED, "assist.missed", verb="close")


def _close_waiting(db: Database, actor: Actor, session_id: int, state: str, action: str, *, verb: str) -> None:
    """The inspector who asked (or a watcher) closes a waiting request; closing it again changes nothing."""
    with unit_of_work(db) as session:
        record = _load(session, session_id, lock=True)
        require_port(actor, record.port_id)
        if not (_is_requester(actor, record) or actor.role in WATCHER_ROLES):
            raise AccessDenied(
                f"Only the inspector who asked may {verb} request #{session_id}.",
                key=f"errors.assist_requester_only_{verb}",
                params={"id": session_id},
            )
        if record.state == state:
            return
        if record.state != WAITING:
            raise Conflict(
                f"Request #{session_id} is {record.state}; only a waiting request can be {state}.",
                key=f"errors.assist_not_waiting_{state}",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        _close(session, actor, record, state, action, utcnow())


def _close(session: Session, actor: Actor, record: AssistSession, state: str, action: str, now: datetime) -> None:
    before = _snapshot(record)
    record.state = state
    record.ended_at = now
    record_audit(
        session,
        actor,
        action,
        "assist_session",
        record.id,
        before=before,
        after=_snapshot(record),
        port_id=record.port_id,
    )


def mark_stale_requests_missed(
    db: Database,
    actor: Actor,
    *,
    older_than_minutes: int = DEFAULT_MISSED_AFTER_MINUTES,
    now: datetime | None = None,
) -> list[int]:
    """Mark every waiting request in the actor's scope older than the limit as missed; returns their ids."""
    require_role(actor, *WATCHER_ROLES)
    now = now or utcnow()
    cutoff = now - timedelta(minutes=older_than_minutes)
    with unit_of_work(db) as session:
        stmt = select(AssistSession).where(AssistSession.state == WAITING, AssistSession.requested_at < cutoff)
        if actor.port_ids is not None:
            stmt = stmt.where(AssistSession.port_id.in_(sorted(actor.port_ids)))
        stale = list(session.scalars(stmt.order_by(AssistSession.id).with_for_update()))
        for record in stale:
            _close(session, actor, record, MISSED, "assist.missed", now)
        return [r.id for r in stale]


def post_chat_message(db: Database, actor: Actor, session_id: int, text: str) -> int:
    """A chat line beside the video (numbers and names that are hard to say); returns its id."""
    body = _text(text, "message", MAX_CHAT, required=True)
    with unit_of_work(db) as session:
        record = _load(session, session_id)
        _require_participant(actor, record)
        if record.state not in OPEN_ASSIST_STATES:
            raise Conflict(
                f"Request #{session_id} is {record.state}; chat is closed.",
                key="errors.assist_chat_closed",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        message = ChatMessage(session_id=session_id, user_id=actor.user_id, sent_at=utcnow(), text=body)
        session.add(message)
        session.flush()
        record_audit(
            session,
            actor,
            "assist.chat",
            "chat_message",
            message.id,
            after={"session_id": session_id, "text": body},
            port_id=record.port_id,
        )
        return message.id


def save_snapshot(db: Database, actor: Actor, session_id: int, jpeg_bytes: bytes, media_dir: Path | str) -> int:
    """Keep a JPEG of the inspector's picture (with the marks) as evidence on the inspection and step.

    The file goes to the content-addressed media store first (idempotent), then the Evidence row
    is written; a failed transaction leaves at most an unreferenced file, never a dangling row.
    """
    if not jpeg_bytes or jpeg_bytes[:2] != b"\xff\xd8":
        raise InvalidInput("The snapshot is not a JPEG image; take it again.", key="errors.snapshot_not_jpeg")
    if len(jpeg_bytes) > MAX_SNAPSHOT_BYTES:
        raise InvalidInput(
            f"The snapshot is larger than {MAX_SNAPSHOT_BYTES // (1024 * 1024)} MB.",
            key="errors.snapshot_too_large",
            params={"mb": MAX_SNAPSHOT_BYTES // (1024 * 1024)},
        )
    # The picture comes from the caller's video, so it passes the same gate as an uploaded photo.
    photo = clean_photo(jpeg_bytes, kinds=(JPEG[0],))
    with unit_of_work(db) as session:
        record = _load(session, session_id)
        _require_participant(actor, record)
        if record.state not in OPEN_ASSIST_STATES:
            raise Conflict(
                f"Request #{session_id} is {record.state}; snapshots are taken during the call.",
                key="errors.assist_snapshot_closed",
                params={"id": session_id, "state": {"key": f"assist.state_{record.state}"}},
            )
        sha, _path = store_media(media_dir, photo.data, photo.suffix)
        step_key, container_id = _asked_slot(session, record)
        evidence = Evidence(
            inspection_id=record.inspection_id,
            step_key=step_key,
            container_id=container_id,
            assist_session_id=record.id,
            sha256=sha,
            media_type=photo.media_type,
            size_bytes=len(photo.data),
            original_name=f"assist-{record.id}-{sha[:12]}.jpg",
            source="snapshot",
            taken_at=utcnow(),
            taken_by_id=actor.user_id,
        )
        session.add(evidence)
        session.flush()
        record_audit(
            session,
            actor,
            "assist.snapshot",
            "evidence",
            evidence.id,
            after={"session_id": session_id, "inspection_id": record.inspection_id, "sha256": sha},
            port_id=record.port_id,
        )
        return evidence.id


def _asked_slot(session: Session, record: AssistSession) -> tuple[str | None, int | None]:
    """The step and container a request names: its snapshots count as that slot's photos."""
    if not record.step_key:
        return None, None
    step_key, number = split_slot_id(record.step_key)
    if number is None:
        return step_key, None
    container_id = session.scalar(
        select(Container.id)
        .join(Inspection, Inspection.declaration_id == Container.declaration_id)
        .where(Inspection.id == record.inspection_id, Container.number == number)
    )
    return step_key, container_id


def set_recording_path(db: Database, actor: Actor, session_id: int, path: str) -> None:
    """Remember where the call's recording was written (recording is off unless configured)."""
    with unit_of_work(db) as session:
        record = _load(session, session_id)
        _require_participant(actor, record)
        record.recording_path = path[:300]
        record_audit(
            session,
            actor,
            "assist.recording",
            "assist_session",
            session_id,
            after={"recording_path": path},
            port_id=record.port_id,
        )


def record_side_left(db: Database, actor: Actor, session_id: int) -> str | None:
    """A side's tab closed or its connection dropped: close the request accordingly.

    Called from the WebRTC room watchdog thread. A waiting request whose inspector left is
    cancelled; a call in progress is ended. Returns the new state, or None when nothing changed.
    """
    with unit_of_work(db) as session:
        record = _load(session, session_id)
        state, requester = record.state, _is_requester(actor, record)
    if state == WAITING and requester:
        cancel_assist(db, actor, session_id)
        return CANCELLED
    if state == ACTIVE and (requester or _is_expert(actor, record)):
        end_assist(db, actor, session_id)
        return ENDED
    return None
