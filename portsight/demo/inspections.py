"""Inspections of the seeded history, from dispatch to decision, as the product records them.

For each declaration drawn for inspection: the team dispatched among the inspectors on duty
(domain.selection.dispatch, seed and inputs recorded for replay), the lifecycle (assigned,
started, completed, decided, holds cleared later) in working hours, the checklist that
domain.checklist makes of the declaration, the values an inspector enters (now and then a fault
typical of the goods), judged by domain.rules.judge into step results and findings, the alerts
the field service and the alert checks raise on the way, now and then a remote assist session,
and the decisions the release policy leaves open (demo/verdicts.py: holds for identification,
treatment or a laboratory, then return, destruction or release). Work still open at `now` stays
open where it is.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import fields
from datetime import UTC, datetime, timedelta

from portsight.alert_checks import Trigger
from portsight.alert_checks.patterns import seal_mismatch_trigger
from portsight.db import models as m
from portsight.db.alert_store import finding_alert_title
from portsight.demo.alerts import SeededAlerts
from portsight.demo.decisions import CatalogueDecisions
from portsight.demo.draw_days import DrawDays
from portsight.demo.masterdata import MasterData
from portsight.demo.photos import PhotoPool
from portsight.demo.records import Records
from portsight.demo.rows import Rows, to_json
from portsight.demo.verdicts import Verdicts
from portsight.demo.world import COMMON_FAULTS, LOCAL, ORIGIN_FACTOR, SEVEN_POINTS, Category
from portsight.domain import selection as draw
from portsight.domain.conditions import InputSpec, bilingual
from portsight.domain.release import FindingFact
from portsight.domain.repeats import NonConformity
from portsight.domain.rules import NON_CONFORMING, Judgement
from portsight.services.dispatch import WORKLOAD_WINDOW_DAYS

_CANDIDATE_FIELDS = tuple(f.name for f in fields(draw.Candidate))
# services.evidence.attach_photo's row of a photo taken with the camera (no position, no assist session).
EVIDENCE_COLUMNS = ("id", "inspection_id", "step_key", "container_id", "sha256", "media_type", "size_bytes",
                    "original_name", "source", "taken_at", "taken_by_id")  # fmt: skip


def _by_user(candidate: draw.Candidate) -> int:
    return candidate.user_id


def _next_work_time(t: datetime) -> datetime:
    """Inspections happen 08:00-20:00 local time (every day at the large ports, fewer people at weekends)."""
    local = t + LOCAL
    if 8 <= local.hour < 20:
        return t
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC) - LOCAL


class Inspections:
    """Seeds one inspection at a time (`inspection`); remembers each inspector's assignments
    (workload) and each enterprise's last team."""

    def __init__(
        self,
        rows: Rows,
        rng: random.Random,
        master: MasterData,
        decisions: CatalogueDecisions,
        alerts: SeededAlerts,
        seed: int,
        now: datetime,
        days: DrawDays,
        records: Records,
        photos: PhotoPool,
    ):
        self.rows = rows
        self.rng = rng
        self.master = master
        self.decisions = decisions
        self.alerts = alerts
        self.seed = seed
        self.now = now
        self.days = days
        self.records = records
        self.photos = photos
        self._evidence = rows.table(m.Evidence, EVIDENCE_COLUMNS)  # the largest table: kept as tuples
        rows.json_text[m.StepResult] = frozenset({"values", "rules_applied"})
        self._rules_json: dict[tuple[str, ...], str] = {}
        self._values_json: dict[int, str] = {}
        self.assigned_times: dict[int, list[datetime]] = {}
        self.last_team: dict[int, tuple[int, ...]] = {}
        self._fault_kind: str | None = None
        self._step_inputs: tuple[InputSpec, ...] = ()
        self.verdicts = Verdicts(rows, rng, master, decisions, now, records)

    def _on_duty(self, pid: int, at: datetime) -> set[int]:
        day = (at + LOCAL).date()
        return {uid for uid, begin, end in self.master.shifts.get((pid, day), ()) if begin <= at < end}

    def _workload(self, uid: int, at: datetime) -> int:
        times = self.assigned_times.get(uid, [])
        return bisect.bisect_right(times, at) - bisect.bisect_left(times, at - timedelta(days=WORKLOAD_WINDOW_DAYS))

    def _dispatch(self, decl: dict, iid: int, needed: int, at: datetime) -> tuple[datetime, tuple[int, ...], dict]:
        """domain.selection.dispatch among the inspectors on duty; later (next hour) when too few are on duty."""
        pid, eid = decl["pid"], decl["eid"]
        previous = set(self.last_team.get(eid, ()))
        for _ in range(96):
            if at > self.now:
                break
            on_duty = self._on_duty(pid, at)
            if len(on_duty) >= needed:
                candidates = [
                    draw.Candidate(uid, uid in on_duty, self._workload(uid, at), (uid, eid) in self.master.conflicts,
                                   uid in previous)
                    for uid in self.master.port_inspectors[pid]
                ]  # fmt: skip
                seed = self.days.dispatch_seed(at, iid)  # the seed of the day the team is drawn
                result = draw.dispatch(candidates, needed, seed)
                if not result.shortfall:
                    # = draw.dispatch_inputs(candidates, ...), without dataclasses.asdict's deep copies
                    inputs = draw.dispatch_inputs([], needed, inspection_id=iid, enterprise_id=eid, at=at.isoformat())
                    inputs["candidates"] = [
                        {f: getattr(c, f) for f in _CANDIDATE_FIELDS} for c in sorted(candidates, key=_by_user)
                    ]
                    return at, result.user_ids, {"seed": seed, "inputs": inputs, "relaxed": result.relaxed}
            at = _next_work_time(at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
            at += timedelta(minutes=self.rng.randint(1, 20))
        return at, (), {}

    def inspection(self, decl: dict, sid: int, drawn: datetime, forced: bool, needed: int) -> None:
        """One inspection opened when drawn (forced: by a rule's hit, needed: inspectors the draw asks for),
        carried as far as `now` allows, with its transitions and alerts."""
        rng, now = self.rng, self.now
        did, pid, eid, ent, cat = decl["id"], decl["pid"], decl["eid"], decl["ent"], decl["cat"]
        created = drawn
        iid = self.rows.add(m.Inspection, {
            "declaration_id": did, "port_id": pid, "selection_id": sid, "state": "pending",
            "priority": 1 if forced else 0, "created_at": created, "assigned_at": None, "started_at": None,
            "completed_at": None, "decided_at": None, "decision": None, "decided_by_id": None,
            "current_step": None})  # fmt: skip
        row = self.rows.of(m.Inspection)[-1]
        # (from_state, to_state, at, user_id) of each transition, audited as the service making it audits it
        trans: list[tuple[str | None, str, datetime, int | None]] = []
        audit = self.records.audit

        def move(frm: str | None, to: str, at: datetime, user: int | None, action: str, **extra: object) -> None:
            trans.append((frm, to, at, user))
            audit(at, user, action, "inspection", iid, pid, {"state": to, **extra},
                  None if frm is None else {"state": frm})  # fmt: skip

        move(None, "pending", created, None, "open", declaration_id=did, selection_id=sid,
             priority=1 if forced else 0)  # fmt: skip
        closed_at = now  # until decided, the inspection stays open (overdue alerts)

        def finish() -> None:
            for frm, to, at, user in trans:
                self.rows.add(m.InspectionTransition, {"inspection_id": iid, "from_state": frm, "to_state": to,
                                                       "at": at, "user_id": user})  # fmt: skip
            self.alerts.overdue(iid, pid, decl["number"], row["state"], created, closed_at)

        wanted = _next_work_time(created) + timedelta(minutes=rng.lognormvariate(math.log(15), 0.7))
        assigned, team, record = self._dispatch(decl, iid, needed, wanted)
        if not team:
            return finish()
        for pos, uid in enumerate(team):
            bisect.insort(self.assigned_times.setdefault(uid, []), assigned)
            self.rows.add(m.InspectorAssignment, {"inspection_id": iid, "user_id": uid,
                          "position": "lead" if pos == 0 else "second", "assigned_at": assigned,
                          "draw_seed": record["seed"], "draw_inputs": record["inputs"]})  # fmt: skip
        self.last_team[eid] = team
        lead = team[0]
        row.update(state="assigned", assigned_at=assigned)
        move("pending", "assigned", assigned, None, "assign", inspectors=list(team), previous_inspectors=[])
        audit(assigned, None, "dispatch", "inspection", iid, pid,
              {"inspectors": list(team), "seed": record["seed"], "relaxed": record["relaxed"]})  # fmt: skip

        started = _next_work_time(assigned + timedelta(minutes=rng.lognormvariate(math.log(40), 0.6)))
        if started > now:
            return finish()
        row.update(state="in_progress", started_at=started)
        move("assigned", "in_progress", started, lead, "start")

        # The checklist the product makes of this declaration, one slot per step and container.
        day = decl["day"]
        sig, _ = self.decisions.day(day)
        boxes = decl["boxes"]
        steps = self.decisions.checklist(decl["shape"], day, sig)
        slots = [(step, boxes[int(i)] if step.per_container else None) for step in steps
                 for i in (step.container_numbers if step.per_container else ("-",))]  # fmt: skip
        tier_factor = {"advanced_certified": 0.5, "general": 1.0, "dishonest": 2.2}[ent["tier"]]
        p_nc = min(0.9, cat.nc_rate * ORIGIN_FACTOR.get(decl["origin"], 1.0) * tier_factor)
        fault = None
        if rng.random() < p_nc:
            fault = self._fault(cat, slots)
        if decl["misdeclared"]:  # declared as a recycled raw material, found to be something else
            fault = self._misdeclared(slots)
        if rng.random() < 0.006:  # someone closes an inspection in minutes (the alert checks should notice)
            duration = rng.uniform(3, 9)
        else:
            duration = rng.lognormvariate(math.log(25 + 10 * len(slots)), 0.45)
        findings: list[FindingFact] = []
        nc_at = None
        n_photos = 0
        gap = timedelta(minutes=duration / (len(slots) + 1))  # between two steps
        slot_ids = [f"{step.key}@{box[1]}" if box else step.key for step, box in slots]
        for i, (step, box) in enumerate(slots):
            at = started + gap * (i + 1)
            slot_id = slot_ids[i]
            if at > now:
                row["current_step"] = slot_id
                return finish()
            self._step_inputs = step.inputs
            values = self._values(step.key, box, decl, fault == (step.key, box))
            context = {"declared_gross_weight_kg": decl["weight"], "declared_quantity": decl["quantity"]}
            if box is not None:
                context.update(declared_number=box[1], declared_seal=box[2], declared_seal_class=box[3])
            judgement = self.decisions.judge(step, values, context, day, sig)
            values_json = self._values_text(judgement)
            self.rows.add(m.StepResult, {
                "inspection_id": iid, "step_key": step.key, "container_id": box[0] if box else None,
                "outcome": judgement.outcome, "values": values_json, "rules_applied": self._rules_text(step.rule_ids),
                "note": None, "recorded_at": at, "recorded_by_id": lead})  # fmt: skip
            if judgement.outcome == NON_CONFORMING:
                nc_at = at
            for f in judgement.findings:
                findings.append(FindingFact(f.severity, f.text, f.citation, f.rule_id))
                self.rows.add(m.Finding, {"inspection_id": iid, "step_key": step.key,
                              "container_id": box[0] if box else None, "rule_id": f.rule_id, "severity": f.severity,
                              "description": bilingual(f.text, f.detail), "citation": bilingual(f.citation),
                              "created_at": at, "created_by_id": lead})  # fmt: skip
                if f.severity == "high":  # services.field raises these as it records the step
                    title = finding_alert_title(f.text, slot_id)
                    self.alerts.add(Trigger(
                        dedupe_key=f"finding:{iid}:{slot_id}:{f.rule_id}", kind="finding", severity="high",
                        port_id=pid, title=title.text, title_key=title.key, title_params=title.params, at=at,
                        rule_id=f.rule_id,
                        detail={"rule_id": f.rule_id, "step": slot_id, "citation": f.citation.en},
                        inspection_id=iid, declaration_id=did))  # fmt: skip
            if self.records.audited(at):
                self.records.audit_text(at, lead, "field.step", "inspection", iid, pid, (
                    f'{{"step": {to_json(slot_id)}, "outcome": "{judgement.outcome}", "values": {values_json}, '
                    f'"findings": {to_json([f.rule_id for f in judgement.findings])}, "replaced_findings": [], '
                    f'"next_step": {to_json(slot_ids[i + 1] if i + 1 < len(slot_ids) else None)}}}'))  # fmt: skip
                n_photos += self._photos(iid, step, box, at, gap, lead)
            if step.key == "seal" and box is not None and judgement.outcome == NON_CONFORMING:
                observed = judgement.values.get("seal_number")
                self.alerts.add(seal_mismatch_trigger(iid, box[0], did, pid, decl["number"], box[1], box[2], observed,
                                                      at))  # fmt: skip
        if nc_at is not None:
            hs4 = tuple(sorted({h[:4] for h in decl["codes"]}))
            self.alerts.non_conformity(NonConformity(nc_at, eid, pid, decl["origin"], hs4))
        if rng.random() < 0.025 and slots:
            self.assist(iid, pid, [(s.key, None) for s, _ in slots], cat, lead, started, duration)
        completed = started + timedelta(minutes=duration)
        if completed > now:
            return finish()
        row.update(state="completed", completed_at=completed, current_step=None)
        move("in_progress", "completed", completed, lead, "complete")
        self.alerts.quick_close(iid, pid, did, decl["number"], started, completed, len(slots), n_photos)

        closed_at = self.verdicts.decide(decl, iid, row, move, team, findings, completed)
        finish()

    def _values_text(self, judgement: Judgement) -> str:
        """The judged values as JSON text, encoded once per judgement: decisions.judge hands the same one out
        again for the same inputs and keeps it for the whole seed, so its id names it."""
        found = self._values_json.get(id(judgement))
        if found is None:
            found = self._values_json[id(judgement)] = to_json(dict(judgement.values))
        return found

    def _rules_text(self, rule_ids: tuple[str, ...]) -> str:
        found = self._rules_json.get(rule_ids)
        if found is None:
            found = self._rules_json[rule_ids] = to_json(list(rule_ids))
        return found

    def _photos(self, iid: int, step, box: tuple | None, at: datetime, gap: timedelta, lead: int) -> int:
        """The photos the step asks for, taken after its values were saved and before the next step
        (services.evidence.attach_photo's row, the picture from the step's pool); returns how many. Only steps
        recorded since Records.detail_from get them (seed.DETAIL_WEEKS)."""
        count = step.photos.count
        taken = 0
        for j in range(count):
            taken_at = at + gap * (j + 1) / (count + 1)
            if taken_at > self.now:
                break
            photo = self.photos.photo(step.key, iid + j)
            self._evidence.append((
                len(self._evidence) + 1, iid, step.key, box[0] if box else None, photo.sha256, photo.media_type,
                photo.size_bytes, f"{step.key}.jpg", "camera", taken_at, lead))  # fmt: skip
            taken += 1
        return taken

    def _fault(self, cat: Category, slots: list) -> tuple[str, tuple | None] | None:
        """Which slot goes wrong, by what is typical of the goods (only faults whose step is on the checklist)."""
        rng = self.rng
        keys = {"seal": "seal", "body": "container_body", "number": "container_number", "goods_desc": "goods",
                "goods_weight": "goods", "packaging": "packaging", "reefer": "reefer_temperature",
                "radiation": "radiation", "impurity": "impurity", "ccc": "ccc", "label": "chinese_label",
                "meat_docs": "meat_documents", "pests": "plant_quarantine",
                "recycled": "recycled_raw_material"}  # fmt: skip
        present = {step.key for step, _ in slots}
        options = [(f, w) for f, w in cat.faults + COMMON_FAULTS if keys[f] in present]
        if not options:
            return None
        fault = rng.choices([f for f, _ in options], weights=[w for _, w in options])[0]
        boxes = [box for step, box in slots if step.key == keys[fault]]
        self._fault_kind = fault
        return keys[fault], rng.choice(boxes)

    def _values(self, key: str, box, decl: dict, bad: bool) -> dict:
        """What the inspector enters at a step, by the checklist's input names (bad: the fault drawn)."""
        rng, cat = self.rng, decl["cat"]
        fault = self._fault_kind if bad else None
        if key == "container_number":
            number = box[1]
            if bad:
                number = number[:10] + str((int(number[10]) + rng.randint(1, 9)) % 10)
            return {"number": number}
        if key == "seal":
            seal = box[2] if not bad else box[2][:-3] + f"{(int(box[2][-3:]) + rng.randint(1, 998)) % 1000:03d}"
            return {"seal_number": seal, "seal_class": "H"}  # bolt seals, ISO 17712 class H
        if key == "seal_integrity":  # view, tug, twist, turn: the seal holds (a broken seal is the seal fault)
            return dict.fromkeys(("seal_view", "seal_tug", "seal_twist", "seal_turn"), True)
        if key == "reseal":  # the customs seal put on after inspection: its own number, no draw (keeps the stream)
            return {"new_seal_number": f"HG{box[1][4:10]}{box[0] % 10}", "new_seal_class": "H"}
        if key == "reefer_temperature":
            if cat.key in ("meat", "seafood"):
                set_point = rng.choice((-18.0, -18.0, -20.0, -25.0))
            elif cat.key == "fruit":
                set_point = rng.choice((0.5, 2.0, 7.0, 13.0))
            else:
                set_point = rng.choice((2.0, 4.0, -18.0))
            delta = rng.uniform(3.0, 9.0) if bad else rng.uniform(-1.5, 1.5)
            return {"set_point_c": set_point, "measured_c": round(set_point + delta, 1)}
        if key == "radiation":
            background = round(rng.uniform(0.06, 0.16), 3)
            dose = background + (rng.uniform(0.35, 2.5) if bad else rng.uniform(0.0, 0.15))
            return {"dose_rate_ugy_h": round(dose, 3), "background_ugy_h": background}
        if key == "impurity":
            return {"impurity_pct": round(rng.uniform(1.6, 6.0) if bad else rng.uniform(0.05, 0.45), 2)}
        if key == "goods":
            weight = decl["weight"] * (1 + rng.uniform(-0.03, 0.03))
            if fault == "goods_weight":
                weight = decl["weight"] * (1 + rng.choice((-1, 1)) * rng.uniform(0.08, 0.3))
            return {"description_matches": fault != "goods_desc", "quantity": decl["quantity"],
                    "gross_weight_kg": round(weight, 1)}  # fmt: skip
        if key == "packaging":
            wood = bad or rng.random() < cat.wood
            values = {"packaging_intact": rng.random() > 0.03, "wood_packaging": wood}
            if wood:
                values["ispm15_mark"] = not bad
            return values
        if key == "container_body":
            values = dict.fromkeys(SEVEN_POINTS, True)
            if bad:
                values[rng.choice(SEVEN_POINTS)] = False
            return values
        return self._step_values(key, fault)

    def _misdeclared(self, slots: list) -> tuple[str, tuple | None] | None:
        """The recycled raw-material step of a lot that is not what it is declared as (when on the checklist)."""
        boxes = [box for step, box in slots if step.key == "recycled_raw_material"]
        if not boxes:
            return None
        self._fault_kind = "not_as_declared"
        return "recycled_raw_material", boxes[0]

    def _step_values(self, key: str, fault: str | None) -> dict:
        """The steps of the goods families: what an inspector finds on conforming goods, or the fault drawn;
        a step the seed does not know gets conforming values by its inputs (yes, within limits, a choice)."""
        if key == "ccc":  # the product is on the list: mark and certificate, or no mark
            return {"needs_ccc": True, "ccc_mark": fault != "ccc", "certificate_covers_model": True}
        if key == "chinese_label":  # prepackaged food and wine: a full Chinese back label, or none
            ok = fault != "label"
            return {"prepackaged": True, "chinese_label": ok, "origin_and_agent": ok, "label_items": ok}
        if key == "meat_documents":
            return {"certificate_matches": True, "establishment_number_matches": fault != "meat_docs"}
        if key == "plant_quarantine":  # fresh fruit: no bark; live pests now and then
            return {"free_of_pests": fault != "pests", "free_of_soil": True, "bark_present": False}
        if key == "recycled_raw_material":
            found: dict[str, object] = {"kind_as_declared": fault != "not_as_declared",
                      "meets_standard_on_sight": fault not in ("recycled", "not_as_declared")}  # fmt: skip
            if any(spec.name == "one_kind_per_container" for spec in self._step_inputs):
                found["one_kind_per_container"] = True
            return found
        values: dict[str, object] = {}
        for spec in self._step_inputs:
            if spec.type == "bool":
                values[spec.name] = True
            elif spec.type == "number":
                low = spec.min if spec.min is not None else 0
                values[spec.name] = low if spec.max is None else (low + spec.max) / 2
            elif spec.type == "choice" and spec.choices:
                values[spec.name] = spec.choices[-1]
            elif spec.required:
                values[spec.name] = "OK"
        return values

    def assist(self, iid, pid, steps, cat, lead, started, duration) -> None:
        """A remote assist session the lead inspector asked an expert for during the inspection."""
        rng = self.rng
        step = rng.choice(steps)[0]
        requested = started + timedelta(minutes=duration * rng.uniform(0.2, 0.7))
        if requested > self.now:
            return
        expert = rng.choice(self.master.experts)
        joined = requested + timedelta(minutes=rng.lognormvariate(math.log(3), 0.6))
        ended = joined + timedelta(minutes=rng.lognormvariate(math.log(9), 0.5))
        state = "ended" if ended <= self.now else "active" if joined <= self.now else "waiting"
        sid = self.rows.add(m.AssistSession, {
            "inspection_id": iid, "port_id": pid, "step_key": step,
            "question": f"Please help me judge the {step.replace('_', ' ')} of this {cat.key.replace('_', ' ')} lot.",
            "expertise": None, "state": state, "requested_by_id": lead, "requested_at": requested,
            "expert_id": expert if state != "waiting" else None, "joined_at": joined if state != "waiting" else None,
            "ended_at": ended if state == "ended" else None,
            "note": "Compared with reference samples; conclusion given to the inspector." if state == "ended" else None,
            "conclusion": rng.choice(["conforming", "non-conforming, take samples"]) if state == "ended" else None,
            "recording_path": None, "circle": 0, "circle_since": requested})  # fmt: skip
        if state != "waiting":
            self.rows.add(m.ChatMessage, {"session_id": sid, "user_id": lead, "sent_at": joined,
                                          "text": "Camera on the marking now."})  # fmt: skip
            self.rows.add(m.ChatMessage, {"session_id": sid, "user_id": expert,
                                          "sent_at": joined + timedelta(minutes=1),
                                          "text": "Move closer to the label, please."})  # fmt: skip
