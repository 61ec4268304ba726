"""Repeated non-conformity (重复不合格): the same enterprise, or the same origin and HS heading,
with too many non-conforming inspections at one port within a window.

One decision for two callers: the live alert check (portsight.alert_checks.patterns) hands it
the non-conformities of the window that ends now, the demo seed hands it its whole history; so the
seeded alerts are those the check would have raised as each non-conformity was recorded.

A group is ("enterprise", enterprise_id, port_id) or ("origin_hs", origin, hs4, port_id): an
inspection counts towards its enterprise's group and towards one group per HS heading declared.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Literal

Group = tuple[Literal["enterprise"], int, int] | tuple[Literal["origin_hs"], str | None, str, int]


@dataclass(frozen=True)
class NonConformity:
    """A non-conforming inspection: when its (last) non-conformity was recorded, and whose it is."""

    at: datetime
    enterprise_id: int
    port_id: int
    origin: str | None
    headings: tuple[str, ...]  # the 4-digit HS headings of the declaration's goods


@dataclass(frozen=True)
class RepeatTrigger:
    """A moment a group had `inspections` non-conforming inspections within the window ending then."""

    at: datetime
    inspections: int


def groups_of(nc: NonConformity) -> list[Group]:
    """The groups an inspection counts towards."""
    headings = dict.fromkeys(nc.headings)  # a heading declared twice counts once
    return [("enterprise", nc.enterprise_id, nc.port_id), *(("origin_hs", nc.origin, h, nc.port_id) for h in headings)]


def repeat_triggers(
    non_conformities: Iterable[NonConformity], window: timedelta, threshold: int
) -> dict[Group, list[RepeatTrigger]]:
    """Per group, each non-conformity that found `threshold` or more inspections of the group
    within `window` back from it (both ends included), in time order; groups never there are left
    out, the others come in the order of their keys as text (a stable order to raise and number them).

    The last trigger of a group counts every inspection handed in when they all lie within one
    window of it, which is what the live check asks at `now`.
    """
    times: dict[Group, list[datetime]] = {}
    for nc in sorted(non_conformities, key=attrgetter("at")):
        for group in groups_of(nc):
            times.setdefault(group, []).append(nc.at)
    found: dict[Group, list[RepeatTrigger]] = {}
    for group, ats in times.items():
        raised = []
        for i, at in enumerate(ats):
            n = i + 1 - bisect.bisect_left(ats, at - window, 0, i + 1)
            if n >= threshold:
                raised.append(RepeatTrigger(at, n))
        if raised:
            found[group] = raised
    return {group: found[group] for group in sorted(found, key=str)}


def repeat_severity(inspections: int, threshold: int) -> str:
    """Medium from the threshold, high from twice the threshold."""
    return "high" if inspections >= 2 * threshold else "medium"
