"""Rules as an administrator handles them: switching a rule on or off.

The catalogue lives in data/rules (versioned in git); the database keeps each rule's switch
(RuleSetting, read through portsight.db.rule_switches). A rule without a switch row is enabled.
Back-testing a rule on history is read-only: portsight.queries.backtest.
"""

from __future__ import annotations

from portsight.catalogue import default_catalogue
from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import RuleSetting
from portsight.db.rule_switches import catalogue_rule
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.rulebook import RuleCatalogue


def set_rule_enabled(
    db: Database, actor: Actor, rule_id: str, enabled: bool, catalogue: RuleCatalogue | None = None
) -> bool:
    """Switch a rule on or off (administrators only); audited with before/after. Returns the new state."""
    require_role(actor, Role.ADMIN)
    rule = catalogue_rule(catalogue or default_catalogue(), rule_id)
    with unit_of_work(db) as session:
        setting = session.get(RuleSetting, rule.id)
        before = True if setting is None else bool(setting.enabled)
        if setting is None:
            setting = RuleSetting(rule_id=rule.id, enabled=bool(enabled), changed_at=utcnow())
            session.add(setting)
        setting.enabled = bool(enabled)
        setting.changed_at = utcnow()
        setting.changed_by_id = actor.user_id
        record_audit(
            session,
            actor,
            "rule.enable" if enabled else "rule.disable",
            "rule",
            rule.id,
            before={"enabled": before},
            after={"enabled": bool(enabled)},
        )
    return bool(enabled)


__all__ = ["set_rule_enabled"]
