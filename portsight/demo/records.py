"""What the services write beside the seeded work: audit entries, release receipts and their use at the gate.

The audit entries carry the action, entity and content the services record (services.selection `select`,
services.inspections `open`/`assign`/`start`/`complete`/`decide`/`hold_result`, services.dispatch
`dispatch`, services.field `field.step`, services.decisions `field.decide`, services.receipts
`receipt.issue`, `gate.exit`, `receipt.use`), timed when the event happened and marked simulated: nobody did
them.
They are numbered in the order of their time, as a live system would have written them, so the
activity feed's "newer than entry N" and the record page's order read them as written.

A released inspection gets its receipt as services.receipts.issue_receipt makes it: number, time of
issue to the second, and the signature of portsight.security.sign over receipt_message with the
keyring's current key, so the gate's verify_receipt accepts it. Most receipts were used up at a gate of
the port by its gate officer a few hours later: each container left on a truck of the port's province,
under the new seal recorded at inspection (services.receipts.record_exit's rule), the last exit being the
receipt's use (cargo without containers: one exit); a receipt whose trucks have not yet left is unused.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from portsight.db import models as m
from portsight.demo.rows import Rows, to_json
from portsight.demo.world import CITY_DIVISION, GIVEN, SURNAMES
from portsight.security import Keyring, sign
from portsight.services.receipts import receipt_message, stored_signature

SYSTEM_ACTOR = "system"  # domain.access.SYSTEM: draws and dispatch are the system's
UNUSED_SHARE = 0.02  # receipts never scanned: the goods left another way, or not yet
AUDIT_COLUMNS = ("id", "at", "user_id", "actor", "action", "entity", "entity_id", "port_id", "before", "after",
                 "simulated")  # fmt: skip
EXIT_COLUMNS = ("id", "receipt_id", "container_id", "truck_plate", "seal_seen", "seal_matches", "gate", "exited_at",
                "recorded_by_id")  # fmt: skip
# Plates by the province of the port's city (GB/T 2260 province part of CITY_DIVISION).
PROVINCE_OF_DIVISION = {"31": "沪", "33": "浙", "44": "粤", "37": "鲁", "12": "津", "35": "闽", "21": "辽", "32": "苏"}
PLATE_LETTERS = "ABCDEFGHJK"


def new_seal(container_id: int, number: str) -> str:
    """The new seal demo.inspections records at the reseal step of a container."""
    return f"HG{number[4:10]}{container_id % 10}"


class Records:
    """Audit entries kept until the end (then numbered by time), receipts and the ports' gate officers."""

    def __init__(
        self, rows: Rows, seed: int, now: datetime, keyring: Keyring, port_ids: dict[str, int], detail_from: datetime
    ):
        signing = keyring.signing_key()
        if signing is None:
            raise ValueError("Receipts need a signing key: give seed_demo the receipt keyring or a secret.")
        self.key_id, self.key = signing
        self.rows = rows
        self.now = now
        self.detail_from = detail_from  # audit entries and photos from this time on (seed.DETAIL_WEEKS)
        self.rng = random.Random(f"demo-{seed}|records")  # its own stream: the history's draws stay as they were
        self.gate_rng = random.Random(f"demo-{seed}|gate")  # the trucks: the receipts' draws stay as they were
        self.port_code = {pid: code for code, pid in port_ids.items()}
        self._audit: list[tuple] = []
        self._order = itertools.count()  # ties in time keep the order they happened in
        self._audit_written = 0
        self._state_json: dict[str, str] = {}
        self._receipt_nos: set[str] = set()
        self.usernames: dict[int, str] = {}
        self.gate_officers: dict[int, int] = {}
        self._exits = rows.table(m.GateExit, EXIT_COLUMNS)

    def users(self, password_hash: str) -> None:
        """Remember the usernames, and give every port a gate officer of its own (the demo `gate` account's
        history stays empty: a visitor checks receipts there)."""
        rng = self.rng
        for pid, code in sorted(self.port_code.items()):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            uid = self.rows.add(m.User, {
                "username": f"gate.{code.lower()}.1", "display_name": name, "role": "gate",
                "password_hash": password_hash, "active": True, "all_ports": False,
                "language": "zh_CN", "expertise": None, "failed_logins": 0, "locked_until": None,
                "last_login_at": None, "must_change_password": False})  # fmt: skip
            self.rows.add(m.UserPort, {"user_id": uid, "port_id": pid})
            self.gate_officers[pid] = uid
        self.usernames = {u["id"]: u["username"] for u in self.rows.of(m.User)}

    # ------------------------------------------------------------------------------------------- audit

    def audit(
        self,
        at: datetime,
        user_id: int | None,
        action: str,
        entity: str,
        entity_id: object,
        port_id: int | None,
        after: dict[str, Any] | None,
        before: dict[str, Any] | None = None,
    ) -> None:
        """An audit entry as record_audit writes it (values already plain: ids, strings, numbers, ISO times);
        none before detail_from."""
        if at < self.detail_from:
            return
        actor = SYSTEM_ACTOR if user_id is None else self.usernames[user_id]
        self._audit.append((at, next(self._order), user_id, actor, action, entity, str(entity_id), port_id,
                            None if before is None else self._encode(before), self._encode(after)))  # fmt: skip

    def audit_text(self, at: datetime, user_id: int | None, action: str, entity: str, entity_id: object,
                   port_id: int, after: str) -> None:  # fmt: skip
        """An audit entry whose `after` is JSON text already (the frequent ones, built without a dict); the
        caller asks `audited(at)` first, so the text is not built for nothing."""
        actor = SYSTEM_ACTOR if user_id is None else self.usernames[user_id]
        self._audit.append((at, next(self._order), user_id, actor, action, entity, str(entity_id), port_id, None,
                            after))  # fmt: skip

    def audited(self, at: datetime) -> bool:
        """Whether an event at this time gets its audit entry (and a step its photos)."""
        return at >= self.detail_from

    def _encode(self, value: dict[str, Any] | None) -> str | None:
        """JSON text; a bare {"state": ...} (most before and many after values) encoded once per state."""
        if value is None:
            return None
        if len(value) == 1 and "state" in value:
            state = value["state"]
            found = self._state_json.get(state)
            if found is None:
                found = self._state_json[state] = to_json(value)
            return found
        return to_json(value)

    def write_audit(self, after_id: int = 0, until: datetime | None = None) -> None:
        """The entries in the order of their time (ties in the order they happened), numbered in that order
        after after_id (the highest id the audit log already holds) and those written before. With until, only
        the entries before it: once the history has been drawn up to a time, no entry before it is still to come
        (every event follows its declaration), so they can be written while the rest is drawn."""
        self._audit.sort(key=itemgetter(0, 1))
        count = len(self._audit) if until is None else bisect.bisect_left(self._audit, (until,))
        table = self.rows.table(m.AuditEntry, AUDIT_COLUMNS, frozenset({"before", "after"}))
        first = after_id + self._audit_written + 1
        table.extend((n, *entry[:1], *entry[2:], True) for n, entry in enumerate(self._audit[:count], start=first))
        del self._audit[:count]
        self._audit_written += count

    # ----------------------------------------------------------------------------------------- receipts

    def receipt(self, iid: int, pid: int, decided_at: datetime, decider: int, boxes: Sequence[Sequence]) -> None:
        """The receipt of a release, issued with the decision, and its scan at the port's gate (boxes: the
        declaration's containers in their order, each id and number first)."""
        rng = self.rng
        issued_at = decided_at.replace(microsecond=0)
        code = self.port_code[pid]
        while True:  # services.receipts.new_receipt_no, from the seed's stream instead of the system's
            receipt_no = f"RR-{code}-{issued_at:%Y%m%d}-{rng.getrandbits(24):06X}"
            if receipt_no not in self._receipt_nos:
                self._receipt_nos.add(receipt_no)
                break
        signature = stored_signature(self.key_id, sign(self.key, receipt_message(receipt_no, iid, issued_at)))
        used_at = issued_at + timedelta(minutes=rng.lognormvariate(math.log(150), 0.8))
        used = used_at <= self.now and rng.random() >= UNUSED_SHARE
        gate = f"{rng.randint(1, 6)}号卡口" if used else None
        officer = self.gate_officers[pid] if used else None
        rid = self.rows.add(m.ReleaseReceipt, {
            "inspection_id": iid, "receipt_no": receipt_no, "issued_at": issued_at, "issued_by_id": decider,
            "signature": signature, "used_at": used_at if used else None, "used_gate": gate,
            "used_by_id": officer})  # fmt: skip
        self.audit(issued_at, decider, "receipt.issue", "release_receipt", rid, pid,
                   {"receipt_no": receipt_no, "inspection_id": iid})  # fmt: skip
        if gate is not None and officer is not None:
            self._exit(boxes, rid, pid, receipt_no, issued_at, used_at, gate, officer)
            self.audit(used_at, officer, "receipt.use", "release_receipt", rid, pid,
                       {"used_at": used_at.isoformat(), "gate": gate, "receipt_no": receipt_no},
                       {"used_at": None})  # fmt: skip

    def _exit(self, containers: Sequence[Sequence], rid: int, pid: int, receipt_no: str, issued_at: datetime,
              used_at: datetime, gate: str, officer: int) -> None:  # fmt: skip
        """The trucks that took a used receipt's containers, one by one, the last leaving at used_at."""
        rng = self.gate_rng
        boxes: list[tuple[int | None, str | None]] = [(box[0], box[1]) for box in containers] or [(None, None)]
        gaps = [rng.lognormvariate(math.log(12), 0.7) for _ in boxes[1:]]
        room = (used_at - issued_at).total_seconds() / 60 * 0.9
        scale = min(1.0, room / sum(gaps)) if gaps else 1.0
        province = PROVINCE_OF_DIVISION.get(CITY_DIVISION.get(self.port_code[pid], "")[:2], "沪")
        at = used_at - timedelta(minutes=sum(gaps) * scale)
        for n, (cid, number) in enumerate(boxes):
            if n:
                at += timedelta(minutes=gaps[n - 1] * scale)
            serial = f"{rng.randint(0, 99999):05d}"
            plate = f"{province}{rng.choice(PLATE_LETTERS)}{serial}" + ("D" if rng.random() < 0.05 else "")
            seal = None if cid is None or number is None else new_seal(cid, number)
            exited_at = used_at if n == len(boxes) - 1 else at
            self._exits.append((len(self._exits) + 1, rid, cid, plate, seal, None if seal is None else True, gate,
                                exited_at, officer))  # fmt: skip
            self.audit(exited_at, officer, "gate.exit", "release_receipt", rid, pid,
                       {"receipt_no": receipt_no, "container": number, "truck_plate": plate, "seal_seen": seal,
                        "gate": gate, "exited_at": exited_at.isoformat()})  # fmt: skip
