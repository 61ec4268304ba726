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

At the gate a genuine token is marked used (when, which gate, by whom) by a conditional update,
so two gates scanning the same receipt at once cannot both accept it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
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
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.inspection import InspectionState
from portsight.errors import AccessDenied, Conflict, InvalidInput, NotFound
from portsight.security import KEY_ID_PATTERN, Keyring, sign

TOKEN_SIG_CHARS = 24  # 96 bits of the HMAC: short enough to type, far beyond guessing
GENUINE, USED, FORGED = "genuine", "used", "forged"
MAX_GATE = 64
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
class Verification:
    status: str  # genuine (accepted now) / used (accepted before) / forged (or unknown)
    receipt_no: str | None = None
    declaration: str | None = None
    containers: tuple[str, ...] = ()
    used_at: datetime | None = None
    used_gate: str | None = None


class CodeMissing(InvalidInput):
    """Nothing was typed or scanned: the gate officer is asked for a code, nothing is judged."""

    message_key = "gate.code_missing"
    message_values: dict[str, Any] = {}


def verify_receipt(
    db: Database, actor: Actor, token: str, gate: str, *, secret: str | Keyring, now: datetime | None = None
) -> Verification:
    """Check a receipt's token at a gate: genuine and unused (now marked used here), already used, or
    forged (an unknown key id included). An empty code is not judged: CodeMissing asks for one."""
    require_role(actor, Role.GATE)
    gate_name = (gate or "").strip()
    if not gate_name:
        raise InvalidInput("Say which gate this is (for example 'Gate 3').", key="errors.gate_missing")
    if len(gate_name) > MAX_GATE:
        raise InvalidInput(
            f"The gate name is too long; keep it under {MAX_GATE} characters.",
            key="errors.gate_too_long",
            params={"limit": MAX_GATE},
        )
    if not "".join((token or "").split()):
        raise CodeMissing("Type, paste or scan the receipt's code first.")
    keyring = as_keyring(secret)
    now = now or utcnow()
    parsed = parse_token(token)
    with unit_of_work(db) as session:
        receipt = None
        if parsed is not None:
            receipt = session.scalar(select(ReleaseReceipt).where(ReleaseReceipt.receipt_no == parsed[0]))
        genuine = False
        if receipt is not None and parsed is not None:
            _number, key_id, short = parsed
            stored_key_id, stored = split_signature(receipt.signature)
            key = keyring.key(key_id)
            if key is not None and key_id == stored_key_id:
                expected = sign(key, receipt_message(receipt.receipt_no, receipt.inspection_id, receipt.issued_at))
                genuine = hmac.compare_digest(expected, stored) and hmac.compare_digest(
                    expected[:TOKEN_SIG_CHARS], short
                )
        if receipt is None or not genuine:
            record_audit(
                session,
                actor,
                "receipt.refused",
                "release_receipt",
                None if receipt is None else receipt.id,
                after={"token": (token or "")[:120], "gate": gate_name},
                port_id=None,
            )
            return Verification(FORGED)
        # receipts.inspection_id is a non-null foreign key: the inspection is there
        inspection = session.get_one(Inspection, receipt.inspection_id)
        require_port(actor, inspection.port_id)
        number = session.scalar(select(Declaration.number).where(Declaration.id == inspection.declaration_id))
        boxes = tuple(
            session.scalars(
                select(Container.number)
                .where(Container.declaration_id == inspection.declaration_id)
                .order_by(Container.id)
            )
        )
        # an UPDATE without RETURNING gives a CursorResult, which carries the rowcount
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(ReleaseReceipt)
                .where(ReleaseReceipt.id == receipt.id, ReleaseReceipt.used_at.is_(None))
                .values(used_at=now, used_gate=gate_name, used_by_id=actor.user_id)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if taken != 1:
            session.refresh(receipt)
            return Verification(USED, receipt.receipt_no, number, boxes, receipt.used_at, receipt.used_gate)
        record_audit(
            session,
            actor,
            "receipt.use",
            "release_receipt",
            receipt.id,
            before={"used_at": None},
            after={"used_at": now, "gate": gate_name},
            port_id=inspection.port_id,
        )
        return Verification(GENUINE, receipt.receipt_no, number, boxes, now, gate_name)


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
    "CodeMissing",
    "FORGED",
    "GENUINE",
    "USED",
    "Verification",
    "issue_receipt",
    "make_token",
    "parse_token",
    "receipt_data",
    "verify_receipt",
]
