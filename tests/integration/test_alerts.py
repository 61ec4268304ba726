"""Alert lifecycle services and alert queries: roles, port scope, required comment, audit, re-open."""

from __future__ import annotations

import random
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select, update

from portsight.db.alert_store import raise_alert
from portsight.db.models import Alert, AuditEntry
from portsight.db.session import unit_of_work
from portsight.domain.access import AccessDenied
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.queries.alerts import (
    alert_assignees,
    alert_detail,
    high_alerts_raised_since,
    list_alerts,
    open_alert_counts,
)
from portsight.services.alerts import acknowledge_alert, assign_alert, reopen_alert, resolve_alert
from tests.integration.supervision_world import NBO, SGH, make_world


@pytest.fixture
def w(db):
    return make_world(db)


def state_of(db, alert_id):
    return db.execute(select(Alert.state, Alert.count, Alert.comment).where(Alert.id == alert_id)).one()


def audit_actions(db, alert_id):
    return db.execute(
        select(AuditEntry.action, AuditEntry.actor)
        .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert_id))
        .order_by(AuditEntry.id)
    ).all()


def test_acknowledge_then_resolve_with_comment_is_audited_with_who(w):
    alert = w.alert(port_id=SGH)
    acknowledge_alert(w.db, w.sup_sgh, alert)
    assert state_of(w.db, alert)[0] == "acknowledged"
    resolve_alert(w.db, w.sup_sgh, alert, "  seal replaced, photos filed  ")
    row = w.db.execute(select(Alert.__table__).where(Alert.id == alert)).one()
    assert (row.state, row.comment, row.resolved_by_id, row.acknowledged_by_id) == (
        "resolved",
        "seal replaced, photos filed",
        2,
        2,
    )
    assert [tuple(a) for a in audit_actions(w.db, alert)] == [
        ("acknowledge", "supervisor.sgh"),
        ("resolve", "supervisor.sgh"),
    ]


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_resolve_needs_a_comment(w, comment):
    alert = w.alert()
    with pytest.raises(InvalidInput, match="comment"):
        resolve_alert(w.db, w.sup_all, alert, comment)
    assert state_of(w.db, alert)[0] == "open"


def test_same_condition_firing_after_resolve_reopens_with_count_increased(w):
    with unit_of_work(w.db) as session:
        first = raise_alert(session, dedupe_key="k:1", kind="overdue", severity="high", port_id=SGH, title="t")
    resolve_alert(w.db, w.sup_all, first.id, "done")
    with unit_of_work(w.db) as session:
        again = raise_alert(session, dedupe_key="k:1", kind="overdue", severity="high", port_id=SGH, title="t")
    assert again.id == first.id
    assert state_of(w.db, first.id)[:2] == ("open", 2)
    assert w.db.scalar(select(Alert.id).where(Alert.dedupe_key == "k:1").limit(2)) == first.id


def test_acknowledging_twice_or_resolving_twice_is_refused(w):
    alert = w.alert()
    acknowledge_alert(w.db, w.sup_all, alert)
    with pytest.raises(Conflict):
        acknowledge_alert(w.db, w.sup_all, alert)
    resolve_alert(w.db, w.sup_all, alert, "ok")
    with pytest.raises(Conflict):
        resolve_alert(w.db, w.sup_all, alert, "ok")


def test_reopen_by_hand_needs_a_resolved_alert_and_a_comment(w):
    alert = w.alert()
    with pytest.raises(Conflict):
        reopen_alert(w.db, w.sup_all, alert, "why")
    resolve_alert(w.db, w.sup_all, alert, "ok")
    reopen_alert(w.db, w.sup_all, alert, "resolved too early")
    assert state_of(w.db, alert)[0] == "open"


def test_supervisor_of_another_port_cannot_act_on_the_alert(w):
    alert = w.alert(port_id=SGH)
    for act in (
        lambda: acknowledge_alert(w.db, w.sup_nbo, alert),
        lambda: resolve_alert(w.db, w.sup_nbo, alert, "x"),
        lambda: assign_alert(w.db, w.sup_nbo, alert, 3),
    ):
        with pytest.raises(AccessDenied):
            act()
    assert state_of(w.db, alert)[0] == "open"
    assert audit_actions(w.db, alert) == []


