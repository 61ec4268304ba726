"""The verifiable draw, pure: a day seed's commitment, the seeds derived from it, a day recomputed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from portsight.domain import draws
from portsight.domain.selection import (
    DEFAULT_POLICY,
    Candidate,
    decide,
    derive_seed,
    dispatch,
    dispatch_inputs,
    selection_inputs,
)

DAY = date(2026, 11, 20)
DAY_SEED = "5f1c" + "0123456789abcdef" * 3 + "a1b2c3d4e5f6"
PUBLISHED = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 00:00 in China
T = PUBLISHED + timedelta(hours=2)


def test_the_commitment_is_the_sha256_of_the_seed_text():
    assert len(DAY_SEED) == draws.DAY_SEED_HEX
    assert draws.commitment_of(DAY_SEED) == hashlib.sha256(DAY_SEED.encode("ascii")).hexdigest()


def test_a_day_seed_is_64_hex_characters_in_lower_case():
    assert draws.normalise_day_seed(f"  {DAY_SEED.upper()}\n") == DAY_SEED
    for bad in ("", DAY_SEED[:-1], DAY_SEED + "0", "g" * 64):
        with pytest.raises(draws.SeedRefused):
            draws.normalise_day_seed(bad)


def test_derived_seeds_are_deterministic_and_depend_on_day_and_item():
    first = draws.selection_seed(DAY_SEED, "310120261120000001")
    assert first == draws.selection_seed(DAY_SEED, "310120261120000001")
    assert first == derive_seed(DAY_SEED, "select", "310120261120000001") and len(first) == 32
    assert first != draws.selection_seed(DAY_SEED, "310120261120000002")
    other_day = "0" * 64
    assert first != draws.selection_seed(other_day, "310120261120000001")
    assert (
        draws.dispatch_seed(DAY_SEED, 7) == draws.dispatch_seed(DAY_SEED, "7") == derive_seed(DAY_SEED, "dispatch", 7)
    )
    assert draws.dispatch_seed(DAY_SEED, 7) != draws.dispatch_seed(DAY_SEED, 8)
    assert draws.dispatch_seed(DAY_SEED, 7) != draws.selection_seed(DAY_SEED, "7")


def test_a_seed_whose_hash_is_not_the_commitment_is_refused():
    commitment = draws.commitment_of(DAY_SEED)
    assert draws.check_day_seed(DAY_SEED.upper(), commitment) == DAY_SEED
    with pytest.raises(draws.SeedRefused, match="not the published"):
        draws.check_day_seed("f" * 64, commitment)
    with pytest.raises(draws.SeedRefused):
        draws.verify_day(DAY, "f" * 64, commitment, PUBLISHED, [], [])


def recorded_selection(number: str, tier: str = "general", hits=(), at: datetime = T, selection_id: int = 1):
    seed = draws.selection_seed(DAY_SEED, number)
    decision = decide(tier, seed, hits, DEFAULT_POLICY, 0.0)
    inputs = selection_inputs(tier, hits, DEFAULT_POLICY, 0.0, declaration_number=number)
    return draws.RecordedSelection(
        selection_id, number, seed, inputs, decision.outcome.value, decision.rate,
        [dict(r) for r in decision.reasons], at,
    )  # fmt: skip


def recorded_dispatch(inspection_id: int, at: datetime = T):
    candidates = [Candidate(u, on_duty=u != 3, workload=u % 2) for u in range(1, 7)]
    seed = draws.dispatch_seed(DAY_SEED, inspection_id)
    team = dispatch(candidates, 2, seed).user_ids
    return draws.RecordedDispatch(inspection_id, seed, dispatch_inputs(candidates, 2), tuple(team), at)


def test_a_day_drawn_from_its_seed_verifies():
    selections = [recorded_selection(f"N{i}", selection_id=i) for i in range(40)]
    selections.append(recorded_selection("FORCED", hits=["solid_waste_import_ban"], selection_id=99))
    dispatches = [recorded_dispatch(i) for i in range(1, 11)]
    result = draws.verify_day(DAY, DAY_SEED, draws.commitment_of(DAY_SEED), PUBLISHED, selections, dispatches)
    assert result.ok
    summary = result.as_dict()
    assert summary["selections"] == {"checked": 41, "matched": 41, "mismatched": 0}
    assert summary["dispatches"] == {"checked": 10, "matched": 10, "mismatched": 0}
    assert summary["seed_matches_commitment"] is True and summary["mismatches"] == []


def test_each_kind_of_tampering_is_a_named_mismatch():
    good = recorded_selection("A", selection_id=1)
    flipped = "release" if good.outcome != "release" else "inspect"
    other_seed = derive_seed("chosen", 1)
    selections = [
        replace(good, selection_id=2, outcome=flipped),  # result changed after the draw
        replace(good, selection_id=3, seed=other_seed),  # drawn with a seed of someone's choosing
        replace(good, selection_id=4, drawn_at=PUBLISHED - timedelta(minutes=1)),  # before the commitment
        replace(good, selection_id=5, draws_of_declaration=2),  # drawn again
        replace(good, selection_id=6, inputs={**good.inputs, "algorithm": "other"}),
        good,
    ]
    team = recorded_dispatch(5)
    dispatches = [replace(team, user_ids=tuple(reversed(team.user_ids))), recorded_dispatch(6)]
    result = draws.verify_day(DAY, DAY_SEED, draws.commitment_of(DAY_SEED), PUBLISHED, selections, dispatches)
    reasons = {(m.kind, m.id): m.reason for m in result.mismatches}
    assert reasons == {
        ("selection", 2): draws.RESULT_DIFFERS,
        ("selection", 3): draws.SEED_NOT_DERIVED,
        ("selection", 4): draws.DRAWN_BEFORE_PUBLICATION,
        ("selection", 5): draws.DRAWN_MORE_THAN_ONCE,
        ("selection", 6): draws.NOT_REPLAYABLE,
        ("dispatch", 5): draws.RESULT_DIFFERS,
    }
    summary = result.as_dict()
    assert not result.ok
    assert summary["selections"] == {"checked": 6, "matched": 1, "mismatched": 5}
    assert summary["dispatches"] == {"checked": 2, "matched": 1, "mismatched": 1}
    changed = next(m for m in summary["mismatches"] if m["id"] == 2)
    assert changed["stored"]["outcome"] == flipped and changed["recomputed"]["outcome"] == good.outcome
