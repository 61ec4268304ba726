"""The collector paused for bulk work (portsight.heap)."""

from __future__ import annotations

import gc

from portsight.heap import collector_paused


def test_the_collector_is_paused_inside_and_runs_again_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_paused_before_stays_paused():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_was_made_while_paused_goes_to_the_oldest_generation():
    """Left in the youngest, the first collection after the pause would walk every object the job made."""
    with collector_paused():
        made = [[] for _ in range(1000)]
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(o) in oldest for o in made)
