"""Release receipts (放行回执): issued on release, printed as a bilingual PDF with a QR code, checked at the gate.

The printed PDF and the QR code are drawn by portsight.documents.receipt from receipt_data here.

The verification token is `<receipt number>.<key id>.<HMAC>`: the HMAC-SHA256 (with the key of that
id from the keyring, portsight.security.Keyring; settings.receipt_keys) of the receipt number, the
inspection and the time of issue, shortened to TOKEN_SIG_CHARS hex characters so a gate officer can
still type it. The key id lets the key rotate: an older key keeps verifying the receipts it signed,
and an unknown key id is refused. Tokens issued before key ids, `<receipt number>.<HMAC>`, verify with
the legacy key (PORTSIGHT_SECRET). The full signature is kept on the receipt row, as
`<key id>:<hex>` (a bare `<hex>` for the legacy key). Knowing a receipt number or a database id gives
nothing: without the key no valid token can be made, and any change to the token fails the check.

A receipt covers its declaration's containers, which leave the gate truck by truck. Checking a token
(verify_receipt) lets nothing out: it shows what has left and what is left to leave. Each exit
(record_exit) names the container, the truck's plate and the seal seen on the container, which must be
the new seal recorded at inspection (the reseal step; the declared seal when none was put on). A
container leaves once (gate_exits is unique per receipt and container, and the exits of one receipt
take its row lock in turn); the receipt is used up when its last container has left, and then carries
that last exit's time, gate and officer (used_at, used_gate, used_by_id). Cargo without containers
leaves in one exit.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portsight.clock import LOCAL_TZ, as_utc, utcnow
from portsight.db.alert_store import raise_alert
from portsight.db.audit import record_audit
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    GateExit,
    GoodsLine,
    Inspection,
    InspectorAssignment,
    Port,
    ReleaseReceipt,
    StepResult,
    User,
)
from portsight.db.outbox import add_to_outbox
from portsight.db.session import Database, unit_of_work
from portsight.domain import iso6346
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.inspection import InspectionState
from portsight.domain.plates import MAX_PLATE, parse_plate
from portsight.domain.seal import normalize_seal, seal_matches
from portsight.errors import AccessDenied, Conflict, InvalidInput, NotFound, PortSightError
from portsight.security import KEY_ID_PATTERN, Keyring, sign

TOKEN_SIG_CHARS = 24  # 96 bits of the HMAC: short enough to type, far beyond guessing
GENUINE, USED, FORGED = "genuine", "used", "forged"
MAX_GATE = 64
MAX_SEAL = 32  # gate_exits.seal_seen; a typed container number is cut there too (it has 11)
RESEAL_STEP = "reseal"  # the checklist step recording the new seal put on after inspection


# --------------------------------------------------------------------------- tokens (pure)


def _stamp(issued_at: datetime) -> str:
    return as_utc(issued_at).strftime("%Y%m%dT%H%M%SZ")


def receipt_message(receipt_no: str, inspection_id: int, issued_at: datetime) -> str:
    """What the signature covers."""
    return f"portsight-receipt:v1:{receipt_no}:{inspection_id}:{_stamp(issued_at)}"


def stored_signature(key_id: str | None, signature: str) -> str:
    """The signature as kept on the receipt row: `<key id>:<hex>`, or the bare hex of the legacy key."""
    return signature if key_id is None else f"{key_id}:{signature}"


def split_signature(stored: str) -> tuple[str | None, str]:
    """(key id, hex signature) of a receipt row's signature."""
    key_id, sep, signature = stored.rpartition(":")
    return (key_id if sep else None), signature


def make_token(receipt_no: str, signature: str) -> str:
    """The token of a receipt from its row's signature (`<key id>:<hex>` or the legacy bare hex)."""
    key_id, hex_signature = split_signature(signature)
    short = hex_signature[:TOKEN_SIG_CHARS]
    return f"{receipt_no}.{short}" if key_id is None else f"{receipt_no}.{key_id}.{short}"


