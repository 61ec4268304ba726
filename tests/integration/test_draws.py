"""The verifiable draw through the services, on SQLite and PostgreSQL: a day's seed committed before its
first draw, revealed only after the day, and every draw of the day recomputed from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from portsight.clock import as_utc, utcnow
from portsight.db import models as m
from portsight.db.migrate import upgrade
from portsight.db.session import make_engine
from portsight.demo.seed import seed_demo
from portsight.domain import draws
from portsight.domain.access import Actor, Role
from portsight.domain.selection import derive_seed
from portsight.errors import Conflict, NotFound
from portsight.queries.draws import day_commitment, draw_commitments, verify_day
from portsight.services.declarations import register_declaration
from portsight.services.dispatch import dispatch_inspectors
from portsight.services.draws import publish_day_seed, reveal_day_seed
from portsight.services.selection import select_declaration

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in China
DAY = date(2025, 3, 3)
DAY_ENDS = datetime(2025, 3, 3, 16, 0, tzinfo=UTC)  # midnight in China
SUP = Actor(1, "sup", Role.SUPERVISOR, None)


@pytest.fixture
def world(db):
    db.execute(insert(m.Port), [{"id": 1, "code": "CNSGH", "name_en": "Shanghai", "name_zh": "上海", "kind": "sea"}])
    db.execute(
        insert(m.Enterprise),
        [
            {"id": 1, "uscc": "91310000MA1FL8LQ34", "name": "General", "credit_tier": "general",
             "under_investigation": False},
            {"id": 2, "uscc": "91310115MA1K3YJ07B", "name": "Dishonest", "credit_tier": "dishonest",
             "under_investigation": False},
        ],
    )  # fmt: skip
    users = [(1, "sup", "supervisor", True)] + [(10 + k, f"insp.{k}", "inspector", False) for k in range(5)]
    db.execute(
        insert(m.User),
        [{"id": i, "username": n, "display_name": n, "role": r, "password_hash": "x", "all_ports": a}
         for i, n, r, a in users],
    )  # fmt: skip
    db.execute(insert(m.UserPort), [{"user_id": 10 + k, "port_id": 1} for k in range(5)])
    db.execute(
        insert(m.DutyShift),
        [{"user_id": 10 + k, "port_id": 1, "starts_at": T0 - timedelta(hours=2), "ends_at": T0 + timedelta(hours=36)}
         for k in range(5)],
    )  # fmt: skip
    return db


def declare(db, number: str, enterprise_id: int, at: datetime = T0) -> int:
    return register_declaration(
        db,
        SUP,
        {
            "number": number, "port_code": "CNSGH", "enterprise_id": enterprise_id, "direction": "import",
            "transport_mode": "sea", "origin_country": "DE", "declared_at": at,
            "goods": [{"hs_code": "8471", "description": "goods", "quantity": 10, "gross_weight_kg": 1000,
                       "value": 5000}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "SL123456"}],
        },
        now=at,
    )  # fmt: skip


def draw_a_day(db, n: int = 12, start: datetime = T0) -> tuple[list, list]:
    """n declarations drawn (every other one of the dishonest tier, mostly inspected), their teams dispatched."""
    declared = [declare(db, f"V-{start:%m%d}-{i}", 2 if i % 2 else 1, start) for i in range(n)]
    records = [select_declaration(db, SUP, d, now=start + timedelta(minutes=i)) for i, d in enumerate(declared)]
    inspections = [r.inspection_id for r in records if r.inspection_id is not None]
    teams = [
        dispatch_inspectors(db, SUP, iid, now=start + timedelta(hours=1, minutes=k))
        for k, iid in enumerate(inspections)
    ]
    return records, teams


def test_a_past_days_draws_recomputed_from_its_revealed_seed_match_the_recorded_ones(world):
    records, teams = draw_a_day(world)
    assert teams, "the dishonest tier's declarations are inspected"
    with pytest.raises(Conflict, match="not revealed"):
        verify_day(world, DAY)
    revealed = reveal_day_seed(world, SUP, DAY, now=DAY_ENDS + timedelta(minutes=5))
    assert revealed.seed is not None and draws.commitment_of(revealed.seed) == revealed.seed_sha256
    # each recorded seed is the one the revealed day seed gives
    numbers = dict(world.execute(select(m.Selection.id, m.Declaration.number).join(m.Declaration)).all())
    assert all(r.seed == draws.selection_seed(revealed.seed, numbers[r.selection_id]) for r in records)
    assert all(t.seed == draws.dispatch_seed(revealed.seed, t.inspection_id) for t in teams)

    result = verify_day(world, DAY)
    summary = result.as_dict()
    assert result.ok, summary["mismatches"]
    assert summary["selections"] == {"checked": len(records), "matched": len(records), "mismatched": 0}
    assert summary["dispatches"] == {"checked": len(teams), "matched": len(teams), "mismatched": 0}
    assert verify_day(world, DAY, revealed.seed.upper()).ok  # a seed given by whoever verifies


def test_the_commitment_is_published_before_the_days_first_draw(world):
    assert day_commitment(world, DAY) is None
    draw_a_day(world, n=3)
    commitment = day_commitment(world, DAY)
    first_draw = as_utc(world.scalar(select(func.min(m.Selection.drawn_at))))
    assert commitment is not None and commitment["published_at"] <= first_draw
    assert commitment["seed"] is None  # not revealed: only its hash is out
    audit = world.execute(select(m.AuditEntry.id, m.AuditEntry.action).order_by(m.AuditEntry.id)).all()
    actions = [a for _, a in audit]
    assert actions.index("publish_draw_seed") < actions.index("select")
    published = world.scalar(select(m.AuditEntry.after).where(m.AuditEntry.action == "publish_draw_seed"))
    assert "seed" not in published and published["seed_sha256"] == commitment["seed_sha256"]
    shown = draw_commitments(world, DAY, DAY)
    assert list(shown["seed"]) == [None] and list(shown["seed_sha256"]) == [commitment["seed_sha256"]]


def test_a_day_published_ahead_keeps_its_commitment_and_the_time_it_was_published(world):
    ahead = publish_day_seed(world, SUP, DAY, now=T0 - timedelta(days=1))
    assert ahead.created and ahead.seed is None and ahead.published_at == T0 - timedelta(days=1)
    again = publish_day_seed(world, SUP, DAY, now=T0)
    assert not again.created and again.seed_sha256 == ahead.seed_sha256 and again.published_at == ahead.published_at
    draw_a_day(world, n=4)
    reveal_day_seed(world, SUP, DAY, now=DAY_ENDS)
    assert verify_day(world, DAY).ok


def test_a_wrong_seed_is_refused(world):
    draw_a_day(world, n=4)
    revealed = reveal_day_seed(world, SUP, DAY, now=DAY_ENDS)
    for wrong in ("0" * 64, revealed.seed[:-1] + ("0" if revealed.seed[-1] != "0" else "1"), "not a seed"):
        with pytest.raises(draws.SeedRefused):
            verify_day(world, DAY, wrong)


def test_reveal_before_the_day_ends_is_refused(world):
    draw_a_day(world, n=2)
    for early in (T0, DAY_ENDS - timedelta(seconds=1)):
        with pytest.raises(Conflict, match="only after the day has ended"):
            reveal_day_seed(world, SUP, DAY, now=early)
    assert day_commitment(world, DAY)["seed"] is None
    assert reveal_day_seed(world, SUP, DAY, now=DAY_ENDS).seed is not None
    with pytest.raises(NotFound):
        reveal_day_seed(world, SUP, DAY + timedelta(days=3), now=DAY_ENDS + timedelta(days=5))


def test_a_day_that_has_ended_cannot_be_published(world):
    with pytest.raises(Conflict, match="has ended"):
        publish_day_seed(world, SUP, DAY, now=DAY_ENDS)


def test_no_draw_is_made_from_a_revealed_seed_and_a_new_day_reveals_the_ended_ones(world):
    draw_a_day(world, n=2)
    next_morning = T0 + timedelta(days=1)
    draw_a_day(world, n=2, start=next_morning)  # the next day's first draw publishes it and reveals DAY
    assert day_commitment(world, DAY)["seed"] is not None
    assert day_commitment(world, DAY + timedelta(days=1))["seed"] is None
    late = declare(world, "LATE-1", 1)
    with pytest.raises(Conflict, match="revealed"):
        select_declaration(world, SUP, late, now=T0 + timedelta(hours=3))
    assert verify_day(world, DAY).ok


def test_a_draw_with_a_chosen_seed_shows_as_a_mismatch(world):
    draw_a_day(world, n=3)
    chosen = select_declaration(world, SUP, declare(world, "CHOSEN-1", 1), seed=derive_seed("mine", 1), now=T0)
    reveal_day_seed(world, SUP, DAY, now=DAY_ENDS)
    result = verify_day(world, DAY)
    assert [(x.kind, x.id, x.reason) for x in result.mismatches] == [
        ("selection", chosen.selection_id, draws.SEED_NOT_DERIVED)
    ]


# --------------------------------------------------------------------------- the demo's history and the command

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # 10:00 in China


def test_the_seeded_demo_history_verifies_day_by_day(db):
    seed_demo(db, weeks=1, seed=5, now=NOW, password_hash="x")
    today = date(2025, 6, 4)
    shown = draw_commitments(db, today - timedelta(days=8), today)
    assert shown["seed"].isna().tolist() == [d == today for d in shown["day"]]  # only today's seed is secret
    for day in (today - timedelta(days=1), today - timedelta(days=4)):
        result = verify_day(db, day)
        assert result.ok, result.as_dict()["mismatches"][:3]
        starts = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)
        in_day = (m.Selection.drawn_at >= starts) & (m.Selection.drawn_at < starts + timedelta(days=1))
        assert result.selections == db.scalar(select(func.count()).select_from(m.Selection).where(in_day)) > 50
        assert result.dispatches > 0


@pytest.fixture
def cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'draws.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, weeks=1, seed=5, now=NOW, password_hash="x")
    env = {**os.environ, "DATABASE_URL": url, "PORTSIGHT_DATA_DIR": str(tmp_path), "PORTSIGHT_SECRET": "t"}

    def run(*args: str) -> tuple[int, dict]:
        done = subprocess.run(
            [sys.executable, "-m", "portsight", "draws", *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {"stderr": done.stderr}

    yield run
    engine.dispose()


def test_the_command_verifies_a_past_day_and_refuses_a_wrong_seed_or_an_early_reveal(cli):
    run = cli
    code, summary = run("verify", "--day", "2025-06-03")
    assert code == 0 and summary["ok"] and summary["selections"]["matched"] == summary["selections"]["checked"] > 0
    code, refused = run("verify", "--day", "2025-06-03", "--seed", "ab" * 32)
    assert code == 2 and refused["refused"] == "SeedRefused"
    code, refused = run("verify", "--day", "2025-06-04")  # the demo's today: not revealed
    assert code == 2 and "not revealed" in refused["message"]
    ahead = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    code, published = run("publish", "--day", ahead)
    assert code == 0 and published["published_now"] and published["seed"] is None
    assert len(published["seed_sha256"]) == 64
    code, refused = run("reveal", "--day", ahead)
    assert code == 2 and "only after the day has ended" in refused["message"]
    code, revealed = run("reveal", "--day", "2025-06-04")  # ended by the clock of whoever runs it
    assert code == 0 and draws.commitment_of(revealed["seed"]) == revealed["seed_sha256"]
    code, summary = run("verify", "--day", "2025-06-04")
    assert code == 0 and summary["ok"]
    code, refused = run("verify", "--day", "2024-01-01")
    assert code == 2 and refused["refused"] == "NotFound"
