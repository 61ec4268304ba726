"""An administrator's rule switches (rule_settings) and the rules they leave in force.

The catalogue lives in data/rules (versioned in git); the database keeps one switch row per rule
an administrator has touched. A rule without a row is enabled. Everything that honours the
switches (the checklist loader, selection, the rules page) reads them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portsight.catalogue import default_catalogue
from portsight.db.models import RuleSetting, User
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain.rulebook import Rule, RuleCatalogue, UnknownRule
from portsight.errors import NotFound


@dataclass(frozen=True)
class RuleSwitch:
    enabled: bool
    changed_at: datetime | None
    changed_by: str | None  # username


UNSWITCHED = RuleSwitch(enabled=True, changed_at=None, changed_by=None)  # a rule nobody has switched


def switch_settings(db: Database | Session) -> dict[str, RuleSwitch]:
    """{rule_id: RuleSwitch} for every rule that has a switch row (the others are UNSWITCHED)."""
    stmt = (
        select(RuleSetting.rule_id, RuleSetting.enabled, RuleSetting.changed_at, User.username)
        .select_from(RuleSetting)
        .outerjoin(User, User.id == RuleSetting.changed_by_id)
    )
    with connection(db.connection() if isinstance(db, Session) else db) as conn:
        return {rid: RuleSwitch(bool(on), at, by) for rid, on, at, by in conn.execute(stmt)}


def rule_switches(db: Database | Session) -> dict[str, bool]:
    """{rule_id: enabled} for every rule that has a switch row (rules without one are enabled)."""
    return {rid: s.enabled for rid, s in switch_settings(db).items()}


def enabled_catalogue(db: Database | Session, catalogue: RuleCatalogue | None = None) -> RuleCatalogue:
    """The catalogue (default: data/rules) without the rules an administrator switched off."""
    catalogue = catalogue or default_catalogue()
    switches = switch_settings(db)
    if all(s.enabled for s in switches.values()):
        return catalogue
    return RuleCatalogue(tuple(r for r in catalogue.rules if switches.get(r.id, UNSWITCHED).enabled))


def rules_in_force(db: Database | Session, on_date: date, catalogue: RuleCatalogue | None = None) -> RuleCatalogue:
    """The catalogue's rules in force on the date and not switched off by an administrator."""
    enabled = enabled_catalogue(db, catalogue)
    return RuleCatalogue(tuple(r for r in enabled.rules if r.in_force(on_date)))


def catalogue_rule(catalogue: RuleCatalogue, rule_id: str) -> Rule:
    """The catalogue's rule; NotFound (a message for the user) when there is no such rule."""
    try:
        return catalogue.get(rule_id)
    except UnknownRule as exc:
        raise NotFound(str(exc), key="errors.rule_not_found", params={"id": exc.rule_id}) from exc
