"""Import of declarations from the backbone, idempotent and whole-batch.

- Every declaration is validated (portsight.exchange.validation) before any write.
- Idempotent by the backbone's id (Declaration.source_system_id) and the content hash: the same
  content again is 'unchanged'; different content 'updated' (audited with before/after).
- One transaction per batch of `batch_size` declarations; the ImportBatch row (with that batch's
  report) is written in the same transaction. A crash leaves only whole batches; importing the
  same file again skips the batches already recorded for its SHA-256 and completes the rest.
- Unknown enterprise (valid USCC, not in PortSight): created with credit tier 'general' (the
  tier of an enterprise without a rating) when the row names it (enterprise_name), audited;
  rejected when there is no name. The credit tier is then kept up to date by the credit process,
  not by imports.
- A port must be served by PortSight (a row in `ports`); a known UN/LOCODE that is not served is
  rejected, like register_declaration does.
- A declaration whose inspection is already decided is not changed by a later import (rejected
  with the reason): the decision and the receipt refer to what was inspected.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    EnterpriseCreditHistory,
    Evidence,
    Finding,
    GoodsLine,
    ImportBatch,
    Inspection,
    Port,
    StepResult,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.enterprise import CreditTier
from portsight.domain.inspection import FINAL_STATES
from portsight.exchange.readers import Issue, RawRecord, read_file
from portsight.exchange.validation import ValidDeclaration, canonical_content, validate_record
from portsight.services.audit import record_audit
from portsight.services.rollups import refresh_rollups_at

ACCEPTED, UPDATED, UNCHANGED, REJECTED = "accepted", "updated", "unchanged", "rejected"
STATUSES = (ACCEPTED, UPDATED, UNCHANGED, REJECTED)
DEFAULT_BATCH_SIZE = 500
REPORT_COLUMNS = ("row", "rows", "declaration_id", "status", "column", "reason", "batch")

Progress = Callable[[int, int], None]  # (declarations done, declarations in the file)


@dataclass(frozen=True)
class ReportEntry:
    row: int  # spreadsheet row (header = row 1) or JSON record number
    rows: str  # every row of the declaration, e.g. "2-4"
    declaration_id: str
    status: str
    column: str
    reason: str
    batch: int


@dataclass
class ImportResult:
    file_name: str
    file_sha256: str
    format: str
    entries: list[ReportEntry] = field(default_factory=list)
    batches: int = 0
    batches_skipped: int = 0
    unknown_headers: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Declarations with this status (a rejected declaration with 3 issues counts once)."""
        seen = {(e.batch, e.rows, e.declaration_id) for e in self.entries if e.status == status}
        return len(seen)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in STATUSES}

    @property
    def exit_code(self) -> int:
        """0 when every declaration went in (or was already there), 1 when some were rejected."""
        return 1 if any(e.status == REJECTED for e in self.entries) else 0


