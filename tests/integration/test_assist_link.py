"""A call's link mode changes are kept in its record, as the system, one audit entry per change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portsight.db.models import AuditEntry
from portsight.db.session import unit_of_work
from portsight.errors import NotFound
from portsight.services import assist
from portsight.services.assist_link import record_link_mode
from tests.integration.test_assist import world  # noqa: F401 - the fixture


def test_each_change_of_link_mode_is_audited_with_the_mode_before_and_after(db, world):  # noqa: F811
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Is this seal genuine?")
    record_link_mode(db, sid, "full", "audio_snapshots")
    record_link_mode(db, sid, "audio_snapshots", "reduced")
    with unit_of_work(db) as s:
        rows = s.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.before, AuditEntry.after, AuditEntry.port_id)
            .where(AuditEntry.entity == "assist_session", AuditEntry.entity_id == str(sid))
            .where(AuditEntry.action.like("assist.link_%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [(r.action, r.actor, r.before, r.after, r.port_id) for r in rows] == [
        (
            "assist.link_audio_snapshots",
            "system",
            {"link_mode": "full"},
            {"link_mode": "audio_snapshots"},
            world["sgh"],
        ),
        ("assist.link_reduced", "system", {"link_mode": "audio_snapshots"}, {"link_mode": "reduced"}, world["sgh"]),
    ]


def test_an_unknown_call_or_mode_is_refused(db, world):  # noqa: F811
    with pytest.raises(NotFound):
        record_link_mode(db, 999_999, "full", "reduced")
    sid = assist.request_assist(db, world["inspector"], world["inspection"], "seal", "Is this seal genuine?")
    with pytest.raises(ValueError):
        record_link_mode(db, sid, "full", "fast")
