"""Which experts a request for remote help rings, circle by circle, on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portsight.domain.assist_routing import (
    LAST_CIRCLE,
    LOCAL,
    NATIONAL,
    ON_DUTY,
    RING_SECONDS,
    ExpertOnCall,
    HelpNeeded,
    chapters_of,
    circle_members,
    escalation_due,
    match_strength,
    ring_from,
)

PORT, OTHER = 1, 2
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MEAT_IN_CHINESE = HelpNeeded(
    port_id=PORT, chapters=frozenset({"02"}), rule_families=frozenset({"meat"}), language="zh_CN"
)


def expert(
    user_id: int, *skills: tuple[str, str], duty: tuple[int, ...] = (), busy=False, ports=(PORT,), all_ports=False
):
    return ExpertOnCall(
        user_id=user_id,
        all_ports=all_ports,
        port_ids=frozenset(ports),
        skills=frozenset(skills),
        on_duty_at=frozenset(duty),
        busy=busy,
    )


def test_chapters_are_the_first_two_digits_of_each_hs_code():
    assert chapters_of(["0201300000", "020230", " 8471", "x1", ""]) == {"02", "84"}


def test_an_expert_with_no_skills_recorded_matches_any_request():
    assert match_strength(expert(1), MEAT_IN_CHINESE) == 0


def test_a_chapter_or_rule_family_recorded_must_match_one_of_the_request():
    assert match_strength(expert(1, ("chapter", "84")), MEAT_IN_CHINESE) is None
    assert match_strength(expert(1, ("chapter", "84"), ("rule_family", "meat")), MEAT_IN_CHINESE) == 1
    assert match_strength(expert(1, ("chapter", "02"), ("rule_family", "meat")), MEAT_IN_CHINESE) == 2


def test_an_expert_who_does_not_speak_the_inspectors_language_does_not_match():
    assert match_strength(expert(1, ("language", "en")), MEAT_IN_CHINESE) is None
    assert match_strength(expert(1, ("language", "en"), ("language", "zh_CN")), MEAT_IN_CHINESE) == 1


def test_the_local_circle_is_the_matching_experts_on_duty_at_the_port_strongest_first():
    experts = [
        expert(1, ("chapter", "02"), duty=(PORT,)),
        expert(2, ("chapter", "02"), ("rule_family", "meat"), duty=(PORT,)),
        expert(3, ("chapter", "02"), ("rule_family", "meat"), duty=(OTHER,)),  # on duty elsewhere
        expert(4, ("chapter", "84"), duty=(PORT,)),  # other goods
        expert(5, ("chapter", "02"), duty=(PORT,), busy=True),  # in a call
        expert(6, ("chapter", "02")),  # off duty
    ]
    assert circle_members(MEAT_IN_CHINESE, experts, LOCAL) == (2, 1)
    assert circle_members(MEAT_IN_CHINESE, experts, ON_DUTY) == (2, 3, 1)
    assert circle_members(MEAT_IN_CHINESE, experts, NATIONAL) == (2, 3, 1, 6, 5, 4)


def test_an_expert_who_does_not_cover_the_port_is_never_rung():
    far = expert(1, ("chapter", "02"), duty=(OTHER,), ports=(OTHER,))
    assert all(circle_members(MEAT_IN_CHINESE, [far], c) == () for c in (LOCAL, ON_DUTY, NATIONAL))
    everywhere = expert(2, duty=(OTHER,), ports=(), all_ports=True)
    assert circle_members(MEAT_IN_CHINESE, [everywhere], ON_DUTY) == (2,)


def test_a_circle_that_adds_nobody_is_passed_over():
    experts = [expert(1, duty=(OTHER,)), expert(2)]
    assert ring_from(MEAT_IN_CHINESE, experts, LOCAL).circle == ON_DUTY
    assert ring_from(MEAT_IN_CHINESE, experts, LOCAL).user_ids == (1,)
    assert ring_from(MEAT_IN_CHINESE, experts, ON_DUTY, already_rung={1}) == ring_from(
        MEAT_IN_CHINESE, experts, NATIONAL, already_rung={1}
    )
    assert ring_from(MEAT_IN_CHINESE, experts, ON_DUTY, already_rung={1}).user_ids == (2,)


def test_when_no_circle_adds_anyone_the_request_stays_in_the_last():
    ringing = ring_from(MEAT_IN_CHINESE, [expert(1)], ON_DUTY, already_rung={1})
    assert (ringing.circle, ringing.user_ids) == (LAST_CIRCLE, ())


@pytest.mark.parametrize(
    ("waited", "declined", "due"),
    [
        (RING_SECONDS - 1, False, False),
        (RING_SECONDS, False, True),
        (0, True, True),
    ],
)
def test_a_circle_escalates_when_it_times_out_or_everyone_declined(waited, declined, due):
    since = NOW - timedelta(seconds=waited)
    assert escalation_due(LOCAL, since, NOW, all_declined=declined) is due


def test_the_last_circle_never_escalates():
    assert not escalation_due(LAST_CIRCLE, NOW - timedelta(hours=1), NOW, all_declined=True)
