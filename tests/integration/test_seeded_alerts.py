"""Right after `seed --demo` the unresolved alerts are those whose condition holds: an alert whose
condition cleared in the seeded history was resolved by the system then, as the live checks do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.alert_checks.runner import cleared_alerts
from portsight.db import models as m
from portsight.db.alert_store import UNRESOLVED
from portsight.demo.seed import seed_demo
from portsight.domain.inspection import ACTIVE_STATES

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # 10:00 in China
LIMITS = AlertCheckLimits()  # the seed's


@pytest.fixture(scope="module")
def seeded(engine, tmp_path_factory):
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            seed_demo(conn, weeks=3, seed=7, now=NOW, password_hash="x", media_dir=tmp_path_factory.mktemp("media"))
            yield conn
        finally:
            outer.rollback()


def test_no_unresolved_alert_whose_condition_cleared(seeded):
    with Session(bind=seeded) as session:
        assert cleared_alerts(session, NOW, LIMITS) == {}
    stale = seeded.execute(
        select(m.Alert.id, m.Inspection.state)
        .join(m.Inspection, m.Inspection.id == m.Alert.inspection_id)
        .where(m.Alert.kind == "overdue", m.Alert.state.in_(UNRESOLVED), m.Inspection.state.not_in(ACTIVE_STATES))
    ).all()
    assert stale == []


def test_the_seeded_history_has_alerts_resolved_by_the_system_and_by_hand(seeded):
    rows = seeded.execute(
        select(m.Alert.kind, m.Alert.resolved_reason, m.Alert.resolved_by_id, func.count())
        .where(m.Alert.state == "resolved")
        .group_by(m.Alert.kind, m.Alert.resolved_reason, m.Alert.resolved_by_id)
    ).all()
    by_reason = {(kind, reason, who is None) for kind, reason, who, _ in rows}
    assert ("overdue", "condition_cleared", True) in by_reason
    assert {reason for _, reason, _ in by_reason} == {"condition_cleared", "by_hand"}
    assert all(who is None for _, reason, who, _ in rows if reason == "condition_cleared")
    assert all(who is not None for _, reason, who, _ in rows if reason == "by_hand")
    assert seeded.scalar(select(func.count()).where(m.Alert.state.in_(UNRESOLVED), m.Alert.kind == "overdue")), (
        "some inspections are overdue right now"
    )


def test_the_first_run_of_the_checks_after_the_seed_resolves_nothing(seeded):
    before = seeded.scalar(select(func.max(m.AuditEntry.id))) or 0
    nested = seeded.begin_nested()
    try:
        run_alert_checks(seeded, NOW, limits=LIMITS)
        resolved = seeded.scalar(
            select(func.count()).where(m.AuditEntry.id > before, m.AuditEntry.action == "auto_resolve")
        )
    finally:
        nested.rollback()
    assert resolved == 0
