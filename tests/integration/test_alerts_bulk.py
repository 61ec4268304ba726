"""Many alerts at once: acknowledge or resolve with one comment, all or nothing, one audit entry per
alert; and the alert groups (kind, port, enterprise) with their counts and the list's filters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, update

import portsight.services.alerts as alert_services
from portsight.db.models import Alert, AuditEntry, Enterprise
from portsight.domain.access import AccessDenied
from portsight.errors import Conflict, InvalidInput
from portsight.queries.alerts import alert_groups, list_alerts
from portsight.services.alerts import acknowledge_alerts, resolve_alert, resolve_alerts
from tests.integration.supervision_world import NBO, SGH, make_world


@pytest.fixture
def w(db):
    return make_world(db)


def audit_of(db, ids, action):
    return db.execute(
        select(AuditEntry.entity_id, AuditEntry.actor, AuditEntry.after)
        .where(AuditEntry.entity == "alert", AuditEntry.action == action)
        .where(AuditEntry.entity_id.in_([str(i) for i in ids]))
        .order_by(AuditEntry.id)
    ).all()


def states_of(db, ids):
    return db.execute(select(Alert.state).where(Alert.id.in_(ids)).order_by(Alert.id)).scalars().all()


def test_acknowledging_ten_alerts_writes_ten_audit_entries_with_the_one_comment(w):
    ids = [w.alert(port_id=SGH) for _ in range(10)]
    done = acknowledge_alerts(w.db, w.sup_sgh, ids, "  on it: carrier called  ")
    assert [d["id"] for d in done] == sorted(ids)
    assert states_of(w.db, ids) == ["acknowledged"] * 10
    entries = audit_of(w.db, ids, "acknowledge")
    assert sorted(int(e.entity_id) for e in entries) == sorted(ids)
    assert {(e.actor, e.after["comment"]) for e in entries} == {("supervisor.sgh", "on it: carrier called")}


def test_the_batch_is_one_transaction_a_failure_half_way_leaves_nothing(w, monkeypatch):
    ids = [w.alert(port_id=SGH) for _ in range(10)]
    real = alert_services.record_audit
    calls = []

    def fails_at_the_tenth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 10:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(alert_services, "record_audit", fails_at_the_tenth)
    with pytest.raises(RuntimeError, match="disk full"):
        acknowledge_alerts(w.db, w.sup_sgh, ids, "on it")
    assert states_of(w.db, ids) == ["open"] * 10
    assert audit_of(w.db, ids, "acknowledge") == []


def test_one_alert_outside_the_actors_ports_refuses_the_whole_batch_and_names_it(w):
    ours = [w.alert(port_id=SGH) for _ in range(9)]
    theirs = w.alert(port_id=NBO)
    with pytest.raises(AccessDenied) as refused:
        resolve_alerts(w.db, w.sup_sgh, [*ours, theirs], "fixed")
    assert refused.value.message_key == "errors.alerts_resolve_refused"
    assert refused.value.message_values["count"] == 1 and refused.value.message_values["total"] == 10
    assert refused.value.message_values["reasons"] == [
        {"key": "errors.alert_bulk_outside_scope", "params": {"id": theirs}}
    ]
    assert f"#{theirs}" in str(refused.value)
    assert states_of(w.db, [*ours, theirs]) == ["open"] * 10
    assert audit_of(w.db, [*ours, theirs], "resolve") == []


def test_alerts_in_the_wrong_state_refuse_the_batch_each_named_with_its_state(w):
    fine = w.alert()
    done = w.alert(state="resolved")
    waiting = w.alert(state="pending")
    with pytest.raises(Conflict) as refused:
        acknowledge_alerts(w.db, w.sup_all, [fine, done, waiting, 999_999])
    reasons = refused.value.message_values["reasons"]
    assert reasons == [
        {"key": "errors.alert_bulk_state", "params": {"id": done, "state": {"key": "alerts.state_resolved"}}},
        {"key": "errors.alert_bulk_state", "params": {"id": waiting, "state": {"key": "alerts.state_pending"}}},
        {"key": "errors.alert_bulk_missing", "params": {"id": 999_999}},
    ]
    assert states_of(w.db, [fine]) == ["open"]


def test_bulk_actions_need_a_supervisor_a_selection_and_a_comment_to_resolve(w):
    ids = [w.alert(), w.alert()]
    with pytest.raises(AccessDenied):
        acknowledge_alerts(w.db, w.inspector, ids)
    with pytest.raises(InvalidInput):
        acknowledge_alerts(w.db, w.sup_all, [])
    with pytest.raises(InvalidInput, match="comment"):
        resolve_alerts(w.db, w.sup_all, ids, "  ")
    assert states_of(w.db, ids) == ["open", "open"]


def test_resolving_by_hand_records_the_reason_by_hand_single_and_bulk(w):
    one, two, three = w.alert(), w.alert(state="acknowledged"), w.alert()
    resolve_alert(w.db, w.sup_all, one, "seal replaced")
    resolve_alerts(w.db, w.sup_all, [two, three], "cleared at the gate")
    rows = w.db.execute(
        select(Alert.state, Alert.resolved_reason, Alert.resolved_by_id, Alert.comment)
        .where(Alert.id.in_([one, two, three]))
        .order_by(Alert.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("resolved", "by_hand", 1, "seal replaced"),
        ("resolved", "by_hand", 1, "cleared at the gate"),
        ("resolved", "by_hand", 1, "cleared at the gate"),
    ]
    assert [e.after["resolved_reason"] for e in audit_of(w.db, [one, two, three], "resolve")] == ["by_hand"] * 3


def test_a_pending_alert_cannot_be_resolved_by_hand(w):
    waiting = w.alert(state="pending")
    with pytest.raises(Conflict):
        resolve_alert(w.db, w.sup_all, waiting, "nothing yet")
    assert states_of(w.db, [waiting]) == ["pending"]


def _enterprise(db, uscc: str, name: str) -> int:
    """An enterprise with an id of its own (the world inserts its rows with explicit ids)."""
    return db.execute(
        insert(Enterprise).returning(Enterprise.id),
        [{"id": 900, "uscc": uscc, "name": name, "credit_tier": "general", "under_investigation": False}],
    ).scalar_one()


def test_groups_count_open_and_acknowledged_by_kind_port_and_enterprise(w):
    firm = _enterprise(w.db, "91310000MA1FL8LQ35", "上海铜源再生资源有限公司")
    a = [w.alert(kind="overdue", port_id=SGH) for _ in range(3)]
    w.alert(kind="overdue", port_id=SGH, state="acknowledged")
    w.alert(kind="overdue", port_id=NBO)
    b = [w.alert(kind="repeat_nc_enterprise", port_id=SGH) for _ in range(2)]
    w.db.execute(update(Alert).where(Alert.id.in_(b)).values(enterprise_id=firm))
    w.alert(kind="overdue", port_id=SGH, state="resolved")
    w.alert(kind="overdue", port_id=SGH, state="pending")

    groups = alert_groups(w.db, None)
    got = {
        (r["kind"], r["port"], r["enterprise"]): (r["open"], r["acknowledged"], r["total"])
        for r in groups.to_dict("records")
    }
    assert got == {
        ("overdue", "CNSGH", None): (3, 1, 4),
        ("overdue", "CNNBO", None): (1, 0, 1),
        ("repeat_nc_enterprise", "CNSGH", "上海铜源再生资源有限公司"): (2, 0, 2),
    }
    assert list(groups["total"]) == [4, 2, 1]  # largest first
    sgh_only = alert_groups(w.db, frozenset({SGH}))
    assert set(sgh_only["port"]) == {"CNSGH"}
    with_pending = alert_groups(w.db, None, states=("pending",))
    assert [(r["kind"], r["pending"]) for r in with_pending.to_dict("records")] == [("overdue", 1)]

    listed = list_alerts(w.db, None, group=("overdue", SGH, None))
    assert set(a) < set(listed["id"]) and len(listed) == 4
    assert set(zip(listed["kind"], listed["port"], strict=True)) == {("overdue", "CNSGH")}
    assert sorted(list_alerts(w.db, None, enterprise_id=firm)["id"]) == sorted(b)


def test_search_finds_an_alert_by_number_or_a_piece_of_its_title(w):
    one = w.alert(kind="seal_mismatch")
    w.alert(kind="overdue")
    w.db.execute(
        update(Alert)
        .where(Alert.id == one)
        .values(title="Seal on TGHU9876543 differs", title_params={"container": "TGHU9876543"})
    )
    assert list(list_alerts(w.db, None, search="tghu98")["id"]) == [one]
    assert list(list_alerts(w.db, None, search=f"#{one}")["id"]) == [one]
    assert list_alerts(w.db, None, search="100%_").empty  # wildcards are literal
    assert w.db.scalar(select(func.count()).select_from(Alert)) == 2
