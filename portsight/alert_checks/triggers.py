"""What every alert check hands the runner: triggers, the checks' limits, and how a catalogue
rule names its alert (dedupe key, kind, the rule's text in the detail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from portsight.clock import LOCAL_TZ
from portsight.config import Settings
from portsight.domain.rulebook import Rule
from portsight.domain.stats import local_day

# Alert kinds (shown and filtered on the alerts page) of the catalogue rules the checks run by name.
RULE_KINDS = {"quick_close_without_photo": "fast_no_photo", "solid_waste_import_ban": "prohibited_goods"}


@dataclass(frozen=True)
class AlertCheckLimits:
    """Thresholds of the checks. overdue_minutes comes from settings (PORTSIGHT_OVERDUE_MINUTES)."""

    overdue_minutes: int = 240
    repeat_window_days: int = 30  # ... non-conformities counted over this window ...
    repeat_threshold: int = 3  # ... from this many distinct inspections raise an alert
    lookback_hours: int = 24  # how far back event-driven checks look when not told `since`
    credit_window_days: int = 28  # a credit tier's realised rate is judged over this rolling window ...
    credit_min_draws: int = 100  # ... when the tier and the base tier each have this many draws in it

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertCheckLimits:
        return cls(overdue_minutes=settings.overdue_minutes)


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
    )


def local_date(value: datetime) -> date:
    """The day in China of an instant: the day a rule is judged on."""
    return local_day(value, LOCAL_TZ)
