"""Import of declarations from the backbone, idempotent and whole-batch.

The per-row report is portsight.exchange.report; writing the declarations, portsight.exchange.store.

- Every declaration is validated (portsight.exchange.validation) before any write.
- Idempotent by the backbone's id (Declaration.source_system_id) and the content hash: the same
  content again is 'unchanged'; different content 'updated' (audited with before/after).
- One transaction per batch of `batch_size` declarations; the ImportBatch row (with that batch's
  report) and the daily rollups of the days it touched are written in the same transaction. A crash
  leaves only whole batches, counted in the statistics; importing the same file again skips the
  batches already recorded for its SHA-256 and completes the rest.
- Importing the same file again validates its rejected declarations again (the enterprise or the
  port may have been added since): those that pass now go in, and the batch's report says so.
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

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
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
from portsight.exchange.readers import DEFAULT_LIMITS, RawRecord, ReadLimits, UnreadableFile, read_file, shown
from portsight.exchange.report import (
    ACCEPTED,
    REJECTED,
    STATUSES,
    UNCHANGED,
    UPDATED,
    ImportResult,
    ReportEntry,
    entry_dict,
    entry_from_dict,
    rejections,
    replayed,
    rows_label,
)
from portsight.exchange.store import rows_by_key, write_batch
from portsight.exchange.validation import ValidDeclaration, validate_record
from portsight.heap import collector_paused

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
    limits: ReadLimits = DEFAULT_LIMITS,
) -> ImportResult:
    """Import a declarations file (CSV, .xlsx or JSON) from disk. See import_bytes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"Cannot read {path}: {exc.strerror or exc}.", "unreadable_missing") from exc
    return import_bytes(db, actor, path.name, data, batch_size=batch_size, progress=progress, now=now, limits=limits)