def _rows_label(rows: Iterable[int]) -> str:
    rows = sorted(set(rows))
    if not rows:
        return ""
    if rows == list(range(rows[0], rows[-1] + 1)):
        return str(rows[0]) if len(rows) == 1 else f"{rows[0]}-{rows[-1]}"
    return ",".join(str(r) for r in rows)


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(
    db: Database,
    actor: Actor,
    path: str | Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import a declarations file (CSV, .xlsx or JSON) from disk. See import_bytes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        from portsight.exchange.readers import UnreadableFile

        raise UnreadableFile(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return import_bytes(db, actor, path.name, data, batch_size=batch_size, progress=progress, now=now)


def import_bytes(
    db: Database,
    actor: Actor,
    name: str,
    data: bytes,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import a declarations file given as bytes; returns the per-row report.

    Raises UnreadableFile (an InvalidInput) when the file cannot be read at all; nothing is written then.
    """
    require_role(actor, Role.ADMIN)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with _gc_paused():
        return _import(db, actor, name, data, batch_size, progress, now or utcnow())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A 100k-row file makes millions of small acyclic objects; the cyclic collector would walk the
    growing heap again and again (measured: reading alone 2-3x slower). Reference counting still
    frees everything; the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    db: Database, actor: Actor, name: str, data: bytes, batch_size: int, progress: Progress | None, now: datetime
) -> ImportResult:
    sha = file_sha256(data)
    parsed = read_file(name, data)
    result = ImportResult(file_name=name, file_sha256=sha, format=parsed.format, unknown_headers=parsed.unknown_headers)
    records = parsed.records
    batches = [records[i : i + batch_size] for i in range(0, len(records), batch_size)]
    result.batches = len(batches)
    total = len(records)
    if progress:
        progress(0, total)
    duplicates = _duplicate_keys(records)
    done_batches = _recorded_batches(db, sha)
    ports = _port_ids(db)
    done = 0
    touched: dict[str, tuple[int, datetime] | None] = {}
    for batch_no, batch in enumerate(batches, start=1):
        if batch_no in done_batches:
            replayed = _replayed(done_batches[batch_no], batch_no)
            result.entries.extend(replayed)
            result.batches_skipped += 1
            # A run that died after this batch may not have refreshed its rollups: do it now.
            touched.update((e.declaration_id, None) for e in replayed if e.status != REJECTED)
        else:
            result.entries.extend(_import_batch(db, actor, name, sha, batch_no, batch, duplicates, ports, now, touched))
        done += len(batch)
        if progress:
            progress(done, total)
    if touched:
        # Once per import, not per batch: consecutive batches share days, and many days are
        # refreshed by one ranged aggregation per port.
        with unit_of_work(db) as session:
            before = {k: v for k, v in touched.items() if v is not None}
            _refresh_rollups(session, before, _rollup_instants(session, touched))
    return result


def _duplicate_keys(records: list[RawRecord]) -> dict[int, int]:
    """id(record) -> first row of the earlier record with the same declaration_id (nested JSON)."""
    first: dict[str, int] = {}
    out: dict[int, int] = {}
    for record in records:
        key = record.key
        if key is None:
            continue
        if key in first:
            out[id(record)] = first[key]
        else:
            first[key] = record.first_row
    return out


def _recorded_batches(db: Database, sha: str) -> dict[int, ImportBatch]:
    with unit_of_work(db) as session:
        return {b.batch_no: b for b in session.scalars(select(ImportBatch).where(ImportBatch.file_sha256 == sha))}


def _port_ids(db: Database) -> dict[str, int]:
    with unit_of_work(db) as session:
        return {code: pid for code, pid in session.execute(select(Port.code, Port.id))}


def _replayed(batch: ImportBatch, batch_no: int) -> list[ReportEntry]:
    when = as_utc(batch.imported_at).strftime("%Y-%m-%d %H:%M UTC")
    out = []
    for e in batch.report or []:
        status = e.get("status", UNCHANGED)
        reason = e.get("reason", "")
        if status != REJECTED:
            status = UNCHANGED
            reason = f"this batch of the same file was already imported on {when}"
        out.append(
            ReportEntry(
                row=int(e.get("row", 0)),
                rows=str(e.get("rows", "")),
                declaration_id=str(e.get("declaration_id", "")),
                status=status,
                column=str(e.get("column", "")),
                reason=reason,
                batch=batch_no,
            )
        )
    return out


def _import_batch(
    db: Database,
    actor: Actor,
    name: str,
    sha: str,
    batch_no: int,
    records: list[RawRecord],
    duplicates: dict[int, int],
    ports: dict[str, int],
    now: datetime,
    touched: dict[str, tuple[int, datetime] | None],
) -> list[ReportEntry]:
    """Import one batch in one transaction. Declarations it changes are added to touched, with where
    they counted before (port, declared_at) if they existed, for the rollup refresh at the end."""
    rejected: list[ReportEntry] = []
    valid: list[ValidDeclaration] = []
    for record in records:
        rows = _rows_label(record.rows)
        key = record.key or ""
        if id(record) in duplicates:
            column = record.fields["declaration_id"].column
            reason = f"declaration_id {key} appears again (first at row {duplicates[id(record)]}); each once per file"
            rejected.append(ReportEntry(record.first_row, rows, key, REJECTED, column, reason, batch_no))
            continue
        outcome = validate_record(record, now)
        if isinstance(outcome, list):
            rejected.extend(_rejections(outcome, rows, key, batch_no))
        else:
            valid.append(outcome)
    for attempt in (1, 2):
        try:
            with unit_of_work(db) as session:
                if session.scalar(
                    select(ImportBatch.id).where(ImportBatch.file_sha256 == sha, ImportBatch.batch_no == batch_no)
                ):
                    # Another run recorded this batch meanwhile: report it as such, write nothing.
                    return _replayed(
                        session.scalars(
                            select(ImportBatch).where(ImportBatch.file_sha256 == sha, ImportBatch.batch_no == batch_no)
                        ).one(),
                        batch_no,
                    )
                before = _rollup_instants(session, [v.data.declaration_id for v in valid])
                entries = _write_batch(session, actor, valid, ports, now, batch_no) + rejected
                changed = {e.declaration_id for e in entries if e.status in (ACCEPTED, UPDATED)}
                touched.update({k: v for k, v in before.items() if k in changed})
                touched.update(dict.fromkeys(changed - touched.keys()))
                entries.sort(key=lambda e: (e.row, e.column))
                counts = {s: len({e.rows + e.declaration_id for e in entries if e.status == s}) for s in STATUSES}
                session.add(
                    ImportBatch(
                        file_name=name[:300],
                        file_sha256=sha,
                        batch_no=batch_no,
                        rows_accepted=counts[ACCEPTED],
                        rows_updated=counts[UPDATED],
                        rows_unchanged=counts[UNCHANGED],
                        rows_rejected=counts[REJECTED],
                        report=[_entry_dict(e) for e in entries],
                        imported_at=now,
                        imported_by=actor.username,
                    )
                )
                record_audit(
                    session,
                    actor,
                    "import",
                    "import_batch",
                    f"{sha[:16]}#{batch_no}",
                    after={"file": name, **counts},
                )
                return entries
        except IntegrityError:
            # A concurrent import of overlapping data won the race: try once more against what it wrote.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _rollup_instants(session: Session, keys) -> dict[str, tuple[int, datetime]]:
    """Port and declaration time of each backbone id already stored: the rollup slice it counts in."""
    found: dict[str, tuple[int, datetime]] = {}
    for chunk in _chunks(list(keys)):
        for key, port_id, declared_at in session.execute(
            select(Declaration.source_system_id, Declaration.port_id, Declaration.declared_at).where(
                Declaration.source_system_id.in_(chunk)
            )
        ):
            found[key] = (port_id, declared_at)
    return found


def _refresh_rollups(session: Session, *slices: dict[str, tuple[int, datetime]]) -> None:
    """Refresh the daily rollups a batch touched: where changed declarations were and now are."""
    by_port: dict[int, set[datetime]] = {}
    for found in slices:
        for port_id, declared_at in found.values():
            by_port.setdefault(port_id, set()).add(declared_at)
    for port_id, instants in by_port.items():
        refresh_rollups_at(session, port_id, *instants)


def _entry_dict(e: ReportEntry) -> dict:
    return {
        "row": e.row,
        "rows": e.rows,
        "declaration_id": e.declaration_id,
        "status": e.status,
        "column": e.column,
        "reason": e.reason,
    }


def _rejections(issues: list[Issue], rows: str, key: str, batch_no: int) -> list[ReportEntry]:
    return [ReportEntry(i.row, rows, key, REJECTED, i.column, i.reason, batch_no) for i in issues]


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _write_batch(
    session: Session,
    actor: Actor,
    valid: list[ValidDeclaration],
    ports: dict[str, int],
    now: datetime,
    batch_no: int,
) -> list[ReportEntry]:
    entries: list[ReportEntry] = []
    keys = [v.data.declaration_id for v in valid]
    existing: dict[str, tuple[int, str | None, str, int]] = {}
    for chunk in _chunks(keys):
        for row in session.execute(
            select(
                Declaration.source_system_id,
                Declaration.id,
                Declaration.content_hash,
                Declaration.number,
                Declaration.port_id,
            ).where(Declaration.source_system_id.in_(chunk))
        ):
            existing[row[0]] = (row[1], row[2], row[3], row[4])
    numbers = [v.data.declaration_number for v in valid]
    number_owner: dict[str, str | None] = {}
    for chunk in _chunks(numbers):
        for number, owner in session.execute(
            select(Declaration.number, Declaration.source_system_id).where(Declaration.number.in_(chunk))
        ):
            number_owner[number] = owner
    usccs = sorted({v.data.enterprise_uscc for v in valid})
    enterprises: dict[str, int] = {}
    for chunk in _chunks(usccs):
        enterprises.update(
            {u: i for u, i in session.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(chunk)))}
        )

    def reject(v: ValidDeclaration, column: str, reason: str) -> None:
        entries.append(
            ReportEntry(
                v.first_row, _rows_label(v.rows), v.data.declaration_id, REJECTED, v.column(column), reason, batch_no
            )
        )

    new: list[tuple[ValidDeclaration, int, int]] = []
    for v in valid:
        d = v.data
        port_id = ports.get(v.port_code)
        if port_id is None:
            reject(
                v, "port_code", f"port {v.port_code} is not served by PortSight; an administrator adds the port first"
            )
            continue
        current = existing.get(d.declaration_id)
        if current is not None and current[1] == v.content_hash:
            entries.append(
                ReportEntry(
                    v.first_row,
                    _rows_label(v.rows),
                    d.declaration_id,
                    UNCHANGED,
                    "",
                    v.port_note or "already imported with the same content",
                    batch_no,
                )
            )
            continue
        owner = number_owner.get(d.declaration_number, d.declaration_id)
        if owner != d.declaration_id:
            reject(
                v,
                "declaration_number",
                f"declaration number {d.declaration_number} belongs to backbone declaration {owner}",
            )
            continue
        enterprise_id = enterprises.get(d.enterprise_uscc)
        if enterprise_id is None:
            if not d.enterprise_name:
                reject(
                    v,
                    "enterprise_uscc",
                    f"enterprise {d.enterprise_uscc} is not known to PortSight; give enterprise_name to create it",
                )
                continue
            enterprise_id = _create_enterprise(session, actor, d.enterprise_uscc, d.enterprise_name, now)
            enterprises[d.enterprise_uscc] = enterprise_id
        if current is None:
            number_owner[d.declaration_number] = d.declaration_id
            new.append((v, port_id, enterprise_id))
            entries.append(
                ReportEntry(
                    v.first_row, _rows_label(v.rows), d.declaration_id, ACCEPTED, "", v.port_note or "", batch_no
                )
            )
        else:
            problem, changed_keys = _update_declaration(session, actor, v, current[0], port_id, enterprise_id)
            if problem is not None:
                reject(v, *problem)
            else:
                number_owner[d.declaration_number] = d.declaration_id
                changed = ", ".join(changed_keys)
                entries.append(
                    ReportEntry(
                        v.first_row,
                        _rows_label(v.rows),
                        d.declaration_id,
                        UPDATED,
                        "",
                        "; ".join(x for x in (f"changed: {changed}" if changed else "", v.port_note) if x),
                        batch_no,
                    )
                )
    _insert_new(session, new)
    return entries


def _create_enterprise(session: Session, actor: Actor, uscc: str, name: str, now: datetime) -> int:
    ent_id = session.execute(
        insert(Enterprise.__table__)
        .values(uscc=uscc, name=name, credit_tier=CreditTier.GENERAL.value, under_investigation=False)
        .returning(Enterprise.__table__.c.id)
    ).scalar_one()
    session.execute(
        insert(EnterpriseCreditHistory.__table__).values(
            enterprise_id=ent_id,
            credit_tier=CreditTier.GENERAL.value,
            valid_from=now.date(),
            reason="created by import from the backbone (no rating yet)",
        )
    )
    record_audit(
        session,
        actor,
        "create",
        "enterprise",
        ent_id,
        after={"uscc": uscc, "name": name, "credit_tier": CreditTier.GENERAL.value, "source": "import"},
    )
    return ent_id


def _declaration_values(v: ValidDeclaration, port_id: int, enterprise_id: int) -> dict:
    d = v.data
    return {
        "number": d.declaration_number,
        "source_system_id": d.declaration_id,
        "port_id": port_id,
        "enterprise_id": enterprise_id,
        "direction": d.direction,
        "transport_mode": d.transport_mode,
        "origin_country": d.origin_country,
        "declared_at": d.declared_at,
        "content_hash": v.content_hash,
    }


def _goods_values(v: ValidDeclaration, declaration_id: int) -> list[dict]:
    return [
        {
            "declaration_id": declaration_id,
            "line_no": g.line_no,
            "hs_code": g.hs_code,
            "description": g.description,
            "quantity": g.quantity,
            "unit": g.unit,
            "gross_weight_kg": g.gross_weight_kg,
            "value": g.value,
            "currency": g.currency,
        }
        for g in v.data.goods
    ]


def _insert_new(session: Session, new: list[tuple[ValidDeclaration, int, int]]) -> None:
    if not new:
        return
    table = Declaration.__table__
    # A plain executemany and one SELECT for the ids: RETURNING with guaranteed order makes
    # SQLite insert row by row, several times slower on a 100k-row file.
    session.execute(insert(table), [_declaration_values(v, port_id, ent_id) for v, port_id, ent_id in new])
    keys = [v.data.declaration_id for v, _p, _e in new]
    id_of: dict[str, int] = {}
    for chunk in _chunks(keys):
        id_of.update(
            {
                sid: i
                for sid, i in session.execute(
                    select(table.c.source_system_id, table.c.id).where(table.c.source_system_id.in_(chunk))
                )
            }
        )
    ids = [id_of[k] for k in keys]
    goods = [g for (v, _p, _e), decl_id in zip(new, ids, strict=True) for g in _goods_values(v, decl_id)]
    boxes = [
        {"declaration_id": decl_id, "number": c.number, "size_type": c.size_type, "declared_seal": c.declared_seal}
        for (v, _p, _e), decl_id in zip(new, ids, strict=True)
        for c in v.data.containers
    ]
    session.execute(insert(GoodsLine.__table__), goods)
    if boxes:
        session.execute(insert(Container.__table__), boxes)


def stored_content(session: Session, declaration_id: int) -> dict:
    """The declaration as PortSight holds it, in the same shape as validation.canonical_content."""
    decl = session.execute(
        select(Declaration, Port.code, Enterprise.uscc)
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.id == declaration_id)
    ).one()
    d, port_code, uscc = decl
    goods = session.execute(
        select(GoodsLine).where(GoodsLine.declaration_id == declaration_id).order_by(GoodsLine.line_no)
    ).scalars()
    boxes = session.execute(
        select(Container).where(Container.declaration_id == declaration_id).order_by(Container.number)
    ).scalars()
    return {
        "declaration_id": d.source_system_id,
        "number": d.number,
        "port_code": port_code,
        "enterprise_uscc": uscc,
        "direction": d.direction,
        "transport_mode": d.transport_mode,
        "origin_country": d.origin_country,
        "declared_at": as_utc(d.declared_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "goods": [
            {
                "line_no": g.line_no,
                "hs_code": g.hs_code,
                "description": g.description,
                "quantity": g.quantity,
                "unit": g.unit,
                "gross_weight_kg": g.gross_weight_kg,
                "value": f"{g.value:.2f}",
                "currency": g.currency,
            }
            for g in goods
        ],
        "containers": [{"number": c.number, "size_type": c.size_type, "declared_seal": c.declared_seal} for c in boxes],
    }


def _update_declaration(
    session: Session, actor: Actor, v: ValidDeclaration, decl_id: int, port_id: int, enterprise_id: int
) -> tuple[tuple[str, str] | None, list[str]]:
    """Apply changed content to a stored declaration.

    Returns ((column, reason), []) when it must not change, else (None, the keys that changed).
    Every check comes before the first write, so a refused update leaves nothing behind.
    """
    states = list(session.scalars(select(Inspection.state).where(Inspection.declaration_id == decl_id)))
    decided = [s for s in states if s in FINAL_STATES]
    if decided:
        return (
            "declaration_id",
            f"the inspection of this declaration is already decided ({decided[0]}); "
            "an amendment after the decision goes through the backbone's amendment procedure",
        ), []
    before = stored_content(session, decl_id)
    after = canonical_content(v.data, v.port_code)
    if states and before["port_code"] != after["port_code"]:
        return ("port_code", "the port cannot change once an inspection is opened for the declaration"), []
    old_boxes = {
        number: box_id
        for box_id, number in session.execute(
            select(Container.id, Container.number).where(Container.declaration_id == decl_id)
        )
    }
    new_numbers = {c.number for c in v.data.containers}
    removed = [box_id for number, box_id in old_boxes.items() if number not in new_numbers]
    if removed:
        for model in (StepResult, Evidence, Finding):
            used = session.scalar(select(model.container_id).where(model.container_id.in_(removed)).limit(1))
            if used is not None:
                number = next(n for n, i in old_boxes.items() if i == used)
                return ("containers", f"container {number} already has inspection records and cannot be removed"), []
    changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
    session.execute(
        update(Declaration.__table__)
        .where(Declaration.__table__.c.id == decl_id)
        .values(
            **{k: val for k, val in _declaration_values(v, port_id, enterprise_id).items() if k != "source_system_id"}
        )
    )
    if "goods" in changed:
        session.execute(delete(GoodsLine.__table__).where(GoodsLine.__table__.c.declaration_id == decl_id))
        session.execute(insert(GoodsLine.__table__), _goods_values(v, decl_id))
    if "containers" in changed:
        if removed:
            session.execute(delete(Container.__table__).where(Container.__table__.c.id.in_(removed)))
        for c in v.data.containers:
            values = {"size_type": c.size_type, "declared_seal": c.declared_seal}
            if c.number in old_boxes:
                session.execute(
                    update(Container.__table__).where(Container.__table__.c.id == old_boxes[c.number]).values(**values)
                )
            else:
                session.execute(insert(Container.__table__).values(declaration_id=decl_id, number=c.number, **values))
    record_audit(
        session,
        actor,
        "update",
        "declaration",
        decl_id,
        before={k: b for k, (b, _a) in changed.items()},
        after={k: a for k, (_b, a) in changed.items()},
        port_id=port_id,
    )
    return None, sorted(changed)


# --- the report as a file -------------------------------------------------------------------------


def write_report_csv(entries: Iterable[ReportEntry], out: TextIO) -> None:
    """The per-row report as CSV (UTF-8; open with newline='')."""
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for e in entries:
        writer.writerow([e.row, e.rows, e.declaration_id, e.status, e.column, e.reason, e.batch])


def report_csv_bytes(entries: Iterable[ReportEntry]) -> bytes:
    buf = io.StringIO()
    write_report_csv(entries, buf)
    return buf.getvalue().encode("utf-8-sig")  # BOM so Excel shows Chinese correctly


def past_report_entries(db: Database, sha: str) -> list[ReportEntry]:
    """The stored report of an earlier import (every batch recorded for that file), as it was then."""
    with unit_of_work(db) as session:
        batches = session.scalars(
            select(ImportBatch).where(ImportBatch.file_sha256 == sha).order_by(ImportBatch.batch_no)
        ).all()
    return [
        ReportEntry(
            int(e["row"]), str(e["rows"]), str(e["declaration_id"]), e["status"], e["column"], e["reason"], b.batch_no
        )
        for b in batches
        for e in (b.report or [])
    ]
