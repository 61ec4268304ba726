"""What every alert check hands the runner: triggers, and how a catalogue rule names its alert
(dedupe key, kind, the rule's text in the detail). The checks' limits (AlertCheckLimits) are
defined with the parameter catalogue in portsight.domain.alert_parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from portsight.clock import LOCAL_TZ
from portsight.domain.rulebook import Rule
from portsight.domain.stats import local_day

# Alert kinds (shown and filtered on the alerts page) of the catalogue rules the checks run by name.
RULE_KINDS = {"quick_close_without_photo": "fast_no_photo", "solid_waste_import_ban": "prohibited_goods"}


@dataclass(frozen=True)
class Trigger:
    """One reason to raise (or raise again) an alert, at a moment in time."""

    dedupe_key: str
    kind: str
    severity: str
    port_id: int | None
    title: str  # English, for logs and exports
    at: datetime
    detail: dict
    # The title as shown: a message of portsight/i18n/*/alert_titles.json and its parameters, plain
    # data that components/shell/messages.py formats in the reader's language.
    title_key: str
    title_params: dict
    rule_id: str | None = None
    inspection_id: int | None = None
    declaration_id: int | None = None
    # the enterprise the condition is about (its declarations, its non-conformities), where there is one
    enterprise_id: int | None = None


@dataclass(frozen=True)
class Unresolved:
    """An alert not resolved yet (open, acknowledged or pending), as a check asks whether its
    condition still holds."""

    id: int
    dedupe_key: str
    kind: str
    inspection_id: int | None
    declaration_id: int | None


# Why each alert whose condition no longer holds is resolved: {alert id: plain data for the audit}.
Cleared = dict[int, dict]


def rule_detail(rule: Rule) -> dict:
    """The rule's title, finding and citation in both languages, for an alert's detail."""
    citation = rule.basis.citation()
    return {
        "rule_title": {"zh": rule.title.zh, "en": rule.title.en},
        "finding": {"zh": rule.finding.zh, "en": rule.finding.en},
        "citation": {"zh": citation.zh, "en": citation.en},
    }


def rule_key(rule: Rule, entity: str, entity_id: int) -> str:
    """`<kind>:<entity>:<id>` for the rules of RULE_KINDS, `rule:<rule id>:<entity>:<id>` for the others."""
    kind = RULE_KINDS.get(rule.id)
    return f"{kind}:{entity}:{entity_id}" if kind else f"rule:{rule.id}:{entity}:{entity_id}"


def rule_trigger(
    rule: Rule,
    entity: str,
    entity_id: int,
    *,
    port_id: int | None,
    what: str,
    at: datetime,
    detail: dict,
    title_key: str,
    title_params: dict,
    inspection_id: int | None = None,
    declaration_id: int | None = None,
    enterprise_id: int | None = None,
) -> Trigger:
    """The alert of a catalogue rule that fired on one inspection or declaration: titled with the
    rule's title and `what` it caught (in English; title_key and title_params say it in the
    reader's language, the rule's title added as "rule"), the rule's text added to the detail."""
    return Trigger(
        dedupe_key=rule_key(rule, entity, entity_id),
        kind=RULE_KINDS.get(rule.id, "rule"),
        severity=rule.severity,
        port_id=port_id,
        title=f"{rule.title.en}: {what}",
        at=at,
        detail={**detail, **rule_detail(rule)},
        title_key=title_key,
        title_params={"rule": {"zh": rule.title.zh, "en": rule.title.en}, **title_params},
        rule_id=rule.id,
        inspection_id=inspection_id,
        declaration_id=declaration_id,
        enterprise_id=enterprise_id,
    )


def local_date(value: datetime) -> date:
    """The day in China of an instant: the day a rule is judged on."""
    return local_day(value, LOCAL_TZ)
