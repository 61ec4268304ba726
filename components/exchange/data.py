"""The data exchange page's wrappers: import an upload, its report, exports of results, past imports.

Not cached: an import or an export is a write (audited), and the page shows what it just did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from components.shell.runtime import get_engine, get_settings
from components.shell.state import tr
from portsight import exchange
from portsight.domain.access import Actor
from portsight.exchange import ImportResult, ReportEntry, UnreadableFile
from portsight.exchange.history import past_imports

__all__ = [
    "ImportResult",
    "export_period",
    "import_upload",
    "last_export_cursor",
    "load_past_imports",
    "past_report_csv",
    "report_csv",
    "upload_too_large",
]


def upload_too_large(data: bytes) -> UnreadableFile | None:
    """The error to show when an upload is over the configured limit, else None."""
    limit = get_settings().max_upload_bytes
    if len(data) <= limit:
        return None
    return UnreadableFile(tr("exchange.too_large", mb=limit // (1024 * 1024)))


def import_upload(
    actor: Actor, name: str, data: bytes, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Import an uploaded file of declarations; progress(done, total) follows the rows."""
    return exchange.import_bytes(get_engine(), actor, name, data, progress=progress)


def report_csv(entries: list[ReportEntry]) -> bytes:
    return exchange.report_csv_bytes(entries)


def past_report_csv(sha: str) -> bytes:
    """The stored report of an earlier import, as CSV."""
    return exchange.report_csv_bytes(exchange.past_report_entries(get_engine(), sha))


def export_period(actor: Actor, start: datetime, end: datetime, fmt: str, out: TextIO) -> int:
    """Write the results decided in [start, end) to out; returns how many."""
    return exchange.export_period(get_engine(), actor, start, end, fmt, out)


def last_export_cursor() -> str:
    return exchange.last_export_cursor(get_engine())


def load_past_imports(actor: Actor) -> list[dict]:
    return past_imports(get_engine(), actor)
