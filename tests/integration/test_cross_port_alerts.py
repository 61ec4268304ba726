"""Checks across ports: an enterprise non-conforming at several ports, one container or seal at two
ports at once — on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select, update

from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.db.models import Alert, Inspection
from portsight.messages import alert_title
from tests.integration.supervision_world import NBO, SGH, make_world

LIMITS = AlertCheckLimits(overdue_minutes=24 * 60, repeat_window_days=30, repeat_threshold=3)
_boxes = count(1)


@pytest.fixture
def w(db):
    return make_world(db)


def box() -> str:
    """A container number of its own, so that only the containers a test shares meet."""
    return f"TEMU{next(_boxes):07d}"


def run(w, minutes: float = 0, **kw):
    return run_alert_checks(w.db, w.now + timedelta(minutes=minutes), limits=LIMITS, **kw)


def rows(db, kind: str) -> list:
    return list(db.execute(select(Alert.__table__).where(Alert.kind == kind).order_by(Alert.id)).all())


def non_conforming(w, port_id: int, enterprise_id: int, hours_ago: float) -> int:
    insp = w.inspection(port_id=port_id, enterprise_id=enterprise_id, state="released", container=box(), seal=None)
    w.finding(insp, at=w.now - timedelta(hours=hours_ago))
    return insp


def release(w, inspection_id: int) -> None:
    w.db.execute(update(Inspection).where(Inspection.id == inspection_id).values(state="released"))


# ------------------------------------------------------------------ an enterprise across ports


def test_an_enterprise_non_conforming_at_two_ports_is_flagged_once(w):
    non_conforming(w, SGH, 2, 3)
    non_conforming(w, SGH, 2, 2)
    non_conforming(w, NBO, 2, 1)
    counts = run(w)
    assert counts["repeat_nc_cross_port"] == 1 and counts["repeat_nc"] == 0  # two at one port: under it
    (alert,) = rows(w.db, "repeat_nc_cross_port")
    assert (alert.dedupe_key, alert.port_id, alert.enterprise_id) == ("repeat_nc:enterprise:2", None, 2)
    assert (alert.state, alert.count, alert.severity) == ("open", 1, "medium")
    assert sorted(alert.detail["port_ids"]) == [SGH, NBO]

    assert run(w, 5)["repeat_nc_cross_port"] == 0
    assert rows(w.db, "repeat_nc_cross_port")[0].count == 1


def test_an_enterprise_under_the_threshold_or_at_one_port_is_not_flagged(w):
    non_conforming(w, SGH, 2, 2)
    non_conforming(w, NBO, 2, 1)  # two ports, two inspections
    for hours in (3, 2, 1):
        non_conforming(w, SGH, 3, hours)  # three inspections, one port: the per-port check's
    assert run(w)["repeat_nc_cross_port"] == 0
    assert rows(w.db, "repeat_nc_cross_port") == []
    assert [a.dedupe_key for a in rows(w.db, "repeat_nc_enterprise")] == [f"repeat_nc:enterprise:3:port:{SGH}"]


def test_the_enterprise_alert_clears_when_the_window_passes(w):
    for port_id, hours in ((SGH, 241), (SGH, 242), (NBO, 240)):
        non_conforming(w, port_id, 2, hours)
    run(w, since=w.now - timedelta(days=11))
    assert rows(w.db, "repeat_nc_cross_port")[0].state == "open"
    run(w, 60 * 24 * 21)  # 31 days after the findings
    (alert,) = rows(w.db, "repeat_nc_cross_port")
    assert (alert.state, alert.resolved_reason) == ("resolved", "condition_cleared")


# ------------------------------------------------------------------ one container at two ports


def test_one_container_in_open_inspections_at_two_ports_raises_one_alert_that_clears_when_one_is_decided(w):
    shared = box()
    at_sgh = w.inspection(port_id=SGH, state="in_progress", container=shared, seal=None)
    w.inspection(port_id=NBO, state="pending", container=shared, seal=None)
    assert run(w)["container_two_ports"] == 1
    (alert,) = rows(w.db, "container_two_ports")
    assert (alert.dedupe_key, alert.port_id, alert.severity, alert.state) == (
        f"container_two_ports:container:{shared}",
        None,
        "high",
        "open",
    )
    assert alert.title_key == "alert_titles.container_two_ports_open"

    assert run(w, 5)["container_two_ports"] == 0  # run twice: nothing new
    assert rows(w.db, "container_two_ports")[0].count == 1

    release(w, at_sgh)
    assert run(w, 10)["container_two_ports"] == 0
    (alert,) = rows(w.db, "container_two_ports")
    assert (alert.state, alert.resolved_reason, alert.count) == ("resolved", "condition_cleared", 1)


def test_one_container_at_one_port_twice_is_groupage_not_an_alert(w):
    shared = box()
    w.inspection(port_id=SGH, state="in_progress", container=shared, seal=None)
    w.inspection(port_id=SGH, state="pending", container=shared, seal=None)
    assert run(w)["container_two_ports"] == 0


def test_inspections_at_two_ports_started_hours_apart_stay_flagged_once_decided(w):
    shared = box()
    w.inspection(port_id=SGH, state="released", container=shared, seal=None, started_at=w.now - timedelta(hours=3))
    w.inspection(port_id=NBO, state="released", container=shared, seal=None, started_at=w.now - timedelta(hours=1))
    assert run(w)["container_two_ports"] == 1
    (alert,) = rows(w.db, "container_two_ports")
    assert alert.title_key == "alert_titles.container_two_ports_apart"
    assert alert.title_params["gap"] == {"minutes": 120}
    run(w, 5)
    assert rows(w.db, "container_two_ports")[0].state == "open"  # it happened: nothing clears it


def test_inspections_at_two_ports_a_day_apart_are_no_alert(w):
    shared = box()
    w.inspection(port_id=SGH, state="released", container=shared, seal=None, started_at=w.now - timedelta(hours=30))
    w.inspection(port_id=NBO, state="released", container=shared, seal=None, started_at=w.now - timedelta(hours=1))
    assert run(w)["container_two_ports"] == 0


# ------------------------------------------------------------------ one seal at two ports


def test_a_seal_declared_at_one_port_and_read_at_another_raises_one_alert(w):
    at_sgh = w.inspection(port_id=SGH, state="in_progress", container=box(), seal="CN7654321")
    at_nbo = w.inspection(port_id=NBO, state="in_progress", container=box(), seal=None)
    w.step(at_nbo, "seal", "conforming", {"seal_number": "cn 765-4321"}, at=w.now - timedelta(minutes=5))
    counts = run(w)
    assert (counts["seal_two_ports"], counts["container_two_ports"]) == (1, 0)
    (alert,) = rows(w.db, "seal_two_ports")
    assert alert.dedupe_key == "seal_two_ports:seal:CN7654321"
    assert run(w, 5)["seal_two_ports"] == 0
    release(w, at_sgh)
    run(w, 10)
    assert rows(w.db, "seal_two_ports")[0].state == "resolved"


# ------------------------------------------------------------------ titles


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_titles_read_in_each_language(w, lang):
    shared = box()
    w.inspection(port_id=SGH, state="in_progress", container=shared, seal="CN1111111")
    w.inspection(port_id=NBO, state="pending", container=shared, seal="CN1111111")
    for port_id, hours in ((SGH, 3), (SGH, 2), (NBO, 1)):
        non_conforming(w, port_id, 2, hours)
    run(w)
    found = list(
        w.db.execute(
            select(Alert.kind, Alert.title, Alert.title_key, Alert.title_params).where(
                Alert.kind.in_(("repeat_nc_cross_port", "container_two_ports", "seal_two_ports"))
            )
        )
    )
    assert {kind for kind, *_ in found} == {"repeat_nc_cross_port", "container_two_ports", "seal_two_ports"}
    for _, title, key, params in found:
        shown = alert_title(lang, key, params, title)
        assert "{" not in shown
        assert ("上海" if lang == "zh_CN" else "Shanghai") in shown
        if lang == "zh_CN":
            assert not re.search(r"\b(at|in|inspections|and)\b", shown), shown