def parse_token(token: str | None) -> tuple[str, str | None, str] | None:
    """(receipt number, key id or None, signature part) of a typed or scanned token; None when it
    cannot be one."""
    text = "".join((token or "").split())
    if not text or len(text) > 120 or "." not in text:
        return None
    parts = text.split(".")
    if len(parts) == 2:
        number, key_id, sig = parts[0], None, parts[1]
    elif len(parts) == 3:
        number, key_id, sig = parts[0], parts[1].lower(), parts[2]
        if not KEY_ID_PATTERN.match(key_id):
            return None
    else:
        return None
    if not number or len(sig) != TOKEN_SIG_CHARS:
        return None
    return number.upper(), key_id, sig.lower()


def as_keyring(secret: str | Keyring) -> Keyring:
    """A bare secret is a keyring of one key without an id (tokens then carry no key id)."""
    return secret if isinstance(secret, Keyring) else Keyring.single(secret)


def new_receipt_no(port_code: str, on: datetime) -> str:
    """RR-<port>-<yyyymmdd>-<6 random hex>: unique, and not the database id."""
    return f"RR-{port_code}-{as_utc(on):%Y%m%d}-{secrets.token_hex(3).upper()}"


# --------------------------------------------------------------------------- issue and verify


def _require_own_or_supervised(session: Session, actor: Actor, inspection: Inspection) -> None:
    """A receipt is issued and read by an inspector assigned to the inspection, or by a supervisor or
    an administrator whose scope covers its port. The gate checks a receipt by its token and never
    needs the printed receipt."""
    require_role(actor, Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN)
    require_port(actor, inspection.port_id)
    if actor.role == Role.INSPECTOR:
        assigned = session.scalar(
            select(InspectorAssignment.id).where(
                InspectorAssignment.inspection_id == inspection.id, InspectorAssignment.user_id == actor.user_id
            )
        )
        if assigned is None:
            raise AccessDenied(
                f"The receipt of inspection {inspection.id} belongs to the inspectors assigned to it.",
                key="errors.receipt_not_yours",
                params={"id": inspection.id},
            )


def issue_receipt(
    db: Database, actor: Actor, inspection_id: int, *, secret: str | Keyring, now: datetime | None = None
) -> dict[str, Any]:
    """The receipt of a released inspection (made once; asking again returns the same one), signed with
    the keyring's current key."""
    require_role(actor, Role.INSPECTOR, Role.SUPERVISOR)
    signing = as_keyring(secret).signing_key()
    if signing is None:
        raise InvalidInput(
            "The server secret is not configured; receipts cannot be signed.", key="errors.receipt_no_secret"
        )
    key_id, key = signing
    issued_at = (now or utcnow()).replace(microsecond=0)
    with unit_of_work(db) as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(
                f"Inspection {inspection_id} does not exist.",
                key="errors.inspection_not_found",
                params={"id": inspection_id},
            )
        _require_own_or_supervised(session, actor, inspection)
        existing = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.inspection_id == inspection_id))
        if existing is not None:
            return {
                "receipt_no": existing.receipt_no,
                "token": make_token(existing.receipt_no, existing.signature),
                "issued_at": existing.issued_at,
            }
        if inspection.state != InspectionState.RELEASED.value:
            raise Conflict(
                f"Inspection {inspection_id} is {inspection.state}; only a release gets a receipt.",
                key="errors.receipt_not_released",
                params={"id": inspection_id, "state": {"state": inspection.state}},
            )
        port_code = session.scalar(select(Port.code).where(Port.id == inspection.port_id))
        receipt_no = new_receipt_no(port_code or "XXXXX", issued_at)
        signature = stored_signature(key_id, sign(key, receipt_message(receipt_no, inspection_id, issued_at)))
        receipt = ReleaseReceipt(
            inspection_id=inspection_id,
            receipt_no=receipt_no,
            issued_at=issued_at,
            issued_by_id=actor.user_id,
            signature=signature,
        )
        session.add(receipt)
        session.flush()
        record_audit(
            session,
            actor,
            "receipt.issue",
            "release_receipt",
            receipt.id,
            after={"receipt_no": receipt_no, "inspection_id": inspection_id},
            port_id=inspection.port_id,
        )
        add_to_outbox(session, "receipt", inspection_id, {"receipt_no": receipt_no, "issued_at": issued_at}, now=now)
        return {"receipt_no": receipt_no, "token": make_token(receipt_no, signature), "issued_at": issued_at}


