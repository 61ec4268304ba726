"""Run the alert checks: collect every check's triggers, raise those not yet counted, audit each raise."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.alert_checks.credit_bounds import credit_bound_triggers
from portsight.alert_checks.overdue import overdue_triggers
from portsight.alert_checks.patterns import (
    fast_no_photo_triggers,
    prohibited_goods_triggers,
    repeat_non_conformity_triggers,
    seal_mismatch_triggers,
)
from portsight.alert_checks.triggers import AlertCheckLimits, Trigger
from portsight.catalogue import default_catalogue
from portsight.clock import as_utc, utcnow
from portsight.config import Settings, load_settings
from portsight.db.alert_store import raise_alert
from portsight.db.audit import record_audit
from portsight.db.models import Alert
from portsight.db.rule_switches import enabled_catalogue
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.domain.rulebook import Rule, RuleCatalogue, RuleCatalogueError

log = logging.getLogger(__name__)

CHECKS = ("overdue", "fast_no_photo", "seal_mismatch", "prohibited_goods", "repeat_nc", "credit_bound")


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
    }


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
            title_key=trig.title_key,
            title_params=trig.title_params,
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
                "title_key": trig.title_key,
                "title_params": trig.title_params,
            },
            port_id=trig.port_id,
        )
        seen[trig.dedupe_key] = (trig.at, result.state)
        raised.append(trig)
    return raised


def run_alert_checks(
    db: Database,
    now: datetime | None = None,
    *,
    since: datetime | None = None,
    limits: AlertCheckLimits | None = None,
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
        limits = AlertCheckLimits.from_settings(settings or load_settings())
    since = as_utc(since) if since is not None else now - timedelta(hours=limits.lookback_hours)
    with unit_of_work(db) as session:
        found = collect_triggers(session, now, since, limits, catalogue)
        return {check: len(raise_triggers(session, found[check])) for check in CHECKS}
