"""The alerts of the seeded history, as the live alert checks and the field service raise them.

Each alert is built by the check's own trigger builder (portsight.alert_checks) from what the
seed recorded, so its dedupe key, kind, title and detail are those the live checks would write
and, running on, they count on from it instead of raising it twice. What the seed adds is the
alert's handling: acknowledged and resolved by the supervisor as it gets older, or resolved by the
system when its condition cleared first, as the live checks resolve it (portsight.alert_checks):
an overdue inspection leaving the inspectors' hands, the inspection of a seal mismatch or of a
declaration of prohibited goods decided, a repeated non-conformity falling below the threshold.
So right after the seed the unresolved alerts are those whose condition holds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from portsight.alert_checks import AlertCheckLimits, Trigger
from portsight.alert_checks.overdue import overdue_trigger
from portsight.alert_checks.patterns import (
    inspection_rule_trigger,
    inspection_rules,
    repeat_trigger,
)
from portsight.db import models as m
from portsight.db.alert_store import BY_HAND, CONDITION_CLEARED
from portsight.db.non_conformities import EnterpriseName
from portsight.demo.rows import Rows
from portsight.demo.world import LOCAL
from portsight.domain.inspection import FINAL_STATES
from portsight.domain.repeats import Group, NonConformity, groups_of, repeat_triggers
from portsight.domain.rulebook import RuleCatalogue
from portsight.domain.rules import alert_fires

# The kinds of the alert rules that fire on a declaration (an inspection's rules are kind "rule" too).
DECLARATION_KINDS = frozenset({"prohibited_goods", "rule"})


class SeededAlerts:
    """Writes alert rows; collects the non-conformities for the repeated non-conformity alerts at the end."""

    def __init__(
        self,
        rows: Rows,
        rng: random.Random,
        now: datetime,
        supervisor_id: int,
        catalogue: RuleCatalogue,
        limits: AlertCheckLimits,
    ):
        self.rows = rows
        self.rng = rng
        self.now = now
        self.supervisor_id = supervisor_id
        self.limits = limits
        self.inspection_rules = inspection_rules([r for r in catalogue.rules if r.kind == "alert"])
        self.non_conformities: list[NonConformity] = []

    def add(
        self,
        trigger: Trigger,
        *,
        first_at: datetime | None = None,
        count: int = 1,
        cleared_at: datetime | None = None,
    ) -> None:
        """One alert row, last raised by `trigger` (first at `first_at`, `count` triggers in all);
        its state (open, acknowledged, resolved) follows the age of its last trigger, unless its
        condition cleared (cleared_at) before the supervisor resolved it."""
        rng = self.rng
        last_at = trigger.at
        first_at = first_at or last_at
        age = self.now - last_at
        if age > timedelta(days=3):
            state = "resolved" if rng.random() < 0.92 else "acknowledged"
        elif age > timedelta(hours=6):
            state = rng.choice(["open", "acknowledged", "resolved"])
        else:
            state = "open"
        sup = self.supervisor_id
        ack = last_at + timedelta(minutes=rng.randint(5, 240)) if state != "open" else None
        # a resolved alert is acknowledged first, so ack is set whenever state is "resolved"
        res = ack + timedelta(hours=rng.uniform(1, 48)) if state == "resolved" and ack is not None else None
        if res is not None and res > self.now:
            state, res = "acknowledged", None
        if ack is not None and ack > self.now:
            state, ack = "open", None
        self.rows.add(m.Alert, {
            "dedupe_key": trigger.dedupe_key[:200], "kind": trigger.kind, "rule_id": trigger.rule_id,
            "severity": trigger.severity, "port_id": trigger.port_id, "inspection_id": trigger.inspection_id,
            "declaration_id": trigger.declaration_id, "title": trigger.title[:300],
            "title_key": trigger.title_key, "title_params": trigger.title_params,
            "detail": {**trigger.detail, "trigger_at": last_at.isoformat()}, "state": state, "count": count,
            "first_raised_at": first_at, "last_raised_at": last_at, "assigned_to_id": None,
            "acknowledged_at": ack, "acknowledged_by_id": sup if ack else None,
            "resolved_at": res, "resolved_by_id": sup if res else None,
            "resolved_reason": BY_HAND if res else None, "enterprise_id": trigger.enterprise_id,
            "pending_until": None, "escalation_level": 0, "escalated_at": None,
            "comment": "Checked with the port; handled." if res else None})  # fmt: skip
        if cleared_at is not None:
            self._cleared(self.rows.of(m.Alert)[-1], cleared_at)

    def _cleared(self, row: dict, at: datetime) -> None:
        """The alert's condition cleared at `at`: resolved by the system then, unless already resolved."""
        if at >= self.now or (row["state"] == "resolved" and row["resolved_at"] <= at):
            return
        acknowledged = row["acknowledged_at"] is not None and row["acknowledged_at"] <= at
        row.update({
            "state": "resolved", "resolved_at": at, "resolved_by_id": None, "resolved_reason": CONDITION_CLEARED,
            "comment": None, "acknowledged_at": row["acknowledged_at"] if acknowledged else None,
            "acknowledged_by_id": row["acknowledged_by_id"] if acknowledged else None})  # fmt: skip

    def overdue(self, iid: int, pid: int, number: str, state: str, created: datetime, closed_at: datetime) -> None:
        """Raised once per service time an inspection stayed open (until closed_at, or now)."""
        trigger = overdue_trigger(iid, pid, number, state, created, min(closed_at, self.now), self.limits)
        if trigger is not None:
            first = created + timedelta(minutes=self.limits.overdue_minutes)
            cleared = closed_at if closed_at < self.now else None
            self.add(trigger, first_at=first, count=trigger.detail["periods"], cleared_at=cleared)

    def quick_close(
        self,
        iid: int,
        pid: int,
        did: int,
        number: str,
        started: datetime,
        completed: datetime,
        steps: int,
        photos: int,
    ) -> None:
        """The catalogue's inspection alert rules (closing fast without a photo) on a completed
        inspection with its photo count."""
        took = (completed - started).total_seconds() / 60
        values = {"minutes_to_close": took, "photo_count": photos, "step_count": steps}
        for rule in self.inspection_rules:
            if alert_fires(rule, values, (completed + LOCAL).date()):
                self.add(inspection_rule_trigger(rule, iid, pid, did, number, took, photos, completed))

    def non_conformity(self, nc: NonConformity) -> None:
        """A non-conforming inspection, counted by repeated_non_conformity at the end."""
        self.non_conformities.append(nc)

    def repeated_non_conformity(self, enterprise_names: Mapping[int, EnterpriseName]) -> None:
        """At the end of the history: every further non-conforming inspection within the window, from
        the threshold on, raised the group's alert again: one alert per group, counting its triggers
        (domain.repeats).
        enterprise_names: each enterprise's registered name and English name (None when it has none)."""
        window = timedelta(days=self.limits.repeat_window_days)
        threshold = self.limits.repeat_threshold
        found = repeat_triggers(self.non_conformities, window, threshold)
        times: dict[Group, list[datetime]] = {}
        for nc in sorted(self.non_conformities, key=lambda nc: nc.at):
            for group in groups_of(nc):
                times.setdefault(group, []).append(nc.at)
        for group, triggers in found.items():
            alert = repeat_trigger(group, triggers[-1], self.limits, enterprise_names)
            # fewer than the threshold within the window from the moment the threshold-th latest leaves it
            self.add(alert, first_at=triggers[0].at, count=len(triggers), cleared_at=times[group][-threshold] + window)

    def settle(self, enterprises: Mapping[int, int]) -> None:
        """Alerts of a seal mismatch or of a declaration (prohibited goods) whose inspection was decided
        are resolved by the system at the decision; each gets the enterprise of its declaration
        (`enterprises`: the enterprise of each declaration)."""
        decided: dict[int, datetime] = {}
        by_declaration: dict[int, datetime] = {}
        for row in self.rows.of(m.Inspection):
            if row["state"] in FINAL_STATES and row["decided_at"] is not None:
                decided[row["id"]] = row["decided_at"]
                by_declaration[row["declaration_id"]] = row["decided_at"]
        for row in self.rows.of(m.Alert):
            kind, iid, did = row["kind"], row["inspection_id"], row["declaration_id"]
            if kind == "seal_mismatch":
                row["enterprise_id"] = enterprises.get(did)
                if iid in decided:
                    self._cleared(row, decided[iid])
            elif kind in DECLARATION_KINDS and iid is None and did is not None:
                row["enterprise_id"] = enterprises.get(did)
                if did in by_declaration:
                    self._cleared(row, by_declaration[did])
