"""The rule catalogue's decisions for the seed, remembered.

The seed asks the same questions of the pure domain code over and over: the catalogue's state and
the selection policy of a day, the alert rules a declaration hits and its checklist (by the
declaration's shape: commodity codes, origin, tier, mode, port kind, box type and count), the
judgement of identical values, and the decisions the release policy leaves open. The answers are
those of the domain; only the asking is cached.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from portsight.catalogue import default_credit_calendar
from portsight.domain import selection as draw
from portsight.domain.checklist import generate_checklist
from portsight.domain.credit import CreditCalendar
from portsight.domain.facts import ContainerFacts, DeclarationFacts, GoodsLineFacts
from portsight.domain.release import DecisionOptions, ReleaseCase, decision_options
from portsight.domain.rulebook import Rule, RuleCatalogue
from portsight.domain.rules import Judgement, judge
from portsight.domain.steps import DECLARED_FIELDS, ChecklistStep


class CatalogueDecisions:
    """Memoised domain decisions on one catalogue; `sig` is a small int naming the catalogue's state on a day."""

    def __init__(self, catalogue: RuleCatalogue, calendar: CreditCalendar | None = None):
        self.catalogue = catalogue
        self.calendar = default_credit_calendar() if calendar is None else calendar  # tiers of the measures in force
        self._days: dict = {}
        self._signatures: dict = {}
        self._policies: dict = {}
        self._hit_cache: dict = {}
        self._checklists: dict = {}
        self._ctx_fields: dict = {}
        self._judged: dict = {}
        self._options: dict = {}

    def day(self, day: date) -> tuple[int, draw.SelectionPolicy]:
        """The catalogue's state on a day (rules in force, parameter values, scope exceptions in force) and the
        selection policy."""
        info = self._days.get(day)
        if info is None:
            measures = self.calendar.on(day)
            state = (measures.id if measures else None,) + tuple(
                (r.id, tuple((n, p.at(day)) for n, p in sorted(r.parameters.items())),
                 tuple(e.applies(day) for e in r.scope.hs_except))
                for r in self.catalogue.rules
                if r.in_force(day)
            )  # fmt: skip
            sig = self._signatures.setdefault(state, len(self._signatures))  # a small int hashes fast
            policy = self._policies.get(sig)
            if policy is None:
                policy = self._policies[sig] = draw.policy_from_catalogue(day, self.catalogue, self.calendar)
            info = self._days[day] = (sig, policy)
        return info

    def facts(self, shape: tuple, day: date, numbers: tuple[str, ...] = ()) -> DeclarationFacts:
        """The facts of a declaration shape on a day (containers named by index unless numbers are given)."""
        headings, origin, tier, mode, kind, size_type, n_boxes = shape
        boxes = tuple(ContainerFacts(numbers[i] if numbers else str(i), size_type) for i in range(n_boxes))
        return DeclarationFacts(mode, kind, origin, tier, tuple(GoodsLineFacts(h) for h in headings), boxes, day)

    def hits(self, shape: tuple, day: date, sig: int) -> list[Rule]:
        """Alert rules the declaration hits by scope alone (prohibited goods): they force inspection."""
        key = (shape[:6], sig)  # the number of containers does not change what a scope matches
        hits = self._hit_cache.get(key)
        if hits is None:
            hits = self._hit_cache[key] = [
                r for r in self.catalogue.rules if r.kind == "alert" and not r.when and r.applies_to(
                    self.facts(shape, day), day)
            ]  # fmt: skip
        return hits

    def checklist(self, shape: tuple, day: date, sig: int) -> list[ChecklistStep]:
        """The checklist of a declaration shape; per-container steps name containers by index ("0", "1").

        The containers of a seeded declaration share one size/type, so a scope selects all of them or none:
        the checklist for n containers is the one for a single container with every per-container step
        covering all n, and generate_checklist runs once per shape with or without containers.
        """
        key = (shape, sig)
        steps = self._checklists.get(key)
        if steps is None:
            n_boxes = shape[6]
            if n_boxes <= 1:
                steps = generate_checklist(self.facts(shape, day), day, self.catalogue)
            else:
                numbers = tuple(str(i) for i in range(n_boxes))
                steps = [
                    replace(step, container_numbers=numbers) if step.per_container else step
                    for step in self.checklist((*shape[:6], 1), day, sig)
                ]
            self._checklists[key] = steps
        return steps

    def judge(self, step: ChecklistStep, values: dict, context: dict, day: date, sig: int) -> Judgement:
        """domain.rules.judge, remembered for identical inputs (seven-point checks repeat a lot)."""
        fields = self._ctx_fields.get((step.key, step.rule_ids))
        if fields is None:
            names = {i.default_from for i in step.inputs if i.default_from}
            for rid in step.rule_ids:
                for cond in self.catalogue.get(rid).require:
                    names.update(f for f in cond.field_names() if f in DECLARED_FIELDS)
            fields = self._ctx_fields[step.key, step.rule_ids] = tuple(sorted(n for n in names if n))
        key = (step.key, step.rule_ids, tuple(values.items()), tuple(context.get(f) for f in fields), sig)
        result = self._judged.get(key)
        if result is None:
            result = self._judged[key] = judge(step, values, context, day, self.catalogue)
        return result

    def options(self, state: str, case: ReleaseCase, day: date) -> DecisionOptions:
        """domain.release.decision_options, remembered for the same declaration shape, findings, alerts and holds
        under the same catalogue state (what the options depend on: scopes, rule ids and severities, hold kinds
        and results, the rules in force)."""
        facts = case.facts
        key = (
            state,
            self.day(day)[0],  # what a day changes of the answers: the rules in force, their parameters and scopes
            tuple(g.hs_code for g in facts.goods),
            facts.origin_country,
            facts.credit_tier,
            facts.transport_mode,
            facts.port_kind,
            tuple(c.size_type for c in facts.containers[:1]),
            tuple(sorted((f.severity, f.rule_id or "") for f in case.findings)),
            tuple((a.kind, a.rule_id, a.state) for a in case.alerts),
            tuple((h.kind, h.result, h.rule_ids) for h in case.holds),
        )
        found = self._options.get(key)
        if found is None:
            found = self._options[key] = decision_options(state, case, self.catalogue, day)
        return found
