"""What follows a declaration's draw in the seeded history: its audit entry, the prohibited-goods alerts of
the rules it hit, and, when drawn for inspection, the inspection from dispatch to decision.

The declarations are drawn with the demo seed's own random stream (demo/declarations.py); what follows them
has streams of its own (FollowUp, Records) and reads nothing the declarations' side keeps but what each draw
hands on (`follow_up_of`, plain values). So it can run in the seed's own process, a week at a time
after the declarations, or in a process of its own while the next weeks are drawn (the module's main, started
by demo/writer.py): the rows are the same either way. Its tables (inspections and everything under them,
alerts, receipts, audit entries, draw commitments) are none of those the declarations' side adds.

Both sides first seed the same master data (`seed_master`), the one part they share: the declarations' side
writes it, a process of its own only reads it.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from portsight.alert_checks import AlertCheckLimits
from portsight.alert_checks.patterns import declaration_rule_trigger
from portsight.catalogue import default_catalogue
from portsight.db import models as m
from portsight.demo.alerts import SeededAlerts
from portsight.demo.decisions import CatalogueDecisions
from portsight.demo.draw_days import DrawDays
from portsight.demo.inspections import Inspections
from portsight.demo.masterdata import SIMULATOR_SUPERVISOR, MasterData
from portsight.demo.photos import PhotoPool
from portsight.demo.records import Records
from portsight.demo.rows import Rows
from portsight.domain import selection as draw
from portsight.domain.release import AlertFact
from portsight.security import Keyring

INSPECT = draw.Outcome.INSPECT.value
# Held until the history ends (settled by what came later): handed over with the last rows.
HELD_TO_THE_END = frozenset({m.Alert})


def seed_master(
    rows: Rows, seed: int, start: datetime, now: datetime, password_hash: str, keyring: Keyring, detail_from: datetime
) -> tuple[random.Random, MasterData, Records]:
    """Ports, enterprises, users, roster and gate officers, drawn from the demo seed's stream; returns the stream
    (the declarations carry on with it), the master data and the records (audit, receipts) with their officers."""
    rng = random.Random(seed)
    master = MasterData(rows, rng, start, now, password_hash)
    master.ports()
    master.enterprises()
    master.users()
    master.roster()
    records = Records(rows, seed, now, keyring, master.port_ids, detail_from)
    records.users(password_hash)
    return rng, master, records


def follow_up_of(
    decl: dict, sid: int, drawn: datetime, seed: str, decision: draw.SelectionDecision, hit: bool
) -> tuple:
    """What a draw hands on to its follow-up (FollowUp.follow): plain values, times as POSIX seconds."""
    return (
        decl["id"], decl["number"], decl["eid"], decl["pid"], decl["origin"], decl["codes"], decl["misdeclared"],
        decl["declared"].timestamp(), decl["boxes"], decl["quantity"], decl["weight"], decl["day"].toordinal(),
        decl["shape"], sid, drawn.timestamp(), seed, decision.outcome.value, decision.rate, decision.forced,
        decision.inspectors_needed, hit,
    )  # fmt: skip


def start_message(
    seed: int, weeks: int, now: datetime, password_hash: str, keyring: Keyring, media_dir: Path, detail_weeks: int
) -> tuple:
    """What the follow-up's own process is started with (plain values, the keyring's secrets among them: they go
    on its standard input, not its command line)."""
    keys = (dict(keyring.keys), keyring.current, keyring.legacy)
    return ("start", seed, weeks, now.timestamp(), password_hash, keys, str(media_dir), detail_weeks)


class FollowUp:
    """The follow-up of the draws, week by week (`week`) and at the end (`end`), into rows."""

    def __init__(self, rows: Rows, seed: int, now: datetime, master: MasterData, records: Records, photos: PhotoPool):
        self.rows = rows
        self.now = now
        self.master = master
        self.records = records
        catalogue = default_catalogue()
        self.alerts = SeededAlerts(rows, random.Random(f"demo-{seed}|alerts"), now,
                                   master.user_ids[SIMULATOR_SUPERVISOR], catalogue, AlertCheckLimits())  # fmt: skip
        self.decisions = CatalogueDecisions(catalogue)
        self.days = DrawDays(rows, seed, now)
        self.inspections = Inspections(rows, random.Random(f"demo-{seed}|inspections"), master, self.decisions,
                                       self.alerts, seed, now, self.days, records, photos)  # fmt: skip
        self.enterprise_names = {r["id"]: (r["name"], r.get("name_en")) for r in rows.of(m.Enterprise)}
        self.enterprise_of: dict[int, int] = {}  # of each declaration followed

    def week(self, drawn: Sequence[tuple], until: float, audit_after: int) -> None:
        """Follow the draws of a week; the audit entries before `until` (POSIX seconds) are numbered after
        audit_after and those numbered before (Records.write_audit)."""
        for values in drawn:
            self.follow(values)
        self.records.write_audit(audit_after, until=datetime.fromtimestamp(until, UTC))

    def end(self, drawn: Sequence[tuple], selection_days: Sequence[int], audit_after: int) -> None:
        """Follow the last draws, then what only the whole history decides: the day seeds' commitments (of the
        days with a dispatch and of selection_days, day numbers of the days with a selection), the repeated
        non-conformities, the alerts settled since, and the last audit entries."""
        for values in drawn:
            self.follow(values)
        self.days.include(date.fromordinal(day) for day in selection_days)
        self.days.write()
        self.alerts.repeated_non_conformity(self.enterprise_names)
        self.alerts.settle(self.enterprise_of)  # the alerts whose condition cleared within the history
        self.records.write_audit(audit_after)

    def follow(self, values: tuple) -> None:
        """One draw's follow-up (`follow_up_of` made the values): as services.selection.select_declaration goes on
        after the draw, then the inspection when drawn for one before `now`."""
        (did, number, eid, pid, origin, codes, misdeclared, declared, boxes, quantity, weight, day, shape,
         sid, drawn, seed, outcome, rate, forced, needed, hit) = values  # fmt: skip
        declared, drawn = datetime.fromtimestamp(declared, UTC), datetime.fromtimestamp(drawn, UTC)
        day = date.fromordinal(day)
        self.enterprise_of[did] = eid
        records = self.records
        if records.audited(drawn):
            records.audit_text(drawn, None, "select", "selection", sid, pid,
                               f'{{"declaration_id": {did}, "outcome": "{outcome}", "rate": {rate!r}, '
                               f'"seed": "{seed}"}}')  # fmt: skip
        triggers = []
        if hit:  # the prohibited goods check raises these for every declaration that arrives
            sig, _ = self.decisions.day(day)
            triggers = [
                declaration_rule_trigger(rule, did, pid, number, [h for h in codes if rule.scope.hs_matches(h, day)],
                                         declared)
                for rule in self.decisions.hits(shape, day, sig)
            ]  # fmt: skip
            for trigger in triggers:
                self.alerts.add(trigger)
        if outcome != INSPECT or drawn >= self.now:
            return
        ent = self.master.ent[eid]
        decl: dict[str, Any] = {
            "id": did, "number": number, "eid": eid, "ent": ent, "cat": ent["cat"], "pid": pid, "origin": origin,
            "codes": codes, "misdeclared": misdeclared, "declared": declared, "boxes": boxes, "quantity": quantity,
            "weight": weight, "day": day, "shape": shape,
            # What the release policy weighs at the decision: the alerts are taken as still open then.
            "alerts": tuple(AlertFact(None, t.kind, t.rule_id) for t in triggers),
        }  # fmt: skip
        self.inspections.inspection(decl, sid, drawn, forced, needed)


def _follow_in_this_process(inbox: BinaryIO, outbox: BinaryIO) -> None:
    """The follow-up in a process of its own (demo/writer.py starts it): the draws come week by week from the
    seed's process on inbox, the rows go to the writing process on outbox, a message for each of the seed's."""
    from portsight.demo.writer import frame, unframe

    start = unframe(inbox)
    if start is None:
        return
    _, seed, weeks, now, password_hash, keys, media_dir, detail_weeks = start
    now = datetime.fromtimestamp(now, UTC)
    keyring = Keyring(*keys)
    rows = Rows()
    _, master, records = seed_master(rows, seed, now - timedelta(weeks=weeks), now, password_hash, keyring,
                                     now - timedelta(weeks=detail_weeks))  # fmt: skip
    follow = FollowUp(rows, seed, now, master, records, PhotoPool(media_dir))
    rows.take()  # the master data: the seed's process writes it
    while (message := unframe(inbox)) is not None:
        kind, drawn, *rest = message
        if kind == "week":
            until, done, audit_after = rest
            follow.week(drawn, until, audit_after)
            tables = rows.take(done, held=HELD_TO_THE_END, portable=True)
        else:
            selection_days, audit_after = rest
            follow.end(drawn, selection_days, audit_after)
            tables = rows.take(portable=True)
        outbox.write(frame([(t.table, t.columns, t.values, t.json_text, t.expected) for t in tables]))
        outbox.flush()
        if kind == "end":
            return


if __name__ == "__main__":
    import gc

    gc.disable()  # it keeps millions of objects and makes no garbage worth collecting
    rows_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print goes to stderr, not into the rows
    _follow_in_this_process(sys.stdin.buffer, rows_out)