def test_an_inspector_cannot_act_on_alerts(w):
    alert = w.alert(port_id=SGH)
    with pytest.raises(AccessDenied, match="role"):
        acknowledge_alert(w.db, w.inspector, alert)


def test_unknown_alert_is_not_found(w):
    with pytest.raises(NotFound):
        acknowledge_alert(w.db, w.sup_all, 999_999)


def test_assign_to_a_supervisor_who_covers_the_port(w):
    alert = w.alert(port_id=SGH)
    assign_alert(w.db, w.sup_all, alert, 2)
    assert w.db.scalar(select(Alert.assigned_to_id).where(Alert.id == alert)) == 2
    with pytest.raises(InvalidInput, match="does not cover"):
        assign_alert(w.db, w.sup_all, alert, 3)  # supervisor.nbo
    with pytest.raises(InvalidInput, match="inspector"):
        assign_alert(w.db, w.sup_all, alert, 4)
    assign_alert(w.db, w.sup_all, alert, None)
    assert w.db.scalar(select(Alert.assigned_to_id).where(Alert.id == alert)) is None
    assert [a.action for a in audit_actions(w.db, alert)] == ["assign", "assign"]
    assert {u["username"] for u in alert_assignees(w.db, SGH)} == {"supervisor", "supervisor.sgh", "admin"}


# ------------------------------------------------------------------ queries and scope


def test_scoped_supervisor_never_sees_another_ports_alerts_or_counts(w):
    sgh_high = w.alert(port_id=SGH, severity="high")
    w.alert(port_id=SGH, severity="low")
    nbo_high = w.alert(port_id=NBO, severity="high")
    w.alert(port_id=NBO, severity="medium", state="resolved")

    seen = set(list_alerts(w.db, w.sup_sgh.scope())["id"])
    assert sgh_high in seen and nbo_high not in seen
    assert open_alert_counts(w.db, w.sup_sgh.scope()) == {"high": 1, "medium": 0, "low": 1, "total": 2}
    assert open_alert_counts(w.db, w.sup_nbo.scope()) == {"high": 1, "medium": 0, "low": 0, "total": 1}
    assert open_alert_counts(w.db, w.sup_all.scope())["total"] == 3
    with pytest.raises(AccessDenied):
        alert_detail(w.db, w.sup_sgh.scope(), nbo_high)
    assert nbo_high not in set(high_alerts_raised_since(w.db, w.sup_sgh.scope(), w.now - timedelta(hours=1))["id"])


def test_alert_list_filters_by_severity_and_state_most_severe_first(w):
    low = w.alert(severity="low")
    high = w.alert(severity="high")
    w.alert(severity="medium", state="resolved")
    assert list(list_alerts(w.db, None)["id"]) == [high, low]
    assert list(list_alerts(w.db, None, severities=["low"])["id"]) == [low]
    assert len(list_alerts(w.db, None, states=["resolved"])) == 1


def test_alert_detail_has_history_and_who(w):
    alert = w.alert()
    acknowledge_alert(w.db, w.sup_sgh, alert, "looking")
    resolve_alert(w.db, w.sup_sgh, alert, "fixed")
    detail = alert_detail(w.db, w.sup_sgh.scope(), alert)
    assert (detail["acknowledged_by"], detail["resolved_by"], detail["comment"]) == (
        "supervisor.sgh",
        "supervisor.sgh",
        "fixed",
    )
    assert [h["action"] for h in detail["history"]] == ["acknowledge", "resolve"]


def test_toast_query_returns_only_open_high_alerts_raised_after_the_mark(w):
    old = w.alert(severity="high", raised_at=w.now - timedelta(hours=2))
    new = w.alert(severity="high", raised_at=w.now)
    w.alert(severity="medium", raised_at=w.now)
    assert list(high_alerts_raised_since(w.db, None, w.now - timedelta(minutes=5))["id"]) == [new]
    assert old not in set(high_alerts_raised_since(w.db, None, w.now - timedelta(minutes=5))["id"])


