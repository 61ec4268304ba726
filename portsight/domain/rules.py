"""Judging against the rules: a step's values, a declaration's alerts, selection checks, scenarios.

The catalogue (portsight.domain.rulebook) is passed in; portsight.catalogue loads it from
data/rules once per process.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portsight.domain.checklist import generate_checklist
from portsight.domain.codes import as_typed, is_hs_code
from portsight.domain.codes import normalize as normalize_code
from portsight.domain.conditions import Condition, InputSpec, Missing, StepSpec, Text, chained_lookup, evaluate
from portsight.domain.facts import DeclarationFacts
from portsight.domain.rulebook import SEVERITIES, Rule, RuleCatalogue
from portsight.domain.seal import parse_seal_class
from portsight.domain.steps import ChecklistStep, step_context

CONFORMING, NON_CONFORMING, INVALID = "conforming", "non_conforming", "invalid"

# --------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str
    text: Text
    citation: Text
    detail: Text | None = None


@dataclass(frozen=True)
class InputProblem:
    name: str
    expected: Text


@dataclass(frozen=True)
class Judgement:
    outcome: str  # conforming / non_conforming / invalid
    findings: tuple[Finding, ...] = ()
    problems: tuple[InputProblem, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)  # the entered values, converted

    @property
    def severity(self) -> str | None:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return max((f.severity for f in self.findings), key=order.__getitem__, default=None)


# Digits grouped by thousands ("1,000", "12,345.5"): the comma is a separator, not a decimal comma ("0,8").
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _typed_number(text: str) -> float:
    """A number as typed: '1,000' and '1 000' are a thousand, '0,8' is 0.8 (a decimal comma)."""
    text = "".join(text.split())
    return float(text.replace(",", "") if _GROUPED.fullmatch(text) else text.replace(",", "."))


_TRUE = {"true", "yes", "y", "1", "是", "有", "正常"}
_FALSE = {"false", "no", "n", "0", "否", "无", "异常"}


def _convert(spec: InputSpec, raw: Any) -> tuple[Any, Text | None]:
    """An entered value in its type, or what was expected. Text is taken as typed: full-width forms
    from a Chinese input method are folded to ASCII (NFKC) first, and a code input is normalised."""
    unit = f" ({spec.unit})" if spec.unit else ""
    value: float | str
    if isinstance(raw, str):
        raw = as_typed(raw)
    if spec.type == "number":
        expected = Text(f"{spec.title.zh}：应为数字{unit}", f"{spec.title.en}: a number{unit}")
        if isinstance(raw, bool):
            return None, expected
        try:
            value = _typed_number(raw) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            return None, expected
        if not math.isfinite(value):
            return None, expected
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            lo = "" if spec.min is None else f"{spec.min:g}"
            hi = "" if spec.max is None else f"{spec.max:g}"
            return None, Text(
                f"{spec.title.zh}：应在 {lo}–{hi}{unit} 之间", f"{spec.title.en}: a number from {lo} to {hi}{unit}"
            )
        return value, None
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw, None
        word = str(raw).strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE, None
        return None, Text(f"{spec.title.zh}：应为 是/否", f"{spec.title.en}: yes or no")
    if spec.type == "choice":
        value = str(raw).strip()
        if spec.name.endswith("seal_class"):  # seal_class, new_seal_class: 'h', 'high security' -> 'H'
            parsed = parse_seal_class(value)
            value = parsed.value if parsed else value
        match = next((c for c in spec.choices if c.lower() == value.lower()), None)
        if match is None:
            options = " / ".join(spec.choices)
            return None, Text(f"{spec.title.zh}：应为 {options} 之一", f"{spec.title.en}: one of {options}")
        return match, None
    value = as_typed(raw)
    if spec.code:
        value = normalize_code(spec.code, value)
        if spec.code == "hs" and value and not is_hs_code(value):
            return None, Text(
                f"{spec.title.zh}：应为 2–10 位数字的商品编码", f"{spec.title.en}: an HS code of 2 to 10 digits"
            )
    if not value:
        return None, Text(f"{spec.title.zh}：必填", f"{spec.title.en}: required")
    return value, None


def convert_input(spec: InputSpec, raw: Any) -> tuple[Any, Text | None]:
    """A value for an input in its type (as judging reads it), or what was expected."""
    return _convert(spec, raw)


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _detail(cond: Condition, ev: Any, spec: StepSpec | None) -> Text | None:
    problem = ev.extra.get("problem")
    if problem is not None:
        return Text(problem.zh, problem.en)
    inp = spec.input(cond.field) if spec else None
    unit = f" {inp.unit}" if inp and inp.unit else ""
    name_en, name_zh = (inp.title.en, inp.title.zh) if inp else (cond.field, cond.field)
    if isinstance(ev.target, tuple):
        lo, hi = ev.target
        return Text(
            f"{name_zh}：{ev.value:g}{unit}，允许范围 {lo:g}–{hi:g}{unit}",
            f"{name_en}: {ev.value:g}{unit}, allowed {lo:g} to {hi:g}{unit}",
        )
    if isinstance(ev.target, int | float) and isinstance(ev.value, int | float) and not isinstance(ev.value, bool):
        return Text(
            f"{name_zh}：{ev.value:g}{unit}，要求 {cond.op} {ev.target:g}{unit}",
            f"{name_en}: {ev.value:g}{unit}, required {cond.op} {ev.target:g}{unit}",
        )
    if cond.op == "same_seal":
        return Text(f"实际 {ev.value}，申报 {ev.target}", f"found {ev.value}, declared {ev.target}")
    if cond.op == "declared_container":
        declared = "、".join(ev.target)
        return Text(
            f"箱号 {ev.value} 不是申报的集装箱（申报：{declared}）",
            f"{ev.value} is not a declared container (declared: {', '.join(ev.target)})",
        )
    if cond.op == "other_seal":
        return Text(f"新封识 {ev.value} 即申报的原封识", f"new seal {ev.value} is the declared seal")
    if cond.op == "seal_class_at_least":
        return Text(
            f"{name_zh}：实际 {ev.value}，申报 {ev.target}（I < S < H）",
            f"{name_en}: found {ev.value}, declared {ev.target} (I < S < H)",
        )
    if cond.op == "declared_hs":
        return Text(
            f"商品编码：实际 {ev.value}，申报 {'、'.join(ev.target)}",
            f"HS code: found {ev.value}, declared {', '.join(ev.target)}",
        )
    if cond.op == "is_true":
        return Text(f"{name_zh}：否", f"{name_en}: no")
    return None


def check_conditions(
    rule: Rule,
    conditions: Iterable[Condition],
    values: Mapping[str, Any],
    context: Mapping[str, Any] | None,
    on_date: date,
    parameters: Mapping[str, float] | None = None,
    spec: StepSpec | None = None,
) -> tuple[bool, list[str], Text | None]:
    """(all hold, missing field names, detail of the first that fails)."""
    lookup = chained_lookup(values, context)
    missing: list[str] = []
    detail = None
    holds = True
    for cond in conditions:
        try:
            ev = evaluate(cond, lookup, lambda p: rule.param(p, on_date, parameters))
        except Missing as exc:
            missing.append(exc.name)
            continue
        if not ev.holds:
            holds = False
            detail = detail or _detail(cond, ev, spec)
    return holds, missing, detail


def judge(
    step: ChecklistStep | StepSpec,
    values: Mapping[str, Any],
    context: Mapping[str, Any] | None,
    on_date: date | None,
    catalogue: RuleCatalogue,
    parameters: Mapping[str, float] | None = None,
) -> Judgement:
    """Judge what the inspector entered at a step against the rules that apply to it.

    `context` holds the declared values (checklist.step_context). The rules are the step's
    rule_ids (a ChecklistStep) or every in-force validation rule on that step key (a StepSpec),
    taken from `catalogue`. Parameters are those in force on `on_date`.
    """
    on_date = on_date or date.today()
    context = dict(context or {})
    values = dict(values or {})

    converted: dict[str, Any] = {}
    problems: list[InputProblem] = []
    for spec in step.inputs:
        raw = values.get(spec.name)
        if _blank(raw) and spec.default_from and not _blank(context.get(spec.default_from)):
            raw = context[spec.default_from]
        if _blank(raw):
            if spec.required:
                unit = f"（{spec.unit}）" if spec.unit else ""
                problems.append(
                    InputProblem(spec.name, Text(f"{spec.title.zh}{unit}：必填", f"{spec.title.en}: required"))
                )
            continue
        value, problem = _convert(spec, raw)
        if problem is not None:
            problems.append(InputProblem(spec.name, problem))
        else:
            converted[spec.name] = value
    if problems:
        return Judgement(INVALID, problems=tuple(problems), values=converted)

    if isinstance(step, ChecklistStep):
        rules = [catalogue.get(rid) for rid in step.rule_ids if rid in catalogue]
    else:
        rules = [r for r in catalogue.rules if r.step_key == step.key]
    step_spec = step.spec if isinstance(step, ChecklistStep) else step
    findings: list[Finding] = []
    for rule in rules:
        if not rule.require or not rule.in_force(on_date):
            continue
        holds, missing, detail = check_conditions(
            rule, rule.require, converted, context, on_date, parameters, step_spec
        )
        if missing:
            for name in dict.fromkeys(missing):
                inp = step_spec.input(name)
                title = inp.title if inp else Text(name, name)
                problems.append(InputProblem(name, Text(f"{title.zh}：必填", f"{title.en}: required")))
            continue
        if not holds:
            findings.append(Finding(rule.id, rule.severity, rule.finding, rule.basis.citation(), detail))
    if problems:
        return Judgement(INVALID, problems=tuple(problems), values=converted)
    return Judgement(NON_CONFORMING if findings else CONFORMING, tuple(findings), (), converted)


def alert_fires(
    rule: Rule,
    values: Mapping[str, Any],
    on_date: date,
    facts: DeclarationFacts | None = None,
    parameters: Mapping[str, float] | None = None,
) -> bool:
    """Whether an alert rule fires: in force, in scope (when facts are given) and all `when` hold."""
    if rule.kind != "alert" or not rule.in_force(on_date):
        return False
    if facts is not None and not rule.scope.matches(facts, on_date):
        return False
    if facts is None and not rule.scope.is_empty() and not rule.when:
        return False
    holds, missing, _ = check_conditions(rule, rule.when, values, None, on_date, parameters)
    return holds and not missing


def declaration_alerts(facts: DeclarationFacts, catalogue: RuleCatalogue) -> list[Rule]:
    """Alert rules that a declaration raises by its scope alone (e.g. prohibited goods)."""
    return [r for r in catalogue.rules if r.kind == "alert" and not r.when and r.applies_to(facts)]


def check_selection(
    rule: Rule, values: Mapping[str, Any], on_date: date, parameters: Mapping[str, float] | None = None
) -> Judgement:
    """Judge observed selection figures (inspection_rate_pct, general_average_rate_pct) against a selection rule."""
    holds, missing, detail = check_conditions(rule, rule.require, values, None, on_date, parameters)
    if missing:
        return Judgement(INVALID, problems=tuple(InputProblem(m, Text(m, m)) for m in missing))
    if holds:
        return Judgement(CONFORMING)
    return Judgement(NON_CONFORMING, (Finding(rule.id, rule.severity, rule.finding, rule.basis.citation(), detail),))


# --------------------------------------------------------------------------- scenarios


def scenario_outcome(rule: Rule, scenario: Mapping[str, Any], catalogue: RuleCatalogue) -> str:
    """Run one of a rule's scenarios and return the outcome to compare with its `expect`.

    Outcomes: conforming / non_conforming / invalid (validation, selection), fires / silent
    (alert), in_checklist / not_in_checklist (checklist, or a validation rule whose step
    is absent for the scenario's declaration).
    """
    on = scenario.get("date")
    on_date = on if isinstance(on, date) else date.fromisoformat(str(on)) if on else date.today()
    values = scenario.get("values") or {}
    facts = None
    if scenario.get("declaration") is not None:
        facts = DeclarationFacts.from_mapping({"declared_on": on_date, **scenario["declaration"]})
    if rule.kind == "alert":
        return "fires" if alert_fires(rule, values, on_date, facts) else "silent"
    if rule.kind == "selection":
        if facts is not None and not rule.applies_to(facts, on_date):
            return "not_in_scope"
        return check_selection(rule, values, on_date).outcome
    key = rule.step_key
    if facts is not None:
        steps = [s for s in generate_checklist(facts, on_date, catalogue) if s.key == key and rule.id in s.rule_ids]
        if not steps:
            return "not_in_checklist"
        if rule.kind == "checklist":
            return "in_checklist"
        step: ChecklistStep | StepSpec = steps[0]
        container = next((c for c in facts.containers if c.number in steps[0].container_numbers), None)
        context = {**step_context(facts, container), **(scenario.get("context") or {})}
    else:
        if rule.kind == "checklist":
            raise ValueError(f"checklist rule {rule.id}: a scenario needs a declaration")
        if key is None:
            raise ValueError(f"{rule.kind} rule {rule.id}: no step to judge")
        spec = catalogue.step_specs()[key]
        step = ChecklistStep(spec.key, spec.title, spec.inputs, spec.photos, spec.per_container, (rule.id,))
        context = dict(scenario.get("context") or {})
    return judge(step, values, context, on_date, catalogue).outcome