@dataclass(frozen=True)
class BoxAtGate:
    """One container of a receipt at the gate (number None: cargo without containers), and its exit if
    it has left."""

    number: str | None
    exited_at: datetime | None = None
    truck_plate: str | None = None
    gate: str | None = None

    @property
    def left(self) -> bool:
        return self.exited_at is not None


@dataclass(frozen=True)
class Verification:
    status: str  # genuine (containers still to leave) / used (the last has left) / forged (or unknown)
    receipt_no: str | None = None
    declaration: str | None = None
    containers: tuple[str, ...] = ()
    used_at: datetime | None = None  # when the last container left
    used_gate: str | None = None
    boxes: tuple[BoxAtGate, ...] = ()  # every container, in the declaration's order, with its exit

    @property
    def waiting(self) -> tuple[BoxAtGate, ...]:
        """What is left to leave."""
        return tuple(b for b in self.boxes if not b.left)


@dataclass(frozen=True)
class GateExitDone:
    """A container let out: which, on which truck, and the receipt as it stands after."""

    container: str | None
    truck_plate: str
    gate: str
    exited_at: datetime
    receipt: Verification

    @property
    def used_up(self) -> bool:
        return self.receipt.status == USED


class CodeMissing(InvalidInput):
    """Nothing was typed or scanned: the gate officer is asked for a code, nothing is judged."""

    message_key = "gate.code_missing"
    message_values: dict[str, Any] = {}


def _gate_name(gate: str) -> str:
    gate_name = (gate or "").strip()
    if not gate_name:
        raise InvalidInput("Say which gate this is (for example 'Gate 3').", key="errors.gate_missing")
    if len(gate_name) > MAX_GATE:
        raise InvalidInput(
            f"The gate name is too long; keep it under {MAX_GATE} characters.",
            key="errors.gate_too_long",
            params={"limit": MAX_GATE},
        )
    return gate_name


def _genuine_receipt(session: Session, keyring: Keyring, token: str) -> ReleaseReceipt | None:
    """The receipt a token was signed for, or None when it is forged or unknown (an unknown key id
    included)."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    number, key_id, short = parsed
    receipt = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.receipt_no == number))
    if receipt is None:
        return None
    stored_key_id, stored = split_signature(receipt.signature)
    key = keyring.key(key_id)
    if key is None or key_id != stored_key_id:
        return None
    expected = sign(key, receipt_message(receipt.receipt_no, receipt.inspection_id, receipt.issued_at))
    genuine = hmac.compare_digest(expected, stored) and hmac.compare_digest(expected[:TOKEN_SIG_CHARS], short)
    return receipt if genuine else None


def _refused(session: Session, actor: Actor, token: str, gate_name: str) -> None:
    number = (parse_token(token) or (None,))[0]
    known = (
        None if number is None else session.scalar(select(ReleaseReceipt.id).where(ReleaseReceipt.receipt_no == number))
    )
    record_audit(
        session,
        actor,
        "receipt.refused",
        "release_receipt",
        known,
        after={"token": (token or "")[:120], "gate": gate_name},
        port_id=None,
    )


def _containers(session: Session, declaration_id: int) -> list[tuple[int, str, str | None]]:
    """(id, number, declared seal) of a declaration's containers, in their order."""
    return [
        (cid, number, seal)
        for cid, number, seal in session.execute(
            select(Container.id, Container.number, Container.declared_seal)
            .where(Container.declaration_id == declaration_id)
            .order_by(Container.id)
        )
    ]


