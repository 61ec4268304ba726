"""Checks across ports: what no port sees alone.

repeat_nc_cross_port  one enterprise with repeat_threshold non-conforming inspections within
                      repeat_window_days at two ports or more (the per-port check counts each port
                      apart, so an enterprise spreading its shipments over ports stays under it there);
container_two_ports   one container number in open inspections at two ports at once, or in
                      inspections at two ports started less than IMPOSSIBLE_HOURS apart;
seal_two_ports        likewise one seal number, declared or read: a seal is used once.

At one port, one container (and its seal) may carry the goods of several declarations (groupage),
so two inspections there are no sign; at two ports at once they are.

When a condition clears: the repeated non-conformity when fewer than the threshold, or one port
only, remain within the window ending now; a container or seal when none of its inspections at two
ports are open together any more, unless two of them started too close in time (that happened:
nothing clears it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from portsight.alert_checks.triggers import Cleared, Trigger, Unresolved
from portsight.clock import as_utc
from portsight.db.models import Alert, Container, Declaration, Inspection, Port, StepResult
from portsight.db.non_conformities import EnterpriseName, non_conforming_inspections
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.domain.codes import normalize_code
from portsight.domain.inspection import OPEN_STATES
from portsight.domain.repeats import NonConformity, repeat_severity
from portsight.domain.seal import normalize_seal

# Two ports' inspections of one box started closer than this cannot both have seen it: the box
# cannot travel between ports that fast (the closest ports are hours apart by road or sea).
IMPOSSIBLE_HOURS = 6
SEAL_STEP = "seal"
# (container or seal, open together?) -> the alert's title
TWO_PORTS_TITLES = {
    ("container", True): "alert_titles.container_two_ports_open",
    ("container", False): "alert_titles.container_two_ports_apart",
    ("seal", True): "alert_titles.seal_two_ports_open",
    ("seal", False): "alert_titles.seal_two_ports_apart",
}

# ------------------------------------------------------------------ repeated non-conformity across ports


@dataclass(frozen=True)
class _Spread:
    """An enterprise's non-conforming inspections within one window: how many, at which ports."""

    at: datetime
    inspections: int
    ports: tuple[int, ...]


def _spread_at(ncs: list[NonConformity], at: datetime, window: timedelta) -> _Spread:
    inside = [nc for nc in ncs if at - window <= nc.at <= at]
    return _Spread(at, len(inside), tuple(sorted({nc.port_id for nc in inside})))


def _holds(spread: _Spread, threshold: int) -> bool:
    return spread.inspections >= threshold and len(spread.ports) >= 2


def _by_enterprise(found: Iterable[NonConformity]) -> dict[int, list[NonConformity]]:
    out: dict[int, list[NonConformity]] = {}
    for nc in sorted(found, key=lambda nc: nc.at):
        out.setdefault(nc.enterprise_id, []).append(nc)
    return out


def _port_names(session: Session, ids: Iterable[int]) -> dict[int, dict]:
    """{port id: {"zh": name, "en": name}}, as title parameters."""
    return {
        pid: {"zh": zh, "en": en}
        for pid, zh, en in session.execute(
            select(Port.id, Port.name_zh, Port.name_en).where(Port.id.in_(sorted(set(ids))))
        )
    }


def repeat_cross_port_trigger(
    enterprise_id: int,
    spread: _Spread,
    limits: AlertCheckLimits,
    name: EnterpriseName,
    ports: Mapping[int, dict],
) -> Trigger:
    """The alert of an enterprise non-conforming at several ports (port_id None: no one port's)."""
    zh, en = name
    days = limits.repeat_window_days
    names = [ports[p] for p in spread.ports]
    return Trigger(
        dedupe_key=f"repeat_nc:enterprise:{enterprise_id}",
        kind="repeat_nc_cross_port",
        severity=repeat_severity(spread.inspections, limits.repeat_threshold),
        port_id=None,
        title=(
            f"{en or zh}: {spread.inspections} non-conforming inspections in {days} days at "
            f"{', '.join(p['en'] for p in names)}"
        ),
        title_key="alert_titles.repeat_nc_cross_port",
        title_params={
            "enterprise": {"zh": zh, "en": en or zh},
            "count": spread.inspections,
            "days": days,
            "ports": names,
        },
        at=spread.at,
        detail={
            "enterprise_id": enterprise_id,
            "enterprise": zh,
            "inspections": spread.inspections,
            "port_ids": list(spread.ports),
            "window_days": days,
        },
        enterprise_id=enterprise_id,
    )