# ------------------------------------------------------------------ list order, one severity at a time

RANK = {"high": 0, "medium": 1, "low": 2}
LIST_COLUMNS = [
    "id",
    "severity",
    "state",
    "kind",
    "title",
    "title_key",
    "title_params",
    "count",
    "port",
    "enterprise_id",
    "first_raised_at",
    "last_raised_at",
    "assigned_to",
    "inspection_id",
    "declaration_id",
    "rule_id",
    "comment",
    "detail",
]


@pytest.fixture
def many_alerts(w):
    """60 alerts of every severity, state, port (or none), two kinds, some assigned, many raised
    at the same minute so that the id has to break ties."""
    rng = random.Random(10)
    for _ in range(60):
        alert = w.alert(
            port_id=rng.choice([SGH, NBO, None]),
            severity=rng.choice(list(RANK)),
            state=rng.choice(["open", "acknowledged", "resolved"]),
            kind=rng.choice(["overdue", "seal"]),
            raised_at=w.now - timedelta(minutes=rng.choice([0, 5, 5, 60, 1440])),
        )
        if rng.random() < 0.3:
            w.db.execute(update(Alert).where(Alert.id == alert).values(assigned_to_id=2))
    return w


def reference_ids(
    db, *, port_ids=None, states=("open", "acknowledged"), severities=None, kinds=None, assigned_to_id=None
) -> list[int]:
    """Every matching alert ordered in Python: severity's rank, newest raise first, larger id first."""
    rows = db.execute(
        select(
            Alert.id, Alert.severity, Alert.state, Alert.port_id, Alert.kind, Alert.assigned_to_id, Alert.last_raised_at
        )
    ).all()
    keep = [
        r
        for r in rows
        if (port_ids is None or r.port_id in port_ids)
        and (not states or r.state in states)
        and (not severities or r.severity in severities)
        and (not kinds or r.kind in kinds)
        and (assigned_to_id is None or r.assigned_to_id == assigned_to_id)
    ]
    keep.sort(key=lambda r: (RANK[r.severity], -r.last_raised_at.timestamp(), -r.id))
    return [r.id for r in keep]


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, a missing value as None whatever dtype pandas inferred for the rows at hand."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


@pytest.mark.parametrize(
    "filters",
    [
        {"states": ("resolved",)},
        {},
        {"states": ()},
        {"states": ("resolved",), "severities": ("high",)},
        {"states": ("open", "resolved"), "severities": ("low", "high")},
        {"states": ("resolved", "acknowledged"), "port_ids": frozenset({SGH})},
        {"states": ("acknowledged", "open", "acknowledged")},
        {"states": (), "kinds": ("seal",), "assigned_to_id": 2},
    ],
    ids=lambda f: (
        ",".join(f"{k}={'+'.join(map(str, v)) if isinstance(v, tuple | frozenset) else v}" for k, v in f.items())
        or "defaults"
    ),
)
def test_alert_list_pages_match_the_reference_order_across_severity_boundaries(many_alerts, filters):
    db = many_alerts.db
    filters = dict(filters)
    port_ids = filters.pop("port_ids", None)
    expected = reference_ids(db, port_ids=port_ids, **filters)
    assert len(expected) >= 3
    whole = list_alerts(db, port_ids, limit=1000, **filters)
    assert list(whole.columns) == LIST_COLUMNS
    assert list(whole["id"]) == expected
    for limit in (1, 2, 5, 100):
        for offset in range(len(expected) + 2):
            page = list_alerts(db, port_ids, limit=limit, offset=offset, **filters)
            assert list(page.columns) == LIST_COLUMNS
            assert list(page["id"]) == expected[offset : offset + limit], (offset, limit)
            assert records(page) == records(whole.iloc[offset : offset + limit])