def _verification(session: Session, receipt: ReleaseReceipt, inspection: Inspection) -> Verification:
    number = session.scalar(select(Declaration.number).where(Declaration.id == inspection.declaration_id))
    exits = {e.container_id: e for e in session.scalars(select(GateExit).where(GateExit.receipt_id == receipt.id))}
    boxes: list[tuple[int | None, str | None]] = [
        (cid, n) for cid, n, _seal in _containers(session, inspection.declaration_id)
    ] or [(None, None)]
    shown = tuple(
        BoxAtGate(n, as_utc(e.exited_at), e.truck_plate, e.gate) if (e := exits.get(cid)) is not None else BoxAtGate(n)
        for cid, n in boxes
    )
    status = USED if receipt.used_at is not None else GENUINE
    used_at = None if receipt.used_at is None else as_utc(receipt.used_at)
    containers = tuple(b.number for b in shown if b.number is not None)
    return Verification(status, receipt.receipt_no, number, containers, used_at, receipt.used_gate, shown)


def verify_receipt(db: Database, actor: Actor, token: str, gate: str, *, secret: str | Keyring) -> Verification:
    """Check a receipt's token at a gate: genuine (with what has left and what is left to leave), used up
    (its last container has left), or forged (an unknown key id included; audited). Checking lets
    nothing out: record_exit does, container by container. An empty
    code is not judged: CodeMissing asks for one."""
    require_role(actor, Role.GATE)
    gate_name = _gate_name(gate)
    if not "".join((token or "").split()):
        raise CodeMissing("Type, paste or scan the receipt's code first.")
    keyring = as_keyring(secret)
    with unit_of_work(db) as session:
        receipt = _genuine_receipt(session, keyring, token)
        if receipt is None:
            _refused(session, actor, token, gate_name)
            return Verification(FORGED)
        # receipts.inspection_id is a non-null foreign key: the inspection is there
        inspection = session.get_one(Inspection, receipt.inspection_id)
        require_port(actor, inspection.port_id)
        return _verification(session, receipt, inspection)


def _china_time(value: datetime) -> str:
    """A time for a refusal's text, in the ports' time (China time) whatever the reader's language."""
    return as_utc(value).astimezone(ZoneInfo(LOCAL_TZ)).strftime("%Y-%m-%d %H:%M")


def _seal_to_leave_under(session: Session, inspection_id: int, container_id: int, declared: str | None) -> str | None:
    """The new seal recorded at inspection (the reseal step), else the declared one; None when neither."""
    values = session.scalar(
        select(StepResult.values).where(
            StepResult.inspection_id == inspection_id,
            StepResult.step_key == RESEAL_STEP,
            StepResult.container_id == container_id,
        )
    )
    new_seal = (values or {}).get("new_seal_number")
    return str(new_seal) if normalize_seal(new_seal) else (declared if normalize_seal(declared) else None)


def _plate(truck_plate: str | None, foreign: bool) -> str:
    plate = parse_plate(truck_plate, foreign=foreign)
    if isinstance(plate, str):
        return plate
    if plate.code == "missing":
        raise InvalidInput("Type the truck's plate.", key="errors.plate_missing")
    if plate.code == "too_long":
        raise InvalidInput(
            f"A plate has at most {MAX_PLATE} characters.", key="errors.plate_too_long", params={"limit": MAX_PLATE}
        )
    if plate.code == "not_chinese":
        raise InvalidInput(
            "Not a Chinese plate (沪A12345, new energy 沪AD12345). For a truck from abroad, tick "
            "'Foreign or other plate'.",
            key="errors.plate_not_chinese",
        )
    raise InvalidInput(
        "Not a plate: letters and digits, with a blank, dot or hyphen between them.", key="errors.plate_not_a_plate"
    )


