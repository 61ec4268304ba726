"""Supervision checks that run periodically and raise alerts (预警) through raise_alert.

`run_supervision_checks(db, now)` runs every check once, in one unit of work, and returns how
many alerts each check raised. Call it every few tens of seconds from one place per process
(components/supervision_runner.py does, or the simulator's loop).

Each check looks at *triggers*: a moment at which its condition became true (an inspection
passed its service time, was completed, a seal was read, a declaration arrived, one more
non-conformity was recorded). A trigger raises its alert once: the trigger time is kept in the
alert's detail, and a run that finds an alert already carrying that trigger (or a later one)
leaves it alone. So running the checks twice, or after a restart, never inflates a count;
a *new* trigger for the same key (the overdue inspection is still open one service time later,
another non-conformity from the same enterprise) raises the same alert again: its count goes up
and, when it had been resolved, raise_alert re-opens it.

Dedupe keys (stable, one alert per condition):
    overdue:inspection:<id>
    fast_no_photo:inspection:<id>                 (rule quick_close_without_photo)
    seal_mismatch:inspection:<id>:container:<id>
    prohibited_goods:declaration:<id>             (rule solid_waste_import_ban)
    rule:<rule id>:inspection|declaration:<id>    (other alert rules of the catalogue)
    repeat_nc:enterprise:<id>:port:<id>
    repeat_nc:origin_hs:<country>:<hs4>:port:<id>
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.config import Settings, load_settings
from portsight.db.models import (
    Alert,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    Finding,
    GoodsLine,
    Inspection,
    Port,
    RuleSetting,
    StepResult,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.domain.checklist import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.inspection import OPEN_STATES
from portsight.domain.rules import Rule, RuleCatalogue, RuleCatalogueError, alert_fires, default_catalogue
from portsight.domain.seal import normalize_seal, seal_matches
from portsight.services.alerts_store import raise_alert
from portsight.services.audit import record_audit

log = logging.getLogger(__name__)

SEAL_STEP = "seal"

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Fields of the catalogue's alert rules that are judged on a completed inspection.
INSPECTION_FIELDS = frozenset({"minutes_to_close", "photo_count", "step_count"})
# Alert kinds (shown and filtered on the alerts page) of the catalogue rules this module runs.
RULE_KINDS = {"quick_close_without_photo": "fast_no_photo", "solid_waste_import_ban": "prohibited_goods"}


@dataclass(frozen=True)
class SupervisionLimits:
    """Thresholds of the checks. overdue_minutes comes from settings (PORTSIGHT_OVERDUE_MINUTES)."""

    overdue_minutes: int = 240
    repeat_window_days: int = 30  # ... non-conformities counted over this window ...
    repeat_threshold: int = 3  # ... from this many distinct inspections raise an alert
    lookback_hours: int = 24  # how far back event-driven checks look when not told `since`

    @classmethod
    def from_settings(cls, settings: Settings) -> SupervisionLimits:
        return cls(overdue_minutes=settings.overdue_minutes)


@dataclass(frozen=True)
class Trigger:
    """One reason to raise (or raise again) an alert, at a moment in time."""

    dedupe_key: str
    kind: str
    severity: str
    port_id: int | None
    title: str
    at: datetime
    detail: dict
    rule_id: str | None = None
    inspection_id: int | None = None
    declaration_id: int | None = None


def alert_rules(session: Session, catalogue: RuleCatalogue | None = None) -> list[Rule]:
    """The catalogue's alert rules that an administrator has not switched off."""
    try:
        catalogue = catalogue or default_catalogue()
    except RuleCatalogueError:
        log.exception("the rule catalogue cannot be read; rule-based supervision checks are skipped")
        return []
    disabled = set(session.scalars(select(RuleSetting.rule_id).where(RuleSetting.enabled.is_(False))))
    return [r for r in catalogue.rules if r.kind == "alert" and r.id not in disabled]


def _rule_detail(rule: Rule) -> dict:
    citation = rule.basis.citation()
    return {
        "rule_title": {"zh": rule.title.zh, "en": rule.title.en},
        "finding": {"zh": rule.finding.zh, "en": rule.finding.en},
        "citation": {"zh": citation.zh, "en": citation.en},
    }


def _rule_key(rule: Rule, entity: str, entity_id: int) -> str:
    kind = RULE_KINDS.get(rule.id)
    return f"{kind}:{entity}:{entity_id}" if kind else f"rule:{rule.id}:{entity}:{entity_id}"


def _local_date(value: datetime) -> date:
    return as_utc(value).astimezone(LOCAL_TZ).date()


