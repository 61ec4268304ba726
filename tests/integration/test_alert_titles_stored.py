"""Alerts are stored with their title as a message key and parameters, whoever raises them: the
background checks (and the audit entry of each raise, which the activity feed says), the field
service when a step makes a high finding, and the demo seed. Read back, each says its title in
the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from components.overview.feed import feed_sentence
from components.shell.messages import alert_title
from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.db.models import Alert, AuditEntry, Enterprise
from portsight.demo.seed import seed_demo
from portsight.i18n import LANGUAGES, catalogue
from tests.integration.supervision_world import make_world

LIMITS = AlertCheckLimits(overdue_minutes=240, repeat_window_days=30, repeat_threshold=3)
# An English word in a Chinese title: Latin letters with a small one among them (container numbers
# and abbreviations such as CCC are capitals).
ENGLISH_WORD = re.compile(r"\b(?=[A-Z]*[a-z])[A-Za-z]{2,}\b")


def _readable(row) -> None:
    """The stored key is in both catalogues and the Chinese title has no English word in it."""
    for lang in LANGUAGES:
        assert row.title_key in catalogue(lang), row.title_key
    zh = alert_title("zh_CN", row.title_key, row.title_params, row.title)
    assert not ENGLISH_WORD.findall(zh), zh
    assert alert_title("en", row.title_key, row.title_params, row.title) != zh


def test_the_checks_store_keys_and_the_feed_says_each_raise_in_chinese(db):
    w = make_world(db)
    db.execute(update(Enterprise).where(Enterprise.id == 1).values(name="恒达贸易有限公司", name_en="Hengda Trading"))
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    bad = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40), seal="CN1234567")
    w.step(
        bad,
        "seal",
        "conforming",
        {"seal_number": "CN9999999"},
        at=w.now - timedelta(minutes=5),
        container_id=w.container_of(w.declaration_of(bad)),
    )
    w.declaration(hs="4707100000", declared_at=w.now - timedelta(minutes=30))
    for i in range(3):
        insp = w.inspection(state="completed", started_at=w.now - timedelta(days=3), enterprise_id=1, origin="BR")
        w.finding(insp, at=w.now - timedelta(minutes=100 - i))

    run_alert_checks(db, w.now, limits=LIMITS)
    rows = db.execute(select(Alert.__table__)).all()
    assert {r.kind for r in rows} >= {"overdue", "seal_mismatch", "prohibited_goods", "repeat_nc_enterprise"}
    for row in rows:
        _readable(row)
    enterprise = next(r for r in rows if r.kind == "repeat_nc_enterprise")
    assert alert_title("zh_CN", enterprise.title_key, enterprise.title_params, "").startswith("恒达贸易有限公司")
    assert alert_title("en", enterprise.title_key, enterprise.title_params, "").startswith("Hengda Trading")

    raises = db.execute(select(AuditEntry.__table__).where(AuditEntry.entity == "alert")).all()
    assert len(raises) == len(rows)
    for entry in raises:
        line = {
            "actor": entry.actor,
            "actor_name": None,
            "action": entry.action,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "after": entry.after,
            "simulated": entry.simulated,
        }
        zh = feed_sentence("zh_CN", line)
        assert zh.startswith(f"系统发出预警 #{entry.entity_id}：") and not ENGLISH_WORD.findall(zh), zh


def test_raising_again_keeps_the_key_and_its_newest_parameters(db):
    w = make_world(db)
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run_alert_checks(db, w.now, limits=LIMITS)
    run_alert_checks(db, w.now + timedelta(minutes=240), limits=LIMITS)
    row = db.execute(select(Alert.__table__)).one()
    assert row.count == 2 and row.title_key == "alert_titles.overdue"
    assert row.title_params["open"] == {"minutes": 540}


@pytest.mark.slow
def test_every_seeded_alert_carries_its_key(db):
    seed_demo(db, weeks=1, seed=5, now=datetime(2025, 6, 4, 10, 0, tzinfo=UTC), password_hash="x")
    rows = db.execute(select(Alert.__table__)).all()
    assert rows
    assert [r.id for r in rows if r.title_key is None] == []
    for row in rows:
        _readable(row)
