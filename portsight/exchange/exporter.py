"""Export of results to the backbone: decisions, findings, new seals, release receipts and inspection times.

Two modes:
- since a cursor (`export_since`): the outbox entries after the cursor, in id order. The next
  cursor is the last id sent; giving it back next time sends each result exactly once.
- for a period (`export_period`): reads decided inspections directly (decided_at in [start, end)),
  with their findings and receipts. For re-sending history; it has no cursor.

Both write JSON lines (one object a line, every column present) or CSV with EXPORT_COLUMNS.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portsight.clock import as_utc
from portsight.db.audit import record_audit
from portsight.db.models import (
    AuditEntry,
    Container,
    Declaration,
    Finding,
    Inspection,
    OutboxEntry,
    Port,
    ReleaseReceipt,
    StepResult,
    User,
)
from portsight.db.outbox import RESEAL_STEP
from portsight.db.session import Database, unit_of_work
from portsight.documents.cells import as_text_cell
from portsight.domain.access import Actor, Role, require_role
from portsight.errors import InvalidInput

FORMATS = ("jsonl", "csv")
EXPORT_COLUMNS = (
    "cursor",
    "kind",
    "recorded_at",
    "inspection_id",
    "declaration_id",
    "declaration_number",
    "port_code",
    "decision",
    "decided_at",
    "decided_by",
    "opened_at",
    "assigned_at",
    "started_at",
    "completed_at",
    "minutes_to_decision",
    "receipt_no",
    "issued_at",
    "finding_id",
    "severity",
    "rule_id",
    "description",
    "citation",
    "container_number",
    "seal_number",
    "seal_class",
    "sealed_at",
)


@dataclass(frozen=True)
class ExportResult:
    count: int
    cursor_from: str
    next_cursor: str


def parse_cursor(text: str | int | None, db: Database | None = None) -> int:
    """'' / '0' = from the beginning; 'last' = where the last export stopped; else an outbox id."""
    if text is None or str(text).strip() == "":
        return 0
    value = str(text).strip()
    if value.lower() == "last":
        if db is None:
            raise InvalidInput("'--since last' needs the database.", key="exchange.cursor_needs_database")
        return int(last_export_cursor(db))
    if not value.isdigit():
        raise InvalidInput(
            f"The cursor '{value}' is not valid: give the number printed by the last export, or 0.",
            key="exchange.cursor_invalid",
            params={"cursor": value},
        )
    return int(value)


def last_export_cursor(db: Database) -> str:
    """The cursor printed by the most recent export (recorded in the audit log), or '0'."""
    with unit_of_work(db) as session:
        after = session.scalar(
            select(AuditEntry.after)
            .where(AuditEntry.action == "export", AuditEntry.entity == "outbox")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
    return str((after or {}).get("to", "0"))


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Decimal):
        return float(value)
    return value


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((as_utc(end) - as_utc(start)).total_seconds() / 60, 1)


def _inspection_columns(insp: Inspection, decl_id: str | None, number: str, port: str, decided_by: str | None) -> dict:
    return {
        "inspection_id": insp.id,
        "declaration_id": decl_id,
        "declaration_number": number,
        "port_code": port,
        "decision": insp.decision,
        "decided_at": insp.decided_at,
        "decided_by": decided_by,
        "opened_at": insp.created_at,
        "assigned_at": insp.assigned_at,
        "started_at": insp.started_at,
        "completed_at": insp.completed_at,
        "minutes_to_decision": _minutes(insp.created_at, insp.decided_at),
    }


def _record(values: dict) -> dict:
    return {c: _iso(values.get(c)) for c in EXPORT_COLUMNS}


def _require_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(
            f"Export format must be jsonl or csv, not '{fmt}'.",
            key="exchange.export_format_invalid",
            params={"format": fmt},
        )


def write_records(records: Iterable[dict], fmt: str, out: TextIO) -> int:
    _require_format(fmt)
    n = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=[*EXPORT_COLUMNS, "payload"], extrasaction="ignore")
        writer.writeheader()
        for r in records:
            row = {**r, "payload": json.dumps(r.get("payload"), ensure_ascii=False) if r.get("payload") else ""}
            # Descriptions, numbers and names come from people: a cell starting like a formula opens as text.
            writer.writerow({k: "" if v is None else as_text_cell(v) for k, v in row.items()})
            n += 1
    else:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n")
            n += 1
    return n


_decider = aliased(User)


def outbox_records(session: Session, after_id: int, limit: int | None = None) -> list[dict]:
    """Outbox entries with id > after_id, enriched with declaration, port and inspection times."""
    stmt = (
        select(OutboxEntry, Inspection, Declaration.source_system_id, Declaration.number, Port.code, _decider.username)
        .outerjoin(Inspection, Inspection.id == OutboxEntry.inspection_id)
        .outerjoin(Declaration, Declaration.id == Inspection.declaration_id)
        .outerjoin(Port, Port.id == Inspection.port_id)
        .outerjoin(_decider, _decider.id == Inspection.decided_by_id)
        .where(OutboxEntry.id > after_id)
        .order_by(OutboxEntry.id)
    )
    if limit:
        stmt = stmt.limit(limit)
    out = []
    for entry, insp, source_id, number, port, decider in session.execute(stmt):
        base = _inspection_columns(insp, source_id, number, port, decider) if insp is not None else {}
        payload = dict(entry.payload or {})
        values = {**base, **{k: v for k, v in payload.items() if k in EXPORT_COLUMNS}}
        values.update(cursor=entry.id, kind=entry.kind, recorded_at=entry.created_at)
        if entry.inspection_id is not None:
            values["inspection_id"] = entry.inspection_id
        record = _record(values)
        record["payload"] = payload
        out.append(record)
    return out


def export_since(
    db: Database, actor: Actor, since: str | int | None, fmt: str, out: TextIO, *, limit: int | None = None
) -> ExportResult:
    """Write the outbox entries after the cursor; returns the count and the next cursor (as text)."""
    require_role(actor, Role.ADMIN)
    _require_format(fmt)
    start = parse_cursor(since, db)
    with unit_of_work(db) as session:
        records = outbox_records(session, start, limit)
        count = write_records(records, fmt, out)
        next_cursor = records[-1]["cursor"] if records else start
        record_audit(session, actor, "export", "outbox", None, after={"from": start, "to": next_cursor, "count": count})
    return ExportResult(count=count, cursor_from=str(start), next_cursor=str(next_cursor))


def period_records(session: Session, start: datetime, end: datetime) -> list[dict]:
    """Decided inspections with decided_at in [start, end), then their findings, new seals and receipts."""
    rows = session.execute(
        select(Inspection, Declaration.source_system_id, Declaration.number, Port.code, _decider.username)
        .join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .outerjoin(_decider, _decider.id == Inspection.decided_by_id)
        .where(Inspection.decided_at >= start, Inspection.decided_at < end, Inspection.decision.is_not(None))
        .order_by(Inspection.decided_at, Inspection.id)
    ).all()
    base = {insp.id: _inspection_columns(insp, sid, number, port, who) for insp, sid, number, port, who in rows}
    out = [_record({**b, "kind": "decision", "recorded_at": b["decided_at"]}) for b in base.values()]
    ids = list(base)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for f in session.scalars(select(Finding).where(Finding.inspection_id.in_(chunk)).order_by(Finding.id)):
            out.append(
                _record(
                    {
                        **base[f.inspection_id],
                        "kind": "finding",
                        "recorded_at": f.created_at,
                        "finding_id": f.id,
                        "severity": f.severity,
                        "rule_id": f.rule_id,
                        "description": f.description,
                        "citation": f.citation,
                    }
                )
            )
        seals = session.execute(
            select(StepResult.inspection_id, Container.number, StepResult.values, StepResult.recorded_at)
            .join(Container, Container.id == StepResult.container_id)
            .where(StepResult.inspection_id.in_(chunk), StepResult.step_key == RESEAL_STEP)
            .order_by(StepResult.inspection_id, Container.id)
        )
        for inspection_id, number, values, recorded_at in seals:
            out.append(
                _record(
                    {
                        **base[inspection_id],
                        "kind": "seal",
                        "recorded_at": base[inspection_id]["decided_at"],
                        "container_number": number,
                        "seal_number": (values or {}).get("new_seal_number"),
                        "seal_class": (values or {}).get("new_seal_class"),
                        "sealed_at": recorded_at,
                    }
                )
            )
        for r in session.scalars(select(ReleaseReceipt).where(ReleaseReceipt.inspection_id.in_(chunk))):
            out.append(
                _record(
                    {
                        **base[r.inspection_id],
                        "kind": "receipt",
                        "recorded_at": r.issued_at,
                        "receipt_no": r.receipt_no,
                        "issued_at": r.issued_at,
                    }
                )
            )
    return out


def export_period(db: Database, actor: Actor, start: datetime, end: datetime, fmt: str, out: TextIO) -> int:
    """Write decisions, findings and receipts of inspections decided in [start, end); returns the count."""
    require_role(actor, Role.ADMIN)
    _require_format(fmt)
    if end <= start:
        raise InvalidInput("The export period must end after it starts.", key="exchange.export_period_backwards")
    with unit_of_work(db) as session:
        records = period_records(session, start, end)
        count = write_records(records, fmt, out)
        record_audit(session, actor, "export", "period", None, after={"from": start, "to": end, "count": count})
    return count
