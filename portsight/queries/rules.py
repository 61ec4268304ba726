"""Read side for the rules page: the catalogue with each rule's switch, and the switch history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portsight.catalogue import default_catalogue
from portsight.db.models import AuditEntry
from portsight.db.rule_switches import UNSWITCHED, switch_settings
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.domain.rulebook import Rule, RuleCatalogue


def _parameters_text(rule: Rule, on_date: date) -> str:
    return "; ".join(f"{name} = {p.at(on_date):g} {p.unit}" for name, p in rule.parameters.items())


def rule_catalogue_rows(
    db: Database, on_date: date | None = None, catalogue: RuleCatalogue | None = None
) -> list[dict]:
    """One dict per rule: id, kind, titles, severity, scope (and its dated HS exceptions), basis,
    dates and the rule that takes over, parameters on the date, in_force, enabled (switch), who
    changed the switch and when, notes, source file."""
    catalogue = catalogue or default_catalogue()
    on_date = on_date or date.today()
    switches = switch_settings(db)
    rows = []
    for rule in catalogue.rules:
        sw = switches.get(rule.id, UNSWITCHED)
        citation = rule.basis.citation()
        rows.append(
            {
                "id": rule.id,
                "kind": rule.kind,
                "title_zh": rule.title.zh,
                "title_en": rule.title.en,
                "severity": rule.severity,
                "step": rule.step_key,
                "scope": rule.scope.codes(),
                "hs_except": [(e.prefix, e.since) for e in rule.scope.hs_except],
                "citation_zh": citation.zh,
                "citation_en": citation.en,
                "url": rule.basis.url,
                "effective_from": rule.effective_from,
                "effective_to": rule.effective_to,
                "superseded_by": rule.superseded_by,
                "parameters": _parameters_text(rule, on_date),
                "in_force": rule.in_force(on_date),
                "enabled": sw.enabled,
                "changed_at": sw.changed_at,
                "changed_by": sw.changed_by,
                "finding_zh": rule.finding.zh,
                "finding_en": rule.finding.en,
                "note_zh": rule.note.zh if rule.note else None,
                "note_en": rule.note.en if rule.note else None,
                "source": rule.source,
                "scenarios": len(rule.scenarios),
            }
        )
    return rows


def rule_switch_history(db: Database, rule_id: str | None = None, limit: int = 50) -> list[dict]:
    """The latest switch changes from the audit log, newest first: at, actor, rule_id, before, after."""
    stmt = (
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.entity == "rule")
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if rule_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == rule_id)
    with connection(db) as conn:
        return [
            {"at": r.at, "actor": r.actor, "rule_id": r.entity_id, "before": r.before, "after": r.after}
            for r in conn.execute(stmt)
        ]
