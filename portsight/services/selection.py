"""Use cases of double random selection (双随机) and of the duty roster.

- select_declaration: decide inspect / document check / release for a declaration and record the
  draw (seed, rate, inputs, code version) append-only; opens the inspection when drawn.
- dispatch_inspectors: draw the inspectors among those on duty at the port and record the draw on
  the assignments.
- replay_selection / replay_dispatch: recompute a recorded draw and compare it with what is stored.
- set_duty_shift / remove_duty_shift / declare_conflict: the roster and conflicts of interest.

Selections are append-only: an ORM update or delete of a Selection row raises Conflict (see the
listeners at the end), and a declaration is never drawn twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, event, func, or_, select, true
from sqlalchemy.orm import Session

from portsight import __version__
from portsight.clock import as_utc, utcnow
from portsight.db.models import (
    ConflictOfInterest,
    Declaration,
    DutyShift,
    Enterprise,
    Inspection,
    InspectorAssignment,
    Port,
    RuleSetting,
    Selection,
    User,
    UserPort,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain import selection as domain
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.enterprise import CreditTier
from portsight.domain.inspection import OPEN_STATES
from portsight.services.audit import record_audit
from portsight.services.errors import AccessDenied, Conflict, InvalidInput, NotFound, PortSightError

CODE_VERSION = f"{__version__}+{domain.ALGORITHM}"  # fits Selection.code_version (40)
UNDER_INVESTIGATION = "enterprise_under_investigation"  # built-in forced hit (Enterprise.under_investigation)
FORCED_SHARE_WINDOW_DAYS = 90
FORCED_SHARE_MIN_SAMPLE = 200  # below this many past draws of a tier the forced share is taken as 0
WORKLOAD_WINDOW_DAYS = 7
MAX_SHIFT_HOURS = 24


def new_seed() -> str:
    """32 hex characters from the operating system's CSPRNG: nobody can choose the outcome."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class SelectionRecord:
    selection_id: int
    declaration_id: int
    outcome: str
    rate: float
    seed: str
    reasons: list
    forced: bool
    inspection_id: int | None


@dataclass(frozen=True)
class DispatchRecord:
    inspection_id: int
    user_ids: list[int]
    seed: str
    relaxed: bool
    excluded: dict


@dataclass(frozen=True)
class Replay:
    """A recorded draw recomputed: `matches` is True when the recomputed result equals the stored one."""

    stored: dict
    recomputed: dict

    @property
    def matches(self) -> bool:
        return self.stored == self.recomputed


# --------------------------------------------------------------------------- rules and policy
def _catalogue_hits(session: Session, declaration: Declaration, tier: str, port_kind: str) -> list[str]:
    """Ids of catalogue rules that a declaration hits by its scope alone (prohibited goods, watch lists)."""
    try:
        from portsight.domain import rules as rules_domain
        from portsight.domain.checklist import ContainerFacts, DeclarationFacts, GoodsLineFacts
    except ImportError:  # the rule catalogue is not installed: only built-in hits apply
        return []
    try:
        catalogue = rules_domain.default_catalogue()
    except rules_domain.RuleCatalogueError as exc:
        raise PortSightError(f"Selection needs the rule catalogue, which does not load: {exc}") from exc
    facts = DeclarationFacts(
        transport_mode=declaration.transport_mode,
        port_kind=port_kind,
        origin_country=declaration.origin_country,
        credit_tier=tier,
        goods=tuple(GoodsLineFacts(hs_code=g.hs_code) for g in declaration.goods),
        containers=tuple(ContainerFacts(number=c.number, size_type=c.size_type) for c in declaration.containers),
        declared_on=as_utc(declaration.declared_at).date(),
        number=declaration.number,
    )
    disabled = set(session.scalars(select(RuleSetting.rule_id).where(RuleSetting.enabled.is_(False))))
    return [r.id for r in rules_domain.declaration_alerts(facts, catalogue) if r.id not in disabled]


def current_policy(on_date: date | None = None) -> domain.SelectionPolicy:
    """Today's policy: from the rule catalogue when it defines the tier targets, else the defaults."""
    return domain.policy_from_catalogue(on_date)


