"""The small declarative vocabulary rules are written in: bilingual text, step specs, conditions.

A condition is data, never code: ``{field: impurity_pct, op: "<=", limit: impurity_max_pct}``.
The right-hand side is one of

- ``value``: a literal (number, text, list for ``in`` / ``not_in``);
- ``limit``: the name of one of the rule's (dated) parameters;
- ``ref``: another field (an entered value or a declared one), optionally ``times`` a parameter
  and ``plus`` a parameter: ``dose_rate <= background + 0.25`` is
  ``{field: dose_rate_ugy_h, op: "<=", ref: background_ugy_h, plus: above_background}``.

``within`` (|field - ref| <= limit) and ``within_pct`` (|field - ref| <= |ref| * limit / 100)
express tolerances; ``is_true``, ``same_seal`` and ``iso6346_valid`` cover the checks that are not
arithmetic, and so do the declared-against-found checks, each against a declared ref:
``declared_container`` (the number is one of the declaration's containers), ``other_seal`` (a new
seal is not the declared one), ``seal_class_at_least`` (ISO 17712 class not lower than declared)
and ``declared_hs`` (an HS code agrees with a declared one). Codes are compared after
normalisation (portsight.domain.codes), so full-width input from a Chinese input method passes.

``only_if`` names a yes/no field: when it is not true the condition does not apply.
``if_given: true``: when the field or its ref has no value the condition does not apply; for an
input a step gained later (a case with the step's earlier inputs is judged on them) or a declared
value a declaration may lack (package count, seal class).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portsight.domain import iso6346
from portsight.domain.codes import hs_agree, normalize_hs
from portsight.domain.seal import class_at_least, normalize_seal, parse_seal_class, seal_matches

COMPARISONS = {"<=", "<", ">=", ">", "==", "!="}
DECLARED_CHECKS = {"declared_container", "other_seal", "seal_class_at_least", "declared_hs"}
OPS = COMPARISONS | {"within", "within_pct", "in", "not_in", "is_true", "same_seal", "iso6346_valid"} | DECLARED_CHECKS
# Ops whose right-hand side is a required ref; ops that take no right-hand side at all.
NEEDS_REF = {"within", "within_pct", "same_seal"} | DECLARED_CHECKS
NO_RHS = {"is_true", "iso6346_valid"}
INPUT_TYPES = {"number", "text", "bool", "choice"}
_EPS = 1e-9


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang.lower().startswith("zh") else self.en


def bilingual(text: Text, detail: Text | None = None) -> str:
    """Stored text in both languages: Chinese on the first line, English on the second."""
    zh, en = text.zh, text.en
    if detail is not None:
        zh, en = f"{zh}（{detail.zh}）", f"{en} ({detail.en})"
    return f"{zh}\n{en}"


def in_language(stored: str | None, lang: str) -> str:
    """The line of a bilingual stored text for the language (a one-line text is returned as is)."""
    if not stored:
        return ""
    lines = stored.split("\n", 1)
    if len(lines) == 1:
        return stored
    return lines[0] if lang.lower().startswith("zh") else lines[1]


@dataclass(frozen=True)
class InputSpec:
    """One value the inspector enters at a step."""

    name: str
    type: str  # number / text / bool / choice
    title: Text
    unit: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = True
    min: float | None = None
    max: float | None = None
    default_from: str | None = None  # a declared field that supplies the value when it is known
    code: str | None = None  # a typed code, normalised as codes.CODE_FORMS says ("code", "hs")


@dataclass(frozen=True)
class PhotoSpec:
    count: int
    what: Text


@dataclass(frozen=True)
class StepSpec:
    """A checklist step's definition (base steps in checklist.py, others added by rules)."""

    key: str
    title: Text
    inputs: tuple[InputSpec, ...]
    photos: PhotoSpec
    per_container: bool = False
    after: str | None = None  # for rule-added steps: the step they follow

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None
    limit: str | None = None
    ref: str | None = None
    plus: str | None = None
    times: str | None = None
    only_if: str | None = None
    if_given: bool = False  # no value for the field or its ref: the condition does not apply

    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p for p in (self.limit, self.plus, self.times) if p)

    def field_names(self) -> tuple[str, ...]:
        return tuple(f for f in (self.field, self.ref, self.only_if) if f)