def repeat_cross_port_triggers(
    session: Session, now: datetime, since: datetime, limits: AlertCheckLimits
) -> list[Trigger]:
    """Enterprises whose latest non-conformity newer than `since` found repeat_threshold
    non-conforming inspections, at two ports or more, within repeat_window_days back from it."""
    window = timedelta(days=limits.repeat_window_days)
    found, names = non_conforming_inspections(session, now - window, now)
    spreads = {}
    for enterprise_id, ncs in _by_enterprise(found).items():
        if ncs[-1].at <= since:
            continue
        spread = _spread_at(ncs, ncs[-1].at, window)
        if _holds(spread, limits.repeat_threshold):
            spreads[enterprise_id] = spread
    ports = _port_names(session, (p for s in spreads.values() for p in s.ports))
    return [
        repeat_cross_port_trigger(eid, spread, limits, names[eid], ports) for eid, spread in sorted(spreads.items())
    ]


def repeat_cross_port_cleared(
    session: Session, now: datetime, limits: AlertCheckLimits, alerts: list[Unresolved]
) -> Cleared:
    """The cross-port repeated non-conformity alerts whose enterprise no longer has repeat_threshold
    non-conforming inspections at two ports or more within the window ending now."""
    if not alerts:
        return {}
    window = timedelta(days=limits.repeat_window_days)
    found, _ = non_conforming_inspections(session, now - window, now)
    by_enterprise = _by_enterprise(found)
    out: Cleared = {}
    for alert in alerts:
        enterprise_id = int(alert.dedupe_key.rsplit(":", 1)[1])
        spread = _spread_at(by_enterprise.get(enterprise_id, []), now, window)
        if not _holds(spread, limits.repeat_threshold):
            out[alert.id] = {
                "inspections": spread.inspections,
                "port_ids": list(spread.ports),
                "threshold": limits.repeat_threshold,
            }
    return out


# ------------------------------------------------------------------ one container or seal at two ports


@dataclass(frozen=True)
class Sighting:
    """A container or seal number in one inspection."""

    number: str
    inspection_id: int
    port_id: int
    declaration: str
    open: bool
    created_at: datetime
    started_at: datetime | None


def _apart(a: Sighting, b: Sighting) -> timedelta | None:
    """How far apart two inspections started, when both have."""
    if a.started_at is None or b.started_at is None:
        return None
    return abs(a.started_at - b.started_at)


def suspicious(a: Sighting, b: Sighting) -> bool:
    """Two inspections at two ports that cannot both have the box (or seal): open together, or
    started less than IMPOSSIBLE_HOURS apart."""
    if a.port_id == b.port_id or a.inspection_id == b.inspection_id:
        return False
    gap = _apart(a, b)
    return (a.open and b.open) or (gap is not None and gap < timedelta(hours=IMPOSSIBLE_HOURS))


def suspicious_pairs(sightings: Iterable[Sighting]) -> dict[str, list[tuple[Sighting, Sighting]]]:
    """Per number, its suspicious pairs of inspections."""
    by_number: dict[str, dict[int, Sighting]] = {}
    for s in sightings:
        by_number.setdefault(s.number, {})[s.inspection_id] = s
    out: dict[str, list[tuple[Sighting, Sighting]]] = {}
    for number, seen in sorted(by_number.items()):
        pairs = combinations(sorted(seen.values(), key=lambda s: s.inspection_id), 2)
        found = [(a, b) for a, b in pairs if suspicious(a, b)]
        if found:
            out[number] = found
    return out


def _heads(session: Session, where: ColumnElement[bool]) -> dict[int, tuple]:
    """{inspection id: (port id, declaration id, declaration number, open, created, started)}."""
    rows = session.execute(
        select(
            Inspection.id,
            Inspection.port_id,
            Inspection.declaration_id,
            Declaration.number,
            Inspection.state,
            Inspection.created_at,
            Inspection.started_at,
        )
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(where)
    ).all()
    return {
        iid: (port_id, did, number, state in OPEN_STATES, as_utc(created), as_utc(started) if started else None)
        for iid, port_id, did, number, state, created, started in rows
    }


def _open_or(session: Session, *also: ColumnElement[bool]) -> dict[int, tuple]:
    """The open inspections, and those `also` picks."""
    return _heads(session, or_(Inspection.state.in_(sorted(OPEN_STATES)), *also))


def _candidates(session: Session, now: datetime, since: datetime) -> dict[int, tuple]:
    """The inspections a pair can come from: the open ones, and those started late enough to be
    too close to one started since `since`."""
    recent = Inspection.started_at > since - timedelta(hours=IMPOSSIBLE_HOURS)
    return _open_or(session, recent & (Inspection.started_at <= now))


def _sighting(number: str, iid: int, head: tuple) -> Sighting:
    port_id, _, declaration, is_open, created, started = head
    return Sighting(number, iid, port_id, declaration, is_open, created, started)


