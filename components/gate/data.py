"""The gate page's receipt check, the exits it records, the day's exits and the reading of a scanned
QR code.

Not cached: a check must show the exits made a moment ago at another gate, and every exit is a write.
"""

from __future__ import annotations

from components.shell.runtime import get_engine, get_settings
from portsight.clock import LOCAL_TZ, utcnow
from portsight.documents import receipt as receipt_document
from portsight.domain.access import Actor
from portsight.domain.stats import local_day, local_day_bounds
from portsight.queries.gate import demo_receipt_waiting, exits_between
from portsight.services import receipts as receipt_services
from portsight.services.receipts import GENUINE, USED, BoxAtGate, CodeMissing, GateExitDone, Verification

__all__ = [
    "GENUINE",
    "USED",
    "BoxAtGate",
    "CodeMissing",
    "GateExitDone",
    "Verification",
    "decode_qr_image",
    "demo_code_to_try",
    "exits_today",
    "record_exit",
    "verify_receipt",
]


def verify_receipt(actor: Actor, token: str, gate: str) -> Verification:
    """Genuine (with what has left and what is left to leave), used up, or forged; checked with the
    configured receipt keys (CodeMissing when nothing was typed or scanned)."""
    return receipt_services.verify_receipt(get_engine(), actor, token, gate, secret=get_settings().receipt_keys)


def record_exit(
    actor: Actor,
    token: str,
    gate: str,
    *,
    container: str | None,
    truck_plate: str,
    seal_seen: str,
    foreign_plate: bool,
) -> GateExitDone:
    """Let one container of the receipt out on a truck (see portsight.services.receipts.record_exit)."""
    return receipt_services.record_exit(
        get_engine(),
        actor,
        token,
        gate,
        container=container,
        truck_plate=truck_plate,
        seal_seen=seal_seen,
        foreign_plate=foreign_plate,
        secret=get_settings().receipt_keys,
    )


def exits_today(actor: Actor) -> list[dict]:
    """The containers let out today (China time) at the officer's ports, newest first."""
    start, end = local_day_bounds(local_day(utcnow(), LOCAL_TZ), LOCAL_TZ)
    return exits_between(get_engine(), actor.port_ids, start, end)


def decode_qr_image(image: bytes) -> str | None:
    """The text of the QR code in a photo, or None when there is none."""
    return receipt_document.decode_qr_image(image)


def demo_code_to_try(actor: Actor) -> dict | None:
    """In the demo only: the code and declaration of a receipt not used up yet at the officer's ports, so
    a visitor has something to check (read each run: letting its last container out uses it up)."""
    found = demo_receipt_waiting(get_engine(), actor.port_ids)
    if found is None:
        return None
    return {"code": receipt_services.make_token(found["receipt_no"], found["signature"]),
            "declaration": found["declaration"]}  # fmt: skip