class Missing(Exception):
    """A value the condition needs is not there; carries the field name."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Evaluation:
    holds: bool
    value: Any = None
    target: Any = None  # the bound compared against, for the finding's detail
    extra: dict[str, Any] = field(default_factory=dict)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or value is None:
        raise Missing(name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Missing(name) from None
    if not math.isfinite(number):
        raise Missing(name)
    return number


def _required(side: str | None, cond: Condition, name: str) -> str:
    """The ref or limit an op cannot do without; the rulebook rejects conditions that lack it."""
    if not side:
        raise ValueError(f"condition on {cond.field}: {cond.op} needs a {name}")
    return side


def evaluate(cond: Condition, lookup: Callable[[str], Any], param: Callable[[str], float]) -> Evaluation:
    """Evaluate one condition. lookup(name) returns a value or None; param(name) a number.

    Raises Missing when a value the condition needs is absent.
    """
    if cond.only_if:
        gate = lookup(cond.only_if)
        if gate is None:
            raise Missing(cond.only_if)
        if gate is not True:
            return Evaluation(True)
    raw = lookup(cond.field)
    if cond.if_given and (_absent(raw) or (cond.ref is not None and _absent(lookup(cond.ref)))):
        return Evaluation(True)
    if raw is None or raw == "":
        raise Missing(cond.field)
    op = cond.op
    if op in DECLARED_CHECKS:
        return _declared_check(cond, raw, lookup)
    if op == "is_true":
        return Evaluation(raw is True, raw, True)
    if op == "iso6346_valid":
        problem = iso6346.explain(str(raw))
        return Evaluation(problem is None, iso6346.normalize(str(raw)), None, {"problem": problem})
    if op == "same_seal":
        ref = _required(cond.ref, cond, "ref")
        declared = lookup(ref)
        if declared is None or declared == "":
            raise Missing(ref)
        return Evaluation(seal_matches(declared, raw), raw, declared)
    if op in {"in", "not_in"}:
        members = cond.value if isinstance(cond.value, list | tuple) else [cond.value]
        inside = raw in members or str(raw) in {str(m) for m in members}
        return Evaluation(inside if op == "in" else not inside, raw, list(members))
    x = _number(raw, cond.field)
    if op in {"within", "within_pct"}:
        ref = _required(cond.ref, cond, "ref")
        centre = _number(lookup(ref), ref)
        tol = param(_required(cond.limit, cond, "limit"))
        allowed = abs(centre) * tol / 100 if op == "within_pct" else tol
        return Evaluation(abs(x - centre) <= allowed + _EPS, x, (centre - allowed, centre + allowed))
    if cond.limit:
        target = param(cond.limit)
    elif cond.ref:
        target = _number(lookup(cond.ref), cond.ref)
        if cond.times:
            target *= param(cond.times)
        if cond.plus:
            target += param(cond.plus)
    else:
        if isinstance(cond.value, int | float) and not isinstance(cond.value, bool):
            target = float(cond.value)
        elif op in {"==", "!="}:
            return Evaluation((raw == cond.value) == (op == "=="), raw, cond.value)
        else:
            raise ValueError(f"condition on {cond.field}: {op} needs a number")
    holds = {
        "<=": x <= target + _EPS,
        "<": x < target - _EPS,
        ">=": x >= target - _EPS,
        ">": x > target + _EPS,
        "==": abs(x - target) <= _EPS,
        "!=": abs(x - target) > _EPS,
    }[op]
    return Evaluation(holds, x, target)


def _absent(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def _declared_check(cond: Condition, raw: Any, lookup: Callable[[str], Any]) -> Evaluation:
    """The declared-against-found ops: what was found at the container against what was declared."""
    ref = _required(cond.ref, cond, "ref")
    declared = lookup(ref)
    if _absent(declared):
        raise Missing(ref)
    op = cond.op
    if op == "declared_container":
        # A container is its owner code, category and serial number; a wrong check digit on the door is
        # the ISO 6346 check's finding, not another container.
        numbers = [declared] if isinstance(declared, str) else list(declared)
        found = iso6346.normalize(str(raw))
        holds = any(iso6346.normalize(str(n))[:10] == found[:10] for n in numbers if n)
        return Evaluation(holds, found, [iso6346.normalize(str(n)) for n in numbers])
    if op == "other_seal":
        return Evaluation(not seal_matches(declared, raw), normalize_seal(raw), normalize_seal(declared))
    if op == "seal_class_at_least":
        found_class, declared_class = parse_seal_class(str(raw)), parse_seal_class(str(declared))
        return Evaluation(
            class_at_least(str(raw), str(declared)),
            found_class.value if found_class else raw,
            declared_class.value if declared_class else declared,
        )
    codes = [declared] if isinstance(declared, str) else list(declared)
    found = normalize_hs(raw)
    return Evaluation(any(hs_agree(found, str(c)) for c in codes), found, [normalize_hs(c) for c in codes])


def chained_lookup(*sources: Mapping[str, Any] | None) -> Callable[[str], Any]:
    """Look a name up in each mapping in turn; empty strings and None count as absent."""

    def lookup(name: str) -> Any:
        for src in sources:
            if src is not None and name in src and src[name] is not None and src[name] != "":
                return src[name]
        return None

    return lookup
