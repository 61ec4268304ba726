"""Remote assistance services and queries on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from itertools import count

import pytest
from PIL import Image
from sqlalchemy import select

from portsight.clock import utcnow
from portsight.db.models import (
    AssistSession,
    AuditEntry,
    Declaration,
    Enterprise,
    Evidence,
    Inspection,
    InspectorAssignment,
    Port,
    User,
)
from portsight.db.session import unit_of_work
from portsight.domain.access import AccessDenied, Actor, Role
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.queries import assist as q
from portsight.services import assist

_ids = count(1)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


JPEG = _jpeg()  # a real picture: snapshots pass the photo gate (portsight.images)
DAMAGED = b"\xff\xd8\xff\xe0" + b"snapshot" * 10 + b"\xff\xd9"


def _port(session, code):
    port = Port(code=code, name_en=code, name_zh=code, kind="sea")
    session.add(port)
    session.flush()
    return port


def _user(session, role, port=None, name=None):
    n = next(_ids)
    user = User(
        username=name or f"{role}{n}",
        display_name=(name or f"{role} {n}").title(),
        role=role,
        password_hash="x",
        all_ports=port is None,
        ports=[port] if port else [],
    )
    session.add(user)
    session.flush()
    ports = None if port is None else frozenset({port.id})
    return Actor(user_id=user.id, username=user.username, role=Role(role), port_ids=ports)


def _inspection(session, port, state="in_progress", inspectors=()):
    n = next(_ids)
    ent = Enterprise(uscc=f"91{n:016d}", name=f"Ent {n}", credit_tier="general")
    session.add(ent)
    session.flush()
    decl = Declaration(
        number=f"D{n:010d}",
        port_id=port.id,
        enterprise_id=ent.id,
        direction="import",
        transport_mode="sea",
        origin_country="DE",
        declared_at=utcnow(),
    )
    session.add(decl)
    session.flush()
    insp = Inspection(declaration_id=decl.id, port_id=port.id, state=state, created_at=utcnow())
    session.add(insp)
    session.flush()
    for position, actor in zip(("lead", "second"), inspectors, strict=False):
        session.add(
            InspectorAssignment(inspection_id=insp.id, user_id=actor.user_id, position=position, assigned_at=utcnow())
        )
    session.flush()
    return insp.id


@pytest.fixture
def world(db):
    with unit_of_work(db) as s:
        sgh = _port(s, f"S{next(_ids):04d}")
        other = _port(s, f"O{next(_ids):04d}")
        inspector = _user(s, "inspector", sgh)
        w = {
            "sgh": sgh.id,
            "other": other.id,
            "inspector": inspector,
            "inspector2": _user(s, "inspector", sgh),
            "far_inspector": _user(s, "inspector", other),
            "expert": _user(s, "expert", None),
            "expert2": _user(s, "expert", None),
            "far_expert": _user(s, "expert", other),
            "supervisor": _user(s, "supervisor", sgh),
            "inspection": _inspection(s, sgh, inspectors=[inspector]),
            "closed_inspection": _inspection(s, sgh, state="released", inspectors=[inspector]),
        }
    return w


def _audit(db, action):
    with unit_of_work(db) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_inspector_request_waits_in_queue_of_experts_in_scope(db, world):
    sid = assist.request_assist(
        db, world["inspector"], world["inspection"], "seal", "  Is this seal genuine? ", "metals"
    )
    queue = q.waiting_queue(db, None, now=utcnow() + timedelta(minutes=3))
    row = queue[queue["id"] == sid].iloc[0]
    assert row["question"] == "Is this seal genuine?"
    assert row["step_key"] == "seal" and row["expertise"] == "metals"
    assert 2.9 <= row["waiting_minutes"] <= 3.1
    assert sid not in set(q.waiting_queue(db, frozenset({world["other"]}))["id"])
    assert [a.entity_id for a in _audit(db, "assist.request")] == [str(sid)]


def test_request_refused_outside_scope_on_closed_inspection_and_twice(db, world):
    with pytest.raises(AccessDenied):
        assist.request_assist(db, world["far_inspector"], world["inspection"], "seal", "Help")
    with pytest.raises(AccessDenied):
        assist.request_assist(db, world["expert"], world["inspection"], "seal", "Help")
    with pytest.raises(Conflict):
        assist.request_assist(db, world["inspector"], world["closed_inspection"], "seal", "Help")
    with pytest.raises(InvalidInput):
        assist.request_assist(db, world["inspector"], world["inspection"], "seal", "   ")
    with pytest.raises(NotFound):
        assist.request_assist(db, world["inspector"], 10**9, "seal", "Help")
    assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    with pytest.raises(Conflict):
        assist.request_assist(db, world["inspector"], world["inspection"], "cargo", "Again")


def test_a_colleague_at_the_port_cannot_ask_for_help_on_an_inspection_not_assigned_to_them(db, world):
    with pytest.raises(AccessDenied, match="assigned to other inspectors"):
        assist.request_assist(db, world["inspector2"], world["inspection"], "seal", "Help")
    assert db.scalar(select(AssistSession.id).where(AssistSession.inspection_id == world["inspection"])) is None
    assert assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")


def test_one_expert_per_call_and_the_expert_may_rejoin(db, world):
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    with pytest.raises(AccessDenied):
        assist.join_assist(db, world["far_expert"], sid)
    with pytest.raises(AccessDenied):
        assist.join_assist(db, world["supervisor"], sid)
    assist.join_assist(db, world["expert"], sid)
    assist.join_assist(db, world["expert"], sid)  # reconnect is fine
    with pytest.raises(Conflict, match="already been taken"):
        assist.join_assist(db, world["expert2"], sid)
    record = q.session_record(db, sid, None)
    assert record["state"] == "active" and record["expert_id"] == world["expert"].user_id
    assert record["expert"] == "Expert" or record["expert"]
    assert sid not in set(q.waiting_queue(db, None)["id"])
    assert len(_audit(db, "assist.join")) == 1


def test_cancel_and_missed_only_from_waiting(db, world):
    a = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    with pytest.raises(AccessDenied):
        assist.cancel_assist(db, world["inspector2"], a)
    assist.cancel_assist(db, world["inspector"], a)
    assert q.session_record(db, a, None)["state"] == "cancelled"
    b = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    assist.mark_missed(db, world["inspector"], b)
    assert q.session_record(db, b, None)["state"] == "missed"
    c = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    assist.join_assist(db, world["expert"], c)
    with pytest.raises(Conflict):
        assist.cancel_assist(db, world["inspector"], c)
    with pytest.raises(Conflict):
        assist.mark_missed(db, world["inspector"], c)


def test_stale_waiting_requests_become_missed(db, world):
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    assert assist.mark_stale_requests_missed(db, world["supervisor"], older_than_minutes=15) == []
    later = utcnow() + timedelta(minutes=16)
    assert assist.mark_stale_requests_missed(db, world["supervisor"], older_than_minutes=15, now=later) == [sid]
    assert q.session_record(db, sid, None)["state"] == "missed"


def test_end_writes_record_with_duration_note_conclusion_and_chat(db, world):
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "cargo", "What is this powder?")
    assist.post_chat_message(db, world["inspector"], sid, "Container MSCU1234565")
    assist.join_assist(db, world["expert"], sid)
    assist.post_chat_message(db, world["expert"], sid, "Open the second bag")
    assist.post_chat_message(db, world["supervisor"], sid, "Watching")
    with pytest.raises(AccessDenied):
        assist.post_chat_message(db, world["inspector2"], sid, "Not mine")
    with pytest.raises(AccessDenied):
        assist.end_assist(db, world["inspector"], sid, note="I decide")
    assist.end_assist(db, world["expert"], sid, note="Bag 2 opened", conclusion="Matches declaration")
    record = q.session_record(db, sid, frozenset({world["sgh"]}))
    assert record["state"] == "ended"
    assert record["note"] == "Bag 2 opened" and record["conclusion"] == "Matches declaration"
    assert record["duration_seconds"] is not None and record["duration_seconds"] >= 0
    assert [m["text"] for m in record["chat"]] == ["Container MSCU1234565", "Open the second bag", "Watching"]
    assert q.session_record(db, sid, frozenset({world["other"]})) is None
    with pytest.raises(Conflict):
        assist.post_chat_message(db, world["expert"], sid, "late")
    # The expert may still correct the conclusion after the call ended (tab closed).
    assist.end_assist(db, world["expert"], sid, conclusion="Matches, sample taken")
    assert q.session_record(db, sid, None)["conclusion"] == "Matches, sample taken"
    assert len(_audit(db, "assist.end")) == 1 and len(_audit(db, "assist.conclude")) == 1
    history = q.sessions_for_inspection(db, world["inspection"], None)
    assert list(history["id"]) == [sid] and history.iloc[0]["expert"]


def test_either_side_ends_the_call(db, world):
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "cargo", "Help")
    assist.join_assist(db, world["expert"], sid)
    assist.end_assist(db, world["inspector"], sid)
    assert q.session_record(db, sid, None)["state"] == "ended"
    assist.end_assist(db, world["inspector"], sid)  # a second end (both tabs closing) is harmless


def test_snapshot_is_content_addressed_evidence_on_inspection_and_step(db, world, tmp_path):
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    assist.join_assist(db, world["expert"], sid)
    eid = assist.save_snapshot(db, world["expert"], sid, JPEG, tmp_path)
    [path] = list(tmp_path.rglob("*.jpg"))  # the picture encoded afresh, named by its own hash
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert path == tmp_path / sha[:2] / f"{sha}.jpg"
    assert Image.open(path).size == (64, 48)
    with unit_of_work(db) as s:
        ev = s.get(Evidence, eid)
        assert (ev.inspection_id, ev.step_key, ev.assist_session_id, ev.source) == (
            world["inspection"],
            "seal",
            sid,
            "snapshot",
        )
        assert ev.taken_by_id == world["expert"].user_id and ev.sha256 == sha and ev.size_bytes == path.stat().st_size
        assert ev.taken_at is not None
    # same picture again: a second evidence row, one file
    assist.save_snapshot(db, world["inspector"], sid, JPEG, tmp_path)
    assert len(list(tmp_path.rglob("*.jpg"))) == 1
    assert [s["id"] for s in q.session_record(db, sid, None)["snapshots"]][0] == eid
    with pytest.raises(InvalidInput):
        assist.save_snapshot(db, world["expert"], sid, b"GIF89a", tmp_path)
    with pytest.raises(InvalidInput, match="damaged"):
        assist.save_snapshot(db, world["expert"], sid, DAMAGED, tmp_path)
    assert len(list(tmp_path.rglob("*"))) == 2  # still one folder and one file
    with pytest.raises(AccessDenied):
        assist.save_snapshot(db, world["inspector2"], sid, JPEG, tmp_path)


def test_open_session_for_user_and_inspections_for_assist(db, world):
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Help")
    assert q.open_session_for_user(db, world["inspector"].user_id)["id"] == sid
    assert q.open_session_for_user(db, world["expert"].user_id) is None
    assist.join_assist(db, world["expert"], sid)
    assert q.open_session_for_user(db, world["expert"].user_id)["state"] == "active"
    active = q.active_sessions(db, frozenset({world["sgh"]}))
    assert list(active["id"]) == [sid]
    with unit_of_work(db) as s:
        assert s.get(AssistSession, sid).state == "active"
    # Only the open inspection assigned to the inspector (the released one is closed).
    assert list(q.inspections_for_assist(db, world["inspector"].user_id, None)["id"]) == [world["inspection"]]
    assert q.inspections_for_assist(db, world["inspector2"].user_id, None).empty
