"""Each supervision check raises its alert once, counts it up on a new trigger, and re-opens it
after resolve — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.db.models import Alert, AuditEntry, RuleSetting
from portsight.services.alerts import resolve_alert
from tests.integration.supervision_world import NBO, SGH, make_world

LIMITS = AlertCheckLimits(overdue_minutes=240, repeat_window_days=30, repeat_threshold=3)


@pytest.fixture
def w(db):
    return make_world(db)


def run(w, now: datetime | None = None, **kw):
    return run_alert_checks(w.db, now or w.now, limits=LIMITS, **kw)


def alerts(db, kind: str | None = None) -> list:
    stmt = select(Alert.__table__).order_by(Alert.id)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    return list(db.execute(stmt).all())


def one(db, kind: str):
    found = alerts(db, kind)
    assert len(found) == 1, [a.dedupe_key for a in found]
    return found[0]


# ------------------------------------------------------------------ overdue


def test_inspection_past_its_service_time_raises_one_overdue_alert(w):
    late = w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    w.inspection(state="in_progress", created_at=w.now - timedelta(minutes=100))  # within the service time
    w.inspection(
        state="released", created_at=w.now - timedelta(days=2), decided_at=w.now - timedelta(days=1), decision="release"
    )  # decided: never overdue

    assert run(w)["overdue"] == 1
    alert = one(w.db, "overdue")
    assert (alert.dedupe_key, alert.inspection_id, alert.port_id) == (f"overdue:inspection:{late}", late, SGH)
    assert (alert.severity, alert.count, alert.state) == ("medium", 1, "open")


def test_overdue_is_not_counted_twice_for_the_same_period(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run(w)
    assert run(w)["overdue"] == 0
    assert run(w, w.now + timedelta(minutes=60))["overdue"] == 0
    assert one(w.db, "overdue").count == 1


def test_still_open_one_service_time_later_counts_up_and_becomes_high(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run(w)
    assert run(w, w.now + timedelta(minutes=240))["overdue"] == 1
    alert = one(w.db, "overdue")
    assert (alert.count, alert.severity, alert.detail["periods"]) == (2, "high", 2)


def test_resolved_overdue_alert_reopens_when_it_fires_again(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run(w)
    alert = one(w.db, "overdue")
    resolve_alert(w.db, w.sup_sgh, alert.id, "called the port, team on the way")
    assert run(w, w.now + timedelta(minutes=10))["overdue"] == 0  # same period: stays resolved
    assert w.db.scalar(select(Alert.state).where(Alert.id == alert.id)) == "resolved"

    run(w, w.now + timedelta(minutes=240))
    state, count = w.db.execute(select(Alert.state, Alert.count).where(Alert.id == alert.id)).one()
    assert (state, count) == ("open", 2)
    actions = w.db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["raise", "resolve", "reopen"]


# ------------------------------------------------------------------ completed fast with no photo


def test_inspection_completed_in_minutes_with_no_photo_raises_alert(w):
    fast = w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=20), completed_at=w.now - timedelta(minutes=17)
    )
    with_photo = w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=20), completed_at=w.now - timedelta(minutes=17)
    )
    w.photo(with_photo, at=w.now - timedelta(minutes=18))
    w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=60), completed_at=w.now - timedelta(minutes=15)
    )  # 45 minutes: not suspicious

    assert run(w)["fast_no_photo"] == 1
    alert = one(w.db, "fast_no_photo")
    assert (alert.dedupe_key, alert.rule_id, alert.inspection_id) == (
        f"fast_no_photo:inspection:{fast}",
        "quick_close_without_photo",
        fast,
    )
    assert alert.detail["photos"] == 0 and alert.detail["minutes"] == 3.0
    assert alert.detail["citation"]["en"]

    assert run(w)["fast_no_photo"] == 0
    assert one(w.db, "fast_no_photo").count == 1


def test_fast_close_check_is_off_when_its_rule_is_switched_off(w):
    w.db.execute(insert(RuleSetting), [{"rule_id": "quick_close_without_photo", "enabled": False, "changed_at": w.now}])
    w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=20), completed_at=w.now - timedelta(minutes=17)
    )
    assert run(w)["fast_no_photo"] == 0


# ------------------------------------------------------------------ seal mismatch


def test_seal_mismatch_raises_high_alert_per_container(w):
    bad = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40), seal="CN1234567")
    good = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40), seal="CN7654321")
    bad_box = w.container_of(w.declaration_of(bad))
    good_box = w.container_of(w.declaration_of(good))
    w.step(
        bad, "seal", "conforming", {"seal_number": "CN9999999"}, at=w.now - timedelta(minutes=5), container_id=bad_box
    )
    w.step(
        good,
        "seal",
        "conforming",
        {"seal_number": "cn-765 4321"},
        at=w.now - timedelta(minutes=5),
        container_id=good_box,
    )  # same seal once normalised

    assert run(w)["seal_mismatch"] == 1
    alert = one(w.db, "seal_mismatch")
    assert alert.dedupe_key == f"seal_mismatch:inspection:{bad}:container:{bad_box}"
    assert alert.severity == "high"
    assert (alert.detail["declared_seal"], alert.detail["observed_seal"]) == ("CN1234567", "CN9999999")
    assert run(w)["seal_mismatch"] == 0


def test_seal_step_marked_non_conforming_raises_even_without_a_number(w):
    insp = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40))
    w.step(
        insp,
        "seal",
        "non_conforming",
        {},
        at=w.now - timedelta(minutes=5),
        container_id=w.container_of(w.declaration_of(insp)),
    )
    assert run(w)["seal_mismatch"] == 1


# ------------------------------------------------------------------ prohibited goods


def test_declaration_of_prohibited_goods_raises_alert_from_the_rule_catalogue(w):
    waste = w.declaration(hs="4707100000", declared_at=w.now - timedelta(minutes=30))
    w.declaration(hs="8471300000", declared_at=w.now - timedelta(minutes=30))

    assert run(w)["prohibited_goods"] == 1
    alert = one(w.db, "prohibited_goods")
    assert (alert.dedupe_key, alert.rule_id, alert.declaration_id, alert.severity) == (
        f"prohibited_goods:declaration:{waste}",
        "solid_waste_import_ban",
        waste,
        "high",
    )
    assert alert.detail["hs_codes"] == ["4707100000"]
    assert run(w)["prohibited_goods"] == 0
    assert one(w.db, "prohibited_goods").count == 1


def test_declarations_older_than_since_are_not_rescanned(w):
    w.declaration(hs="4707100000", declared_at=w.now - timedelta(hours=3))
    assert run(w, since=w.now - timedelta(hours=1))["prohibited_goods"] == 0


# ------------------------------------------------------------------ repeated non-conformity


def _non_conforming(w, n: int, *, start_minutes: int, **decl):
    ids = []
    for i in range(n):
        insp = w.inspection(state="completed", started_at=w.now - timedelta(days=3), **decl)
        w.finding(insp, at=w.now - timedelta(minutes=start_minutes - i))
        ids.append(insp)
    return ids


def test_same_enterprise_with_repeated_non_conformity_raises_one_alert_counted_up(w):
    _non_conforming(w, 2, start_minutes=300, enterprise_id=1, origin="DE", hs="8471300000")
    assert run(w)["repeat_nc"] == 0  # two are not a pattern yet

    _non_conforming(w, 1, start_minutes=200, enterprise_id=1, origin="JP", hs="9018000000")
    assert run(w)["repeat_nc"] == 1
    alert = one(w.db, "repeat_nc_enterprise")
    assert (alert.dedupe_key, alert.count, alert.detail["inspections"]) == ("repeat_nc:enterprise:1:port:1", 1, 3)
    assert run(w)["repeat_nc"] == 0

    _non_conforming(w, 1, start_minutes=10, enterprise_id=1, origin="US", hs="9403000000")
    run(w)
    alert = one(w.db, "repeat_nc_enterprise")
    assert (alert.count, alert.detail["inspections"]) == (2, 4)


def test_same_origin_and_hs_with_repeated_non_conformity_across_enterprises_raises_alert(w):
    for enterprise_id in (1, 2, 3):
        _non_conforming(
            w, 1, start_minutes=100 + enterprise_id, enterprise_id=enterprise_id, origin="BR", hs="0202300000"
        )
    run(w)
    alert = one(w.db, "repeat_nc_origin_hs")
    assert alert.dedupe_key == "repeat_nc:origin_hs:BR:0202:port:1"
    assert alert.detail["inspections"] == 3
    assert alerts(w.db, "repeat_nc_enterprise") == []


def test_non_conformities_at_two_ports_are_counted_per_port(w):
    _non_conforming(w, 2, start_minutes=300, port_id=SGH, enterprise_id=1)
    _non_conforming(w, 2, start_minutes=200, port_id=NBO, enterprise_id=1)
    run(w)
    assert alerts(w.db, "repeat_nc_enterprise") == []


def test_non_conformities_outside_the_window_do_not_count(w):
    _non_conforming(w, 3, start_minutes=60 * 24 * 31, enterprise_id=1)
    assert run(w, since=w.now - timedelta(days=40))["repeat_nc"] == 0


# ------------------------------------------------------------------ the run


def test_each_raise_is_in_the_activity_feed_with_its_port(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300), port_id=NBO)
    run(w)
    entry = w.db.execute(select(AuditEntry.__table__).where(AuditEntry.entity == "alert")).one()
    assert (entry.actor, entry.action, entry.port_id) == ("system", "raise", NBO)


def test_a_run_with_nothing_to_report_raises_nothing(w):
    assert run(w) == {"overdue": 0, "fast_no_photo": 0, "seal_mismatch": 0, "prohibited_goods": 0, "repeat_nc": 0}
