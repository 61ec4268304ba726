"""Checks on what was recorded: an inspection closed fast without a photo, a seal that differs
from the declared one, prohibited goods declared, and repeated non-conformity.

Each check reads the records since `since` (repeated non-conformity: its window) and returns
triggers; the `*_trigger` builders name the alert, and the demo seed builds its alerts with them
so a seeded history carries exactly what these checks raise.

When a condition clears (the `*_cleared` functions): a seal mismatch and prohibited goods when the
inspection (of the declaration) is decided, the decision being what a supervisor does about them;
a repeated non-conformity when fewer than the threshold of the group's inspections remain within
the window. An inspection closed fast without a photo happened: nothing clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from portsight.alert_checks.triggers import Cleared, Trigger, Unresolved, local_date, rule_trigger
from portsight.clock import as_utc
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    Evidence,
    GoodsLine,
    Inspection,
    Port,
    StepResult,
)
from portsight.db.non_conformities import EnterpriseName, non_conforming_inspections
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.inspection import FINAL_STATES
from portsight.domain.repeats import (
    Group,
    RepeatTrigger,
    groups_of,
    repeat_severity,
    repeat_triggers,
)
from portsight.domain.rulebook import Rule
from portsight.domain.rules import alert_fires
from portsight.domain.seal import normalize_seal, seal_matches
from portsight.domain.stats import inspection_duration_minutes

SEAL_STEP = "seal"
# Fields of the catalogue's alert rules that are judged on a completed inspection.
INSPECTION_FIELDS = frozenset({"minutes_to_close", "photo_count", "step_count"})

# ------------------------------------------------------------------ closed fast without a photo


def inspection_rules(rules: list[Rule]) -> list[Rule]:
    """Alert rules judged on a completed inspection's figures (minutes_to_close, photo_count, step_count)."""
    return [r for r in rules if r.when and all(c.field in INSPECTION_FIELDS for c in r.when)]


def inspection_rule_trigger(
    rule: Rule,
    inspection_id: int,
    port_id: int | None,
    declaration_id: int | None,
    number: str,
    took: float,
    photos: int,
    completed: datetime,
) -> Trigger:
    """The alert of an inspection alert rule that fired on an inspection completed after `took` minutes."""
    return rule_trigger(
        rule,
        "inspection",
        inspection_id,
        port_id=port_id,
        what=f"{number}, {took:.0f} min, {photos} photos",
        title_key="alert_titles.inspection_rule",
        title_params={"declaration": number, "took": {"minutes": round(took)}, "photos": photos},
        at=completed,
        detail={"declaration": number, "minutes": round(took, 1), "photos": photos},
        inspection_id=inspection_id,
        declaration_id=declaration_id,
    )


def fast_no_photo_triggers(session: Session, now: datetime, since: datetime, rules: list[Rule]) -> list[Trigger]:
    """Inspections completed since `since`, judged by the catalogue's inspection alert rules
    (quick_close_without_photo: closed within max_minutes of starting with no photo)."""
    rules = inspection_rules(rules)
    if not rules:
        return []
    photos = select(func.count(Evidence.id)).where(Evidence.inspection_id == Inspection.id).scalar_subquery()
    steps = select(func.count(StepResult.id)).where(StepResult.inspection_id == Inspection.id).scalar_subquery()
    rows = session.execute(
        select(
            Inspection.id,
            Inspection.port_id,
            Inspection.declaration_id,
            Inspection.started_at,
            Inspection.completed_at,
            Declaration.number,
            photos.label("photos"),
            steps.label("steps"),
        )
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(Inspection.completed_at > since, Inspection.completed_at <= now, Inspection.started_at.is_not(None))
    ).all()
    out: list[Trigger] = []
    for inspection_id, port_id, declaration_id, started_at, completed_at, number, n_photos, n_steps in rows:
        took = inspection_duration_minutes(started_at, completed_at) or 0.0  # the query asks for both times
        photo_count = int(n_photos or 0)
        values = {"minutes_to_close": took, "photo_count": photo_count, "step_count": int(n_steps or 0)}
        on = local_date(completed_at)
        out.extend(
            inspection_rule_trigger(
                rule,
                inspection_id,
                port_id,
                declaration_id,
                number,
                took,
                photo_count,
                as_utc(completed_at),
            )
            for rule in rules
            if alert_fires(rule, values, on)
        )
    return out


