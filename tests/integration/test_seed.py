"""The demo seed: reproducible from (seed, now), and shaped like real port work."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portsight.catalogue import default_catalogue
from portsight.clock import as_utc
from portsight.db import models as m
from portsight.db.audit import record_audit
from portsight.db.session import unit_of_work
from portsight.demo.seed import seed_demo
from portsight.domain.access import SYSTEM
from portsight.domain.enterprise import is_valid_uscc
from portsight.domain.iso6346 import check_digit
from portsight.errors import Conflict

CATALOGUE = default_catalogue()

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)
KEY_TABLES = (m.Port, m.Enterprise, m.User, m.DutyShift, m.Declaration, m.GoodsLine, m.Container, m.Selection,
              m.Inspection, m.InspectionTransition, m.InspectorAssignment, m.StepResult, m.Finding, m.Alert,
              m.AssistSession, m.Evidence, m.ReleaseReceipt, m.AuditEntry)  # fmt: skip
SECRET = "seed-test-secret"  # receipts are signed: the same key gives the same rows


def _plain(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, Decimal | float):
        return f"{float(value):.2f}"
    return value


def _dump(conn) -> dict[str, str]:
    """A digest of every row of the key tables, in id order, with types made comparable."""
    digests = {}
    for model in KEY_TABLES:
        table = model.__table__
        cols = [c for c in table.c if c.name != "password_hash"]
        rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
        text = repr([[_plain(v) for v in row] for row in rows])
        digests[table.name] = f"{len(rows)}:{hashlib.sha256(text.encode()).hexdigest()}"
    return digests


@pytest.fixture
def seeded(engine, tmp_path):
    """Seed into a fresh (rolled-back) database and hand back the digest; the database is empty again after."""

    def run(seed: int, weeks: int = 2, check=None):
        with engine.connect() as conn:
            outer = conn.begin()
            try:
                counts = seed_demo(conn, weeks=weeks, seed=seed, now=NOW, password_hash="x", media_dir=tmp_path,
                                   secret=SECRET)  # fmt: skip
                result = (_dump(conn), counts, check(conn) if check else None)
            finally:
                outer.rollback()
        return result

    return run


def test_same_seed_and_now_give_identical_rows(seeded):
    first, counts, _ = seeded(7)
    second, _, _ = seeded(7)
    assert counts["declarations"] > 1000 and counts["inspections"] > 50
    assert first == second


def test_a_different_seed_gives_different_data(seeded):
    first, _, _ = seeded(7)
    other, _, _ = seeded(8)
    assert first["declarations"] != other["declarations"]
    assert first["inspections"] != other["inspections"]


def _rate_by_tier(conn) -> dict[str, float]:
    rows = conn.execute(
        select(m.Enterprise.credit_tier, func.count(), func.sum(func.cast(m.Selection.outcome == "inspect", m.Integer)))
        .join(m.Declaration, m.Declaration.enterprise_id == m.Enterprise.id)
        .join(m.Selection, m.Selection.declaration_id == m.Declaration.id)
        .group_by(m.Enterprise.credit_tier)
    ).all()
    return {tier: float(inspected) / total for tier, total, inspected in rows}


def test_the_seed_is_shaped_like_port_work(seeded):
    def check(conn):
        rates = _rate_by_tier(conn)
        days = Counter(
            (as_utc(t) + timedelta(hours=8)).date() for (t,) in conn.execute(select(m.Declaration.declared_at))
        )
        weekday = [n for d, n in days.items() if d.weekday() < 5]
        weekend = [n for d, n in days.items() if d.weekday() >= 5]
        states = Counter(s for (s,) in conn.execute(select(m.Inspection.state)))
        air_boxes = conn.scalar(
            select(func.count())
            .select_from(m.Container)
            .join(m.Declaration, m.Declaration.id == m.Container.declaration_id)
            .where(m.Declaration.transport_mode == "air")
        )
        boxes = [n for (n,) in conn.execute(select(m.Container.number).limit(500))]
        ussc = [u for (u,) in conn.execute(select(m.Enterprise.uscc))]
        sizes = dict(
            conn.execute(
                select(m.Port.code, func.count())
                .join(m.Declaration, m.Declaration.port_id == m.Port.id)
                .group_by(m.Port.code)
            ).all()
        )
        users = {u: (r, a) for u, r, a in conn.execute(select(m.User.username, m.User.role, m.User.all_ports))}
        return rates, weekday, weekend, states, air_boxes, boxes, ussc, sizes, users

    _, counts, (rates, weekday, weekend, states, air_boxes, boxes, ussc, sizes, users) = seeded(7, check=check)
    assert rates["dishonest"] > 0.6 > rates["general"] > rates["advanced_certified"]
    assert 0.03 < rates["general"] < 0.12 and rates["advanced_certified"] < 0.04
    assert sum(weekday) / len(weekday) > 2 * sum(weekend) / len(weekend)
    assert states["released"] > states["held"] > 0
    assert {"pending", "assigned"} & set(states)  # open work at the end
    assert air_boxes == 0
    assert all(check_digit(b[:10]) == int(b[10]) for b in boxes)
    assert all(is_valid_uscc(u) for u in ussc)
    assert sizes["CNSGH"] > 5 * sizes["CNWXS"]
    assert users["supervisor.sgh"] == ("supervisor", False) and users["admin"] == ("admin", True)
    assert counts["step_results"] > counts["inspections"] and counts["duty_shifts"] > 0


def test_seeded_weeks_keep_every_credit_bound(seeded):
    """The seed draws through the domain selection: over the seeded weeks, and over the credit-bound
    alert's window ending now, no tier's realised rate is outside its legal bound."""
    from sqlalchemy.orm import Session

    from portsight.alert_checks import AlertCheckLimits
    from portsight.alert_checks.credit_bounds import credit_bound_triggers
    from portsight.queries.selection import realised_rates

    weeks = 6

    def check(conn):
        rates = realised_rates(conn, None, NOW - timedelta(weeks=weeks), NOW + timedelta(hours=1))
        with Session(bind=conn) as session:
            triggers = credit_bound_triggers(session, NOW, AlertCheckLimits())
        return rates.set_index("tier"), triggers

    _, _, (rates, triggers) = seeded(7, weeks=weeks, check=check)
    assert list(rates.index) == ["advanced_certified", "general", "dishonest"]
    assert rates.loc["advanced_certified", "inside"] is True and rates.loc["dishonest", "inside"] is True
    assert rates.loc["advanced_certified", "realised"] < 0.2 * rates.loc["general", "realised"]
    assert rates.loc["dishonest", "realised"] >= 0.8
    assert triggers == []


def test_seeding_a_database_that_has_data_is_refused(db, tmp_path):
    seed_demo(db, weeks=1, seed=1, now=NOW, password_hash="x", media_dir=tmp_path, secret=SECRET)
    with pytest.raises(Conflict):
        seed_demo(db, weeks=1, seed=1, now=NOW, password_hash="x", media_dir=tmp_path, secret=SECRET)
    counts = seed_demo(db, weeks=1, seed=2, now=NOW, password_hash="x", force=True, media_dir=tmp_path, secret=SECRET)
    assert db.scalar(select(func.count()).select_from(m.Declaration)) == counts["declarations"]


def test_services_can_insert_after_the_seed_assigned_ids(db, tmp_path):
    """On PostgreSQL the sequences must have moved past the ids the seed chose."""
    from portsight.domain.access import SYSTEM
    from portsight.services.inspections import open_inspection

    seed_demo(db, weeks=1, seed=3, now=NOW, password_hash="x", media_dir=tmp_path, secret=SECRET)
    declaration_id = db.scalar(
        select(m.Declaration.id).where(~m.Declaration.id.in_(select(m.Inspection.declaration_id))).limit(1)
    )
    new_id = open_inspection(db, SYSTEM, declaration_id, now=NOW)
    assert new_id > db.scalar(select(func.count()).select_from(m.Inspection)) - 1


# --------------------------------------------------------------------------- what the product would record


@pytest.fixture
def seeded_db(db, tmp_path):
    seed_demo(db, weeks=2, seed=7, now=NOW, password_hash="x", media_dir=tmp_path, secret=SECRET)
    return db


def _facts(conn, declaration_id: int):
    from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts

    head = conn.execute(
        select(m.Declaration.transport_mode, m.Declaration.origin_country, m.Declaration.declared_at,
               m.Declaration.number, m.Port.kind, m.Enterprise.credit_tier)
        .join(m.Port, m.Port.id == m.Declaration.port_id)
        .join(m.Enterprise, m.Enterprise.id == m.Declaration.enterprise_id)
        .where(m.Declaration.id == declaration_id)
    ).one()  # fmt: skip
    goods = conn.execute(
        select(m.GoodsLine.hs_code, m.GoodsLine.description, m.GoodsLine.quantity, m.GoodsLine.unit,
               m.GoodsLine.gross_weight_kg, m.GoodsLine.package_count)
        .where(m.GoodsLine.declaration_id == declaration_id).order_by(m.GoodsLine.line_no)
    ).all()  # fmt: skip
    boxes = conn.execute(
        select(
            m.Container.id,
            m.Container.number,
            m.Container.size_type,
            m.Container.declared_seal,
            m.Container.declared_seal_class,
        )
        .where(m.Container.declaration_id == declaration_id)
        .order_by(m.Container.id)
    ).all()
    facts = DeclarationFacts(
        transport_mode=head.transport_mode,
        port_kind=head.kind,
        origin_country=head.origin_country,
        credit_tier=head.credit_tier,
        goods=tuple(GoodsLineFacts(*g) for g in goods),
        containers=tuple(ContainerFacts(b.number, b.size_type, b.declared_seal, b.declared_seal_class) for b in boxes),
        declared_on=(as_utc(head.declared_at) + timedelta(hours=8)).date(),  # local date in China
        number=head.number,
    )
    return facts, {b.id: b for b in boxes}


def test_seeded_step_results_are_what_the_rules_make_of_their_values(seeded_db):
    """Re-judge a sample from scratch: checklist from the declaration, values through judge()."""
    from portsight.domain.checklist import generate_checklist
    from portsight.domain.rules import judge
    from portsight.domain.steps import step_context

    db = seeded_db
    with_findings = select(m.Finding.inspection_id).distinct().order_by(m.Finding.inspection_id).limit(25)
    others = select(m.StepResult.inspection_id).distinct().order_by(m.StepResult.inspection_id).limit(25)
    sample = sorted(set(db.scalars(with_findings)) | set(db.scalars(others)))
    assert len(sample) > 30
    checked = non_conforming = 0
    for inspection_id in sample:
        declaration_id = db.scalar(select(m.Inspection.declaration_id).where(m.Inspection.id == inspection_id))
        facts, boxes = _facts(db, declaration_id)
        steps = {s.key: s for s in generate_checklist(facts, facts.declared_on, CATALOGUE)}
        stored_findings = Counter(
            db.execute(
                select(m.Finding.step_key, m.Finding.container_id, m.Finding.rule_id).where(
                    m.Finding.inspection_id == inspection_id
                )
            ).all()
        )
        judged_findings = Counter()
        steps_of = select(m.StepResult.__table__).where(m.StepResult.inspection_id == inspection_id)
        for row in db.execute(steps_of):
            step = steps[row.step_key]  # the key is one of the checklist's
            assert set(row.values) <= {i.name for i in step.inputs}, row.values
            assert row.rules_applied == list(step.rule_ids)
            box = boxes.get(row.container_id)
            container = next((c for c in facts.containers if box and c.number == box.number), None)
            assert (container is not None) == step.per_container
            judgement = judge(step, row.values, step_context(facts, container), facts.declared_on, CATALOGUE)
            assert judgement.outcome == row.outcome, (row.step_key, row.values, judgement)
            judged_findings.update((row.step_key, row.container_id, f.rule_id) for f in judgement.findings)
            checked += 1
            non_conforming += row.outcome == "non_conforming"
        assert judged_findings == stored_findings
    assert checked > 200 and non_conforming > 10


def test_every_seeded_finding_cites_its_rule(seeded_db):
    from portsight.catalogue import default_catalogue

    catalogue = default_catalogue()
    rows = seeded_db.execute(select(m.Finding.rule_id, m.Finding.severity, m.Finding.citation)).all()
    assert len(rows) > 20
    for rule_id, severity, citation in rows:
        rule = catalogue.get(rule_id)
        assert severity == rule.severity
        assert citation == f"{rule.basis.citation().zh}\n{rule.basis.citation().en}"


def test_seeded_draws_replay_exactly(seeded_db):
    from portsight.services.dispatch import replay_dispatch
    from portsight.services.selection import replay_selection

    db = seeded_db
    ids = list(db.scalars(select(m.Selection.id).order_by(m.Selection.id).limit(400)))
    forced = list(db.scalars(select(m.Selection.id).where(m.Selection.rate == 1.0).order_by(m.Selection.id).limit(50)))
    for selection_id in ids + forced:
        replay = replay_selection(db, selection_id)
        assert replay.matches, (selection_id, replay.stored, replay.recomputed)
    # A second inspector recorded at a return or destruction was not drawn: replay the drawn teams.
    drawn_only = (
        select(m.InspectorAssignment.inspection_id)
        .group_by(m.InspectorAssignment.inspection_id)
        .having(func.count() == func.count(m.InspectorAssignment.draw_seed))
        .order_by(m.InspectorAssignment.inspection_id)
        .limit(200)
    )
    inspections = list(db.scalars(drawn_only))
    assert len(inspections) > 50
    assert all(replay_dispatch(db, i).matches for i in inspections)


def test_seeded_teams_were_on_duty_and_the_roster_runs_past_now(seeded_db):
    db = seeded_db
    off_duty = db.scalar(
        select(func.count())
        .select_from(m.InspectorAssignment)
        .join(m.Inspection, m.Inspection.id == m.InspectorAssignment.inspection_id)
        .where(
            m.InspectorAssignment.draw_seed.is_not(None),
            ~select(m.DutyShift.id)
            .where(
                m.DutyShift.user_id == m.InspectorAssignment.user_id,
                m.DutyShift.port_id == m.Inspection.port_id,
                m.DutyShift.starts_at <= m.InspectorAssignment.assigned_at,
                m.DutyShift.ends_at > m.InspectorAssignment.assigned_at,
            )
            .exists(),
        )
    )
    assert off_duty == 0
    last_shift = as_utc(db.scalar(select(func.max(m.DutyShift.ends_at))))
    assert last_shift > NOW + timedelta(days=3)


def test_non_conformity_varies_by_goods(seeded):
    """Recycled metals (impurity, radiation) fail far more often than machinery. Six weeks: a fortnight holds
    only a handful of inspected recycled lots."""

    def check(conn):
        return conn.execute(
            select(m.GoodsLine.hs_code, m.Inspection.id, func.count(m.Finding.id))
            .join(m.Inspection, m.Inspection.declaration_id == m.GoodsLine.declaration_id)
            .outerjoin(m.Finding, m.Finding.inspection_id == m.Inspection.id)
            .where(m.GoodsLine.line_no == 1, m.Inspection.completed_at.is_not(None))
            .group_by(m.GoodsLine.hs_code, m.Inspection.id)
        ).all()

    _, _, rows = seeded(7, weeks=6, check=check)
    rate = {}
    for chapters in (("74", "76"), ("84",)):
        found = [n > 0 for hs, _, n in rows if hs[:2] in chapters]
        assert len(found) > 20
        rate[chapters[0]] = sum(found) / len(found)
    assert rate["74"] > 2 * rate["84"]


def test_the_seed_ends_with_rollups_equal_to_a_rebuild(seeded_db):
    from portsight.db.rollups import rebuild_rollups

    cols = [c for c in m.DailyRollup.__table__.c]
    before = seeded_db.execute(select(*cols).order_by(*cols[:4])).all()
    assert before
    rebuild_rollups(seeded_db)
    assert seeded_db.execute(select(*cols).order_by(*cols[:4])).all() == before


def test_seeded_containers_declare_a_seal_class_and_goods_lines_their_packages(seeded_db):
    db = seeded_db
    classes = Counter(db.scalars(select(m.Container.declared_seal_class)))
    assert set(classes) == {"H", "I"} and classes["H"] > 8 * classes["I"] > 0  # bolt seals are the norm
    counts = db.execute(select(m.GoodsLine.package_count, m.GoodsLine.quantity, m.GoodsLine.unit)).all()
    assert counts and all(p is not None and p >= 1 for p, _, _ in counts)
    assert all(p <= max(1, q) for p, q, _ in counts)  # never more packages than units


def test_the_seed_numbers_its_audit_entries_after_those_already_there(db, tmp_path):
    # A database without ports can already hold audit entries, e.g. from an account created first.
    with unit_of_work(db) as session:
        entry = record_audit(session, SYSTEM, "user.create", "user", 1)
        session.flush()
        before = entry.id
    seed_demo(db, weeks=1, seed=4, now=NOW, password_hash="x", media_dir=tmp_path, secret=SECRET)
    assert db.scalar(select(m.AuditEntry.action).where(m.AuditEntry.id == before)) == "user.create"
    assert db.scalar(select(func.min(m.AuditEntry.id)).where(m.AuditEntry.simulated)) == before + 1