def _by_declaration(heads: Mapping[int, tuple]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for iid, head in heads.items():
        out.setdefault(head[1], []).append(iid)
    return out


def container_sightings(session: Session, heads: Mapping[int, tuple]) -> list[Sighting]:
    """The container numbers declared for these inspections' declarations."""
    by_declaration = _by_declaration(heads)
    out: list[Sighting] = []
    dids = sorted(by_declaration)
    for i in range(0, len(dids), 500):
        for did, number in session.execute(
            select(Container.declaration_id, Container.number).where(Container.declaration_id.in_(dids[i : i + 500]))
        ):
            key = normalize_code(number)
            out.extend(_sighting(key, iid, heads[iid]) for iid in by_declaration[did] if key)
    return out


def seal_sightings(session: Session, heads: Mapping[int, tuple]) -> list[Sighting]:
    """The seal numbers declared for these inspections' containers, and those read at their seal steps."""
    by_declaration = _by_declaration(heads)
    out: list[Sighting] = []
    dids, iids = sorted(by_declaration), sorted(heads)
    for i in range(0, len(dids), 500):
        for did, seal in session.execute(
            select(Container.declaration_id, Container.declared_seal).where(
                Container.declaration_id.in_(dids[i : i + 500]), Container.declared_seal.is_not(None)
            )
        ):
            key = normalize_seal(seal)
            out.extend(_sighting(key, iid, heads[iid]) for iid in by_declaration[did] if key)
    for i in range(0, len(iids), 500):
        for iid, values in session.execute(
            select(StepResult.inspection_id, StepResult.values).where(
                StepResult.inspection_id.in_(iids[i : i + 500]), StepResult.step_key == SEAL_STEP
            )
        ):
            key = normalize_seal((values or {}).get("seal_number"))
            if key:
                out.append(_sighting(key, iid, heads[iid]))
    return out


def two_ports_trigger(
    what: str, number: str, pairs: list[tuple[Sighting, Sighting]], ports: Mapping[int, dict]
) -> Trigger:
    """The alert of a container or seal (`what`) in suspicious pairs of inspections, at the latest
    pair: the moment its second inspection was opened."""
    a, b = max(pairs, key=lambda p: (max(p[0].created_at, p[1].created_at), p[1].inspection_id))
    together = a.open and b.open
    gap = _apart(a, b)
    inspections = sorted({s.inspection_id for pair in pairs for s in pair})
    names = [ports[a.port_id], ports[b.port_id]]
    params: dict = {what: number, "ports": names, "declarations": [a.declaration, b.declaration]}
    if together:
        how = "in open inspections at once"
    else:
        minutes = int(gap.total_seconds() // 60) if gap is not None else 0
        params["gap"] = {"minutes": minutes}
        how = f"inspected {minutes} min apart"
    return Trigger(
        dedupe_key=f"{what}_two_ports:{what}:{number}",
        kind=f"{what}_two_ports",
        severity="high",
        port_id=None,
        title=f"{what.capitalize()} {number} {how} at {names[0]['en']} and {names[1]['en']}",
        title_key=TWO_PORTS_TITLES[what, together],
        title_params=params,
        at=max(a.created_at, b.created_at),
        detail={
            what: number,
            "inspections": inspections,
            "declarations": [a.declaration, b.declaration],
            "port_ids": [a.port_id, b.port_id],
            "open_together": together,
        },
    )


def _two_ports_triggers(what: str, session: Session, sightings: list[Sighting]) -> list[Trigger]:
    found = suspicious_pairs(sightings)
    ports = _port_names(session, (s.port_id for pairs in found.values() for pair in pairs for s in pair))
    return [two_ports_trigger(what, number, pairs, ports) for number, pairs in found.items()]


def container_two_ports_triggers(session: Session, now: datetime, since: datetime) -> list[Trigger]:
    """Container numbers in open inspections at two ports, or in inspections at two ports started
    less than IMPOSSIBLE_HOURS apart (one of them since `since`)."""
    return _two_ports_triggers("container", session, container_sightings(session, _candidates(session, now, since)))


def seal_two_ports_triggers(session: Session, now: datetime, since: datetime) -> list[Trigger]:
    """Seal numbers (declared or read) likewise."""
    return _two_ports_triggers("seal", session, seal_sightings(session, _candidates(session, now, since)))


def two_ports_cleared(session: Session, alerts: list[Unresolved]) -> Cleared:
    """The container and seal alerts none of whose pairs of inspections hold any more: among the
    inspections the alert named and those open now, none at two ports are open together or started
    too close in time."""
    if not alerts:
        return {}
    named = {
        alert_id: [int(i) for i in (detail or {}).get("inspections", [])]
        for alert_id, detail in session.execute(
            select(Alert.id, Alert.detail).where(Alert.id.in_(sorted(a.id for a in alerts)))
        )
    }
    ids = sorted({i for ids in named.values() for i in ids})
    heads = _open_or(session, *([Inspection.id.in_(ids)] if ids else []))
    sightings = {
        "container_two_ports": container_sightings(session, heads),
        "seal_two_ports": seal_sightings(session, heads),
    }
    out: Cleared = {}
    for alert in alerts:
        number = alert.dedupe_key.split(":", 2)[2]
        mine = [s for s in sightings.get(alert.kind, []) if s.number == number]
        if not suspicious_pairs(mine):
            out[alert.id] = {"open_inspections": sorted({s.inspection_id for s in mine if s.open})}
    return out
