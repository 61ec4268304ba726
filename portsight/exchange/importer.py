"""Import of declarations from the backbone, idempotent and whole-batch.

The per-row report is portsight.exchange.report; writing the declarations, portsight.exchange.store.

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

import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Declaration, ImportBatch, Port
from portsight.db.rollups import refresh_rollups_at
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.exchange.readers import RawRecord, UnreadableFile, read_file
from portsight.exchange.report import (
    ACCEPTED,
    REJECTED,
    STATUSES,
    UNCHANGED,
    UPDATED,
    ImportResult,
    ReportEntry,
    entry_dict,
    rejections,
    replayed,
    rows_label,
)
from portsight.exchange.store import rows_by_key, write_batch
from portsight.exchange.validation import ValidDeclaration, validate_record

DEFAULT_BATCH_SIZE = 500

Progress = Callable[[int, int], None]  # (declarations done, declarations in the file)


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
            earlier = replayed(done_batches[batch_no], batch_no)
            result.entries.extend(earlier)
            result.batches_skipped += 1
            # A run that died after this batch may not have refreshed its rollups: do it now.
            touched.update((e.declaration_id, None) for e in earlier if e.status != REJECTED)
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
        rows = rows_label(record.rows)
        key = record.key or ""
        if id(record) in duplicates:
            column = record.fields["declaration_id"].column
            reason = f"declaration_id {key} appears again (first at row {duplicates[id(record)]}); each once per file"
            rejected.append(ReportEntry(record.first_row, rows, key, REJECTED, column, reason, batch_no))
            continue
        outcome = validate_record(record, now)
        if isinstance(outcome, list):
            rejected.extend(rejections(outcome, rows, key, batch_no))
        else:
            valid.append(outcome)
    for attempt in (1, 2):
        try:
            with unit_of_work(db) as session:
                if session.scalar(
                    select(ImportBatch.id).where(ImportBatch.file_sha256 == sha, ImportBatch.batch_no == batch_no)
                ):
                    # Another run recorded this batch meanwhile: report it as such, write nothing.
                    return replayed(
                        session.scalars(
                            select(ImportBatch).where(ImportBatch.file_sha256 == sha, ImportBatch.batch_no == batch_no)
                        ).one(),
                        batch_no,
                    )
                before = _rollup_instants(session, [v.data.declaration_id for v in valid])
                entries = write_batch(session, actor, valid, ports, now, batch_no) + rejected
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
                        report=[entry_dict(e) for e in entries],
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
    where = rows_by_key(session, Declaration.source_system_id, keys, Declaration.port_id, Declaration.declared_at)
    return {key: (port_id, declared_at) for key, port_id, declared_at in where}


def _refresh_rollups(session: Session, *slices: dict[str, tuple[int, datetime]]) -> None:
    """Refresh the daily rollups a batch touched: where changed declarations were and now are."""
    by_port: dict[int, set[datetime]] = {}
    for found in slices:
        for port_id, declared_at in found.values():
            by_port.setdefault(port_id, set()).add(declared_at)
    for port_id, instants in by_port.items():
        refresh_rollups_at(session, port_id, *instants)
