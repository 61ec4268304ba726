"""The decision on a seeded inspection, taken among those the release policy leaves open.

After the checklist the inspector decides with what portsight.domain.release.decision_options makes of
what the seed knows: the declaration's facts, the findings, the prohibited-goods alerts its arrival
raised and the holds ordered so far. Release is chosen only when the policy leaves it open; otherwise
the rules' remedies say what follows: attribute identification of suspected solid waste (concluded
waste, then returned), treatment then re-inspection, a laboratory sample, hold, return or destruction.
Each hold is recorded as services.inspections records it: a release_holds row, the waiting state and
the transitions into it and out of it when its result comes. A hold on the consignment is cleared
by the supervisor under the same policy within HOLD_CLEARED_WITHIN: no hold older than that is left
open in the history (a real supervisor does not leave goods held for months).

Each step is audited as the service taking it audits it: the inspector's decision as
services.decisions.take_decision (`field.decide`, then the lifecycle's `decide`, then the receipt of a
release), a supervisor's as services.inspections.decide_inspection, a hold's result as
record_hold_result (`hold_result`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from portsight.db import models as m
from portsight.demo.decisions import CatalogueDecisions
from portsight.demo.masterdata import SIMULATOR_SUPERVISOR, MasterData
from portsight.demo.records import Records
from portsight.demo.rows import Rows
from portsight.domain.checklist import second_inspector_required
from portsight.domain.inspection import (
    ACTIVE_STATES,
    DECISION_STATE,
    HOLD_OF_DECISION,
    IDENTIFICATION,
    LAB,
    TREATMENT,
    WAITING_DECISIONS,
    Decision,
    InspectionState,
)
from portsight.domain.release import AlertFact, DecisionOptions, FindingFact, HoldFact, ReleaseCase

FOOD = frozenset({"meat", "seafood", "dairy", "fruit", "cosmetics_wine"})
_WAITING = frozenset(d.value for d in WAITING_DECISIONS)
_ACTIVE = frozenset(s.value for s in ACTIVE_STATES)

# What each hold is, how long its result takes (days, uniform), and what the result note says.
_WHAT = {
    IDENTIFICATION: "委托专业鉴别机构开展固体废物属性鉴别 / Attribute identification by an accredited body",
    LAB: "抽取代表性样品送海关技术中心实验室检测 / Sample sent to the customs technical centre laboratory",
    TREATMENT: "溴甲烷熏蒸除害处理 / Methyl bromide fumigation",
}
_DAYS = {IDENTIFICATION: (5.0, 15.0), LAB: (2.0, 5.0), TREATMENT: (1.0, 3.0)}
# A supervisor clears a hold on the consignment within this (hours, lognormal around a working day).
HOLD_CLEARED_WITHIN = timedelta(hours=44)
_NOTES = {
    "waste": "鉴别结论：属于固体废物 / Concluded: solid waste",
    "pass": "检测合格 / Laboratory result: pass",
    "fail": "检测不合格 / Laboratory result: fail",
    "done": "熏蒸处理完成，复验 / Fumigation done, goods re-inspected",
}


class Verdicts:
    """Decides seeded inspections (`decide`), writing the hold rows and the inspection's transitions."""

    def __init__(self, rows: Rows, rng: random.Random, master: MasterData, decisions: CatalogueDecisions,
                 now: datetime, records: Records):  # fmt: skip
        self.rows = rows
        self.records = records
        self.rng = rng
        self.master = master
        self.decisions = decisions
        self.now = now

    def decide(
        self,
        decl: dict,
        iid: int,
        row: dict,
        transition: Callable[..., None],
        team: tuple[int, ...],
        findings: list[FindingFact],
        completed: datetime,
    ) -> datetime:
        """Carry a completed inspection through its decisions as far as `now`; returns the time it left the
        inspectors' active work for good (`now` when it is still active). `transition(from, to, at, user,
        action, **after)` records and audits each change of state."""
        rng, now = self.rng, self.now
        lead, day, cat = team[0], decl["day"], decl["cat"]
        facts = self.decisions.facts(decl["shape"], day)
        alerts: tuple[AlertFact, ...] = decl.get("alerts", ())
        holds: list[HoldFact] = []
        state = InspectionState.COMPLETED.value
        left = None  # when the inspection last left the active states
        at = completed + timedelta(minutes=self._delay(bool(findings)))

        def move(to: str, when: datetime, user: int | None, action: str, **after: object) -> None:
            nonlocal state, left
            transition(state, to, when, user, action, **after)
            state = to
            row["state"] = to
            if to in _ACTIVE:
                left = None
            elif left is None:
                left = when

        for _ in range(6):  # a hold or two, then a closing decision
            if at > now:
                break
            case = ReleaseCase(facts, tuple(findings), alerts, tuple(holds))
            options = self.decisions.options(state, case, day)
            sampled = any(h.kind == LAB for h in holds)
            choice = self._choose(options, bool(findings), cat.key in FOOD, sampled, state)
            by_supervisor = state == InspectionState.HELD.value
            decider = self.master.user_ids[SIMULATOR_SUPERVISOR] if by_supervisor else lead
            if choice in _WAITING:
                kind = HOLD_OF_DECISION[Decision(choice)]
                rule_ids = list(options.suggested.get(choice, ()))
                self.rows.add(m.ReleaseHold, {
                    "inspection_id": iid, "kind": kind, "what": _WHAT[kind], "rule_ids": rule_ids, "ordered_at": at,
                    "ordered_by_id": lead, "result": None, "result_note": None, "result_at": None,
                    "result_by_id": None})  # fmt: skip
                hold = self.rows.of(m.ReleaseHold)[-1]
                self._field_decide(iid, decl["pid"], at, lead, choice, None, findings)
                move(DECISION_STATE[Decision(choice)].value, at, lead, "decide", decision=choice, hold=kind,
                     what=_WHAT[kind], rule_ids=rule_ids)  # fmt: skip
                result_at = at + timedelta(days=rng.uniform(*_DAYS[kind]))
                if result_at > now:
                    break
                result = self._result(kind)
                hold.update(result=result, result_note=_NOTES[result], result_at=result_at, result_by_id=lead)
                holds.append(HoldFact(kind, result, _WHAT[kind], tuple(rule_ids), at))
                back = InspectionState.IN_PROGRESS.value if kind == TREATMENT else InspectionState.COMPLETED.value
                move(back, result_at, lead, "hold_result", hold=kind, result=result, note=_NOTES[result])
                if kind == TREATMENT:  # the treated goods are inspected again, then decided
                    result_at += timedelta(minutes=rng.uniform(15, 45))
                    if result_at > now:
                        break
                    move(InspectionState.COMPLETED.value, result_at, lead, "complete")
                at = result_at + timedelta(minutes=self._delay(True))
                continue
            second_id = None
            if not by_supervisor and second_inspector_required(choice):
                second_id = team[1] if len(team) > 1 else self._second_inspector(decl, iid, lead, at)
                if second_id is None:  # services.decisions records a second inspector for a return or destruction
                    choice = Decision.HOLD.value
            if not by_supervisor:
                self._field_decide(iid, decl["pid"], at, lead, choice, second_id, findings)
            final = DECISION_STATE[Decision(choice)].value
            move(final, at, decider, "decide", decision=choice)
            row.update(decided_at=at, decision=choice, decided_by_id=decider)
            if final == InspectionState.RELEASED.value:
                self.records.receipt(iid, decl["pid"], at, decider, decl["boxes"])
            if final != InspectionState.HELD.value:
                break
            # The supervisor clears the hold within HOLD_CLEARED_WITHIN (a working day or so, mostly).
            hours = min(rng.lognormvariate(math.log(20), 0.5), HOLD_CLEARED_WITHIN / timedelta(hours=1))
            at += timedelta(hours=hours)
        return left if left is not None else now

    def _delay(self, considered: bool) -> float:
        """Minutes from completion (or a result) to the decision: longer when there is something to weigh."""
        return self.rng.lognormvariate(math.log(90), 1.0) if considered else self.rng.lognormvariate(math.log(12), 0.9)

    def _choose(self, options: DecisionOptions, findings: bool, food: bool, sampled: bool, state: str) -> str:
        """One of the open decisions: the remedy the rules call for where release is blocked; a sample of
        food goes to the laboratory now and then (once)."""
        rng, allowed, suggested = self.rng, options.allowed, options.suggested
        if any(b.kind == "waste" for b in options.blockers) and Decision.RETURN.value in allowed:
            return Decision.RETURN.value  # solid waste is returned (Solid Waste Law Art. 115)
        if Decision.IDENTIFY.value in suggested:
            return Decision.IDENTIFY.value  # suspected solid waste is identified first (Art. 25)
        if state == InspectionState.HELD.value:
            weights = {"release": 60, "return": 30, "destroy": 10}
        elif options.release_allowed:
            if not findings:
                return Decision.RELEASE.value
            if Decision.TREAT.value in suggested and rng.random() < 0.5:
                return Decision.TREAT.value
            if food and not sampled and rng.random() < 0.15:
                return Decision.SAMPLE.value
            weights = {"release": 40, "hold": 33, "return": 18, "destroy": 9 if food else 3}
        else:
            if Decision.TREAT.value in suggested and rng.random() < 0.7:
                return Decision.TREAT.value
            weights = {"hold": 33, "return": 18, "destroy": 9 if food else 3}
            for decision in suggested:
                if decision in weights:
                    weights[decision] *= 3
        pairs = [(d, w) for d, w in weights.items() if d in allowed]
        return rng.choices([d for d, _ in pairs], weights=[w for _, w in pairs])[0]

    def _result(self, kind: str) -> str:
        """The result of a hold: suspected waste of the demo's trades is always concluded waste."""
        if kind == IDENTIFICATION:
            return "waste"
        if kind == LAB:
            return "pass" if self.rng.random() < 0.85 else "fail"
        return "done"

    def _second_inspector(self, decl: dict, iid: int, lead: int, at: datetime) -> int | None:
        """A colleague without a conflict of interest recorded as second inspector, when there is one."""
        eid, conflicts = decl["eid"], self.master.conflicts
        others = [u for u in self.master.port_inspectors[decl["pid"]] if u != lead and (u, eid) not in conflicts]
        if not others:
            return None
        second = self.rng.choice(others)
        self.rows.add(m.InspectorAssignment, {
            "inspection_id": iid, "user_id": second, "position": "second", "assigned_at": at,
            "draw_seed": None, "draw_inputs": None})  # fmt: skip
        return second

    def _field_decide(self, iid: int, pid: int, at: datetime, lead: int, decision: str, second_id: int | None,
                      findings: list[FindingFact]) -> None:  # fmt: skip
        """The inspector's confirmed decision as services.decisions.take_decision audits it."""
        self.records.audit(at, lead, "field.decide", "inspection", iid, pid, {
            "decision": decision, "confirmed": True, "second_inspector_id": second_id,
            "finding_severities": [f.severity for f in findings]})  # fmt: skip
