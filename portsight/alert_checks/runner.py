"""Run the alert checks: collect every check's triggers, raise those not yet counted, resolve those
whose condition cleared, open the pending ones whose time has come; audit each of these."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.alert_checks.credit_bounds import credit_bound_cleared, credit_bound_triggers
from portsight.alert_checks.cross_port import (
    container_two_ports_triggers,
    repeat_cross_port_cleared,
    repeat_cross_port_triggers,
    seal_two_ports_triggers,
    two_ports_cleared,
)
from portsight.alert_checks.overdue import overdue_cleared, overdue_triggers
from portsight.alert_checks.patterns import (
    decided_cleared,
    fast_no_photo_triggers,
    prohibited_goods_triggers,
    repeat_non_conformity_cleared,
    repeat_non_conformity_triggers,
    seal_mismatch_triggers,
)
from portsight.alert_checks.triggers import Cleared, Trigger, Unresolved
from portsight.catalogue import default_catalogue
from portsight.clock import as_utc, utcnow
from portsight.config import Settings
from portsight.db.alert_parameters import limits_in_force
from portsight.db.alert_store import (
    CONDITION_CLEARED,
    PENDING,
    RESOLVED,
    UNRESOLVED,
    RaisedAlert,
    drop_pending,
    fire_pending,
    raise_alert,
    resolve_cleared,
)
from portsight.db.audit import record_audit
from portsight.db.models import Alert
from portsight.db.rule_switches import enabled_catalogue
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import SYSTEM, Actor
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.domain.rulebook import Rule, RuleCatalogue, RuleCatalogueError

log = logging.getLogger(__name__)

CHECKS = (
    "overdue",
    "fast_no_photo",
    "seal_mismatch",
    "prohibited_goods",
    "repeat_nc",
    "credit_bound",
    "repeat_nc_cross_port",
    "container_two_ports",
    "seal_two_ports",
)
# Kinds whose checks return a trigger for every condition holding now (not only for new events).
STATE_CHECKED_KINDS = frozenset({"overdue", "credit_bound"})
# Kinds of the alerts that resolve themselves when their condition clears.
CLEARING_KINDS = (
    "overdue",
    "seal_mismatch",
    "prohibited_goods",
    "rule",
    "repeat_nc_enterprise",
    "repeat_nc_origin_hs",
    "credit_bound",
    "repeat_nc_cross_port",
    "container_two_ports",
    "seal_two_ports",
)


def alert_rules(session: Session, catalogue: RuleCatalogue | None = None) -> list[Rule]:
    """The catalogue's alert rules that an administrator has not switched off."""
    try:
        catalogue = catalogue or default_catalogue()
    except RuleCatalogueError:
        log.exception("the rule catalogue cannot be read; rule-based alert checks are skipped")
        return []
    return [r for r in enabled_catalogue(session, catalogue).rules if r.kind == "alert"]


def collect_triggers(
    session: Session,
    now: datetime,
    since: datetime,
    limits: AlertCheckLimits,
    catalogue: RuleCatalogue | None = None,
) -> dict[str, list[Trigger]]:
    """Every check's triggers, by check (the names of CHECKS)."""
    rules = alert_rules(session, catalogue)
    return {
        "overdue": overdue_triggers(session, now, limits),
        "fast_no_photo": fast_no_photo_triggers(session, now, since, rules),
        "seal_mismatch": seal_mismatch_triggers(session, now, since),
        "prohibited_goods": prohibited_goods_triggers(session, now, since, rules),
        "repeat_nc": repeat_non_conformity_triggers(session, now, since, limits),
        "credit_bound": credit_bound_triggers(session, now, limits, catalogue),
        "repeat_nc_cross_port": repeat_cross_port_triggers(session, now, since, limits),
        "container_two_ports": container_two_ports_triggers(session, now, since),
        "seal_two_ports": seal_two_ports_triggers(session, now, since),
    }


def _latest_triggers(session: Session, keys: Iterable[str]) -> dict[str, tuple[datetime, str, str | None]]:
    """For each existing alert key: the newest trigger it has already counted, its state, and why it
    was resolved."""
    keys = sorted(set(keys))
    seen: dict[str, tuple[datetime, str, str | None]] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for key, detail, last_raised_at, state, reason in session.execute(
            select(Alert.dedupe_key, Alert.detail, Alert.last_raised_at, Alert.state, Alert.resolved_reason).where(
                Alert.dedupe_key.in_(chunk)
            )
        ):
            marker = (detail or {}).get("trigger_at")
            seen[key] = (as_utc(datetime.fromisoformat(marker)) if marker else as_utc(last_raised_at), state, reason)
    return seen


