"""The import's per-row report: one entry per declaration (or per problem of a rejected one).

Each batch's entries are stored with its ImportBatch row (entry_dict / entry_from_dict), so a
file imported again reports the batches already done as they were, and the report can be
downloaded as CSV later.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TextIO

from sqlalchemy import select

from portsight.clock import as_utc
from portsight.db.models import ImportBatch
from portsight.db.session import Database, unit_of_work
from portsight.documents.cells import csv_row
from portsight.exchange.readers import Issue, shown

ACCEPTED, UPDATED, UNCHANGED, REJECTED = "accepted", "updated", "unchanged", "rejected"
STATUSES = (ACCEPTED, UPDATED, UNCHANGED, REJECTED)
REPORT_COLUMNS = ("row", "rows", "declaration_id", "status", "column", "reason", "batch")
# What an entry keeps of text taken from the file: a 50 MB id must not become a 50 MB report entry
# (nor 13 of them, one per problem, each stored with its batch).
SHOWN_ID, SHOWN_COLUMN, SHOWN_REASON = 200, 200, 1000


@dataclass(frozen=True)
class ReportEntry:
    row: int  # spreadsheet row (header = row 1) or JSON record number
    rows: str  # every row of the declaration, e.g. "2-4"
    declaration_id: str
    status: str
    column: str
    reason: str  # English (the command line's and the CSV report's)
    batch: int
    key: str = ""  # the reason's message key (exchange.reason_<key>) for a page in the reader's language
    params: dict | None = None

    def __post_init__(self) -> None:
        for name, limit in (("declaration_id", SHOWN_ID), ("column", SHOWN_COLUMN), ("reason", SHOWN_REASON)):
            value = getattr(self, name)
            if len(value) > limit:
                object.__setattr__(self, name, shown(value, limit))


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


def rows_label(rows: Iterable[int]) -> str:
    rows = sorted(set(rows))
    if not rows:
        return ""
    if rows == list(range(rows[0], rows[-1] + 1)):
        return str(rows[0]) if len(rows) == 1 else f"{rows[0]}-{rows[-1]}"
    return ",".join(str(r) for r in rows)


def entry_dict(e: ReportEntry) -> dict:
    return {
        "row": e.row,
        "rows": e.rows,
        "declaration_id": e.declaration_id,
        "status": e.status,
        "column": e.column,
        "reason": e.reason,
        "key": e.key,
        "params": e.params,
    }


def rejections(issues: list[Issue], rows: str, key: str, batch_no: int) -> list[ReportEntry]:
    return [ReportEntry(i.row, rows, key, REJECTED, i.column, i.reason, batch_no, i.key, i.params) for i in issues]


def entry_from_dict(e: dict, batch_no: int) -> ReportEntry:
    """An entry as stored with its batch (entry_dict) back as a ReportEntry."""
    return ReportEntry(
        row=int(e.get("row", 0)),
        rows=str(e.get("rows", "")),
        declaration_id=str(e.get("declaration_id", "")),
        status=e.get("status", UNCHANGED),
        column=str(e.get("column", "")),
        reason=e.get("reason", ""),
        batch=batch_no,
        key=str(e.get("key") or ""),  # entries stored before message keys have none: their text is shown
        params=e.get("params"),
    )


def replayed(batch: ImportBatch, batch_no: int) -> list[ReportEntry]:
    """A batch recorded by an earlier run, reported again: what went in is now unchanged."""
    when = as_utc(batch.imported_at).strftime("%Y-%m-%d %H:%M UTC")
    again = f"this batch of the same file was already imported on {when}"
    entries = [entry_from_dict(e, batch_no) for e in batch.report or []]
    params = {"when": as_utc(batch.imported_at).isoformat()}
    return [
        e if e.status == REJECTED else replace(e, status=UNCHANGED, reason=again, key="already_imported", params=params)
        for e in entries
    ]


def write_report_csv(entries: Iterable[ReportEntry], out: TextIO) -> None:
    """The per-row report as CSV (UTF-8; open with newline=''); values from the file that would open as
    a formula are written as text (portsight.documents.cells)."""
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for e in entries:
        writer.writerow(csv_row([e.row, e.rows, e.declaration_id, e.status, e.column, e.reason, e.batch]))


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
    return [entry_from_dict(e, b.batch_no) for b in batches for e in (b.report or [])]


__all__ = [
    "ACCEPTED",
    "REJECTED",
    "REPORT_COLUMNS",
    "STATUSES",
    "UNCHANGED",
    "UPDATED",
    "ImportResult",
    "ReportEntry",
    "entry_dict",
    "entry_from_dict",
    "past_report_entries",
    "rejections",
    "replayed",
    "report_csv_bytes",
    "rows_label",
    "write_report_csv",
]