def _minutes(a: datetime, b: datetime) -> float:
    return (as_utc(b) - as_utc(a)).total_seconds() / 60.0


# ------------------------------------------------------------------ the checks (pure reads)


def overdue_triggers(session: Session, now: datetime, limits: SupervisionLimits) -> list[Trigger]:
    """Open inspections older than the service time; one trigger per service time elapsed.

    k = whole service times since the inspection was opened: the alert is raised when k becomes
    1, raised again at k = 2, 3, ... (and becomes high from k = 2) while it stays open.
    """
    period = timedelta(minutes=limits.overdue_minutes)
    rows = session.execute(
        select(Inspection.id, Inspection.port_id, Inspection.state, Inspection.created_at, Declaration.number)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .where(Inspection.state.in_(sorted(OPEN_STATES)), Inspection.created_at <= now - period)
    ).all()
    out = []
    for inspection_id, port_id, state, created_at, number in rows:
        created = as_utc(created_at)
        k = int((now - created) / period)
        if k < 1:
            continue
        out.append(
            Trigger(
                dedupe_key=f"overdue:inspection:{inspection_id}",
                kind="overdue",
                severity="high" if k >= 2 else "medium",
                port_id=port_id,
                title=f"Inspection of {number} is overdue ({state}, open {int(_minutes(created, now))} min)",
                at=created + k * period,
                detail={
                    "declaration": number,
                    "state": state,
                    "open_minutes": int(_minutes(created, now)),
                    "overdue_minutes": limits.overdue_minutes,
                    "periods": k,
                },
                inspection_id=inspection_id,
            )
        )
    return out


def _inspection_rules(rules: list[Rule]) -> list[Rule]:
    """Alert rules judged on a completed inspection's figures (minutes_to_close, photo_count, step_count)."""
    return [r for r in rules if r.when and all(c.field in INSPECTION_FIELDS for c in r.when)]


def fast_no_photo_triggers(session: Session, now: datetime, since: datetime, rules: list[Rule]) -> list[Trigger]:
    """Inspections completed since `since`, judged by the catalogue's inspection alert rules
    (quick_close_without_photo: closed within max_minutes of starting with no photo)."""
    rules = _inspection_rules(rules)
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
    out = []
    for inspection_id, port_id, declaration_id, started_at, completed_at, number, n_photos, n_steps in rows:
        took = _minutes(started_at, completed_at)
        values = {"minutes_to_close": took, "photo_count": int(n_photos or 0), "step_count": int(n_steps or 0)}
        on = _local_date(completed_at)
        for rule in rules:
            if not alert_fires(rule, values, on):
                continue
            kind = RULE_KINDS.get(rule.id, "rule")
            out.append(
                Trigger(
                    dedupe_key=_rule_key(rule, "inspection", inspection_id),
                    kind=kind,
                    severity=rule.severity,
                    port_id=port_id,
                    title=f"{rule.title.en}: {number}, {took:.0f} min, {values['photo_count']} photos",
                    at=as_utc(completed_at),
                    detail={
                        "declaration": number,
                        "minutes": round(took, 1),
                        "photos": values["photo_count"],
                        **_rule_detail(rule),
                    },
                    rule_id=rule.id,
                    inspection_id=inspection_id,
                    declaration_id=declaration_id,
                )
            )
    return out


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
    ) in rows:
        observed = (values or {}).get("seal_number")
        differs = bool(declared) and bool(normalize_seal(observed)) and not seal_matches(declared, observed)
        if not (differs or outcome == "non_conforming"):
            continue
        out.append(
            Trigger(
                dedupe_key=f"seal_mismatch:inspection:{inspection_id}:container:{container_id}",
                kind="seal_mismatch",
                severity="high",
                port_id=port_id,
                title=f"Seal on {container_no or 'container'} of {number}: declared {declared or '-'}, "
                f"found {observed or '-'}",
                at=as_utc(recorded_at),
                detail={
                    "declaration": number,
                    "container": container_no,
                    "declared_seal": declared,
                    "observed_seal": observed,
                },
                inspection_id=inspection_id,
                declaration_id=declaration_id,
            )
        )
    return out


def _declaration_rules(rules: list[Rule]) -> list[Rule]:
    """Alert rules a declaration raises by its scope alone (e.g. solid_waste_import_ban)."""
    return [r for r in rules if not r.when and not r.scope.is_empty()]


