"""Whether release is allowed and why not, and the decisions left open: the release policy.

Release is blocked by
- a high-severity finding, unless a treatment its rule called for was done after it was made;
- a rule in force on the declaration's date whose scope catches the declaration and that forbids
  release (prohibited goods). A rule whose remedies include attribute identification is lifted by
  an identification that concluded the goods are not solid waste (Solid Waste Law Art. 25);
- an unresolved prohibited-goods alert on the declaration: an alert a rule raises by its scope
  alone. A supervisor resolves it; the inspector cannot release past it;
- a laboratory result not yet in, or one that failed;
- an attribute identification that concluded the goods are solid waste (they are returned, Art. 115),
  or one, or a treatment, not finished yet.

Each blocker carries its reason and citation in both languages, so the decision control can show
why. `decision_options` adds which decisions the inspection's state and the rules leave open:
treatment where a rule's finding calls for it (`remedies: [treat]`), identification where a rule in
scope calls for it, sampling always (customs may take samples, Customs Law Art. 28).
Pure: the caller gathers the facts (portsight.db.release from the database, portsight.domain.verdict
from a case file) and passes the rule catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from portsight.domain.conditions import Text
from portsight.domain.facts import DeclarationFacts
from portsight.domain.inspection import (
    CLOSING_DECISIONS,
    IDENTIFICATION,
    LAB,
    TREATMENT,
    Decision,
    InspectionState,
)
from portsight.domain.rulebook import Rule, RuleCatalogue

PROHIBITED_GOODS_ALERT = "prohibited_goods"  # the alert kind of a declaration caught by a ban's scope
UNRESOLVED_ALERT_STATES = frozenset({"open", "acknowledged"})
BLOCKING_SEVERITY = "high"

_SOLID_WASTE_LAW = (
    "《中华人民共和国固体废物污染环境防治法》",
    "Law on the Prevention and Control of Environmental Pollution by Solid Wastes",
)
IDENTIFICATION_BASIS = Text(f"{_SOLID_WASTE_LAW[0]}第二十五条", f"{_SOLID_WASTE_LAW[1]}, Art. 25")
RETURN_BASIS = Text(f"{_SOLID_WASTE_LAW[0]}第二十五条、第一百一十五条", f"{_SOLID_WASTE_LAW[1]}, Arts. 25 and 115")
SAMPLING_BASIS = Text("《中华人民共和国海关法》第二十八条", "Customs Law of the People's Republic of China, Art. 28")
TREATMENT_BASIS = Text(
    "《中华人民共和国进出境动植物检疫法》第十七条", "Law on Entry and Exit Animal and Plant Quarantine, Art. 17"
)


def from_bilingual(stored: str | None) -> Text:
    """A stored bilingual text (Chinese line, English line) as Text; one line serves both languages."""
    zh, _, en = (stored or "").partition("\n")
    return Text(zh, en or zh)


@dataclass(frozen=True)
class FindingFact:
    severity: str
    text: Text
    citation: Text | None = None
    rule_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class AlertFact:
    id: int | None  # None: an alert the declaration would raise (a case judged outside the database)
    kind: str
    rule_id: str | None = None
    state: str = "open"


@dataclass(frozen=True)
class HoldFact:
    """A treatment, laboratory sample or identification ordered on the inspection, and its result."""

    kind: str  # treatment / lab / identification
    result: str | None = None  # None while pending
    what: str = ""
    rule_ids: tuple[str, ...] = ()
    ordered_at: datetime | None = None


@dataclass(frozen=True)
class ReleaseCase:
    """What release is decided on: the declaration, the inspection's findings, the declaration's
    alerts and the holds ordered on the inspection."""

    facts: DeclarationFacts
    findings: tuple[FindingFact, ...] = ()
    alerts: tuple[AlertFact, ...] = ()
    holds: tuple[HoldFact, ...] = ()


@dataclass(frozen=True)
class Blocker:
    kind: str  # finding / rule / alert / lab_pending / lab_failed / waste / treatment_pending / identification_pending
    reason: Text
    citation: Text | None = None
    ref: str | None = None  # the rule id, or "alert #<id>"
    detail: Text | None = None

    def line(self, lang: str) -> str:
        """One line: the reason, its detail and its citation, in the language."""
        text = self.reason.get(lang)
        if self.detail is not None and self.detail.get(lang):
            text += ("：" if lang.lower().startswith("zh") else ": ") + self.detail.get(lang)
        if self.citation is not None:
            text += f" ({self.citation.get(lang)})"
        return text


@dataclass(frozen=True)
class DecisionOptions:
    """The decisions open on an inspection, why release is blocked, and which rules call for what."""

    allowed: tuple[str, ...]
    blockers: tuple[Blocker, ...]
    suggested: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # decision -> rule ids calling for it

    @property
    def release_allowed(self) -> bool:
        return Decision.RELEASE.value in self.allowed


def _rule(catalogue: RuleCatalogue, rule_id: str | None) -> Rule | None:
    return catalogue.get(rule_id) if rule_id and rule_id in catalogue else None


def _remedied(finding: FindingFact, holds: Iterable[HoldFact]) -> bool:
    """A finding is remedied by a treatment ordered for its rule after it was made, and done."""
    for hold in holds:
        if hold.kind != TREATMENT or hold.result != "done" or finding.rule_id not in hold.rule_ids:
            continue
        if finding.created_at is None or hold.ordered_at is None or finding.created_at <= hold.ordered_at:
            return True
    return False


def forbidding_rules(facts: DeclarationFacts, catalogue: RuleCatalogue, on_date: date | None = None) -> list[Rule]:
    """Rules in force on the date (default: the declaration's) whose scope catches the declaration
    and that forbid its release."""
    return [r for r in catalogue.rules if r.forbids_release and r.applies_to(facts, on_date)]


def _lifted(rule: Rule, holds: Iterable[HoldFact]) -> bool:
    if Decision.IDENTIFY.value not in rule.remedies:
        return False
    return any(h.kind == IDENTIFICATION and h.result == "not_waste" and rule.id in h.rule_ids for h in holds)


def _blocking_alert(alert: AlertFact, catalogue: RuleCatalogue) -> bool:
    if alert.state not in UNRESOLVED_ALERT_STATES:
        return False
    if alert.kind == PROHIBITED_GOODS_ALERT:
        return True
    rule = _rule(catalogue, alert.rule_id)
    return rule is not None and rule.kind == "alert" and not rule.when and not rule.scope.is_empty()


def release_blockers(case: ReleaseCase, catalogue: RuleCatalogue, on_date: date | None = None) -> list[Blocker]:
    """Everything that forbids releasing the declaration now, each with its reason and citation."""
    out: list[Blocker] = []
    for finding in case.findings:
        if finding.severity == BLOCKING_SEVERITY and not _remedied(finding, case.holds):
            out.append(
                Blocker(
                    "finding",
                    Text("高严重性发现", "High-severity finding"),
                    finding.citation,
                    finding.rule_id,
                    finding.text,
                )
            )
    for rule in forbidding_rules(case.facts, catalogue, on_date):
        if not _lifted(rule, case.holds):
            out.append(
                Blocker(
                    "rule",
                    Text(f"禁止放行：{rule.title.zh}", f"Release forbidden: {rule.title.en}"),
                    rule.basis.citation(),
                    rule.id,
                    rule.finding,
                )
            )
    for alert in case.alerts:
        if _blocking_alert(alert, catalogue):
            raised_by = _rule(catalogue, alert.rule_id)
            number = "" if alert.id is None else f" #{alert.id}"
            out.append(
                Blocker(
                    "alert",
                    Text(
                        f"申报单有未处理的禁止进口货物预警{number}，须由监管人员处理后方可放行",
                        f"Open prohibited-goods alert{number} on the declaration: a supervisor resolves it first",
                    ),
                    raised_by.basis.citation() if raised_by else None,
                    f"alert #{alert.id}" if alert.id is not None else alert.rule_id,
                    raised_by.title if raised_by else None,
                )
            )
    for hold in case.holds:
        what = Text(hold.what, hold.what) if hold.what else None
        if hold.kind == LAB and hold.result is None:
            out.append(
                Blocker(
                    "lab_pending",
                    Text("实验室检测结果尚未出具", "The laboratory result is not in yet"),
                    SAMPLING_BASIS,
                    None,
                    what,
                )
            )
        elif hold.kind == LAB and hold.result == "fail":
            out.append(
                Blocker(
                    "lab_failed", Text("实验室检测不合格", "The laboratory result failed"), SAMPLING_BASIS, None, what
                )
            )
        elif hold.kind == IDENTIFICATION and hold.result is None:
            out.append(
                Blocker(
                    "identification_pending",
                    Text("固体废物属性鉴别尚无结论", "The attribute identification has not concluded yet"),
                    IDENTIFICATION_BASIS,
                    None,
                    what,
                )
            )
        elif hold.kind == IDENTIFICATION and hold.result == "waste":
            out.append(
                Blocker(
                    "waste",
                    Text(
                        "属性鉴别结论为固体废物，应退运",
                        "Attribute identification concluded the goods are solid waste: return them",
                    ),
                    RETURN_BASIS,
                    None,
                    what,
                )
            )
        elif hold.kind == TREATMENT and hold.result is None:
            out.append(
                Blocker(
                    "treatment_pending",
                    Text("检疫处理尚未完成复验", "The treatment has not been done and re-inspected yet"),
                    TREATMENT_BASIS,
                    None,
                    what,
                )
            )
    return out


def rules_calling_for(
    decision: str, case: ReleaseCase, catalogue: RuleCatalogue, on_date: date | None = None
) -> tuple[str, ...]:
    """Ids of the rules that name a decision among their remedies and call for it here: a rule whose
    finding the inspection made (and no treatment remedied), or a rule whose finding is the declaration
    itself (one that forbids release, or an alert raised by scope alone) and whose scope catches it."""
    ids: list[str] = []
    for finding in case.findings:
        rule = _rule(catalogue, finding.rule_id)
        if rule is not None and decision in rule.remedies and not _remedied(finding, case.holds):
            ids.append(rule.id)
    ids += [
        r.id for r in catalogue.rules if decision in r.remedies and _by_scope(r) and r.applies_to(case.facts, on_date)
    ]
    return tuple(dict.fromkeys(ids))


def _by_scope(rule: Rule) -> bool:
    """A rule whose finding is the declaration itself: it forbids release, or it alerts by scope alone."""
    return rule.forbids_release or (rule.kind == "alert" and not rule.when and not rule.scope.is_empty())


def decision_options(
    state: str, case: ReleaseCase, catalogue: RuleCatalogue, on_date: date | None = None
) -> DecisionOptions:
    """The decisions open on an inspection in `state`, the release blockers and the rules' suggestions.

    A completed inspection may be released (when nothing blocks), held, returned, destroyed or
    sampled; treated where a rule calls for treatment; sent for attribute identification where a
    rule calls for it and none has concluded. A held one may be released (when nothing blocks),
    returned or destroyed. Other states take no decision.
    """
    blockers = tuple(release_blockers(case, catalogue, on_date))
    calls = {d.value: rules_calling_for(d.value, case, catalogue, on_date) for d in Decision if d != Decision.RELEASE}
    allowed: list[str] = []
    if state == InspectionState.COMPLETED.value:
        allowed = [d.value for d in CLOSING_DECISIONS if d != Decision.RELEASE or not blockers]
        allowed.append(Decision.SAMPLE.value)
        if calls[Decision.TREAT.value]:
            allowed.append(Decision.TREAT.value)
        concluded = any(h.kind == IDENTIFICATION and h.result is not None for h in case.holds)
        if calls[Decision.IDENTIFY.value] and not concluded:
            allowed.append(Decision.IDENTIFY.value)
    elif state == InspectionState.HELD.value:
        allowed = [
            d.value
            for d in (Decision.RELEASE, Decision.RETURN, Decision.DESTROY)
            if d != Decision.RELEASE or not blockers
        ]
    suggested = {d: ids for d, ids in calls.items() if ids and d in allowed}
    if any(b.kind == "waste" for b in blockers) and Decision.RETURN.value in allowed:
        suggested.setdefault(Decision.RETURN.value, ())
    return DecisionOptions(tuple(allowed), blockers, suggested)


def blockers_message(blockers: Iterable[Blocker], lang: str = "en") -> str:
    """The blockers as one sentence, for an error message: each with its basis and what it comes from."""
    return "; ".join(b.line(lang) + (f" [{b.ref}]" if b.ref else "") for b in blockers)


__all__ = [
    "AlertFact",
    "Blocker",
    "DecisionOptions",
    "FindingFact",
    "HoldFact",
    "PROHIBITED_GOODS_ALERT",
    "ReleaseCase",
    "blockers_message",
    "decision_options",
    "forbidding_rules",
    "from_bilingual",
    "release_blockers",
    "rules_calling_for",
]
