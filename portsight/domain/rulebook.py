"""The rule catalogue as data: a rule's scope, legal basis, dates, parameters, and the catalogue's checks.

Each rule has an id, a bilingual title, a kind (checklist / validation / selection / alert), a
scope, its legal basis, effective dates, dated parameters with units, a severity, the finding
it produces and a bilingual note (what was checked against which source, what is unconfirmed);
a rule may forbid release of what its scope catches (`forbids_release`) and name the decisions
its finding calls for (`remedies`). A rule that ends names the rule that takes over
(`superseded_by`), which makes the catalogue a calendar of the law. Conditions are declarative
(portsight.domain.conditions); nothing is eval'd.
`parse_rule` reads one rule's mapping and `build_catalogue` checks a set of rules together;
reading the files is portsight.catalogue's job. A malformed rule raises `RuleCatalogueError`,
whose message names the file, the rule and the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from portsight.domain.codes import CODE_FORMS
from portsight.domain.conditions import (
    COMPARISONS,
    INPUT_TYPES,
    NEEDS_REF,
    NO_RHS,
    OPS,
    Condition,
    InputSpec,
    PhotoSpec,
    StepSpec,
    Text,
)
from portsight.domain.facts import ContainerFacts, DeclarationFacts
from portsight.domain.inspection import Decision
from portsight.domain.steps import BASE_STEPS, DECLARED_FIELDS

KINDS = ("checklist", "validation", "selection", "alert")
SEVERITIES = ("low", "medium", "high")
SEVERITIES_HIGH_FIRST = SEVERITIES[::-1]  # the order lists and counts are shown in
SCOPE_KEYS = ("hs", "origins", "port_kinds", "credit_tiers", "transport_modes", "container_types")
# Fields a selection rule or an alert rule may name (the service computes them).
SELECTION_FIELDS = frozenset({"inspection_rate_pct", "general_average_rate_pct"})
ALERT_FIELDS = frozenset({"minutes_to_close", "photo_count", "step_count"})
# What a rule's finding may call for besides release (portsight.domain.release offers them).
REMEDIES = tuple(d.value for d in Decision if d is not Decision.RELEASE)


class RuleCatalogueError(ValueError):
    """A rule file is malformed. The message names the file, the rule and the field."""

    def __init__(self, file: str, rule_id: str | None, field_name: str | None, problem: str):
        where = [file]
        if rule_id:
            where.append(f"rule '{rule_id}'")
        if field_name:
            where.append(f"field '{field_name}'")
        super().__init__(f"Rule catalogue error in {', '.join(where)}: {problem}")
        self.file, self.rule_id, self.field, self.problem = file, rule_id, field_name, problem


class UnknownRule(LookupError):
    def __init__(self, rule_id: str):
        super().__init__(f"There is no rule '{rule_id}' in the catalogue.")
        self.rule_id = rule_id


@dataclass(frozen=True)
class LegalBasis:
    document: Text
    article: Text | None = None  # None: the article is to be confirmed (say so in the rule's note)
    url: str | None = None

    def citation(self) -> Text:
        if self.article is None:
            return self.document
        return Text(f"{self.document.zh} {self.article.zh}", f"{self.document.en}, {self.article.en}")


@dataclass(frozen=True)
class Parameter:
    name: str
    unit: str
    values: tuple[tuple[date | None, float], ...]  # (from, value), sorted; None = since always

    def at(self, on_date: date) -> float:
        current = None
        for start, value in self.values:
            if start is None or start <= on_date:
                current = value
        if current is None:
            # Before the first dated value: the earliest one is the best we know.
            current = self.values[0][1]
        return current


@dataclass(frozen=True)
class HsException:
    """An HS prefix a scope leaves out, from a date on (None: always).

    Dated because the law carves goods out of a heading on a day: recycled copper raw material
    (7404000030) left the solid-waste ban's heading 7404 when its announcement took effect.
    """

    prefix: str
    since: date | None = None

    def applies(self, on_date: date | None) -> bool:
        """On no date given, every exception counts (the narrower answer)."""
        return self.since is None or on_date is None or on_date >= self.since


@dataclass(frozen=True)
class Scope:
    hs: tuple[str, ...] = ()  # chapter (2 digits), heading (4) or longer prefixes
    origins: tuple[str, ...] = ()
    port_kinds: tuple[str, ...] = ()
    credit_tiers: tuple[str, ...] = ()
    transport_modes: tuple[str, ...] = ()
    container_types: tuple[str, ...] = ()  # ISO 6346 type group letters, e.g. R for reefers
    hs_except: tuple[HsException, ...] = ()  # longer prefixes carved out of `hs`, each from its date

    def is_empty(self) -> bool:
        return not any(getattr(self, k) for k in SCOPE_KEYS)

    def codes(self) -> dict[str, list[str]]:
        """The restricting dimensions as {key: codes} (the exceptions are `hs_except`'s to tell)."""
        return {k: list(getattr(self, k)) for k in SCOPE_KEYS if getattr(self, k)}

    def hs_matches(self, hs_code: str, on_date: date | None = None) -> bool:
        """Whether a goods line's code falls under `hs` and under no exception in force on the date."""
        code = "".join(ch for ch in str(hs_code) if ch.isdigit())
        if self.hs and not any(code.startswith(p) for p in self.hs):
            return False
        return not any(code.startswith(e.prefix) and e.applies(on_date) for e in self.hs_except)

    def container_matches(self, container: ContainerFacts) -> bool:
        return not self.container_types or container.type_group in self.container_types

    def matches(self, facts: DeclarationFacts, on_date: date | None = None) -> bool:
        """Whether the declaration is in scope on the date (None: its declaration date)."""
        on_date = on_date or facts.declared_on
        if self.hs and not any(self.hs_matches(g.hs_code, on_date) for g in facts.goods):
            return False
        if self.origins and facts.origin_country.upper() not in self.origins:
            return False
        if self.port_kinds and facts.port_kind not in self.port_kinds:
            return False
        if self.credit_tiers and facts.credit_tier not in self.credit_tiers:
            return False
        if self.transport_modes and facts.transport_mode not in self.transport_modes:
            return False
        if self.container_types and not any(self.container_matches(c) for c in facts.containers):
            return False
        return True


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    title: Text
    scope: Scope
    basis: LegalBasis
    severity: str
    finding: Text
    effective_from: date | None = None
    effective_to: date | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    step: str | None = None  # the step whose values a validation rule checks
    adds_step: StepSpec | None = None
    require: tuple[Condition, ...] = ()  # must all hold (validation, selection)
    when: tuple[Condition, ...] = ()  # all hold -> the alert fires (alert)
    note: Text | None = None  # both languages, like the title: the rules page shows it to the reader
    superseded_by: str | None = None  # the rule that takes over after effective_to
    # Release is forbidden while the rule applies to the declaration on its date (prohibited goods).
    forbids_release: bool = False
    # Decisions the rule's finding calls for, e.g. treat or return (portsight.domain.release).
    remedies: tuple[str, ...] = ()
    scenarios: tuple[Mapping[str, Any], ...] = ()
    source: str = ""

    def in_force(self, on_date: date) -> bool:
        if self.effective_from and on_date < self.effective_from:
            return False
        return not (self.effective_to and on_date > self.effective_to)

    def param(self, name: str, on_date: date, overrides: Mapping[str, float] | None = None) -> float:
        if overrides and name in overrides:
            return float(overrides[name])
        return self.parameters[name].at(on_date)

    def applies_to(self, facts: DeclarationFacts, on_date: date | None = None) -> bool:
        on_date = on_date or facts.declared_on
        return self.in_force(on_date) and self.scope.matches(facts, on_date)

    @property
    def step_key(self) -> str | None:
        return self.step or (self.adds_step.key if self.adds_step else None)


@dataclass(frozen=True)
class RuleCatalogue:
    rules: tuple[Rule, ...]
    # The rules by id (the first of an id), for get and `in`: judging a step looks up each of its rules.
    _by_id: dict[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Rule] = {}
        for rule in self.rules:
            by_id.setdefault(rule.id, rule)
        object.__setattr__(self, "_by_id", by_id)

    def get(self, rule_id: str) -> Rule:
        found = self._by_id.get(rule_id)
        if found is None:
            raise UnknownRule(rule_id)
        return found

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and rule_id in self._by_id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def step_specs(self) -> dict[str, StepSpec]:
        specs = {s.key: s for s in BASE_STEPS}
        for rule in self.rules:
            if rule.adds_step:
                specs.setdefault(rule.adds_step.key, rule.adds_step)
        return specs

    def only(self, rule_ids: Iterable[str]) -> RuleCatalogue:
        wanted = set(rule_ids)
        return RuleCatalogue(tuple(r for r in self.rules if r.id in wanted))

    def in_force(self, on_date: date) -> RuleCatalogue:
        return RuleCatalogue(tuple(r for r in self.rules if r.in_force(on_date)))


# --------------------------------------------------------------------------- loading and checking


def as_date(value: Any) -> date:
    """A date written in a rule file: YAML gives a date (or datetime) for an unquoted one, else text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class _Reader:
    """Reads one rule's mapping, raising RuleCatalogueError that names file, rule and field."""

    def __init__(self, file: str, rule_id: str | None):
        self.file, self.rule_id = file, rule_id

    def fail(self, field_name: str | None, problem: str) -> RuleCatalogueError:
        return RuleCatalogueError(self.file, self.rule_id, field_name, problem)

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        return value

    def req(self, data: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in data or data[key] is None or data[key] == "":
            raise self.fail(f"{path}{key}", "is required")
        return data[key]

    def text(self, value: Any, path: str) -> Text:
        if isinstance(value, str):
            raise self.fail(path, "expected the text in both languages, {zh: ..., en: ...}, got one text")
        data = self.mapping(value, path)
        for lang in ("zh", "en"):
            if not isinstance(data.get(lang), str) or not data[lang].strip():
                raise self.fail(f"{path}.{lang}", "is required (non-empty text)")
        return Text(data["zh"].strip(), data["en"].strip())

    def str_list(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str | int):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise self.fail(path, "expected a list of codes")
        return tuple(str(v) for v in value)

    def date(self, value: Any, path: str) -> date | None:
        if value is None:
            return None
        try:
            return as_date(value)
        except ValueError:
            raise self.fail(path, f"expected a date YYYY-MM-DD, got {value!r}") from None

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(path, f"expected a number, got {value!r}")
        return float(value)

    def known(self, data: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        extra = sorted(set(data) - set(allowed))
        if extra:
            raise self.fail(f"{path}{extra[0]}", f"unknown field (allowed: {', '.join(sorted(allowed))})")


_RULE_KEYS = {
    "id", "kind", "title", "scope", "basis", "effective_from", "effective_to", "parameters", "step",
    "adds_step", "require", "when", "severity", "finding", "note", "scenarios", "forbids_release", "remedies",
    "superseded_by",
}  # fmt: skip


def _parameter(r: _Reader, name: str, raw: Any) -> Parameter:
    path = f"parameters.{name}"
    data = r.mapping(raw, path)
    r.known(data, {"unit", "value", "values"}, path + ".")
    unit = r.req(data, "unit", path + ".")
    if "values" in data:
        if not isinstance(data["values"], list) or not data["values"]:
            raise r.fail(f"{path}.values", "expected a non-empty list of {from, value}")
        values = []
        for i, item in enumerate(data["values"]):
            ipath = f"{path}.values[{i}]"
            item = r.mapping(item, ipath)
            r.known(item, {"from", "value"}, ipath + ".")
            values.append(
                (
                    r.date(item.get("from"), f"{ipath}.from"),
                    r.number(r.req(item, "value", ipath + "."), f"{ipath}.value"),
                )
            )
        starts = [s or date.min for s, _ in values]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise r.fail(f"{path}.values", "dates must be distinct and in increasing order")
    else:
        values = [(None, r.number(r.req(data, "value", path + "."), f"{path}.value"))]
    return Parameter(name, str(unit), tuple(values))


def _condition(r: _Reader, raw: Any, path: str) -> Condition:
    data = r.mapping(raw, path)
    r.known(data, {"field", "op", "value", "limit", "ref", "plus", "times", "only_if", "if_given"}, path + ".")
    fld, op = r.req(data, "field", path + "."), r.req(data, "op", path + ".")
    if op not in OPS:
        raise r.fail(f"{path}.op", f"unknown operator {op!r} (allowed: {', '.join(sorted(OPS))})")
    cond = Condition(
        field=str(fld), op=op, value=data.get("value"), limit=data.get("limit"), ref=data.get("ref"),
        plus=data.get("plus"), times=data.get("times"), only_if=data.get("only_if"),
        if_given=bool(data.get("if_given", False)),
    )  # fmt: skip
    sides = [k for k in ("value", "limit", "ref") if data.get(k) is not None]
    if op in NO_RHS and sides:
        raise r.fail(f"{path}.{sides[0]}", f"operator {op!r} takes no value, limit or ref")
    if op in NEEDS_REF and not cond.ref:
        raise r.fail(f"{path}.ref", f"operator {op!r} needs a ref (the field to compare with)")
    if op in {"within", "within_pct"} and not cond.limit:
        raise r.fail(f"{path}.limit", f"operator {op!r} needs a limit (the tolerance parameter)")
    if op in COMPARISONS and op not in NEEDS_REF and len([k for k in ("value", "limit", "ref") if k in data]) != 1:
        raise r.fail(f"{path}.value", "give exactly one of value, limit or ref")
    if op in {"in", "not_in"} and not isinstance(cond.value, list):
        raise r.fail(f"{path}.value", f"operator {op!r} needs a list value")
    if (cond.plus or cond.times) and not cond.ref:
        raise r.fail(f"{path}.ref", "plus/times apply to a ref")
    return cond


def _step_spec(r: _Reader, raw: Any) -> StepSpec:
    path = "adds_step"
    data = r.mapping(raw, path)
    r.known(data, {"key", "title", "inputs", "photos", "per_container", "after"}, path + ".")
    key = str(r.req(data, "key", path + "."))
    inputs = []
    raw_inputs = r.req(data, "inputs", path + ".")
    if not isinstance(raw_inputs, list):
        raise r.fail(f"{path}.inputs", "expected a list")
    for i, item in enumerate(raw_inputs):
        ipath = f"{path}.inputs[{i}]"
        item = r.mapping(item, ipath)
        r.known(item, {"name", "type", "title", "unit", "choices", "required", "min", "max", "code"}, ipath + ".")
        if item.get("code") is not None and item["code"] not in CODE_FORMS:
            raise r.fail(f"{ipath}.code", f"unknown code form {item['code']!r} (allowed: {', '.join(CODE_FORMS)})")
        kind = r.req(item, "type", ipath + ".")
        if kind not in INPUT_TYPES:
            raise r.fail(f"{ipath}.type", f"unknown input type {kind!r} (allowed: {', '.join(sorted(INPUT_TYPES))})")
        inputs.append(
            InputSpec(
                name=str(r.req(item, "name", ipath + ".")),
                type=kind,
                title=r.text(r.req(item, "title", ipath + "."), f"{ipath}.title"),
                unit=item.get("unit"),
                choices=r.str_list(item.get("choices"), f"{ipath}.choices"),
                required=bool(item.get("required", True)),
                min=None if item.get("min") is None else r.number(item["min"], f"{ipath}.min"),
                max=None if item.get("max") is None else r.number(item["max"], f"{ipath}.max"),
                code=item.get("code"),
            )
        )
    photos = r.mapping(r.req(data, "photos", path + "."), f"{path}.photos")
    count = photos.get("count")
    if not isinstance(count, int) or count < 0:
        raise r.fail(f"{path}.photos.count", "expected a whole number >= 0")
    return StepSpec(
        key=key,
        title=r.text(r.req(data, "title", path + "."), f"{path}.title"),
        inputs=tuple(inputs),
        photos=PhotoSpec(count, r.text(r.req(photos, "what", f"{path}.photos."), f"{path}.photos.what")),
        per_container=bool(data.get("per_container", False)),
        after=data.get("after"),
    )


def _flag(r: _Reader, value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise r.fail(path, f"expected true or false, got {value!r}")
    return value


def _remedies(r: _Reader, value: Any) -> tuple[str, ...]:
    remedies = r.str_list(value, "remedies")
    for i, remedy in enumerate(remedies):
        if remedy not in REMEDIES:
            raise r.fail(f"remedies[{i}]", f"unknown decision {remedy!r} (allowed: {', '.join(REMEDIES)})")
    return tuple(dict.fromkeys(remedies))


def _hs_exceptions(r: _Reader, raw: Any, hs: tuple[str, ...]) -> tuple[HsException, ...]:
    """`hs_except`: a list of prefixes (always left out) or of {hs: [prefixes], from: date}."""
    if raw is None:
        return ()
    if not hs:
        raise r.fail("scope.hs_except", "an exception needs the `hs` prefixes it is carved out of")
    if not isinstance(raw, list):
        raise r.fail("scope.hs_except", "expected a list of HS prefixes or of {hs: [...], from: date}")
    out: list[HsException] = []
    for i, item in enumerate(raw):
        path = f"scope.hs_except[{i}]"
        if isinstance(item, Mapping):
            r.known(item, {"hs", "from"}, path + ".")
            codes, since = (
                r.str_list(r.req(item, "hs", path + "."), f"{path}.hs"),
                r.date(item.get("from"), f"{path}.from"),
            )
        else:
            codes, since = r.str_list(item, path), None
        for code in codes:
            if not code.isdigit() or not any(code.startswith(p) and len(code) > len(p) for p in hs):
                raise r.fail(path, f"HS prefix {code!r} must be digits under one of the scope's hs prefixes")
            out.append(HsException(code, since))
    return tuple(out)


def parse_rule(raw: Any, file: str, index: int = 0) -> Rule:
    rule_id = raw.get("id") if isinstance(raw, Mapping) else None
    r = _Reader(file, str(rule_id) if rule_id else f"#{index + 1}")
    data = r.mapping(raw, "rule")
    r.known(data, _RULE_KEYS, "")
    rid = str(r.req(data, "id", ""))
    if not rid.replace("_", "").isalnum() or not rid.islower():
        raise r.fail("id", "use lower_snake_case letters and digits")
    kind = r.req(data, "kind", "")
    if kind not in KINDS:
        raise r.fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    severity = r.req(data, "severity", "")
    if severity not in SEVERITIES:
        raise r.fail("severity", f"expected one of {', '.join(SEVERITIES)}, got {severity!r}")

    scope_raw = r.mapping(data.get("scope") or {}, "scope")
    r.known(scope_raw, (*SCOPE_KEYS, "hs_except"), "scope.")
    lists: dict[str, Any] = {k: r.str_list(scope_raw.get(k), f"scope.{k}") for k in SCOPE_KEYS}
    scope = Scope(**lists)
    for code in scope.hs:
        if not code.isdigit() or len(code) < 2:
            raise r.fail("scope.hs", f"HS prefix {code!r} must be 2 or more digits (quote it in YAML)")
    scope = replace(
        scope,
        hs_except=_hs_exceptions(r, scope_raw.get("hs_except"), scope.hs),
        origins=tuple(o.upper() for o in scope.origins),
        container_types=tuple(c.upper() for c in scope.container_types),
    )

    basis_raw = r.mapping(r.req(data, "basis", ""), "basis")
    r.known(basis_raw, {"document", "article", "url"}, "basis.")
    basis = LegalBasis(
        document=r.text(r.req(basis_raw, "document", "basis."), "basis.document"),
        article=None if basis_raw.get("article") is None else r.text(basis_raw["article"], "basis.article"),
        url=basis_raw.get("url"),
    )
    params_raw = r.mapping(data.get("parameters") or {}, "parameters")
    params = {str(name): _parameter(r, str(name), value) for name, value in params_raw.items()}

    def conditions(key: str) -> tuple[Condition, ...]:
        items = data.get(key) or []
        if not isinstance(items, list):
            raise r.fail(key, "expected a list of conditions")
        conds = tuple(_condition(r, c, f"{key}[{i}]") for i, c in enumerate(items))
        for i, c in enumerate(conds):
            for p in c.parameter_names():
                if p not in params:
                    raise r.fail(f"{key}[{i}]", f"names parameter {p!r}, which the rule does not define")
        return conds

    require, when = conditions("require"), conditions("when")
    adds_step = _step_spec(r, data["adds_step"]) if data.get("adds_step") is not None else None
    scenarios = data.get("scenarios") or []
    if not isinstance(scenarios, list) or not all(isinstance(s, Mapping) for s in scenarios):
        raise r.fail("scenarios", "expected a list of mappings")
    eff_from = r.date(data.get("effective_from"), "effective_from")
    eff_to = r.date(data.get("effective_to"), "effective_to")
    if eff_from and eff_to and eff_to < eff_from:
        raise r.fail("effective_to", "is before effective_from")
    successor = data.get("superseded_by")
    if successor is not None:
        successor = str(successor)
        if successor == rid:
            raise r.fail("superseded_by", "a rule cannot supersede itself")
        if eff_to is None:
            raise r.fail("effective_to", "is required when superseded_by names the rule that takes over")

    rule = Rule(
        id=rid,
        kind=kind,
        title=r.text(r.req(data, "title", ""), "title"),
        scope=scope,
        basis=basis,
        severity=severity,
        finding=r.text(r.req(data, "finding", ""), "finding"),
        effective_from=eff_from,
        effective_to=eff_to,
        parameters=params,
        step=data.get("step"),
        adds_step=adds_step,
        require=require,
        when=when,
        note=None if data.get("note") is None else r.text(data["note"], "note"),
        superseded_by=successor,
        forbids_release=_flag(r, data.get("forbids_release"), "forbids_release"),
        remedies=_remedies(r, data.get("remedies")),
        scenarios=tuple(scenarios),
        source=file,
    )
    if kind == "checklist" and adds_step is None:
        raise r.fail("adds_step", "a checklist rule must add a step")
    if kind == "validation" and not (require and rule.step_key):
        raise r.fail("require" if rule.step_key else "step", "a validation rule needs a step and require conditions")
    if kind == "selection" and not require:
        raise r.fail("require", "a selection rule needs require conditions")
    if rule.forbids_release and (kind == "selection" or scope.is_empty() or when):
        raise r.fail(
            "forbids_release",
            "only a rule with a scope and no `when` conditions can forbid release (it forbids what its scope catches)",
        )
    if kind == "alert" and not when and scope.is_empty():
        raise r.fail("when", "an alert rule needs when conditions or a scope")
    return rule


def _check_fields(rule: Rule, specs: Mapping[str, StepSpec]) -> None:
    r = _Reader(rule.source, rule.id)
    key = rule.step_key
    if rule.step is not None and rule.step not in specs:
        raise r.fail("step", f"unknown step {rule.step!r} (known: {', '.join(sorted(specs))})")
    if rule.kind == "selection":
        allowed = set(SELECTION_FIELDS)
    elif rule.kind == "alert":
        allowed = set(ALERT_FIELDS)
    else:
        allowed = set(DECLARED_FIELDS) | {i.name for i in specs[key].inputs} if key else set(DECLARED_FIELDS)
    for name, conds in (("require", rule.require), ("when", rule.when)):
        for i, cond in enumerate(conds):
            for f in cond.field_names():
                if f not in allowed:
                    raise r.fail(
                        f"{name}[{i}].field", f"unknown field {f!r} (known here: {', '.join(sorted(allowed))})"
                    )


def _check_successor(rule: Rule, catalogue: RuleCatalogue) -> None:
    """The rule a superseded rule names exists and is in force the day after the predecessor ends."""
    if rule.superseded_by is None or rule.effective_to is None:
        return
    if rule.superseded_by not in catalogue:
        raise RuleCatalogueError(
            rule.source, rule.id, "superseded_by", f"names {rule.superseded_by!r}, which is not in the catalogue"
        )
    successor = catalogue.get(rule.superseded_by)
    day_after = rule.effective_to + timedelta(days=1)
    if not successor.in_force(day_after):
        raise RuleCatalogueError(
            rule.source,
            rule.id,
            "superseded_by",
            f"{successor.id!r} is not in force on {day_after.isoformat()}, the day after effective_to",
        )


def build_catalogue(rules: Iterable[Rule]) -> RuleCatalogue:
    """The catalogue of these rules, checked together: unique ids, known steps and fields."""
    seen: dict[str, str] = {}
    checked: list[Rule] = []
    for rule in rules:
        if rule.id in seen:
            raise RuleCatalogueError(rule.source, rule.id, "id", f"duplicate id, also defined in {seen[rule.id]}")
        seen[rule.id] = rule.source
        checked.append(rule)
    catalogue = RuleCatalogue(tuple(checked))
    specs = catalogue.step_specs()
    for rule in checked:
        _check_fields(rule, specs)
        _check_successor(rule, catalogue)
        if rule.adds_step and rule.adds_step.after and rule.adds_step.after not in specs:
            raise RuleCatalogueError(rule.source, rule.id, "adds_step.after", f"unknown step {rule.adds_step.after!r}")
    return catalogue
