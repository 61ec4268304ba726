"""The inspector's checklist for one declaration, made from the base steps and the rules in scope.

An inspection's checklist is an aggregate: the declaration's facts, the steps the rules make of
them, and one *slot* per unit of work (a per-container step once per container it covers,
"seal@CSQU3054383"; a step without containers once, "goods"). The services judge and save a
slot at a time; `next_open_slot` and `missing_work` say where to resume and what stops
completion; `second_inspector_required` is the decision's two-person rule (what blocks release is
portsight.domain.release's).

Rules in scope add steps (radiation reading for recycled materials, impurity for recovered
paper or metal scrap, reefer temperature) after the step they name. Air cargo without
containers gets no container steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portsight.domain.conditions import StepSpec
from portsight.domain.facts import DeclarationFacts
from portsight.domain.inspection import Decision
from portsight.domain.rulebook import RuleCatalogue
from portsight.domain.steps import BASE_KEYS, BASE_STEPS, CONTAINER_STEP_KEYS, ChecklistStep


def _rank(key: str, added: dict[str, StepSpec], depth: int = 0) -> tuple[float, str]:
    if key in BASE_KEYS:
        return (float(BASE_KEYS.index(key)), key)
    spec = added[key]
    if spec.after and depth < 8 and (spec.after in BASE_KEYS or spec.after in added):
        base, _ = _rank(spec.after, added, depth + 1)
        return (base + 0.5 / (depth + 1), key)
    return (float(len(BASE_KEYS)), key)


def generate_checklist(facts: DeclarationFacts, on_date: date | None, catalogue: RuleCatalogue) -> list[ChecklistStep]:
    """The ordered steps for a declaration on a date (None: its declaration date).

    Pass the rules in force with their switches (db.rule_switches.enabled_catalogue) to honour an
    administrator's switch.
    """
    on_date = on_date or facts.declared_on
    in_scope = [r for r in catalogue.rules if r.in_force(on_date) and r.scope.matches(facts, on_date)]

    specs: dict[str, StepSpec] = {s.key: s for s in BASE_STEPS}
    added: dict[str, StepSpec] = {}
    adders: dict[str, list[str]] = {}
    for rule in in_scope:
        if rule.adds_step is not None:
            key = rule.adds_step.key
            added.setdefault(key, rule.adds_step)
            adders.setdefault(key, []).append(rule.id)
    specs.update(added)

    keys = [k for k in BASE_KEYS if facts.containers or k not in CONTAINER_STEP_KEYS]
    keys += sorted(added, key=lambda k: _rank(k, added))
    keys = sorted(keys, key=lambda k: _rank(k, added))

    steps = []
    for key in keys:
        spec = specs[key]
        rule_ids = [r.id for r in in_scope if r.id in adders.get(key, ()) or r.step == key]
        covered: tuple[str, ...] = ()
        if spec.per_container:
            # A rule-added per-container step covers the containers its rules' scopes select.
            containers = list(facts.containers)
            if key in added:
                containers = [
                    c for c in containers if any(catalogue.get(r).scope.container_matches(c) for r in adders[key])
                ]
            if not containers:
                continue
            covered = tuple(c.number for c in containers)
        steps.append(
            ChecklistStep(
                key=key,
                title=spec.title,
                inputs=spec.inputs,
                photos=spec.photos,
                per_container=spec.per_container,
                rule_ids=tuple(dict.fromkeys(rule_ids)),
                container_numbers=covered,
            )
        )
    return steps


# ------------------------------------------------------------------ the inspection's checklist: slots and progress


@dataclass(frozen=True)
class Slot:
    """One unit of work on the checklist: a step, for one container when the step is per container."""

    step: ChecklistStep
    container_number: str | None = None
    container_id: int | None = None

    @property
    def id(self) -> str:
        return f"{self.step.key}@{self.container_number}" if self.container_number else self.step.key

    @property
    def photos_required(self) -> int:
        return int(self.step.photos.count)


def checklist_slots(steps: Iterable[ChecklistStep], container_ids: dict[str, int] | None = None) -> list[Slot]:
    """The slots of a checklist in working order (a per-container step once per container it covers)."""
    ids = container_ids or {}
    out: list[Slot] = []
    for step in steps:
        if step.per_container:
            out += [Slot(step, number, ids.get(number)) for number in step.container_numbers]
        else:
            out.append(Slot(step))
    return out


def split_slot_id(slot_id: str) -> tuple[str, str | None]:
    """'seal@CSQU3054383' -> ('seal', 'CSQU3054383'); 'goods' -> ('goods', None)."""
    key, _, number = slot_id.partition("@")
    return key, number or None


@dataclass(frozen=True)
class InspectionChecklist:
    inspection_id: int
    port_id: int
    state: str
    current_step: str | None
    declaration: dict[str, Any]
    facts: DeclarationFacts
    goods: list[dict[str, Any]]
    containers: dict[str, dict[str, Any]]  # number -> {id, size_type, declared_seal}
    steps: list[ChecklistStep]
    slots: list[Slot]
    catalogue: RuleCatalogue = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def on_date(self) -> date:
        """The rules in force on the declaration's (local) date apply."""
        return self.facts.declared_on

    def slot(self, slot_id: str) -> Slot | None:
        return next((s for s in self.slots if s.id == slot_id), None)

    def slot_for(self, step_key: str, container_id: int | None) -> Slot | None:
        return next((s for s in self.slots if s.step.key == step_key and s.container_id == container_id), None)


def slot_id(step_key: str, container_number: str | None) -> str:
    return f"{step_key}@{container_number}" if container_number else step_key


def next_open_slot(checklist: InspectionChecklist, progress: dict[str, dict[str, Any]]) -> str | None:
    """The first slot without a recorded result, None when every slot is recorded."""
    return next((s.id for s in checklist.slots if progress[s.id]["outcome"] is None), None)


def missing_work(checklist: InspectionChecklist, progress: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """What stops completion: slots without a result, and slots with fewer photos than required."""
    unrecorded = [s.id for s in checklist.slots if progress[s.id]["outcome"] is None]
    photos = [
        (s.id, progress[s.id]["photos"], s.photos_required)
        for s in checklist.slots
        if progress[s.id]["photos"] < s.photos_required
    ]
    return {"unrecorded": unrecorded, "photos": photos}


# --------------------------------------------------------------------------- two-person decisions

SECOND_INSPECTOR_DECISIONS = frozenset({Decision.RETURN.value, Decision.DESTROY.value})


def second_inspector_required(decision: str) -> bool:
    """Return and destroy are decided by two inspectors."""
    return decision in SECOND_INSPECTOR_DECISIONS
