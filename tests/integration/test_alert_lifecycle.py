"""Alerts of the checks resolve themselves when their condition clears, wait as pending where a
pending period is in force, and raise one alert for a flapping condition — on SQLite and PostgreSQL,
with a frozen clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.db.alert_store import UNRESOLVED
from portsight.db.models import Alert, AuditEntry, Inspection
from portsight.domain.access import SYSTEM
from portsight.services.alerts import acknowledge_alert
from tests.integration.supervision_world import make_world

LIMITS = AlertCheckLimits(overdue_minutes=240, repeat_window_days=30, repeat_threshold=3)
WAITING = replace(LIMITS, pending_minutes_overdue=30)


@pytest.fixture
def w(db):
    return make_world(db)


def run(w, minutes: float = 0, limits: AlertCheckLimits = LIMITS, **kw):
    return run_alert_checks(w.db, w.now + timedelta(minutes=minutes), limits=limits, **kw)


def rows(db, kind: str) -> list:
    return list(db.execute(select(Alert.__table__).where(Alert.kind == kind).order_by(Alert.id)).all())


def audit(db, alert_id: int) -> list:
    return list(
        db.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.user_id, AuditEntry.after, AuditEntry.simulated)
            .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert_id))
            .order_by(AuditEntry.id)
        ).all()
    )


def move(w, inspection_id: int, state: str) -> None:
    w.db.execute(update(Inspection).where(Inspection.id == inspection_id).values(state=state))


# ------------------------------------------------------------------ resolving itself


def test_overdue_alert_resolves_itself_when_its_inspection_is_released(w):
    late = w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    run(w)
    (alert,) = rows(w.db, "overdue")
    assert alert.state == "open"
    acknowledge_alert(w.db, w.sup_sgh, alert.id, "team on the way")

    move(w, late, "released")
    run(w, 5)
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.resolved_reason, alert.resolved_by_id) == ("resolved", "condition_cleared", None)
    assert alert.resolved_at is not None
    action, actor, user_id, after, simulated = audit(w.db, alert.id)[-1]
    assert (action, actor, user_id, simulated) == ("auto_resolve", SYSTEM.username, None, False)
    assert after["inspection_state"] == "released" and after["resolved_reason"] == "condition_cleared"

    assert run(w, 10)["overdue"] == 0  # released: it stays resolved
    assert rows(w.db, "overdue")[0].state == "resolved"


def test_an_inspection_still_open_keeps_its_overdue_alert(w):
    w.inspection(state="in_progress", created_at=w.now - timedelta(minutes=300))
    run(w)
    run(w, 30)
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.resolved_reason) == ("open", None)
    assert [a.action for a in audit(w.db, alert.id)] == ["raise"]


def test_a_seal_mismatch_clears_when_the_inspection_is_decided_and_names_the_enterprise(w):
    bad = w.inspection(state="in_progress", enterprise_id=3, seal="CN1234567")
    box = w.container_of(w.declaration_of(bad))
    w.step(bad, "seal", "conforming", {"seal_number": "CN9999999"}, at=w.now - timedelta(minutes=5), container_id=box)
    run(w)
    (alert,) = rows(w.db, "seal_mismatch")
    assert (alert.state, alert.enterprise_id) == ("open", 3)
    run(w, 1)
    assert rows(w.db, "seal_mismatch")[0].state == "open"  # not decided yet: the condition holds

    move(w, bad, "held")
    run(w, 2)
    (alert,) = rows(w.db, "seal_mismatch")
    assert (alert.state, alert.resolved_reason) == ("resolved", "condition_cleared")
    after = audit(w.db, alert.id)[-1].after
    assert (after["inspection_id"], after["inspection_state"]) == (bad, "held")


def test_a_repeated_non_conformity_clears_when_the_window_passes(w):
    for i in range(3):
        insp = w.inspection(state="completed", enterprise_id=2, started_at=w.now - timedelta(days=3))
        w.finding(insp, at=w.now - timedelta(days=10, minutes=i))
    run(w, since=w.now - timedelta(days=11))
    (alert,) = rows(w.db, "repeat_nc_enterprise")
    assert (alert.state, alert.enterprise_id) == ("open", 2)
    run(w, 60 * 24 * 19)  # 29 days after the findings: still three within 30 days
    assert rows(w.db, "repeat_nc_enterprise")[0].state == "open"

    run(w, 60 * 24 * 21)
    (alert,) = rows(w.db, "repeat_nc_enterprise")
    assert (alert.state, alert.resolved_reason) == ("resolved", "condition_cleared")
    after = audit(w.db, alert.id)[-1].after
    assert (after["inspections"], after["threshold"]) == (0, 3)


def test_an_alert_of_something_that_happened_never_resolves_itself(w):
    w.inspection(
        state="released",
        started_at=w.now - timedelta(minutes=20),
        completed_at=w.now - timedelta(minutes=17),
        decided_at=w.now - timedelta(minutes=10),
        decision="release",
    )
    manual = w.alert(kind="manual", key="manual:1")
    run(w)
    run(w, 600)
    (fast,) = rows(w.db, "fast_no_photo")
    assert fast.state == "open"  # closed fast without a photo: nothing clears that
    assert w.db.scalar(select(Alert.state).where(Alert.id == manual)) == "open"


def test_the_simulated_run_records_its_raises_and_resolutions_as_simulated(w):
    simulated = replace(SYSTEM, simulated=True)
    late = w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    run(w, actor=simulated)
    move(w, late, "released")
    run(w, 1, actor=simulated)
    (alert,) = rows(w.db, "overdue")
    assert [(a.action, a.simulated) for a in audit(w.db, alert.id)] == [("raise", True), ("auto_resolve", True)]


def test_an_overdue_condition_back_after_it_cleared_reopens_its_alert(w):
    late = w.inspection(state="completed", created_at=w.now - timedelta(minutes=300))
    run(w)
    move(w, late, "awaiting_lab")  # waits for a laboratory: not the inspectors' time
    run(w, 5)
    move(w, late, "completed")  # the result is back, the decision is the inspectors' again
    run(w, 10)
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.count) == ("open", 2)
    assert [a.action for a in audit(w.db, alert.id)] == ["raise", "auto_resolve", "reopen"]


# ------------------------------------------------------------------ pending


def test_pending_alert_opens_once_the_pending_period_has_passed(w):
    w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    assert run(w, limits=WAITING)["overdue"] == 0
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.count) == ("pending", 0)
    assert alert.state not in UNRESOLVED  # not on the board, nobody asked to act
    assert audit(w.db, alert.id) == []

    assert run(w, 29, limits=WAITING)["overdue"] == 0
    assert rows(w.db, "overdue")[0].state == "pending"

    assert run(w, 30, limits=WAITING)["overdue"] == 1
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.count, alert.pending_until) == ("open", 1, None)
    assert [(a.action, a.after["state"]) for a in audit(w.db, alert.id)] == [("raise", "open")]


def test_a_pending_alert_whose_condition_clears_is_dropped_silently(w):
    late = w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    run(w, limits=WAITING)
    move(w, late, "released")
    run(w, 10, limits=WAITING)
    assert rows(w.db, "overdue") == []
    assert w.db.scalar(select(AuditEntry.id).where(AuditEntry.entity == "alert")) is None


def test_a_flapping_condition_raises_one_alert_not_many(w):
    late = w.inspection(state="completed", created_at=w.now - timedelta(minutes=300))
    minute = 0
    for _ in range(5):  # holds 10 minutes, clears 5, again and again: never 30 minutes in a row
        run(w, minute, limits=WAITING)
        run(w, minute + 10, limits=WAITING)
        move(w, late, "awaiting_lab")
        run(w, minute + 12, limits=WAITING)
        move(w, late, "completed")
        minute += 15
    assert rows(w.db, "overdue") == []  # each time it cleared before its pending period ended
    for step in range(0, 31, 10):  # now it holds
        run(w, minute + step, limits=WAITING)
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.count) == ("open", 1)
    assert [a.action for a in audit(w.db, alert.id)] == ["raise"]


def test_a_flapping_condition_without_pending_period_counts_on_one_alert(w):
    late = w.inspection(state="completed", created_at=w.now - timedelta(minutes=300))
    for i in range(4):
        run(w, 20 * i)
        move(w, late, "awaiting_lab")
        run(w, 20 * i + 5)
        move(w, late, "completed")
    run(w, 100)
    (alert,) = rows(w.db, "overdue")
    assert (alert.state, alert.count) == ("open", 5)
