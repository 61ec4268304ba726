"""The inspections list's overdue filter (?overdue=1) lists exactly the inspections the board counts
as overdue, on SQLite and PostgreSQL: the same states, the same cutoff (portsight.db.overdue), the
service time in force; in every scope, including one at exactly the cutoff. The filters links
carry (an enterprise, a declaration, a finding) count what they list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from portsight.db.models import Finding
from portsight.db.overdue import overdue_cutoff
from portsight.domain.inspection import InspectionState
from portsight.queries.alert_parameters import overdue_minutes_in_force
from portsight.queries.inspections import (
    ANY_FINDING,
    InspectionFilter,
    count_inspections,
    declaration_number,
    export_inspections,
    finding_rules,
)
from portsight.queries.overview import overview
from tests.integration.supervision_world import NBO, SGH, make_world


def test_the_overdue_filter_counts_what_the_board_counts(db):
    w = make_world(db)
    minutes = overdue_minutes_in_force(db, w.now)
    cutoff = overdue_cutoff(w.now, minutes)
    expected: dict[int, set[int]] = {SGH: set(), NBO: set()}
    for port in (SGH, NBO):
        for state in InspectionState:
            for opened in (cutoff - timedelta(days=3), cutoff, cutoff + timedelta(seconds=1), w.now):
                decided = state.value in ("released", "held", "returned", "destroyed")
                iid = w.inspection(port_id=port, state=state.value, created_at=opened,
                                   decided_at=w.now if decided else None)  # fmt: skip
                if state in (InspectionState.PENDING, InspectionState.ASSIGNED, InspectionState.IN_PROGRESS,
                             InspectionState.COMPLETED) and opened <= cutoff:  # fmt: skip
                    expected[port].add(iid)
    flt = InspectionFilter(overdue_cutoff=cutoff)
    for scope in (None, frozenset({SGH}), frozenset({NBO}), frozenset({SGH, NBO})):
        board = overview(db, scope, w.now, overdue_minutes=minutes).kpis["overdue"]
        listed = set(export_inspections(db, scope, flt)["inspection_id"])
        assert count_inspections(db, scope, flt) == board == len(listed), scope
        assert listed == set().union(*(ids for port, ids in expected.items() if scope is None or port in scope))
    assert board == 16  # four active states, two openings at or before the cutoff, two ports


def test_enterprise_declaration_and_finding_filters(db):
    w = make_world(db)
    plain = w.inspection(port_id=SGH, enterprise_id=1)
    sealed = w.inspection(port_id=SGH, enterprise_id=3)
    noted = w.inspection(port_id=NBO, enterprise_id=3)
    w.finding(noted, at=w.now)
    db.execute(insert(Finding), [{"inspection_id": sealed, "rule_id": "seal_mismatch", "severity": "high",
                                  "description": "seal differs", "created_at": w.now}])  # fmt: skip

    def listed(scope, **values) -> set[int]:
        flt = InspectionFilter(**values)
        ids = set(export_inspections(db, scope, flt)["inspection_id"])
        assert count_inspections(db, scope, flt) == len(ids), values
        return ids

    assert listed(None, enterprise_id=3) == {sealed, noted}
    assert listed(frozenset({SGH}), enterprise_id=3) == {sealed}
    assert listed(None, declaration_id=w.declaration_of(plain)) == {plain}
    assert listed(None, finding=ANY_FINDING) == {sealed, noted}
    assert listed(None, finding="seal_mismatch") == {sealed}
    assert listed(None, finding="seal_mismatch", enterprise_id=1) == set()
    assert finding_rules(db, None) == ["seal_mismatch"] and finding_rules(db, frozenset({NBO})) == []
    number = declaration_number(db, None, w.declaration_of(noted))
    assert number and declaration_number(db, frozenset({SGH}), w.declaration_of(noted)) is None


def test_the_board_and_the_list_count_the_same_all_minute_long(db):
    """Each is worked out once a minute, when first asked for: a board made at 50 s past the minute and a list
    made at 10 s past it count against one cutoff, even for an inspection opened between the two."""
    w = make_world(db)
    minutes = overdue_minutes_in_force(db, w.now)
    minute = w.now.replace(second=0, microsecond=0)
    early, late = minute + timedelta(seconds=10), minute + timedelta(seconds=50)
    w.inspection(port_id=SGH, state="pending", created_at=minute - timedelta(minutes=minutes, seconds=-30))
    board = overview(db, None, late, overdue_minutes=minutes).kpis["overdue"]
    listed = count_inspections(db, None, InspectionFilter(overdue_cutoff=overdue_cutoff(early, minutes)))
    assert board == listed
