"""Dispatch of inspectors: on duty only, never a declared conflict, fresh eyes, balanced workload."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portsight.domain.selection import (
    DISPATCH_SPREAD_BOUND,
    Candidate,
    derive_seed,
    dispatch,
    dispatch_inputs,
    may_decide,
    replay_dispatch,
    uniform,
)


def test_fixed_seed_gives_an_exact_team():
    candidates = [Candidate(1, True, 0), Candidate(2, True, 0), Candidate(3, True, 1), Candidate(4, True, 5)]
    result = dispatch(candidates, 2, "portsight-7")
    # pick 0 among {1,2,3} (workload <= 0 + 1): u=0.2398 -> index 0; pick 1 among {2,3}: u=0.5764 -> index 1
    assert result.user_ids == (1, 3)
    assert result.draws == (uniform("portsight-7", "dispatch:0"), uniform("portsight-7", "dispatch:1"))


def test_off_duty_and_conflicted_inspectors_are_excluded_with_the_reason():
    candidates = [Candidate(1, False), Candidate(2, True, conflicted=True), Candidate(3, True)]
    result = dispatch(candidates, 1, "s")
    assert result.user_ids == (3,)
    assert result.excluded == {1: "off_duty", 2: "conflict"}


def test_too_few_eligible_gives_a_shortfall_rather_than_an_ineligible_inspector():
    result = dispatch([Candidate(1, True), Candidate(2, False)], 2, "s")
    assert result.user_ids == (1,) and result.shortfall == 1


def test_previous_team_is_avoided_when_someone_else_is_on_duty():
    for i in range(50):
        result = dispatch([Candidate(1, True, previous_team=True), Candidate(2, True, workload=1)], 1, str(i))
        assert result.user_ids == (2,) and not result.relaxed


def test_previous_team_is_taken_again_only_to_complete_the_team():
    result = dispatch([Candidate(1, True, previous_team=True), Candidate(2, True)], 2, "s")
    assert result.user_ids == (2, 1) and result.relaxed


def test_dispatch_replays_from_its_recorded_inputs():
    candidates = [Candidate(i, i % 3 != 0, workload=i % 4, conflicted=i == 5) for i in range(1, 12)]
    inputs = dispatch_inputs(candidates, 2, inspection_id=9)
    assert replay_dispatch(inputs, "seed-x") == dispatch(candidates, 2, "seed-x")


def test_a_conflicted_person_may_not_decide_release():
    assert not may_decide(7, {7, 9})
    assert may_decide(8, {7, 9})


candidate_lists = st.lists(
    st.builds(
        Candidate,
        user_id=st.integers(1, 40),
        on_duty=st.booleans(),
        workload=st.integers(0, 30),
        conflicted=st.booleans(),
        previous_team=st.booleans(),
    ),
    max_size=15,
    unique_by=lambda c: c.user_id,
)


@given(candidates=candidate_lists, needed=st.integers(1, 3), seed=st.text(max_size=20))
def test_dispatch_never_picks_an_off_duty_or_conflicted_inspector(candidates, needed, seed):
    result = dispatch(candidates, needed, seed)
    by_id = {c.user_id: c for c in candidates}
    eligible = [c for c in candidates if c.on_duty and not c.conflicted]
    assert all(by_id[u].on_duty and not by_id[u].conflicted for u in result.user_ids)
    assert len(set(result.user_ids)) == len(result.user_ids) == min(needed, len(eligible))
    fresh = [c for c in eligible if not c.previous_team]
    if len(fresh) >= needed:
        assert not any(by_id[u].previous_team for u in result.user_ids)


def simulate_week(seed: str) -> tuple[Counter, dict[str, list[int]]]:
    """Seven days, two 12-hour shifts of five inspectors, 6 inspections an hour over 40 enterprises.

    Workload = assignments so far this week; a tenth of the enterprises have a declared conflict
    with one inspector; dishonest enterprises (every fifth) need two inspectors.
    """
    shifts = {"day": [1, 2, 3, 4, 5], "night": [6, 7, 8, 9, 10]}
    conflicts = {(e, 1 + e % 10) for e in range(0, 40, 10)} | {(3, 2), (17, 7)}
    workload: Counter = Counter()
    previous: dict[int, set[int]] = {}
    n = 0
    for hour in range(7 * 24):
        on = set(shifts["day"] if 8 <= hour % 24 < 20 else shifts["night"])
        for _ in range(6):
            s = derive_seed(seed, n)
            enterprise = int(uniform(s, "enterprise") * 40)
            needed = 2 if enterprise % 5 == 0 else 1
            candidates = [
                Candidate(
                    u,
                    on_duty=u in on,
                    workload=workload[u],
                    conflicted=(enterprise, u) in conflicts,
                    previous_team=u in previous.get(enterprise, set()),
                )
                for u in range(1, 11)
            ]
            result = dispatch(candidates, needed, s)
            assert result.shortfall == 0
            assert all(u in on and (enterprise, u) not in conflicts for u in result.user_ids)
            assert not (set(result.user_ids) & previous.get(enterprise, set()))
            workload.update(result.user_ids)
            previous[enterprise] = set(result.user_ids)
            n += 1
    return workload, shifts


@pytest.mark.parametrize("seed", ["week-1", "week-2", "week-3"])
def test_workload_spread_over_a_simulated_week_stays_within_the_stated_bound(seed):
    workload, shifts = simulate_week(seed)
    for team in shifts.values():
        counts = [workload[u] for u in team]
        assert max(counts) - min(counts) <= DISPATCH_SPREAD_BOUND, counts
