"""Who a request for remote help rings, and when it rings further out.

A request rings in circles, each wider than the last:

- circle 0 (LOCAL): experts on duty now at the request's port whose skills match it;
- circle 1 (ON_DUTY): experts on duty now anywhere, who cover the port, whose skills match;
- circle 2 (NATIONAL): every active expert who covers the port, skills and duty aside.

Covering the port is required in every circle: an expert outside the port's scope could not
join the call. An expert already in a call is rung only in the last circle (they may finish
first; nobody closer answered). Within a circle the strongest match rings first.

A circle that rang nobody new (nobody on duty at the port, say) is passed over at once; a circle
that rang someone escalates when RING_SECONDS pass unanswered or when everyone rung declined.
After the last circle the request keeps ringing there until someone joins, the inspector
withdraws it, or it is marked missed (portsight.services.assist).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# A request's states: it rings only while waiting.
WAITING, ACTIVE, ENDED, MISSED, CANCELLED = "waiting", "active", "ended", "missed", "cancelled"

LOCAL, ON_DUTY, NATIONAL = 0, 1, 2
CIRCLES = (LOCAL, ON_DUTY, NATIONAL)
LAST_CIRCLE = NATIONAL
RING_SECONDS = 45  # long enough to reach the phone and answer, short enough that the inspector is not left alone

CHAPTER, RULE_FAMILY, LANGUAGE = "chapter", "rule_family", "language"
SKILL_KINDS = (CHAPTER, RULE_FAMILY, LANGUAGE)
SUBJECT_KINDS = (CHAPTER, RULE_FAMILY)


@dataclass(frozen=True)
class HelpNeeded:
    """What a request asks for: where, which goods chapters (two HS digits), which rule families, in which language."""

    port_id: int
    chapters: frozenset[str] = frozenset()
    rule_families: frozenset[str] = frozenset()
    language: str | None = None


@dataclass(frozen=True)
class ExpertOnCall:
    """An active expert as the routing sees them at one moment."""

    user_id: int
    all_ports: bool = False
    port_ids: frozenset[int] = frozenset()
    skills: frozenset[tuple[str, str]] = frozenset()  # (kind, value), kinds from SKILL_KINDS
    on_duty_at: frozenset[int] = frozenset()  # ports where a shift of theirs runs now
    busy: bool = False  # in a call now

    def covers(self, port_id: int) -> bool:
        return self.all_ports or port_id in self.port_ids

    def skill_values(self, kind: str) -> frozenset[str]:
        return frozenset(value for k, value in self.skills if k == kind)


@dataclass(frozen=True)
class Ringing:
    """The circle a request rings now and the experts it adds, strongest match first."""

    circle: int
    user_ids: tuple[int, ...] = field(default_factory=tuple)


def chapters_of(hs_codes: Iterable[str]) -> frozenset[str]:
    """The goods chapters (first two digits) of the declaration's HS codes."""
    return frozenset(code.strip()[:2] for code in hs_codes if len(code.strip()) >= 2 and code.strip()[:2].isdigit())


def match_strength(expert: ExpertOnCall, need: HelpNeeded) -> int | None:
    """How many of the expert's skills the request matches; None when the expert does not fit it.

    A kind of skill the expert has nothing recorded for matches anything: the skills are added
    over time by administrators, and an expert nobody has described yet must still be reachable
    (otherwise a port whose experts are not yet described would ring no one before the last circle).
    Languages are a condition (they must be able to talk to each other); chapters and rule families
    together are one: any one of them recorded must match.
    """
    languages = expert.skill_values(LANGUAGE)
    if languages and need.language is not None and need.language not in languages:
        return None
    chapters, families = expert.skill_values(CHAPTER), expert.skill_values(RULE_FAMILY)
    subject = len(chapters & need.chapters) + len(families & need.rule_families)
    if (chapters or families) and subject == 0:
        return None
    spoken = 1 if need.language is not None and need.language in languages else 0
    return subject + spoken


def in_circle(expert: ExpertOnCall, need: HelpNeeded, circle: int) -> int | None:
    """The expert's match strength when the circle includes them, else None."""
    if not expert.covers(need.port_id):
        return None
    if circle == NATIONAL:
        return match_strength(expert, need) or 0
    if expert.busy:
        return None
    if circle == LOCAL and need.port_id not in expert.on_duty_at:
        return None
    if circle == ON_DUTY and not expert.on_duty_at:
        return None
    return match_strength(expert, need)


def circle_members(need: HelpNeeded, experts: Iterable[ExpertOnCall], circle: int) -> tuple[int, ...]:
    """The experts of one circle: strongest match first, those free before those in a call, then by id."""
    ranked = []
    for expert in experts:
        strength = in_circle(expert, need, circle)
        if strength is not None:
            ranked.append((-strength, expert.busy, expert.user_id))
    return tuple(user_id for _s, _b, user_id in sorted(ranked))


def ring_from(
    need: HelpNeeded, experts: Iterable[ExpertOnCall], circle: int, already_rung: Set[int] = frozenset()
) -> Ringing:
    """The first circle from `circle` on that rings someone not rung yet, and whom it adds.

    When no circle adds anyone the request stays in the last circle, ringing whom it already rang.
    """
    pool = list(experts)
    for current in CIRCLES[max(circle, LOCAL) :]:
        fresh = tuple(u for u in circle_members(need, pool, current) if u not in already_rung)
        if fresh:
            return Ringing(current, fresh)
    return Ringing(LAST_CIRCLE, ())


def escalation_due(
    circle: int,
    circle_since: datetime,
    now: datetime,
    *,
    all_declined: bool = False,
    ring_seconds: int = RING_SECONDS,
) -> bool:
    """Whether a waiting request moves to the next circle now: its circle timed out or everyone declined."""
    if circle >= LAST_CIRCLE:
        return False
    return all_declined or now - circle_since >= timedelta(seconds=ring_seconds)