def _audit_raise(
    session: Session,
    actor: Actor,
    action: str,
    result: RaisedAlert,
    before_state: str | None,
    port_id: int | None,
    about: dict,
) -> None:
    """The audit entry of a raise or reopen; about: the alert's kind, severity and titles."""
    record_audit(
        session,
        actor,
        action,
        "alert",
        result.id,
        before=None if before_state is None else {"state": before_state},
        after={"state": result.state, "count": result.count, **about},
        port_id=port_id,
    )


def _about(kind: str, severity: str, title: str, title_key: str | None, title_params: dict | None) -> dict:
    return {
        "severity": severity,
        "kind": kind,
        "title": title[:300],
        "title_key": title_key,
        "title_params": title_params,
    }


def raise_triggers(
    session: Session,
    triggers: list[Trigger],
    *,
    now: datetime | None = None,
    limits: AlertCheckLimits | None = None,
    actor: Actor = SYSTEM,
) -> list[Trigger]:
    """Raise every trigger not yet counted by its alert; returns those raised (pending ones not).

    Each raise is written to the audit log (action raise / reopen, by `actor`), so it shows in the
    activity feed and in the alert's history. A trigger of a kind with a pending period (limits)
    whose alert is not firing makes it wait as "pending" instead, unaudited until it fires.

    A trigger of a state check (STATE_CHECKED_KINDS) whose alert the checks resolved because the
    condition had cleared raises it again even when already counted: the condition is back.
    """
    now = as_utc(now or utcnow())
    limits = limits or AlertCheckLimits()
    seen = _latest_triggers(session, (t.dedupe_key for t in triggers))
    raised = []
    for trig in sorted(triggers, key=lambda t: t.at):
        counted_at, before_state, reason = seen.get(trig.dedupe_key, (None, None, None))
        back = trig.kind in STATE_CHECKED_KINDS and before_state == RESOLVED and reason == CONDITION_CLEARED
        if counted_at is not None and counted_at >= trig.at and not back:
            continue
        pending = limits.pending_minutes(trig.kind)
        result = raise_alert(
            session,
            dedupe_key=trig.dedupe_key,
            kind=trig.kind,
            severity=trig.severity,
            port_id=trig.port_id,
            title=trig.title[:300],
            title_key=trig.title_key,
            title_params=trig.title_params,
            detail={**trig.detail, "trigger_at": trig.at.isoformat()},
            rule_id=trig.rule_id,
            inspection_id=trig.inspection_id,
            declaration_id=trig.declaration_id,
            enterprise_id=trig.enterprise_id,
            pending_until=now + timedelta(minutes=pending) if pending else None,
            now=now,
        )
        seen[trig.dedupe_key] = (max(trig.at, counted_at or trig.at), result.state, None)
        if result.state == PENDING:
            continue
        about = _about(trig.kind, trig.severity, trig.title, trig.title_key, trig.title_params)
        reopened = before_state == RESOLVED
        _audit_raise(session, actor, "reopen" if reopened else "raise", result, before_state, trig.port_id, about)
        raised.append(trig)
    return raised


def unresolved_alerts(session: Session, kinds: Iterable[str]) -> dict[str, list[Unresolved]]:
    """The alerts of these kinds not resolved yet (pending too), by kind."""
    out: dict[str, list[Unresolved]] = {}
    for row in session.execute(
        select(Alert.id, Alert.dedupe_key, Alert.kind, Alert.inspection_id, Alert.declaration_id)
        .where(Alert.kind.in_(sorted(set(kinds))), Alert.state.in_((*UNRESOLVED, PENDING)))
        .order_by(Alert.id)
    ):
        out.setdefault(row.kind, []).append(Unresolved(*row))
    return out