def import_bytes(
    db: Database,
    actor: Actor,
    name: str,
    data: bytes,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    now: datetime | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> ImportResult:
    """Import a declarations file given as bytes; returns the per-row report.

    Raises UnreadableFile (an InvalidInput) when the file cannot be read at all; nothing is written then.
    """
    require_role(actor, Role.ADMIN)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with collector_paused():
        return _import(db, actor, name, data, batch_size, progress, now or utcnow(), limits)


@dataclass(frozen=True)
class _Run:
    """What every batch of one import shares."""

    db: Database
    actor: Actor
    name: str
    sha: str
    duplicates: dict[int, int]
    ports: dict[str, int]
    now: datetime


def _import(
    db: Database,
    actor: Actor,
    name: str,
    data: bytes,
    batch_size: int,
    progress: Progress | None,
    now: datetime,
    limits: ReadLimits,
) -> ImportResult:
    sha = file_sha256(data)
    parsed = read_file(name, data, limits)
    result = ImportResult(file_name=name, file_sha256=sha, format=parsed.format, unknown_headers=parsed.unknown_headers)
    records = parsed.records
    batches = [records[i : i + batch_size] for i in range(0, len(records), batch_size)]
    result.batches = len(batches)
    total = len(records)
    if progress:
        progress(0, total)
    run = _Run(db, actor, name, sha, _duplicate_keys(records), _port_ids(db), now)
    done_batches = _recorded_batches(db, sha)
    done = 0
    for batch_no, batch in enumerate(batches, start=1):
        recorded = done_batches.get(batch_no)
        if recorded is None:
            result.entries.extend(_import_batch(run, batch_no, batch))
        else:
            result.batches_skipped += 1
            if recorded.rows_rejected:
                # Rejected once, perhaps for a cause fixed since (the enterprise or port added):
                # those declarations are validated again; what went in stays as it was.
                result.entries.extend(_revalidate_batch(run, batch_no, batch))
            else:
                result.entries.extend(replayed(recorded, batch_no))
        done += len(batch)
        if progress:
            progress(done, total)
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


def _validate(run: _Run, batch_no: int, records: list[RawRecord]) -> tuple[list[ReportEntry], list[ValidDeclaration]]:
    """Validate a batch's declarations: (the rejected ones' entries, the valid ones). No database."""
    rejected: list[ReportEntry] = []
    valid: list[ValidDeclaration] = []
    for record in records:
        rows = rows_label(record.rows)
        key = record.key or ""
        if id(record) in run.duplicates:
            column = record.fields["declaration_id"].column
            reason = (
                f"declaration_id {shown(key)} appears again (first at row {run.duplicates[id(record)]}); "
                "each once per file"
            )
            params = {"id": shown(key), "first": run.duplicates[id(record)]}
            entry = ReportEntry(record.first_row, rows, key, REJECTED, column, reason, batch_no, "duplicate_id", params)
            rejected.append(entry)
            continue
        outcome = validate_record(record, run.now)
        if isinstance(outcome, list):
            rejected.extend(rejections(outcome, rows, key, batch_no))
        else:
            valid.append(outcome)
    return rejected, valid


def _write(
    session: Session, run: _Run, batch_no: int, valid: list[ValidDeclaration], rejected: list[ReportEntry]
) -> list[ReportEntry]:
    """Write the valid declarations and refresh the rollups they count in, in the batch's transaction:
    a batch that commits (and survives a kill -9 of the run) is in the statistics."""
    before = _rollup_instants(session, [v.data.declaration_id for v in valid])
    entries = write_batch(session, run.actor, valid, run.ports, run.now, batch_no) + rejected
    changed = {e.declaration_id for e in entries if e.status in (ACCEPTED, UPDATED)}
    if changed:
        session.flush()
        after = _rollup_instants(session, changed)
        _refresh_rollups(session, {k: v for k, v in before.items() if k in changed}, after)
    entries.sort(key=lambda e: (e.row, e.column))
    return entries


def _counts(entries: list[ReportEntry]) -> dict[str, int]:
    return {s: len({e.rows + e.declaration_id for e in entries if e.status == s}) for s in STATUSES}


def _batch_row(session: Session, sha: str, batch_no: int, *, lock: bool = False) -> ImportBatch | None:
    stmt = select(ImportBatch).where(ImportBatch.file_sha256 == sha, ImportBatch.batch_no == batch_no)
    return session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()


def _import_batch(run: _Run, batch_no: int, records: list[RawRecord]) -> list[ReportEntry]:
    """Import one batch in one transaction, with its ImportBatch row, its audit and its rollups."""
    rejected, valid = _validate(run, batch_no, records)
    for attempt in (1, 2):
        try:
            with unit_of_work(run.db) as session:
                earlier = _batch_row(session, run.sha, batch_no)
                if earlier is not None:
                    # Another run recorded this batch meanwhile: report it as such, write nothing.
                    return replayed(earlier, batch_no)
                entries = _write(session, run, batch_no, valid, rejected)
                counts = _counts(entries)
                session.add(
                    ImportBatch(
                        file_name=run.name[:300],
                        file_sha256=run.sha,
                        batch_no=batch_no,
                        rows_accepted=counts[ACCEPTED],
                        rows_updated=counts[UPDATED],
                        rows_unchanged=counts[UNCHANGED],
                        rows_rejected=counts[REJECTED],
                        report=[entry_dict(e) for e in entries],
                        imported_at=run.now,
                        imported_by=run.actor.username,
                    )
                )
                record_audit(
                    session,
                    run.actor,
                    "import",
                    "import_batch",
                    f"{run.sha[:16]}#{batch_no}",
                    after={"file": run.name, **counts},
                )
                return entries
        except IntegrityError:
            # A concurrent import of overlapping data won the race: try once more against what it wrote.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _entry_key(rows: str, declaration_id: str) -> tuple[str, str]:
    """How a declaration is found again in a stored report (its id as the report keeps it)."""
    return rows, ReportEntry(0, rows, declaration_id, REJECTED, "", "", 0).declaration_id


def _revalidate_batch(run: _Run, batch_no: int, records: list[RawRecord]) -> list[ReportEntry]:
    """A recorded batch of the same file: its rejected declarations are validated and written again.

    The batch row is locked while it is done, so two runs do not both retry; its stored report and
    counts then say what happened to them (accepted now, or rejected with today's reason)."""
    for attempt in (1, 2):
        try:
            with unit_of_work(run.db) as session:
                batch = _batch_row(session, run.sha, batch_no, lock=True)
                assert batch is not None  # recorded batches are never deleted
                stored = [entry_from_dict(e, batch_no) for e in batch.report or []]
                refused = {_entry_key(e.rows, e.declaration_id) for e in stored if e.status == REJECTED}
                retry = [r for r in records if _entry_key(rows_label(r.rows), r.key or "") in refused]
                if not retry:
                    return replayed(batch, batch_no)
                rejected, valid = _validate(run, batch_no, retry)
                fresh = _write(session, run, batch_no, valid, rejected)
                earlier = [e for e in replayed(batch, batch_no) if _entry_key(e.rows, e.declaration_id) not in refused]
                if all(e.status == REJECTED for e in fresh):
                    # Still refused, nothing written: the stored report stays, no audit entry each time.
                    return sorted(earlier + fresh, key=lambda e: (e.row, e.column))
                kept = [e for e in stored if _entry_key(e.rows, e.declaration_id) not in refused]
                entries = sorted(kept + fresh, key=lambda e: (e.row, e.column))
                counts = _counts(entries)
                batch.report = [entry_dict(e) for e in entries]
                batch.rows_accepted = counts[ACCEPTED]
                batch.rows_updated = counts[UPDATED]
                batch.rows_unchanged = counts[UNCHANGED]
                batch.rows_rejected = counts[REJECTED]
                record_audit(
                    session,
                    run.actor,
                    "revalidate",
                    "import_batch",
                    f"{run.sha[:16]}#{batch_no}",
                    after={"file": run.name, **_counts(fresh)},
                )
                return sorted(earlier + fresh, key=lambda e: (e.row, e.column))
        except IntegrityError:
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
