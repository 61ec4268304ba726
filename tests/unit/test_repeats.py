"""Repeated non-conformity: which groups fire, when, and with how many inspections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portsight.domain.repeats import NonConformity, RepeatTrigger, groups_of, repeat_severity, repeat_triggers

T0 = datetime(2025, 6, 1, 8, tzinfo=UTC)
WINDOW = timedelta(days=30)


def nc(day: float, enterprise: int = 1, port: int = 1, origin: str = "BR", headings=("0202",)) -> NonConformity:
    return NonConformity(T0 + timedelta(days=day), enterprise, port, origin, tuple(headings))


def test_the_third_non_conformity_within_the_window_fires_and_each_further_one_again():
    found = repeat_triggers([nc(0), nc(3), nc(10), nc(12)], WINDOW, 3)
    enterprise = found[("enterprise", 1, 1)]
    assert enterprise == [RepeatTrigger(T0 + timedelta(days=10), 3), RepeatTrigger(T0 + timedelta(days=12), 4)]


def test_two_are_not_a_pattern_yet():
    assert repeat_triggers([nc(0), nc(3)], WINDOW, 3) == {}


def test_non_conformities_older_than_the_window_drop_out():
    found = repeat_triggers([nc(0), nc(20), nc(35), nc(40)], WINDOW, 3)
    assert found[("enterprise", 1, 1)] == [RepeatTrigger(T0 + timedelta(days=40), 3)]


def test_the_window_includes_its_first_moment():
    found = repeat_triggers([nc(0), nc(10), nc(30)], WINDOW, 3)
    assert found[("enterprise", 1, 1)] == [RepeatTrigger(T0 + timedelta(days=30), 3)]


def test_origin_and_heading_are_counted_across_enterprises_and_per_port():
    found = repeat_triggers([nc(0, enterprise=1), nc(1, enterprise=2), nc(2, enterprise=3), nc(3, port=2)], WINDOW, 3)
    assert list(found) == [("origin_hs", "BR", "0202", 1)]
    assert found[("origin_hs", "BR", "0202", 1)][-1].inspections == 3


def test_a_heading_declared_twice_counts_once():
    assert groups_of(nc(0, headings=("0202", "0202", "0203"))) == [
        ("enterprise", 1, 1),
        ("origin_hs", "BR", "0202", 1),
        ("origin_hs", "BR", "0203", 1),
    ]


def test_groups_come_in_the_order_of_their_keys_whatever_the_order_given():
    ncs = [nc(d, enterprise=e, origin=o) for d, e, o in [(0, 2, "VN"), (1, 2, "VN"), (2, 2, "AR"), (3, 2, "VN")]]
    assert list(repeat_triggers(ncs, WINDOW, 3)) == list(repeat_triggers(reversed(ncs), WINDOW, 3))
    assert list(repeat_triggers(ncs, WINDOW, 3)) == [("enterprise", 2, 1), ("origin_hs", "VN", "0202", 1)]


def test_severity_is_medium_from_the_threshold_and_high_from_twice_it():
    assert [repeat_severity(n, 3) for n in (3, 5, 6, 9)] == ["medium", "medium", "high", "high"]