def prohibited_goods_triggers(session: Session, now: datetime, since: datetime, rules: list[Rule]) -> list[Trigger]:
    """Declarations received since `since` that an alert rule's scope catches (prohibited goods).

    SQL narrows to declarations with a goods line under one of the rules' HS prefixes (all
    declarations of the window when a rule has no HS scope); the domain decides on the facts.
    """
    rules = _declaration_rules(rules)
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
        for did, number, port_id, declared_at, mode, origin, port_kind, tier in heads:
            facts = DeclarationFacts(
                transport_mode=mode,
                port_kind=port_kind,
                origin_country=origin,
                credit_tier=tier,
                goods=tuple(goods.get(did, ())),
                containers=tuple(boxes.get(did, ())),
                declared_on=_local_date(declared_at),
                number=number,
            )
            for rule in rules:
                if not rule.applies_to(facts):
                    continue
                kind = RULE_KINDS.get(rule.id, "rule")
                hs = [g.hs_code for g in facts.goods if rule.scope.hs_matches(g.hs_code)]
                out.append(
                    Trigger(
                        dedupe_key=_rule_key(rule, "declaration", did),
                        kind=kind,
                        severity=rule.severity,
                        port_id=port_id,
                        title=f"{rule.title.en}: declaration {number}, HS {', '.join(hs) or '-'}",
                        at=as_utc(declared_at),
                        detail={"declaration": number, "hs_codes": hs, **_rule_detail(rule)},
                        rule_id=rule.id,
                        declaration_id=did,
                    )
                )
    return out


def _non_conformities(window_start: datetime, now: datetime):
    """(inspection_id, at) of every non-conformity in the window: findings and non-conforming steps."""
    return union_all(
        select(Finding.inspection_id.label("inspection_id"), Finding.created_at.label("at")).where(
            Finding.created_at >= window_start, Finding.created_at <= now
        ),
        select(StepResult.inspection_id.label("inspection_id"), StepResult.recorded_at.label("at")).where(
            StepResult.outcome == "non_conforming",
            StepResult.recorded_at >= window_start,
            StepResult.recorded_at <= now,
        ),
    ).subquery("nc")