# ------------------------------------------------------------------ seal differs from the declared one


def seal_mismatch_trigger(
    inspection_id: int,
    container_id: int | None,
    declaration_id: int | None,
    port_id: int | None,
    number: str,
    container_no: str | None,
    declared: str | None,
    observed: str | None,
    at: datetime,
    enterprise_id: int | None = None,
) -> Trigger:
    """The alert of a seal read at `at` that is not the declared one (enterprise_id: the declarant's)."""
    return Trigger(
        dedupe_key=f"seal_mismatch:inspection:{inspection_id}:container:{container_id}",
        kind="seal_mismatch",
        severity="high",
        port_id=port_id,
        title=f"Seal on {container_no or 'container'} of {number}: declared {declared or '-'}, found {observed or '-'}",
        title_key="alert_titles.seal_mismatch" if container_no else "alert_titles.seal_mismatch_no_container",
        title_params={
            "declaration": number,
            "declared": declared or "—",
            "found": observed or "—",
            **({"container": container_no} if container_no else {}),
        },
        at=at,
        detail={"declaration": number, "container": container_no, "declared_seal": declared, "observed_seal": observed},
        inspection_id=inspection_id,
        declaration_id=declaration_id,
        enterprise_id=enterprise_id,
    )


def seal_mismatch_triggers(session: Session, now: datetime, since: datetime) -> list[Trigger]:
    """Seal steps recorded since `since` whose seal differs from the declared one (or marked non-conforming)."""
    rows = session.execute(
        select(
            StepResult.inspection_id,
            StepResult.container_id,
            StepResult.outcome,
            StepResult.values,
            StepResult.recorded_at,
            Container.number,
            Container.declared_seal,
            Inspection.port_id,
            Inspection.declaration_id,
            Declaration.number,
            Declaration.enterprise_id,
        )
        .join(Inspection, Inspection.id == StepResult.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .outerjoin(Container, Container.id == StepResult.container_id)
        .where(StepResult.step_key == SEAL_STEP, StepResult.recorded_at > since, StepResult.recorded_at <= now)
    ).all()
    out = []
    for (
        inspection_id,
        container_id,
        outcome,
        values,
        recorded_at,
        container_no,
        declared,
        port_id,
        declaration_id,
        number,
        enterprise_id,
    ) in rows:
        observed = (values or {}).get("seal_number")
        differs = bool(declared) and bool(normalize_seal(observed)) and not seal_matches(declared, observed)
        if not (differs or outcome == "non_conforming"):
            continue
        out.append(
            seal_mismatch_trigger(
                inspection_id,
                container_id,
                declaration_id,
                port_id,
                number,
                container_no,
                declared,
                observed,
                as_utc(recorded_at),
                enterprise_id,
            )
        )
    return out


# ------------------------------------------------------------------ prohibited goods declared


def declaration_rules(rules: list[Rule]) -> list[Rule]:
    """Alert rules a declaration raises by its scope alone (e.g. solid_waste_import_ban)."""
    return [r for r in rules if not r.when and not r.scope.is_empty()]


def declaration_rule_trigger(
    rule: Rule,
    declaration_id: int,
    port_id: int | None,
    number: str,
    hs_codes: list[str],
    declared_at: datetime,
    enterprise_id: int | None = None,
) -> Trigger:
    """The alert of a declaration alert rule whose scope caught a declaration (hs_codes: the lines it
    caught; enterprise_id: the declarant's)."""
    return rule_trigger(
        rule,
        "declaration",
        declaration_id,
        port_id=port_id,
        what=f"declaration {number}, HS {', '.join(hs_codes) or '-'}",
        title_key="alert_titles.declaration_rule",
        title_params={"declaration": number, "hs": hs_codes or ["—"]},
        at=declared_at,
        detail={"declaration": number, "hs_codes": hs_codes},
        declaration_id=declaration_id,
        enterprise_id=enterprise_id,
    )


def prohibited_goods_triggers(session: Session, now: datetime, since: datetime, rules: list[Rule]) -> list[Trigger]:
    """Declarations received since `since` that an alert rule's scope catches (prohibited goods).

    SQL narrows to declarations with a goods line under one of the rules' HS prefixes (all
    declarations of the window when a rule has no HS scope); the domain decides on the facts.
    """
    rules = declaration_rules(rules)
    if not rules:
        return []
    prefixes = sorted({p for r in rules for p in r.scope.hs})
    any_hs = any(not r.scope.hs for r in rules)
    stmt = (
        select(Declaration.id)
        .where(Declaration.declared_at > since, Declaration.declared_at <= now)
        .order_by(Declaration.id)
    )
    if not any_hs:
        stmt = stmt.where(
            exists().where(
                GoodsLine.declaration_id == Declaration.id, or_(*[GoodsLine.hs_code.like(p + "%") for p in prefixes])
            )
        )
    ids = list(session.scalars(stmt))
    out: list[Trigger] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        heads = session.execute(
            select(
                Declaration.id,
                Declaration.number,
                Declaration.port_id,
                Declaration.declared_at,
                Declaration.transport_mode,
                Declaration.origin_country,
                Port.kind,
                Enterprise.credit_tier,
                Declaration.enterprise_id,
            )
            .join(Port, Port.id == Declaration.port_id)
            .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
            .where(Declaration.id.in_(chunk))
        ).all()
        goods: dict[int, list] = {}
        for did, hs_code, description in session.execute(
            select(GoodsLine.declaration_id, GoodsLine.hs_code, GoodsLine.description)
            .where(GoodsLine.declaration_id.in_(chunk))
            .order_by(GoodsLine.declaration_id, GoodsLine.line_no)
        ):
            goods.setdefault(did, []).append(GoodsLineFacts(hs_code=hs_code, description=description))
        boxes: dict[int, list] = {}
        for did, number, size_type, seal in session.execute(
            select(Container.declaration_id, Container.number, Container.size_type, Container.declared_seal).where(
                Container.declaration_id.in_(chunk)
            )
        ):
            boxes.setdefault(did, []).append(ContainerFacts(number=number, size_type=size_type, declared_seal=seal))
        for did, number, port_id, declared_at, mode, origin, port_kind, tier, enterprise_id in heads:
            facts = DeclarationFacts(
                transport_mode=mode,
                port_kind=port_kind,
                origin_country=origin,
                credit_tier=tier,
                goods=tuple(goods.get(did, ())),
                containers=tuple(boxes.get(did, ())),
                declared_on=local_date(declared_at),
                number=number,
            )
            for rule in rules:
                if rule.applies_to(facts):
                    hs = [g.hs_code for g in facts.goods if rule.scope.hs_matches(g.hs_code, facts.declared_on)]
                    out.append(
                        declaration_rule_trigger(rule, did, port_id, number, hs, as_utc(declared_at), enterprise_id)
                    )
    return out


# ------------------------------------------------------------------ repeated non-conformity


def repeat_key(group: Group) -> str:
    """The dedupe key of a group's alert."""
    if group[0] == "enterprise":
        return f"repeat_nc:enterprise:{group[1]}:port:{group[2]}"
    return f"repeat_nc:origin_hs:{group[1]}:{group[2]}:port:{group[3]}"


def repeat_trigger(
    group: Group,
    trigger: RepeatTrigger,
    limits: AlertCheckLimits,
    enterprise_names: Mapping[int, EnterpriseName],
) -> Trigger:
    """The alert of a repeated non-conformity group (domain.repeats) at one of its triggers."""
    days = limits.repeat_window_days
    n = trigger.inspections
    params: dict = {"count": n, "days": days}
    enterprise_id: int | None = None
    if group[0] == "enterprise":
        _, enterprise_id, port_id = group
        name, name_en = enterprise_names[enterprise_id]
        kind, who = "repeat_nc_enterprise", name_en or name
        detail: dict = {"enterprise_id": enterprise_id, "enterprise": name}
        title_key = "alert_titles.repeat_nc_enterprise"
        # an enterprise without an English name is called by its registered (Chinese) name in English too
        params["enterprise"] = {"zh": name, "en": name_en or name}
    else:
        _, origin, hs4, port_id = group
        kind, who = "repeat_nc_origin_hs", f"Origin {origin}, HS {hs4}"
        detail = {"origin": origin, "hs4": hs4}
        title_key = "alert_titles.repeat_nc_origin_hs"
        params.update(origin={"country": origin}, hs4=hs4)
    return Trigger(
        dedupe_key=repeat_key(group),
        kind=kind,
        severity=repeat_severity(n, limits.repeat_threshold),
        port_id=port_id,
        title=f"{who}: {n} non-conforming inspections in {days} days",
        title_key=title_key,
        title_params=params,
        at=trigger.at,
        detail={**detail, "inspections": n, "window_days": days},
        enterprise_id=enterprise_id,
    )


def repeat_non_conformity_triggers(
    session: Session, now: datetime, since: datetime, limits: AlertCheckLimits
) -> list[Trigger]:
    """Same enterprise, or same origin + HS heading, with repeat_threshold non-conforming inspections
    at one port within repeat_window_days; triggered by the latest one when it is newer than `since`."""
    window = timedelta(days=limits.repeat_window_days)
    found, names = non_conforming_inspections(session, now - window, now)
    return [
        repeat_trigger(group, triggers[-1], limits, names)
        for group, triggers in repeat_triggers(found, window, limits.repeat_threshold).items()
        if triggers[-1].at > since
    ]


def repeat_non_conformity_cleared(
    session: Session, now: datetime, limits: AlertCheckLimits, alerts: list[Unresolved]
) -> Cleared:
    """The repeated non-conformity alerts whose group has fewer than repeat_threshold non-conforming
    inspections within the window ending now, and how many it has."""
    if not alerts:
        return {}
    found, _ = non_conforming_inspections(session, now - timedelta(days=limits.repeat_window_days), now)
    counts: dict[str, int] = {}
    for nc in found:
        for group in groups_of(nc):
            key = repeat_key(group)
            counts[key] = counts.get(key, 0) + 1
    return {
        a.id: {"inspections": counts.get(a.dedupe_key, 0), "threshold": limits.repeat_threshold}
        for a in alerts
        if counts.get(a.dedupe_key, 0) < limits.repeat_threshold
    }


def decided_cleared(session: Session, alerts: list[Unresolved]) -> Cleared:
    """The alerts (seal mismatch, prohibited goods) whose inspection, or the inspection of whose
    declaration, has been decided (released, held, returned, destroyed), and that decision."""
    if not alerts:
        return {}
    by_inspection = {a.id: a.inspection_id for a in alerts if a.inspection_id is not None}
    by_declaration = {a.id: a.declaration_id for a in alerts if a.inspection_id is None and a.declaration_id}
    decided = Inspection.state.in_(sorted(FINAL_STATES))
    inspections = {
        iid: state
        for iid, state in session.execute(
            select(Inspection.id, Inspection.state).where(
                Inspection.id.in_(sorted(set(by_inspection.values()))), decided
            )
        )
    }
    declarations = {
        did: state
        for did, state in session.execute(
            select(Inspection.declaration_id, Inspection.state).where(
                Inspection.declaration_id.in_(sorted(set(by_declaration.values()))), decided
            )
        )
    }
    out: Cleared = {
        alert_id: {"inspection_id": iid, "inspection_state": inspections[iid]}
        for alert_id, iid in by_inspection.items()
        if iid in inspections
    }
    out.update(
        {
            alert_id: {"declaration_id": did, "inspection_state": declarations[did]}
            for alert_id, did in by_declaration.items()
            if did in declarations
        }
    )
    return out