def record_exit(
    db: Database,
    actor: Actor,
    token: str,
    gate: str,
    *,
    container: str | None,
    truck_plate: str | None,
    seal_seen: str | None,
    foreign_plate: bool = False,
    secret: str | Keyring,
    now: datetime | None = None,
) -> GateExitDone:
    """Let one container of a genuine receipt out on a truck (cargo without containers: container None,
    once). The seal seen must be the one it leaves under (the new seal recorded at inspection, else the
    declared one): a mismatch is refused, audited and raised as an alert for the port's supervisors.
    Each container leaves once; the receipt is used up (used_at, used_gate, used_by: the last exit's)
    when its last container has left. One transaction per exit, audited."""
    require_role(actor, Role.GATE)
    gate_name = _gate_name(gate)
    if not "".join((token or "").split()):
        raise CodeMissing("Type, paste or scan the receipt's code first.")
    plate = _plate(truck_plate, foreign_plate)
    wanted = iso6346.normalize(container)[:MAX_SEAL]
    seen = normalize_seal(seal_seen)
    if len(seen) > MAX_SEAL:
        raise InvalidInput(
            f"A seal number has at most {MAX_SEAL} characters.", key="errors.seal_too_long", params={"limit": MAX_SEAL}
        )
    keyring = as_keyring(secret)
    now = (now or utcnow()).replace(microsecond=0)
    with unit_of_work(db) as session:
        receipt = _genuine_receipt(session, keyring, token)
        outcome: Verification | PortSightError  # a refusal that must stay on record is raised after the commit
        if receipt is None:
            _refused(session, actor, token, gate_name)
            outcome = InvalidInput(
                "This code is not a receipt PortSight issued; nothing leaves on it.", key="errors.receipt_forged"
            )
        else:
            outcome = _let_out(session, actor, receipt, gate_name, wanted, plate, seen, now)
    if isinstance(outcome, PortSightError):
        raise outcome
    return GateExitDone(wanted or None, plate, gate_name, now, outcome)


def _let_out(
    session: Session,
    actor: Actor,
    receipt: ReleaseReceipt,
    gate_name: str,
    wanted: str,
    plate: str,
    seen: str,
    now: datetime,
) -> Verification | PortSightError:
    """The receipt after one container's exit, or the refusal to keep on record (a seal mismatch);
    other refusals are raised (nothing to keep)."""
    inspection = session.get_one(Inspection, receipt.inspection_id)
    require_port(actor, inspection.port_id)
    # Exits of one receipt take its row lock first (a no-op update), so the exit that finds the
    # last container gone is the one that marks the receipt used up, even at two gates at once.
    session.execute(
        update(ReleaseReceipt)
        .where(ReleaseReceipt.id == receipt.id)
        .values(used_gate=ReleaseReceipt.used_gate)
        .execution_options(synchronize_session=False)
    )
    session.refresh(receipt)
    if receipt.used_at is not None:
        raise Conflict(
            f"Release receipt {receipt.receipt_no} is used up: its last container left at {receipt.used_gate}, "
            f"{_china_time(receipt.used_at)}.",
            key="errors.receipt_used_up",
            params={"receipt": receipt.receipt_no, "gate": receipt.used_gate, "when": _china_time(receipt.used_at)},
        )
    boxes = _containers(session, inspection.declaration_id)
    declaration = session.scalar(select(Declaration.number).where(Declaration.id == inspection.declaration_id))
    if boxes and not wanted:
        raise InvalidInput("Say which container is leaving.", key="errors.gate_container_missing")
    match = next((b for b in boxes if b[1] == wanted), None)
    if boxes and match is None:
        raise InvalidInput(
            f"Container {wanted} is not on release receipt {receipt.receipt_no}; do not let it pass.",
            key="errors.gate_container_not_on_receipt",
            params={"container": wanted, "receipt": receipt.receipt_no},
        )
    if not boxes and wanted:
        raise InvalidInput(
            f"Release receipt {receipt.receipt_no} covers no container; {wanted} does not leave on it.",
            key="errors.gate_container_not_on_receipt",
            params={"container": wanted, "receipt": receipt.receipt_no},
        )
    container_id = None if match is None else match[0]
    earlier = _exit_of(session, receipt.id, container_id)
    if earlier is not None:
        raise _already_left(wanted, earlier)
    expected = None if match is None else _seal_to_leave_under(session, inspection.id, match[0], match[2])
    if expected is not None and not seen:
        raise InvalidInput(
            f"Type the seal number seen on container {wanted}.",
            key="errors.gate_seal_missing",
            params={"container": wanted},
        )
    matches = None if expected is None else seal_matches(expected, seen)
    if matches is False:
        _seal_mismatch(
            session, actor, receipt, inspection, declaration, wanted, container_id, seen, gate_name, plate, now
        )
        return Conflict(
            f"The seal on {wanted} ({seen}) is not the seal it was released under. Do not let it pass; "
            "the supervisors are alerted.",
            key="errors.gate_seal_mismatch",
            params={"container": wanted, "seal": seen},
        )
    try:
        with session.begin_nested():
            session.add(
                GateExit(
                    receipt_id=receipt.id,
                    container_id=container_id,
                    truck_plate=plate,
                    seal_seen=seen or None,
                    seal_matches=matches,
                    gate=gate_name,
                    exited_at=now,
                    recorded_by_id=actor.user_id,
                )
            )
    except IntegrityError:
        earlier = _exit_of(session, receipt.id, container_id)
        if earlier is None:
            raise
        raise _already_left(wanted, earlier) from None
    record_audit(
        session,
        actor,
        "gate.exit",
        "release_receipt",
        receipt.id,
        after={
            "receipt_no": receipt.receipt_no,
            "container": wanted or None,
            "truck_plate": plate,
            "seal_seen": seen or None,
            "gate": gate_name,
            "exited_at": now,
        },  # fmt: skip
        port_id=inspection.port_id,
    )
    gone = set(session.scalars(select(GateExit.container_id).where(GateExit.receipt_id == receipt.id)))
    if all(b[0] in gone for b in boxes) and (boxes or None in gone):
        session.execute(
            update(ReleaseReceipt)
            .where(ReleaseReceipt.id == receipt.id, ReleaseReceipt.used_at.is_(None))
            .values(used_at=now, used_gate=gate_name, used_by_id=actor.user_id)
            .execution_options(synchronize_session=False)
        )
        record_audit(
            session,
            actor,
            "receipt.use",
            "release_receipt",
            receipt.id,
            before={"used_at": None},
            after={"used_at": now, "gate": gate_name, "receipt_no": receipt.receipt_no},
            port_id=inspection.port_id,
        )
    session.refresh(receipt)
    return _verification(session, receipt, inspection)


