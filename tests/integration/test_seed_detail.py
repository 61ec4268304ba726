"""Only the recent weeks of the demo seed carry photos and audit entries; the older weeks keep every record
the figures are made of, and the alerts that count photos agree with the photos the rows hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portsight.alert_checks.patterns import fast_no_photo_triggers, inspection_rules
from portsight.alert_checks.runner import alert_rules
from portsight.db import models as m
from portsight.demo.seed import seed_demo

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)
WEEKS = 3
DETAIL_FROM = NOW - timedelta(weeks=1)


@pytest.fixture(scope="module")
def seeded(engine, tmp_path_factory):
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            seed_demo(conn, weeks=WEEKS, seed=7, now=NOW, password_hash="x", secret="detail",
                      media_dir=tmp_path_factory.mktemp("media"), detail_weeks=1)  # fmt: skip
            yield conn
        finally:
            outer.rollback()


def _count(conn, model, *where) -> int:
    return conn.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_older_weeks_have_no_photos_and_no_audit_entries(seeded):
    assert _count(seeded, m.Evidence, m.Evidence.taken_at < DETAIL_FROM) == 0
    assert _count(seeded, m.AuditEntry, m.AuditEntry.at < DETAIL_FROM) == 0
    assert _count(seeded, m.Evidence, m.Evidence.taken_at >= DETAIL_FROM) > 100
    actions = set(seeded.scalars(select(m.AuditEntry.action).distinct()))
    assert {"select", "open", "dispatch", "field.step", "field.decide", "receipt.issue", "gate.exit"} <= actions


def test_older_weeks_keep_the_records_the_figures_count(seeded):
    old = m.Inspection.created_at < DETAIL_FROM - timedelta(days=2)
    assert _count(seeded, m.Declaration, m.Declaration.declared_at < DETAIL_FROM) > 1000
    decided = _count(seeded, m.Inspection, old, m.Inspection.decided_at.is_not(None))
    assert decided > 50
    steps = select(m.StepResult.inspection_id).distinct()
    assert _count(seeded, m.Inspection, old, m.Inspection.completed_at.is_not(None), m.Inspection.id.not_in(steps)) == 0
    moves = select(m.InspectionTransition.inspection_id).where(m.InspectionTransition.to_state == "completed")
    assert _count(seeded, m.Inspection, old, m.Inspection.completed_at.is_not(None), m.Inspection.id.not_in(moves)) == 0
    assert _count(seeded, m.Finding, m.Finding.created_at < DETAIL_FROM) > 0
    exits = select(m.GateExit.receipt_id)
    used = (m.ReleaseReceipt.used_at < DETAIL_FROM, m.ReleaseReceipt.used_at.is_not(None))
    assert _count(seeded, m.ReleaseReceipt, *used) > 20
    assert _count(seeded, m.ReleaseReceipt, *used, m.ReleaseReceipt.id.not_in(exits)) == 0


def test_seeded_quick_close_alerts_are_what_the_check_makes_of_the_photos_held(seeded):
    with Session(bind=seeded) as session:
        rules = inspection_rules(alert_rules(session))
        triggers = fast_no_photo_triggers(session, NOW, NOW - timedelta(weeks=WEEKS + 1), rules)
    expected = {(t.rule_id, t.inspection_id) for t in triggers}
    seeded_alerts = {
        (rule_id, inspection_id)
        for rule_id, inspection_id in seeded.execute(
            select(m.Alert.rule_id, m.Alert.inspection_id).where(m.Alert.rule_id.in_([r.id for r in rules]))
        )
    }
    assert any(inspection_id for _, inspection_id in expected)
    assert seeded_alerts == expected
