"""The gate page's receipt check and the reading of a scanned QR code.

Not cached: every check is a write (a genuine receipt is marked used at this gate).
"""

from __future__ import annotations

from components.shell.runtime import get_engine, get_settings
from portsight.documents import receipt as receipt_document
from portsight.domain.access import Actor
from portsight.queries.gate import demo_receipt_waiting
from portsight.services import receipts as receipt_services
from portsight.services.receipts import GENUINE, USED, CodeMissing, Verification

__all__ = ["GENUINE", "USED", "CodeMissing", "Verification", "decode_qr_image", "demo_code_to_try", "verify_receipt"]


def verify_receipt(actor: Actor, token: str, gate: str) -> Verification:
    """Genuine and unused (now marked used at `gate`), already used, or forged; checked with the configured
    receipt keys (CodeMissing when nothing was typed or scanned)."""
    return receipt_services.verify_receipt(get_engine(), actor, token, gate, secret=get_settings().receipt_keys)


def decode_qr_image(image: bytes) -> str | None:
    """The text of the QR code in a photo, or None when there is none."""
    return receipt_document.decode_qr_image(image)


def demo_code_to_try(actor: Actor) -> dict | None:
    """In the demo only: the code and declaration of a receipt not yet used at the officer's ports, so a
    visitor has something to check (read each run: checking a code uses it up)."""
    found = demo_receipt_waiting(get_engine(), actor.port_ids)
    if found is None:
        return None
    return {"code": receipt_services.make_token(found["receipt_no"], found["signature"]),
            "declaration": found["declaration"]}  # fmt: skip
