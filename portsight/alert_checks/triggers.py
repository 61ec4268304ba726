"""What every alert check hands the runner: triggers, the checks' limits, and how a catalogue
rule names its alert (dedupe key, kind, the rule's text in the detail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from portsight.clock import LOCAL_TZ, as_utc
from portsight.config import Settings
from portsight.domain.rulebook import Rule

# Alert kinds (shown and filtered on the alerts page) of the catalogue rules the checks run by name.
RULE_KINDS = {"quick_close_without_photo": "fast_no_photo", "solid_waste_import_ban": "prohibited_goods"}


@dataclass(frozen=True)
class AlertCheckLimits:
    """Thresholds of the checks. overdue_minutes comes from settings (PORTSIGHT_OVERDUE_MINUTES)."""

    overdue_minutes: int = 240
    repeat_window_days: int = 30  # ... non-conformities counted over this window ...
    repeat_threshold: int = 3  # ... from this many distinct inspections raise an alert
    lookback_hours: int = 24  # how far back event-driven checks look when not told `since`

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
    title: str
    at: datetime
    detail: dict
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


def local_date(value: datetime) -> date:
    """The day in China of an instant: the day a rule is judged on."""
    return as_utc(value).astimezone(ZoneInfo(LOCAL_TZ)).date()


def minutes_between(a: datetime, b: datetime) -> float:
    return (as_utc(b) - as_utc(a)).total_seconds() / 60.0
