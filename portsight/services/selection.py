"""Use cases of double random selection (双随机): drawing declarations for inspection.

- select_declaration: decide inspect / document check / release for a declaration and record the
  draw (seed, rate, inputs, code version) append-only; opens the inspection when drawn.
- select_pending: draw every declaration of the scope that has not been drawn yet.
- replay_selection: recompute a recorded draw and compare it with what is stored.

The inspectors of a drawn inspection are drawn by portsight.services.dispatch (which shares
Replay); the roster they are drawn from is portsight.services.roster. Each draw's seed derives
from its day's committed seed (portsight.services.draws), so a past day can be recomputed by anyone.

Selections are append-only: an ORM update or delete of a Selection row raises Conflict (see the
listeners at the end), and a declaration is never drawn twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, event, func, select, true
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from portsight import __version__
from portsight.catalogue import default_credit_calendar, selection_policy
from portsight.clock import LOCAL_TZ, as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.credit_history import tier_in_force
from portsight.db.models import (
    Declaration,
    Enterprise,
    Inspection,
    Port,
    Selection,
)
from portsight.db.rule_switches import enabled_catalogue
from portsight.db.session import Database, unit_of_work
from portsight.domain import selection as domain
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.draws import selection_seed
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.inspection import OPEN_STATES
from portsight.domain.risk_profiles import with_redrawn_hits
from portsight.domain.rulebook import RuleCatalogueError
from portsight.domain.rules import declaration_alerts
from portsight.errors import Conflict, InvalidInput, NotFound, PortSightError
from portsight.services.draws import day_seed_for_draw
from portsight.services.inspections import open_inspection
from portsight.services.risk_profiles import draw_risk_profiles, record_risk_profile_hits

CODE_VERSION = f"{__version__}+{domain.ALGORITHM}"  # fits Selection.code_version (40)
UNDER_INVESTIGATION = "enterprise_under_investigation"  # built-in forced hit (Enterprise.under_investigation)
FORCED_SHARE_WINDOW_DAYS = 90
FORCED_SHARE_MIN_SAMPLE = 200  # below this many past draws of a tier the forced share is taken as 0
MAX_SEED = 64  # Selection.seed's column


@dataclass(frozen=True)
class SelectionRecord:
    selection_id: int
    declaration_id: int
    outcome: str
    rate: float
    seed: str
    reasons: list[dict[str, Any]]
    forced: bool
    inspection_id: int | None


@dataclass(frozen=True)
class Replay:
    """A recorded draw recomputed: `matches` is True when the recomputed result equals the stored one."""

    stored: dict[str, Any]
    recomputed: dict[str, Any]

    @property
    def matches(self) -> bool:
        return self.stored == self.recomputed


# --------------------------------------------------------------------------- rules and policy
def _catalogue_hits(session: Session, declaration: Declaration, tier: str, port_kind: str) -> list[str]:
    """Ids of enabled catalogue rules that a declaration hits by its scope alone (prohibited goods, watch lists)."""
    try:
        catalogue = enabled_catalogue(session)
    except RuleCatalogueError as exc:
        raise PortSightError(
            f"Selection needs the rule catalogue, which does not load: {exc}",
            key="errors.selection_catalogue_unavailable",
            params={"detail": str(exc)},
        ) from exc
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
    return [r.id for r in declaration_alerts(facts, catalogue)]


def current_policy(on_date: date | None = None) -> domain.SelectionPolicy:
    """The tier targets and bounds in force on the date (today for None), as every page shows them."""
    return selection_policy(on_date)


def forced_draws(session: Session, tier: str, now: datetime) -> tuple[int, int]:
    """(draws, draws that rule hits forced) of this tier in the 90 days before now."""
    since = now - timedelta(days=FORCED_SHARE_WINDOW_DAYS)
    total, forced = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Selection.forced, 1), else_=0)), 0)).where(
            Selection.tier == tier, Selection.drawn_at >= since, Selection.drawn_at < now
        )
    ).one()
    return int(total), int(forced)


def _forced_share(session: Session, tier: str, now: datetime) -> float:
    """Share of this tier's draws in the last 90 days that rule hits forced (0 with too little history)."""
    total, forced = forced_draws(session, tier, now)
    if total < FORCED_SHARE_MIN_SAMPLE:
        return 0.0
    return float(round(forced / total, 4))


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
    # Without a given seed the draw's seed comes from the day's committed seed (portsight.domain.draws).
    day_seed = "" if seed else day_seed_for_draw(db, actor, now)
    if seed and len(seed) > MAX_SEED:
        raise InvalidInput(
            f"A seed is at most {MAX_SEED} characters.", key="errors.seed_too_long", params={"limit": MAX_SEED}
        )
    with unit_of_work(db) as session:
        declaration = session.get(Declaration, declaration_id)
        if declaration is None:
            raise NotFound(
                f"Declaration {declaration_id} does not exist.",
                key="errors.declaration_not_found",
                params={"id": declaration_id},
            )
        require_port(actor, declaration.port_id)
        earlier = session.execute(
            select(Selection.id, Selection.drawn_at).where(Selection.declaration_id == declaration_id)
        ).first()
        if earlier is not None:
            raise Conflict(
                f"Declaration {declaration.number} was already drawn (selection {earlier.id}); "
                "a recorded draw is never repeated or changed.",
                key="errors.declaration_already_drawn",
                params={"number": declaration.number, "id": earlier.id},
            )
        open_inspection_id = session.scalar(
            select(Inspection.id).where(
                Inspection.declaration_id == declaration_id, Inspection.state.in_(sorted(OPEN_STATES))
            )
        )
        if open_inspection_id is not None:
            raise Conflict(
                f"Declaration {declaration.number} is already under inspection ({open_inspection_id}); "
                "there is nothing to draw.",
                key="errors.declaration_already_open",
                params={"number": declaration.number, "id": open_inspection_id},
            )
        seed = seed or selection_seed(day_seed, declaration.number)
        # non-null foreign keys: the declaration's enterprise and port are there
        enterprise = session.get_one(Enterprise, declaration.enterprise_id)
        port = session.get_one(Port, declaration.port_id)
        day = now.astimezone(ZoneInfo(LOCAL_TZ)).date()  # the measures and rules change at midnight in China
        # The enterprise's credit change in force on the declaration's own day applies to it (a change
        # dated after it does not), read as the tier it stands for under the measures of the draw's day.
        declared_on = as_utc(declaration.declared_at).astimezone(ZoneInfo(LOCAL_TZ)).date()
        stored_tier = tier_in_force(session, enterprise.id, declared_on)
        tier = default_credit_calendar().tier_of(stored_tier, day)
        hits = _catalogue_hits(session, declaration, tier, port.kind)
        if enterprise.under_investigation:
            hits.append(UNDER_INVESTIGATION)
        profiles = draw_risk_profiles(session, declaration, now, seed)  # risk profiles (布控) that fire
        hits += profiles.hits
        policy = policy or current_policy(day)
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
            enterprise_credit_tier=stored_tier,
            inspectors_needed=decision.inspectors_needed,
            **profiles.inputs(),
        )
        record = Selection(
            declaration_id=declaration.id,
            outcome=decision.outcome.value,
            reasons=[dict(r) for r in decision.reasons],
            rate=decision.rate,
            seed=seed,
            inputs=inputs,
            tier=inputs["tier"],
            forced=inputs["forced"],
            code_version=CODE_VERSION,
            drawn_at=now,
        )
        session.add(record)
        session.flush()
        record_risk_profile_hits(session, profiles, declaration.id, record.id, now)
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
            raise NotFound(
                f"Selection {selection_id} does not exist.",
                key="errors.selection_not_found",
                params={"id": selection_id},
            )
        stored = {"outcome": record.outcome, "rate": record.rate, "reasons": record.reasons}
        try:
            # a raise profile's own draw is recomputed from the seed, not taken from the record
            again = domain.replay_decision(with_redrawn_hits(record.inputs, record.seed), record.seed)
        except ValueError as exc:
            raise Conflict(
                f"Selection {selection_id} cannot be replayed by this version: {exc}",
                key="errors.selection_not_replayable",
                params={"id": selection_id, "detail": str(exc)},
            ) from exc
        recomputed = {"outcome": again.outcome.value, "rate": again.rate, "reasons": [dict(r) for r in again.reasons]}
        return Replay(stored, recomputed)


# --------------------------------------------------------------------------- append-only guard
def _refuse_change(_mapper: Mapper[Selection], _connection: Connection, target: Selection) -> None:
    raise Conflict(
        f"Selection {target.id} is part of the record; a draw cannot be changed or deleted.",
        key="errors.selection_append_only",
        params={"id": target.id},
    )


event.listen(Selection, "before_update", _refuse_change)
event.listen(Selection, "before_delete", _refuse_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ is Selection:
            raise Conflict(
                "Selections are part of the record; a draw cannot be changed or deleted.",
                key="errors.selections_append_only",
            )


__all__ = [
    "CODE_VERSION",
    "FORCED_SHARE_MIN_SAMPLE",
    "FORCED_SHARE_WINDOW_DAYS",
    "UNDER_INVESTIGATION",
    "Replay",
    "SelectionRecord",
    "current_policy",
    "forced_draws",
    "replay_selection",
    "select_declaration",
    "select_pending",
]
