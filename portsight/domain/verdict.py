"""A case judged as the app would judge it: `python -m portsight judge CASE.json`.

Scripts outside the app rely on this interface; keep it stable. A case is a declaration (the
fields of `DeclarationFacts.from_mapping`) and the steps an inspector recorded (the base step keys
and input names, or any step on the declaration's checklist). The verdict is one JSON object:

- `checklist`: the slots of the declaration's checklist, [{step, container}];
- `alerts`: ids of the alert rules the declaration raises by its scope alone;
- `steps`: each given step judged, [{step, container, outcome, findings: [{rule, severity, citation}]}],
  `outcome` conforming / non_conforming / invalid;
- `release_allowed` and `blockers`: whether the decision control would allow release if the steps
  given were the inspection's results and every checklist step not given had been done and found
  conforming (what blocks is what the case shows: a finding, an alert on the declaration, a rule
  that forbids release on that date), and why not, one line each.

A malformed case raises `CaseError`, naming the field. Pure: the catalogue is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from typing import Any

from portsight.domain.checklist import checklist_slots, generate_checklist
from portsight.domain.codes import normalize_code
from portsight.domain.conditions import Text
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.release import AlertFact, Blocker, FindingFact, ReleaseCase, release_blockers
from portsight.domain.rulebook import RuleCatalogue
from portsight.domain.rules import INVALID, declaration_alerts, judge
from portsight.domain.steps import step_context

CASE_KEYS = ("declaration", "steps")
DECLARATION_KEYS = ("declared_on", "transport_mode", "port_kind", "origin_country", "credit_tier", "goods", "hs",
                    "containers", "number")  # fmt: skip
TEXT_DECLARATION_KEYS = ("transport_mode", "port_kind", "origin_country", "credit_tier", "number")
STEP_KEYS = ("step", "container", "values")
NUMBER_FIELDS = frozenset({"quantity", "gross_weight_kg", "packages"})


class CaseError(ValueError):
    """A malformed case; `field` names where (e.g. 'declaration.goods[0].hs_code')."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"malformed case: field '{field}': {problem}")
        self.field, self.problem = field, problem


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CaseError(path, f"expected an object, got {_kind(value)}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise CaseError(path, f"expected a list, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _known(data: Mapping[str, Any], allowed: tuple[str, ...] | frozenset[str], path: str) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        prefix = f"{path}." if path else ""
        raise CaseError(f"{prefix}{extra[0]}", f"unknown field (known: {', '.join(sorted(allowed))})")


def _text(value: Any, path: str, *, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise CaseError(path, "expected a non-empty string" if required else f"expected a string, got {_kind(value)}")


def _record(raw: Any, path: str, cls: type, required: str) -> dict[str, Any]:
    data = dict(_mapping(raw, path))
    _known(data, tuple(f.name for f in fields(cls)), path)
    if required == "hs_code" and isinstance(data.get(required), int) and not isinstance(data[required], bool):
        data[required] = str(data[required])  # an HS code written as a number
    _text(data.get(required), f"{path}.{required}", required=True)
    for name, value in data.items():
        if name == required or value is None:
            continue
        if name in NUMBER_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise CaseError(f"{path}.{name}", f"expected a number, got {_kind(value)}")
        else:
            _text(value, f"{path}.{name}")
    return data


def parse_declaration(raw: Any) -> DeclarationFacts:
    """The declaration of a case, checked field by field."""
    data = _mapping(raw, "declaration")
    _known(data, DECLARATION_KEYS, "declaration")
    on = data.get("declared_on")
    if not isinstance(on, str):
        raise CaseError("declaration.declared_on", "required: the declaration's date, YYYY-MM-DD")
    try:
        declared_on = date.fromisoformat(on)
    except ValueError:
        raise CaseError("declaration.declared_on", f"expected a date YYYY-MM-DD, got {on!r}") from None
    for key in TEXT_DECLARATION_KEYS:
        _text(data.get(key), f"declaration.{key}")
    goods = [
        _record(g, f"declaration.goods[{i}]", GoodsLineFacts, "hs_code")
        for i, g in enumerate(_list(data.get("goods", []), "declaration.goods"))
    ]
    containers = [
        _record(c, f"declaration.containers[{i}]", ContainerFacts, "number")
        for i, c in enumerate(_list(data.get("containers", []), "declaration.containers"))
    ]
    hs = _list(data.get("hs", []), "declaration.hs")
    for i, code in enumerate(hs):
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise CaseError(f"declaration.hs[{i}]", f"expected an HS code, got {_kind(code)}")
    if not goods and not hs:
        raise CaseError("declaration.goods", "required: at least one goods line")
    return DeclarationFacts.from_mapping({**data, "declared_on": declared_on, "goods": goods, "containers": containers})


def _citation(text: Text | None) -> str | None:
    return text.en if text is not None else None


def _blocker_line(blocker: Blocker) -> str:
    return blocker.line("en") + (f" [{blocker.ref}]" if blocker.ref else "")


def judge_case(raw: Any, catalogue: RuleCatalogue) -> dict[str, Any]:
    """The verdict on a case (see the module's docstring); raises CaseError on a malformed one."""
    case = _mapping(raw, "case")
    _known(case, CASE_KEYS, "")
    if "declaration" not in case:
        raise CaseError("declaration", "required")
    facts = parse_declaration(case["declaration"])
    on_date = facts.declared_on
    steps = generate_checklist(facts, on_date, catalogue)
    slots = checklist_slots(steps)
    boxes = {c.number: c for c in facts.containers}

    judged: list[dict[str, Any]] = []
    findings: list[FindingFact] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(_list(case.get("steps", []), "steps")):
        path = f"steps[{i}]"
        item = _mapping(item, path)
        _known(item, STEP_KEYS, path)
        key = item.get("step")
        _text(key, f"{path}.step", required=True)
        container = item.get("container")
        _text(container, f"{path}.container")
        values = _mapping(item.get("values", {}), f"{path}.values")
        candidates = [s for s in slots if s.step.key == key]
        if not candidates:
            on_list = ", ".join(dict.fromkeys(s.step.key for s in slots))
            raise CaseError(f"{path}.step", f"{key!r} is not on this declaration's checklist ({on_list})")
        if candidates[0].step.per_container:
            number = normalize_code(container) if container is not None else None
            if number is None and len(candidates) == 1:
                number = candidates[0].container_number
            slot = next((s for s in candidates if s.container_number == number), None)
            if slot is None:
                covered = ", ".join(s.container_number or "" for s in candidates)
                raise CaseError(f"{path}.container", f"name one of the containers this step covers ({covered})")
        else:
            if container is not None:
                raise CaseError(f"{path}.container", f"step {key!r} is not done per container")
            slot = candidates[0]
        if slot.id in seen:
            raise CaseError(path, f"step {slot.id} is already given in {seen[slot.id]}")
        seen[slot.id] = path
        box = boxes.get(slot.container_number or "")
        judgement = judge(slot.step, values, step_context(facts, box), on_date, catalogue)
        judged.append(
            {
                "step": slot.step.key,
                "container": slot.container_number,
                "outcome": judgement.outcome,
                "findings": [
                    {"rule": f.rule_id, "severity": f.severity, "citation": _citation(f.citation)}
                    for f in judgement.findings
                ],
            }
        )
        findings += [FindingFact(f.severity, f.text, f.citation, f.rule_id) for f in judgement.findings]
        if judgement.outcome == INVALID:
            expected = "; ".join(p.expected.en for p in judgement.problems)
            problems.append(f"Step {slot.id} cannot be recorded as entered: {expected}")

    alerts = declaration_alerts(facts, catalogue)
    release = ReleaseCase(
        facts=facts,
        findings=tuple(findings),
        alerts=tuple(AlertFact(None, "rule", r.id) for r in alerts),
    )
    blockers = problems + [_blocker_line(b) for b in release_blockers(release, catalogue, on_date)]
    return {
        "checklist": [{"step": s.step.key, "container": s.container_number} for s in slots],
        "alerts": [r.id for r in alerts],
        "steps": judged,
        "release_allowed": not blockers,
        "blockers": blockers,
    }


__all__ = ["CaseError", "judge_case", "parse_declaration"]
