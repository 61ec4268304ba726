"""What a gate officer of the demo is shown to try the gate with: a receipt not used yet at their ports.

Only in the demo (a real gate gets its codes from the drivers' receipts, never from a list).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portsight.db.instance import is_demo
from portsight.db.models import Declaration, Inspection, ReleaseReceipt
from portsight.db.session import Database
from portsight.db.sql import connection, in_scope


def demo_receipt_waiting(db: Database, port_ids: Iterable[int] | None) -> dict | None:
    """The newest unused receipt at the ports (receipt number, stored signature, declaration), or None
    when there is none or the database is not the demo."""
    if not is_demo(db):
        return None
    with connection(db) as conn:
        row = conn.execute(
            select(ReleaseReceipt.receipt_no, ReleaseReceipt.signature, Declaration.number)
            .join(Inspection, Inspection.id == ReleaseReceipt.inspection_id)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .where(ReleaseReceipt.used_at.is_(None), in_scope(Inspection.port_id, port_ids))
            .order_by(ReleaseReceipt.issued_at.desc(), ReleaseReceipt.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    return {"receipt_no": row.receipt_no, "signature": row.signature, "declaration": row.number}