def _tier_expr():
    return Selection.inputs["tier"].as_string()


def _forced_share(session: Session, tier: str, now: datetime) -> float:
    """Share of this tier's draws in the last 90 days that rule hits forced (0 with too little history)."""
    since = now - timedelta(days=FORCED_SHARE_WINDOW_DAYS)
    total, forced = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Selection.inputs["forced"].as_boolean(), 1), else_=0)), 0),
        ).where(_tier_expr() == tier, Selection.drawn_at >= since, Selection.drawn_at < now)
    ).one()
    if total < FORCED_SHARE_MIN_SAMPLE:
        return 0.0
    return round(forced / total, 4)


# --------------------------------------------------------------------------- selection
def select_declaration(
    db: Database,
    actor: Actor,
    declaration_id: int,
    *,
    seed: str | None = None,
    now: datetime | None = None,
    policy: domain.SelectionPolicy | None = None,
) -> SelectionRecord:
    """Draw a declaration: record the decision append-only; open the inspection when it is drawn."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = as_utc(now or utcnow())  # SQLite keeps wall-clock time: store UTC only
    seed = seed or new_seed()
    if len(seed) > 64:
        raise InvalidInput("A seed is at most 64 characters.")
    with unit_of_work(db) as session:
        declaration = session.get(Declaration, declaration_id)
        if declaration is None:
            raise NotFound(f"Declaration {declaration_id} does not exist.")
        require_port(actor, declaration.port_id)
        earlier = session.execute(
            select(Selection.id, Selection.drawn_at).where(Selection.declaration_id == declaration_id)
        ).first()
        if earlier is not None:
            raise Conflict(
                f"Declaration {declaration.number} was already drawn (selection {earlier.id}); "
                "a recorded draw is never repeated or changed."
            )
        open_inspection_id = session.scalar(
            select(Inspection.id).where(
                Inspection.declaration_id == declaration_id, Inspection.state.in_(sorted(OPEN_STATES))
            )
        )
        if open_inspection_id is not None:
            raise Conflict(
                f"Declaration {declaration.number} is already under inspection ({open_inspection_id}); "
                "there is nothing to draw."
            )
        enterprise = session.get(Enterprise, declaration.enterprise_id)
        port = session.get(Port, declaration.port_id)
        tier = enterprise.credit_tier if enterprise.credit_tier in set(CreditTier) else CreditTier.GENERAL.value
        hits = _catalogue_hits(session, declaration, tier, port.kind)
        if enterprise.under_investigation:
            hits.append(UNDER_INVESTIGATION)
        policy = policy or current_policy(now.date())
        forced_share = _forced_share(session, tier, now)
        decision = domain.decide(tier, seed, hits, policy, forced_share)
        inputs = domain.selection_inputs(
            tier,
            hits,
            policy,
            forced_share,
            declaration_id=declaration.id,
            declaration_number=declaration.number,
            enterprise_id=enterprise.id,
            port_id=declaration.port_id,
            enterprise_credit_tier=enterprise.credit_tier,
            inspectors_needed=decision.inspectors_needed,
        )
        record = Selection(
            declaration_id=declaration.id,
            outcome=decision.outcome.value,
            reasons=[dict(r) for r in decision.reasons],
            rate=decision.rate,
            seed=seed,
            inputs=inputs,
            code_version=CODE_VERSION,
            drawn_at=now,
        )
        session.add(record)
        session.flush()
        record_audit(
            session,
            actor,
            "select",
            "selection",
            record.id,
            after={"declaration_id": declaration.id, "outcome": record.outcome, "rate": record.rate, "seed": seed},
            port_id=declaration.port_id,
        )
        inspection_id = None
        if decision.outcome is domain.Outcome.INSPECT:
            from portsight.services.inspections import open_inspection

            inspection_id = open_inspection(
                session.connection(), actor, declaration.id, record.id, priority=1 if decision.forced else 0, now=now
            )
        return SelectionRecord(
            record.id, declaration.id, record.outcome, record.rate, seed, record.reasons, decision.forced, inspection_id
        )


def select_pending(
    db: Database,
    actor: Actor,
    port_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    limit: int = 500,
) -> int:
    """Draw every declaration of the ports (default: the actor's scope) that has no draw and no inspection
    yet, oldest first; returns how many were drawn. Each draw is its own transaction."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    for port_id in port_ids or ():
        require_port(actor, port_id)
    ports = actor.scope(port_ids)
    with unit_of_work(db) as session:
        ids = list(
            session.scalars(
                select(Declaration.id)
                .outerjoin(Selection, Selection.declaration_id == Declaration.id)
                .where(Selection.id.is_(None), ~Declaration.id.in_(select(Inspection.declaration_id)))
                .where(Declaration.port_id.in_(sorted(ports)) if ports is not None else true())
                .order_by(Declaration.declared_at, Declaration.id)
                .limit(limit)
            )
        )
    for declaration_id in ids:
        select_declaration(db, actor, declaration_id, now=now)
    return len(ids)


def replay_selection(db: Database, selection_id: int) -> Replay:
    """Recompute a recorded selection from its seed and inputs; compare with what is stored."""
    with unit_of_work(db) as session:
        record = session.get(Selection, selection_id)
        if record is None:
            raise NotFound(f"Selection {selection_id} does not exist.")
        stored = {"outcome": record.outcome, "rate": record.rate, "reasons": record.reasons}
        try:
            again = domain.replay_decision(record.inputs, record.seed)
        except ValueError as exc:
            raise Conflict(f"Selection {selection_id} cannot be replayed by this version: {exc}") from exc
        recomputed = {"outcome": again.outcome.value, "rate": again.rate, "reasons": [dict(r) for r in again.reasons]}
        return Replay(stored, recomputed)


# --------------------------------------------------------------------------- dispatch
def _port_inspectors(session: Session, port_id: int) -> list[int]:
    """Active inspectors who work at the port (all ports, or the port in their scope)."""
    return list(
        session.scalars(
            select(User.id)
            .where(
                User.role == Role.INSPECTOR.value,
                User.active.is_(True),
                or_(
                    User.all_ports.is_(True),
                    User.id.in_(select(UserPort.user_id).where(UserPort.port_id == port_id)),
                ),
            )
            .order_by(User.id)
        )
    )


def on_duty_user_ids(session: Session, port_id: int, at: datetime) -> set[int]:
    return set(
        session.scalars(
            select(DutyShift.user_id).where(
                DutyShift.port_id == port_id, DutyShift.starts_at <= at, DutyShift.ends_at > at
            )
        )
    )


def _candidates(session: Session, inspection: Inspection, enterprise_id: int, now: datetime) -> list[domain.Candidate]:
    users = _port_inspectors(session, inspection.port_id)
    if not users:
        return []
    on_duty = on_duty_user_ids(session, inspection.port_id, now)
    since = now - timedelta(days=WORKLOAD_WINDOW_DAYS)
    workload = dict(
        session.execute(
            select(InspectorAssignment.user_id, func.count())
            .where(
                InspectorAssignment.user_id.in_(users),
                InspectorAssignment.assigned_at >= since,
                InspectorAssignment.assigned_at <= now,
            )
            .group_by(InspectorAssignment.user_id)
        ).all()
    )
    conflicted = set(
        session.scalars(
            select(ConflictOfInterest.user_id).where(
                ConflictOfInterest.enterprise_id == enterprise_id, ConflictOfInterest.user_id.in_(users)
            )
        )
    )
    previous_inspection = session.scalar(
        select(Inspection.id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(
            Declaration.enterprise_id == enterprise_id,
            Inspection.id != inspection.id,
            Inspection.id.in_(select(InspectorAssignment.inspection_id)),
        )
        .order_by(Inspection.created_at.desc(), Inspection.id.desc())
        .limit(1)
    )
    previous = (
        set(
            session.scalars(
                select(InspectorAssignment.user_id).where(InspectorAssignment.inspection_id == previous_inspection)
            )
        )
        if previous_inspection is not None
        else set()
    )
    return [
        domain.Candidate(
            user_id=u,
            on_duty=u in on_duty,
            workload=int(workload.get(u, 0)),
            conflicted=u in conflicted,
            previous_team=u in previous,
        )
        for u in users
    ]


def dispatch_inspectors(
    db: Database,
    actor: Actor,
    inspection_id: int,
    *,
    seed: str | None = None,
    now: datetime | None = None,
    needed: int | None = None,
) -> DispatchRecord:
    """Draw the inspectors for an inspection among those on duty at its port and assign them.

    needed: defaults to what the selection requires (two for rule hits and the dishonest tier).
    Refuses with Conflict when fewer eligible inspectors are on duty than needed.
    """
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = as_utc(now or utcnow())  # SQLite keeps wall-clock time: store UTC only
    seed = seed or new_seed()
    with unit_of_work(db) as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(f"Inspection {inspection_id} does not exist.")
        require_port(actor, inspection.port_id)
        declaration = session.get(Declaration, inspection.declaration_id)
        enterprise = session.get(Enterprise, declaration.enterprise_id)
        if needed is None:
            stored = session.get(Selection, inspection.selection_id) if inspection.selection_id else None
            if stored is not None and stored.inputs.get("inspectors_needed"):
                needed = int(stored.inputs["inspectors_needed"])
            else:
                needed = domain.inspectors_needed(enterprise.credit_tier, ())
        candidates = _candidates(session, inspection, enterprise.id, now)
        result = domain.dispatch(candidates, needed, seed)
        if result.shortfall:
            port = session.get(Port, inspection.port_id)
            raise Conflict(
                f"Only {len(result.user_ids)} inspector(s) without a conflict are on duty at {port.code} now; "
                f"this inspection needs {needed}. Add a shift in the roster, then dispatch again."
            )
        inputs = domain.dispatch_inputs(
            candidates, needed, inspection_id=inspection.id, enterprise_id=enterprise.id, at=now.isoformat()
        )
        from portsight.services.inspections import assign_inspectors

        assign_inspectors(
            session.connection(), actor, inspection.id, list(result.user_ids),
            draw_seed=seed, draw_inputs=inputs, now=now,
        )  # fmt: skip
        record_audit(
            session,
            actor,
            "dispatch",
            "inspection",
            inspection.id,
            after={"inspectors": list(result.user_ids), "seed": seed, "relaxed": result.relaxed},
            port_id=inspection.port_id,
        )
        return DispatchRecord(
            inspection.id, list(result.user_ids), seed, result.relaxed, {str(k): v for k, v in result.excluded.items()}
        )


def replay_dispatch(db: Database, inspection_id: int) -> Replay:
    """Recompute the recorded dispatch of an inspection from its seed and inputs."""
    with unit_of_work(db) as session:
        rows = session.execute(
            select(InspectorAssignment.user_id, InspectorAssignment.draw_seed, InspectorAssignment.draw_inputs)
            .where(InspectorAssignment.inspection_id == inspection_id)
            .order_by(InspectorAssignment.id)
        ).all()
        if not rows or rows[0].draw_seed is None:
            raise NotFound(f"Inspection {inspection_id} has no recorded draw of inspectors.")
        again = domain.replay_dispatch(rows[0].draw_inputs, rows[0].draw_seed)
        return Replay({"user_ids": [r.user_id for r in rows]}, {"user_ids": list(again.user_ids)})


# --------------------------------------------------------------------------- roster and conflicts
def _inspector_at_port(session: Session, user_id: int, port_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    if user.role != Role.INSPECTOR.value or not user.active:
        raise InvalidInput(f"{user.username} is not an active inspector; only inspectors go on the roster.")
    if not user.all_ports and session.get(UserPort, (user_id, port_id)) is None:
        raise InvalidInput(f"{user.username} does not work at this port; add the port to their account first.")
    return user


def set_duty_shift(
    db: Database,
    actor: Actor,
    user_id: int,
    port_id: int,
    starts_at: datetime,
    ends_at: datetime,
) -> int:
    """Put an inspector on duty at a port from starts_at to ends_at; returns the shift id."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    require_port(actor, port_id)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("Give shift times with their time zone.")
    if ends_at <= starts_at:
        raise InvalidInput("A shift must end after it starts.")
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)  # SQLite keeps wall-clock time: store UTC only
    if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        raise InvalidInput(f"A shift lasts at most {MAX_SHIFT_HOURS} hours; split longer duty into shifts.")
    with unit_of_work(db) as session:
        if session.get(Port, port_id) is None:
            raise NotFound(f"Port {port_id} does not exist.")
        user = _inspector_at_port(session, user_id, port_id)
        overlap = session.scalar(
            select(DutyShift.id).where(
                DutyShift.user_id == user_id, DutyShift.starts_at < ends_at, DutyShift.ends_at > starts_at
            )
        )
        if overlap is not None:
            raise Conflict(f"{user.username} already has a shift at that time (shift {overlap}); remove it first.")
        shift = DutyShift(user_id=user_id, port_id=port_id, starts_at=starts_at, ends_at=ends_at)
        session.add(shift)
        session.flush()
        record_audit(
            session,
            actor,
            "set_shift",
            "duty_shift",
            shift.id,
            after={"user_id": user_id, "port_id": port_id, "starts_at": starts_at, "ends_at": ends_at},
            port_id=port_id,
        )
        return shift.id


def remove_duty_shift(db: Database, actor: Actor, shift_id: int) -> None:
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    with unit_of_work(db) as session:
        shift = session.get(DutyShift, shift_id)
        if shift is None:
            raise NotFound(f"Shift {shift_id} does not exist (already removed?).")
        require_port(actor, shift.port_id)
        before = {"user_id": shift.user_id, "port_id": shift.port_id, "starts_at": shift.starts_at,
                  "ends_at": shift.ends_at}  # fmt: skip
        session.delete(shift)
        record_audit(session, actor, "remove_shift", "duty_shift", shift_id, before=before, port_id=before["port_id"])


def declare_conflict(
    db: Database,
    actor: Actor,
    user_id: int,
    enterprise_id: int,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Record a conflict of interest: that person is never dispatched to, nor decides for, the enterprise.

    Inspectors declare their own; supervisors and administrators may declare anyone's.
    """
    if actor.role == Role.INSPECTOR:
        if actor.user_id != user_id:
            raise AccessDenied("An inspector declares only their own conflicts of interest.")
    else:
        require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.INSPECTOR)
    now = as_utc(now or utcnow())  # SQLite keeps wall-clock time: store UTC only
    reason = (reason or "").strip() or None
    if reason and len(reason) > 200:
        raise InvalidInput("Keep the reason under 200 characters.")
    with unit_of_work(db) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"User {user_id} does not exist.")
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise NotFound(f"Enterprise {enterprise_id} does not exist.")
        existing = session.scalar(
            select(ConflictOfInterest.id).where(
                and_(ConflictOfInterest.user_id == user_id, ConflictOfInterest.enterprise_id == enterprise_id)
            )
        )
        if existing is not None:
            raise Conflict(f"{user.username}'s conflict with {enterprise.name} is already declared.")
        conflict = ConflictOfInterest(user_id=user_id, enterprise_id=enterprise_id, reason=reason, declared_at=now)
        session.add(conflict)
        session.flush()
        record_audit(
            session,
            actor,
            "declare_conflict",
            "conflict_of_interest",
            conflict.id,
            after={"user_id": user_id, "enterprise_id": enterprise_id, "reason": reason},
        )
        return conflict.id


# --------------------------------------------------------------------------- append-only guard
def _refuse_change(_mapper, _connection, target: Selection) -> None:
    raise Conflict(f"Selection {target.id} is part of the record; a draw cannot be changed or deleted.")


event.listen(Selection, "before_update", _refuse_change)
event.listen(Selection, "before_delete", _refuse_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ is Selection:
            raise Conflict("Selections are part of the record; a draw cannot be changed or deleted.")


__all__ = [
    "CODE_VERSION",
    "DispatchRecord",
    "Replay",
    "SelectionRecord",
    "declare_conflict",
    "dispatch_inspectors",
    "remove_duty_shift",
    "replay_dispatch",
    "replay_selection",
    "select_declaration",
    "select_pending",
    "set_duty_shift",
]