def repeat_non_conformity_triggers(
    session: Session, now: datetime, since: datetime, limits: SupervisionLimits
) -> list[Trigger]:
    """Same enterprise, or same origin + HS heading, with repeat_threshold non-conforming inspections
    at one port within repeat_window_days; triggered by the latest one when it is newer than `since`."""
    window_start = now - timedelta(days=limits.repeat_window_days)
    nc = _non_conformities(window_start, now)
    per_inspection = (
        select(nc.c.inspection_id, func.max(nc.c.at).label("at")).group_by(nc.c.inspection_id).subquery("nci")
    )
    out: list[Trigger] = []

    enterprise_rows = session.execute(
        select(
            Declaration.enterprise_id,
            Inspection.port_id,
            Enterprise.name,
            func.count(func.distinct(per_inspection.c.inspection_id)),
            func.max(per_inspection.c.at),
        )
        .select_from(per_inspection)
        .join(Inspection, Inspection.id == per_inspection.c.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .group_by(Declaration.enterprise_id, Inspection.port_id, Enterprise.name)
        .having(func.count(func.distinct(per_inspection.c.inspection_id)) >= limits.repeat_threshold)
    ).all()
    for enterprise_id, port_id, name, n, last_at in enterprise_rows:
        if as_utc(last_at) <= since:
            continue
        out.append(
            Trigger(
                dedupe_key=f"repeat_nc:enterprise:{enterprise_id}:port:{port_id}",
                kind="repeat_nc_enterprise",
                severity="high" if n >= 2 * limits.repeat_threshold else "medium",
                port_id=port_id,
                title=f"{name}: {n} non-conforming inspections in {limits.repeat_window_days} days",
                at=as_utc(last_at),
                detail={
                    "enterprise_id": enterprise_id,
                    "enterprise": name,
                    "inspections": n,
                    "window_days": limits.repeat_window_days,
                },
            )
        )

    heading = func.substr(GoodsLine.hs_code, 1, 4)
    origin_rows = session.execute(
        select(
            Declaration.origin_country,
            heading.label("hs4"),
            Inspection.port_id,
            func.count(func.distinct(per_inspection.c.inspection_id)),
            func.max(per_inspection.c.at),
        )
        .select_from(per_inspection)
        .join(Inspection, Inspection.id == per_inspection.c.inspection_id)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(GoodsLine, GoodsLine.declaration_id == Declaration.id)
        .group_by(Declaration.origin_country, heading, Inspection.port_id)
        .having(func.count(func.distinct(per_inspection.c.inspection_id)) >= limits.repeat_threshold)
    ).all()
    for origin, hs4, port_id, n, last_at in origin_rows:
        if as_utc(last_at) <= since:
            continue
        out.append(
            Trigger(
                dedupe_key=f"repeat_nc:origin_hs:{origin}:{hs4}:port:{port_id}",
                kind="repeat_nc_origin_hs",
                severity="high" if n >= 2 * limits.repeat_threshold else "medium",
                port_id=port_id,
                title=f"Origin {origin}, HS {hs4}: {n} non-conforming inspections in {limits.repeat_window_days} days",
                at=as_utc(last_at),
                detail={"origin": origin, "hs4": hs4, "inspections": n, "window_days": limits.repeat_window_days},
            )
        )
    return out


# ------------------------------------------------------------------ raising


def _latest_triggers(session: Session, keys: Iterable[str]) -> dict[str, tuple[datetime, str]]:
    """For each existing alert key: the newest trigger it has already counted, and its state."""
    keys = sorted(set(keys))
    seen: dict[str, tuple[datetime, str]] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for key, detail, last_raised_at, state in session.execute(
            select(Alert.dedupe_key, Alert.detail, Alert.last_raised_at, Alert.state).where(Alert.dedupe_key.in_(chunk))
        ):
            marker = (detail or {}).get("trigger_at")
            seen[key] = (as_utc(datetime.fromisoformat(marker)) if marker else as_utc(last_raised_at), state)
    return seen


def raise_triggers(session: Session, triggers: list[Trigger]) -> list[Trigger]:
    """Raise every trigger not yet counted by its alert; returns those raised.

    Each raise is written to the audit log (actor "system", action raise / reopen), so it shows
    in the activity feed and in the alert's history.
    """
    seen = _latest_triggers(session, (t.dedupe_key for t in triggers))
    raised = []
    for trig in sorted(triggers, key=lambda t: t.at):
        counted_at, before_state = seen.get(trig.dedupe_key, (None, None))
        if counted_at is not None and counted_at >= trig.at:
            continue
        result = raise_alert(
            session,
            dedupe_key=trig.dedupe_key,
            kind=trig.kind,
            severity=trig.severity,
            port_id=trig.port_id,
            title=trig.title[:300],
            detail={**trig.detail, "trigger_at": trig.at.isoformat()},
            rule_id=trig.rule_id,
            inspection_id=trig.inspection_id,
            declaration_id=trig.declaration_id,
        )
        action = "reopen" if before_state == "resolved" else "raise"
        record_audit(
            session,
            SYSTEM,
            action,
            "alert",
            result.id,
            before=None if before_state is None else {"state": before_state},
            after={
                "state": result.state,
                "count": result.count,
                "severity": trig.severity,
                "kind": trig.kind,
                "title": trig.title[:300],
            },
            port_id=trig.port_id,
        )
        seen[trig.dedupe_key] = (trig.at, result.state)
        raised.append(trig)
    return raised


CHECKS = ("overdue", "fast_no_photo", "seal_mismatch", "prohibited_goods", "repeat_nc")


def collect_triggers(
    session: Session,
    now: datetime,
    since: datetime,
    limits: SupervisionLimits,
    catalogue: RuleCatalogue | None = None,
) -> dict[str, list[Trigger]]:
    rules = alert_rules(session, catalogue)
    return {
        "overdue": overdue_triggers(session, now, limits),
        "fast_no_photo": fast_no_photo_triggers(session, now, since, rules),
        "seal_mismatch": seal_mismatch_triggers(session, now, since),
        "prohibited_goods": prohibited_goods_triggers(session, now, since, rules),
        "repeat_nc": repeat_non_conformity_triggers(session, now, since, limits),
    }


def run_supervision_checks(
    db: Database,
    now: datetime | None = None,
    *,
    since: datetime | None = None,
    limits: SupervisionLimits | None = None,
    settings: Settings | None = None,
    catalogue: RuleCatalogue | None = None,
) -> dict[str, int]:
    """Run every check once and raise what fired; returns {check: alerts raised}.

    `since` bounds the event-driven checks (completed, seal read, declared, non-conformity) to
    triggers after it; it defaults to lookback_hours before now. Passing the previous run's
    `now` keeps each run small; overlap is harmless (a trigger is never counted twice).
    """
    now = as_utc(now or utcnow())
    if limits is None:
        limits = SupervisionLimits.from_settings(settings or load_settings())
    since = as_utc(since) if since is not None else now - timedelta(hours=limits.lookback_hours)
    with unit_of_work(db) as session:
        found = collect_triggers(session, now, since, limits, catalogue)
        return {check: len(raise_triggers(session, found[check])) for check in CHECKS}


__all__ = [
    "CHECKS",
    "SupervisionLimits",
    "Trigger",
    "collect_triggers",
    "alert_rules",
    "raise_triggers",
    "run_supervision_checks",
]