def _exit_of(session: Session, receipt_id: int, container_id: int | None) -> GateExit | None:
    held = GateExit.container_id.is_(None) if container_id is None else GateExit.container_id == container_id
    return session.scalar(select(GateExit).where(GateExit.receipt_id == receipt_id, held))


def _already_left(container: str, earlier: GateExit) -> Conflict:
    when = _china_time(earlier.exited_at)
    if not container:
        return Conflict(
            f"This cargo has already left: {when} at {earlier.gate} on truck {earlier.truck_plate}. "
            "Do not let it pass again.",
            key="errors.gate_cargo_already_left",
            params={"when": when, "gate": earlier.gate, "truck": earlier.truck_plate},
        )
    return Conflict(
        f"{container} has already left: {when} at {earlier.gate} on truck {earlier.truck_plate}. "
        "Do not let it pass again.",
        key="errors.gate_already_left",
        params={"container": container, "when": when, "gate": earlier.gate, "truck": earlier.truck_plate},
    )


def _seal_mismatch(
    session: Session,
    actor: Actor,
    receipt: ReleaseReceipt,
    inspection: Inspection,
    declaration: str | None,
    container: str,
    container_id: int | None,
    seen: str,
    gate_name: str,
    plate: str,
    now: datetime,
) -> None:
    """Kept although the exit is refused: the audit entry and an alert for the port's supervisors (what
    was expected stays off the gate's screen and the alert's title: it is in the inspection record)."""
    record_audit(
        session,
        actor,
        "gate.seal_mismatch",
        "release_receipt",
        receipt.id,
        after={
            "receipt_no": receipt.receipt_no,
            "container": container,
            "seal_seen": seen,
            "truck_plate": plate,
            "gate": gate_name,
        },  # fmt: skip
        port_id=inspection.port_id,
    )
    raise_alert(
        session,
        dedupe_key=f"gate_seal:receipt:{receipt.id}:container:{container_id}",
        kind="gate_seal",
        severity="high",
        port_id=inspection.port_id,
        title=f"At {gate_name}: seal {seen} on {container} of {declaration} is not the seal it was released under"[
            :300
        ],
        title_key="alert_titles.gate_seal",
        title_params={"container": container, "declaration": declaration or "—", "seal": seen, "gate": gate_name},
        detail={
            "receipt_no": receipt.receipt_no,
            "container": container,
            "seal_seen": seen,
            "truck_plate": plate,
            "gate": gate_name,
        },  # fmt: skip
        inspection_id=inspection.id,
        declaration_id=inspection.declaration_id,
        now=now,
    )


