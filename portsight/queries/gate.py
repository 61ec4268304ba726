"""What the gate page reads: the day's exits at the officer's ports, and in the demo a receipt not used
up yet to try the gate with (a real gate gets its codes from the drivers' receipts, never from a list).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from portsight.clock import as_utc
from portsight.db.instance import is_demo
from portsight.db.models import Container, Declaration, GateExit, Inspection, ReleaseReceipt
from portsight.db.session import Database
from portsight.db.sql import connection, in_scope

MAX_EXITS_SHOWN = 500  # a day at a busy gate; more is for the exports


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


def exits_between(db: Database, port_ids: Iterable[int] | None, start: datetime, end: datetime) -> list[dict]:
    """The containers let out at the ports in [start, end), newest first: when, container (None: cargo
    without containers), truck plate, gate, whether the seal matched, receipt and declaration numbers."""
    with connection(db) as conn:
        rows = conn.execute(
            select(
                GateExit.exited_at,
                Container.number.label("container"),
                GateExit.truck_plate,
                GateExit.gate,
                GateExit.seal_matches,
                ReleaseReceipt.receipt_no,
                Declaration.number.label("declaration"),
            )
            .join(ReleaseReceipt, ReleaseReceipt.id == GateExit.receipt_id)
            .join(Inspection, Inspection.id == ReleaseReceipt.inspection_id)
            .join(Declaration, Declaration.id == Inspection.declaration_id)
            .outerjoin(Container, Container.id == GateExit.container_id)
            .where(GateExit.exited_at >= start, GateExit.exited_at < end, in_scope(Inspection.port_id, port_ids))
            .order_by(GateExit.exited_at.desc(), GateExit.id.desc())
            .limit(MAX_EXITS_SHOWN)
        ).all()
    return [{**row._mapping, "exited_at": as_utc(row.exited_at)} for row in rows]