def cleared_alerts(
    session: Session, now: datetime, limits: AlertCheckLimits, catalogue: RuleCatalogue | None = None
) -> Cleared:
    """Every alert of a check whose condition no longer holds, and why (see the package's docstring).
    Alerts of other origins (raised by hand, a finding recorded in the field) are never here."""
    alerts = unresolved_alerts(session, CLEARING_KINDS)
    declaration_rules = [a for a in alerts.get("rule", []) if a.declaration_id is not None and a.inspection_id is None]
    return {
        **overdue_cleared(session, now, limits, alerts.get("overdue", [])),
        **decided_cleared(
            session, [*alerts.get("seal_mismatch", []), *alerts.get("prohibited_goods", []), *declaration_rules]
        ),
        **repeat_non_conformity_cleared(
            session, now, limits, [*alerts.get("repeat_nc_enterprise", []), *alerts.get("repeat_nc_origin_hs", [])]
        ),
        **credit_bound_cleared(session, now, limits, alerts.get("credit_bound", []), catalogue),
        **repeat_cross_port_cleared(session, now, limits, alerts.get("repeat_nc_cross_port", [])),
        **two_ports_cleared(session, [*alerts.get("container_two_ports", []), *alerts.get("seal_two_ports", [])]),
    }


def settle_alerts(
    session: Session,
    now: datetime,
    limits: AlertCheckLimits,
    *,
    actor: Actor = SYSTEM,
    catalogue: RuleCatalogue | None = None,
) -> tuple[int, list[tuple[int, str]]]:
    """Resolve the alerts whose condition cleared and fire the pending ones whose time has come.

    An open or acknowledged alert that cleared is resolved (resolved_reason "condition_cleared",
    nobody's name) with an audit entry "auto_resolve" by `actor` saying why; a pending one that
    cleared is dropped without a trace, as nobody was told. A pending alert still holding at its
    pending_until opens, audited as a raise. Returns (alerts resolved, [(alert id, kind) fired]).
    """
    cleared = cleared_alerts(session, now, limits, catalogue)
    rows = session.execute(
        select(Alert.id, Alert.state, Alert.kind, Alert.port_id, Alert.count, Alert.pending_until).where(
            Alert.state.in_((*UNRESOLVED, PENDING))
        )
    ).all()
    resolved, fired = 0, []
    for alert_id, state, kind, port_id, count, pending_until in rows:
        why = cleared.get(alert_id)
        if why is not None and state == PENDING:
            drop_pending(session, alert_id)
        elif why is not None:
            resolve_cleared(session, alert_id, now)
            record_audit(
                session,
                actor,
                "auto_resolve",
                "alert",
                alert_id,
                before={"state": state},
                after={"state": RESOLVED, "resolved_reason": CONDITION_CLEARED, **why, "count": count},
                port_id=port_id,
            )
            resolved += 1
        elif state == PENDING and pending_until is not None and as_utc(pending_until) <= now:
            result = fire_pending(session, alert_id, now)
            severity, title, title_key, title_params = session.execute(
                select(Alert.severity, Alert.title, Alert.title_key, Alert.title_params).where(Alert.id == alert_id)
            ).one()
            about = _about(kind, severity, title, title_key, title_params)
            _audit_raise(session, actor, "raise", result, PENDING, port_id, about)
            fired.append((alert_id, kind))
    return resolved, fired


def run_alert_checks(
    db: Database,
    now: datetime | None = None,
    *,
    since: datetime | None = None,
    limits: AlertCheckLimits | None = None,
    settings: Settings | None = None,
    catalogue: RuleCatalogue | None = None,
    actor: Actor = SYSTEM,
) -> dict[str, int]:
    """Run every check once: raise what fired, resolve what cleared, open the pending alerts whose
    time has come; returns {check: alerts raised (or opened after pending)}.

    `since` bounds the event-driven checks (completed, seal read, declared, non-conformity) to
    triggers after it; it defaults to lookback_hours before now. Passing the previous run's
    `now` keeps each run small; overlap is harmless (a trigger is never counted twice).
    `limits`: the thresholds in force at now (alert_parameters) unless given. `actor`: who the
    audit names for the raises and resolutions (the system; the demo's simulator its own).
    """
    now = as_utc(now or utcnow())
    with unit_of_work(db) as session:
        if limits is None:
            limits = limits_in_force(session, now, settings)
        since = as_utc(since) if since is not None else now - timedelta(hours=limits.lookback_hours)
        found = collect_triggers(session, now, since, limits, catalogue)
        counts = {
            check: len(raise_triggers(session, found[check], now=now, limits=limits, actor=actor)) for check in CHECKS
        }
        _, fired = settle_alerts(session, now, limits, actor=actor, catalogue=catalogue)
        for _, kind in fired:
            counts[kind] += 1  # the kinds that wait (PENDING_KINDS) are named as their checks
        return counts