# --------------------------------------------------------------------------- the printed receipt


def receipt_data(db: Database, actor: Actor, inspection_id: int) -> dict[str, Any]:
    """What the printed receipt shows, for the inspection's inspectors and supervisors in scope."""
    with unit_of_work(db) as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(
                f"Inspection {inspection_id} does not exist.",
                key="errors.inspection_not_found",
                params={"id": inspection_id},
            )
        _require_own_or_supervised(session, actor, inspection)
        receipt = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.inspection_id == inspection_id))
        if receipt is None:
            raise NotFound(
                f"Inspection {inspection_id} has no release receipt.",
                key="errors.receipt_missing",
                params={"id": inspection_id},
            )
        head = session.execute(
            select(
                Inspection.port_id,
                Inspection.decided_at,
                Declaration.id.label("declaration_id"),
                Declaration.number,
                Declaration.origin_country,
                Enterprise.name.label("enterprise"),
                Port.code.label("port_code"),
                Port.name_zh,
                Port.name_en,
            )
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
            .join(Port, Port.id == Inspection.port_id)
            .where(Inspection.id == inspection_id)
        ).one()
        # The seal each container leaves under: the new seal recorded after it was opened (the reseal step).
        new_seals = {
            cid: values or {}
            for cid, values in session.execute(
                select(StepResult.container_id, StepResult.values).where(
                    StepResult.inspection_id == inspection_id, StepResult.step_key == RESEAL_STEP
                )
            )
        }
        containers = [
            {
                "number": n,
                "size_type": st,
                "seal": seal or "—",
                "new_seal": new_seals.get(cid, {}).get("new_seal_number"),
                "new_seal_class": new_seals.get(cid, {}).get("new_seal_class"),
            }
            for cid, n, st, seal in session.execute(
                select(Container.id, Container.number, Container.size_type, Container.declared_seal)
                .where(Container.declaration_id == head.declaration_id)
                .order_by(Container.id)
            )
        ]
        goods = [
            {"hs_code": hs, "description": d, "quantity": q, "unit": u}
            for hs, d, q, u in session.execute(
                select(GoodsLine.hs_code, GoodsLine.description, GoodsLine.quantity, GoodsLine.unit)
                .where(GoodsLine.declaration_id == head.declaration_id)
                .order_by(GoodsLine.line_no)
            )
        ]
        inspectors = [
            name
            for name, _pos in session.execute(
                select(User.display_name, InspectorAssignment.position)
                .join(InspectorAssignment, InspectorAssignment.user_id == User.id)
                .where(InspectorAssignment.inspection_id == inspection_id)
                .order_by(InspectorAssignment.position != "lead", InspectorAssignment.id)
            )
        ]
        issuer = session.scalar(select(User.display_name).where(User.id == receipt.issued_by_id))
    return {
        "receipt_no": receipt.receipt_no,
        "token": make_token(receipt.receipt_no, receipt.signature),
        "issued_at": as_utc(receipt.issued_at),
        "decided_at": as_utc(head.decided_at or receipt.issued_at),
        "declaration": head.number,
        "enterprise": head.enterprise,
        "origin": head.origin_country,
        "port": f"{head.port_code} {head.name_zh} / {head.name_en}",
        "containers": containers,
        "goods": goods,
        "inspector": issuer or (inspectors[0] if inspectors else "—"),
        "inspectors": inspectors,
    }


__all__ = [
    "BoxAtGate",
    "CodeMissing",
    "FORGED",
    "GENUINE",
    "GateExitDone",
    "USED",
    "Verification",
    "issue_receipt",
    "make_token",
    "parse_token",
    "receipt_data",
    "record_exit",
    "verify_receipt",
]
