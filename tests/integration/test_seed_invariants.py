"""The seeded history obeys the product's own rules: every release has a receipt the gate accepts, every
step that asks for photos has them (stored by hash, readable by the photo gate), every change of state,
draw, dispatch and step result has the audit entry its service writes, no hold is left open for months,
the credit tiers' realised rates stay inside their legal bounds, every draw's tier and forced columns say
what its inputs record, and declaration numbers are the 18-digit numbers a customs office gives."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.masterdata import SIMULATOR_SUPERVISOR
from portsight.demo.numbers import CUSTOMS_OFFICE
from portsight.demo.seed import seed_demo
from portsight.domain.access import Actor, Role
from portsight.images import clean_photo
from portsight.security import Keyring
from portsight.storage import media_path

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # 10:00 in China
WEEKS = 3
# A keyring after a rotation: receipts are signed with the current key and carry its id.
KEYRING = Keyring({"k0": "legacy-secret", "k3": "current-secret"}, "k3", "legacy-secret")
HOLD_CLEARED_WITHIN = timedelta(days=2)
WAITING = {"identification", "awaiting_lab", "under_treatment"}
RESULT_WITHIN = timedelta(days=15)  # the longest a hold's result takes (attribute identification)
SAID: list[str] = []  # what the seed told its progress callback
COUNTS: dict[str, int] = {}  # rows per table, as the seed returned them


@pytest.fixture(scope="module")
def seeded(engine, tmp_path_factory):
    """Three seeded weeks on each database, shared by the module's tests and rolled back after them; with
    the highest audit id before the seed (the session's database may hold other tests' entries)."""
    media = tmp_path_factory.mktemp("media")
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            before = conn.scalar(select(func.max(m.AuditEntry.id))) or 0
            SAID.clear()
            COUNTS.update(
                seed_demo(
                    conn, weeks=WEEKS, seed=7, now=NOW, password_hash="x", media_dir=media, secret=KEYRING,
                    progress=SAID.append,
                )
            )  # fmt: skip
            yield conn, media, before
        finally:
            outer.rollback()


def _utc(value: datetime) -> datetime:
    return as_utc(value)


def test_every_release_has_a_receipt_the_gate_accepts(seeded):
    from portsight.services.receipts import GENUINE, USED, make_token, verify_receipt

    conn, _, _ = seeded
    released = dict(
        conn.execute(select(m.Inspection.id, m.Inspection.decided_at).where(m.Inspection.state == "released")).all()
    )
    receipts = conn.execute(select(m.ReleaseReceipt.__table__)).all()
    assert len(released) > 500
    assert {r.inspection_id for r in receipts} == set(released)
    used = [r for r in receipts if r.used_at is not None]
    assert 0.8 * len(receipts) < len(used) < len(receipts)  # most scanned, the latest trucks not yet
    gate = Actor(None, "gate-test", Role.GATE, None)
    statuses = Counter()
    checking = conn.begin_nested()  # the gate marks receipts used: undone for the module's other tests
    try:
        for r in receipts:
            assert _utc(r.issued_at) == _utc(released[r.inspection_id]).replace(microsecond=0)
            assert r.signature.startswith("k3:")
            token = make_token(r.receipt_no, r.signature)
            result = verify_receipt(conn, gate, token, "Gate 1", secret=KEYRING)
            statuses[result.status] += 1
            if r.used_at is not None:
                assert result.status == USED and _utc(result.used_at) == _utc(r.used_at), r.receipt_no
                assert _utc(r.issued_at) < _utc(r.used_at) <= NOW
            else:
                assert result.status == GENUINE, r.receipt_no
    finally:
        checking.rollback()
    assert statuses == {USED: len(used), GENUINE: len(receipts) - len(used)}


def test_every_step_that_asks_for_photos_has_them_stored_by_hash(seeded):
    from portsight.db.checklists import load_checklist, slot_progress
    from portsight.domain.checklist import missing_work

    conn, media, _ = seeded
    completed = list(
        conn.scalars(select(m.Inspection.id).where(m.Inspection.completed_at.is_not(None)).order_by(m.Inspection.id))
    )
    assert len(completed) > 500
    sample = completed[:: max(1, len(completed) // 150)]
    for inspection_id in sample:  # the product's own completion check: nothing is missing
        checklist = load_checklist(conn, inspection_id)
        assert checklist is not None
        progress = slot_progress(conn, checklist)
        assert missing_work(checklist, progress) == {"unrecorded": [], "photos": []}, inspection_id
        assert sum(p["photos"] for p in progress.values()) == sum(s.photos_required for s in checklist.slots)
    files = conn.execute(select(m.Evidence.sha256, m.Evidence.media_type, m.Evidence.size_bytes).distinct()).all()
    assert 10 < len(files) < 200  # a small pool of pictures, shared
    for sha, media_type, size in files:
        data = media_path(media, sha, ".jpg").read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size and media_type == "image/jpeg"
        assert clean_photo(data).media_type == "image/jpeg"  # the app's photo gate reads it
    photos = conn.execute(
        select(m.Evidence.inspection_id, m.Evidence.taken_at, m.Evidence.taken_by_id, m.Inspection.started_at,
               m.Inspection.completed_at, m.InspectorAssignment.user_id)
        .join(m.Inspection, m.Inspection.id == m.Evidence.inspection_id)
        .join(m.InspectorAssignment, (m.InspectorAssignment.inspection_id == m.Inspection.id)
              & (m.InspectorAssignment.position == "lead"))
    ).all()  # fmt: skip
    for row in photos:  # taken by the lead inspector while the inspection was in progress
        assert row.taken_by_id == row.user_id
        assert _utc(row.started_at) < _utc(row.taken_at) <= NOW
        assert row.completed_at is None or _utc(row.taken_at) < _utc(row.completed_at)


def _action(from_state: str | None, to_state: str) -> str:
    """The action the service making this change audits it with (services.inspections)."""
    if from_state is None:
        return "open"
    if from_state in WAITING:
        return "hold_result"
    return {("pending", "assigned"): "assign", ("assigned", "in_progress"): "start"}.get(
        (from_state, to_state), "complete" if to_state == "completed" else "decide"
    )


def test_every_change_of_state_draw_dispatch_and_step_has_its_audit_entry(seeded):
    conn, _, before = seeded
    audit = conn.execute(select(m.AuditEntry.__table__).where(m.AuditEntry.id > before).order_by(m.AuditEntry.id)).all()
    assert all(a.simulated for a in audit)
    times = [_utc(a.at) for a in audit]
    assert times == sorted(times)  # numbered in the order of their time, as a live system writes them
    by_key: dict[tuple, list] = defaultdict(list)
    for a in audit:
        by_key[(a.entity, a.entity_id, a.action, _utc(a.at))].append(a)

    transitions = conn.execute(select(m.InspectionTransition.__table__)).all()
    for t in transitions:
        action = _action(t.from_state, t.to_state)
        found = by_key[("inspection", str(t.inspection_id), action, _utc(t.at))]
        assert any(a.after["state"] == t.to_state and a.user_id == t.user_id for a in found), (t, action)
        assert all((a.before or {}).get("state") == t.from_state for a in found if a.after["state"] == t.to_state)

    for s in conn.execute(select(m.Selection.__table__)):
        (entry,) = by_key[("selection", str(s.id), "select", _utc(s.drawn_at))]
        assert entry.after == {"declaration_id": s.declaration_id, "outcome": s.outcome, "rate": s.rate,
                               "seed": s.seed}  # fmt: skip
    teams: dict[int, list] = defaultdict(list)
    for a in conn.execute(select(m.InspectorAssignment.__table__).order_by(m.InspectorAssignment.id)):
        if a.draw_seed is not None:
            teams[a.inspection_id].append(a)
    for inspection_id, team in teams.items():
        (entry,) = by_key[("inspection", str(inspection_id), "dispatch", _utc(team[0].assigned_at))]
        assert entry.after["inspectors"] == [a.user_id for a in team] and entry.after["seed"] == team[0].draw_seed

    numbers = {c.id: c.number for c in conn.execute(select(m.Container.id, m.Container.number))}
    steps = conn.execute(select(m.StepResult.__table__)).all()
    for r in steps:
        slot = f"{r.step_key}@{numbers[r.container_id]}" if r.container_id else r.step_key
        found = by_key[("inspection", str(r.inspection_id), "field.step", _utc(r.recorded_at))]
        assert any(a.after["step"] == slot and a.after["outcome"] == r.outcome and a.after["values"] == r.values
                   for a in found), (r, slot)  # fmt: skip
    findings = Counter(
        (str(f.inspection_id), f.rule_id) for f in conn.execute(select(m.Finding.inspection_id, m.Finding.rule_id))
    )
    audited = Counter((a.entity_id, rule) for a in audit if a.action == "field.step" for rule in a.after["findings"])
    assert findings == audited
    # The inspector's decisions as services.decisions.take_decision audits them, just before the decision.
    decided = [
        a for a in audit if a.action == "decide" and a.after["state"] != "held" and a.actor != SIMULATOR_SUPERVISOR
    ]
    # Holds and alerts of the history were handled by the simulator's supervisor, not the demo's people.
    assert not [a for a in audit if a.simulated and a.actor in ("supervisor", "supervisor.sgh")]
    assert any(a.actor == SIMULATOR_SUPERVISOR for a in audit if a.action == "decide")
    assert decided
    for a in decided:
        assert by_key[("inspection", a.entity_id, "field.decide", _utc(a.at))]
    receipts = {r.id: r for r in conn.execute(select(m.ReleaseReceipt.__table__))}
    issued = {a.entity_id for a in audit if a.action == "receipt.issue"}
    scanned = {a.entity_id for a in audit if a.action == "receipt.use"}
    assert issued == {str(i) for i in receipts}
    assert scanned == {str(i) for i, r in receipts.items() if r.used_at is not None}


def test_no_hold_is_left_open_for_long(seeded):
    conn, _, _ = seeded
    held = conn.execute(select(m.Inspection.id, m.Inspection.decided_at).where(m.Inspection.state == "held")).all()
    assert all(_utc(at) > NOW - HOLD_CLEARED_WITHIN for _, at in held), held
    cleared = conn.scalar(select(m.InspectionTransition.id).where(m.InspectionTransition.from_state == "held").limit(1))
    assert cleared is not None  # holds were cleared in the history, by a supervisor
    waiting = conn.execute(select(m.ReleaseHold.ordered_at).where(m.ReleaseHold.result.is_(None))).all()
    assert all(_utc(at) > NOW - RESULT_WITHIN for (at,) in waiting)


def test_realised_tier_rates_keep_their_legal_bounds(seeded):
    from portsight.alert_checks import AlertCheckLimits
    from portsight.alert_checks.credit_bounds import credit_bound_triggers
    from portsight.queries.selection import realised_rates

    conn, _, _ = seeded
    rates = realised_rates(conn, None, NOW - timedelta(weeks=WEEKS), NOW + timedelta(hours=1)).set_index("tier")
    assert (rates["inside"] != False).all(), rates  # noqa: E712 - None (no bound) is fine, False is not
    with Session(bind=conn) as session:
        assert credit_bound_triggers(session, NOW, AlertCheckLimits()) == []


def test_every_draws_tier_and_forced_columns_say_what_its_inputs_record(seeded):
    conn, _, _ = seeded
    draws = conn.execute(select(m.Selection.inputs, m.Selection.tier, m.Selection.forced)).all()
    assert {forced for _, _, forced in draws} == {True, False}
    assert [(i["tier"], i["forced"]) for i, _, _ in draws] == [(tier, forced) for _, tier, forced in draws]


def test_declaration_numbers_are_the_customs_offices_18_digit_numbers(seeded):
    conn, _, _ = seeded
    rows = conn.execute(
        select(m.Declaration.number, m.Declaration.direction, m.Declaration.declared_at, m.Port.code)
        .join(m.Port, m.Port.id == m.Declaration.port_id)
        .order_by(m.Declaration.id)
    ).all()
    sequences: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, direction, declared_at, port in rows:
        assert re.fullmatch(r"\d{18}", number), number
        year = (_utc(declared_at) + timedelta(hours=8)).year
        assert number[:4] == CUSTOMS_OFFICE[port] and number[4:8] == str(year)
        assert number[8] == ("1" if direction == "import" else "0")
        sequences[(number[:4], number[4:8])].append(int(number[9:]))
    for found in sequences.values():  # each office numbers its year from 1, without gaps
        assert sorted(found) == list(range(1, len(found) + 1))


def test_the_seed_says_how_far_it_got(seeded):
    written = sum(n for table, n in COUNTS.items() if table != "daily_rollups")
    assert SAID == [f"week {WEEKS} of {WEEKS} drawn", f"writing {written:,} rows", "counting the daily rollups"]
