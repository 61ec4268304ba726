"""The data exchange page's wrappers: import an upload, its report, exports of results, past imports.

Not cached: an import or an export is a write (audited), and the page shows what it just did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from components.shell.formatting import as_text
from components.shell.messages import render_message
from components.shell.runtime import get_engine, get_settings
from components.shell.state import tr
from portsight import exchange
from portsight.domain.access import Actor
from portsight.exchange import ImportResult, ReportEntry, UnreadableFile
from portsight.exchange.history import past_imports
from portsight.exchange.readers import ReadLimits
from portsight.i18n import catalogue, fmt_datetime

__all__ = [
    "ImportResult",
    "UnreadableFile",
    "export_period",
    "file_error_text",
    "import_upload",
    "last_export_cursor",
    "load_past_imports",
    "reason_text",
    "past_report_csv",
    "report_csv",
    "upload_too_large",
]


# What an import on the page may make the server hold (it runs in the server's process, which
# serves everyone): fewer rows than the command line, whose process has a memory ceiling of its own.
PAGE_LIMITS = ReadLimits(max_rows=50_000)


def upload_too_large(size: int) -> UnreadableFile | None:
    """The error to show when an upload of `size` bytes is over the configured limit, else None."""
    limit = get_settings().max_upload_bytes
    if size <= limit:
        return None
    mb = limit // (1024 * 1024)
    return UnreadableFile(tr("exchange.too_large", mb=mb), "too_large", mb=mb)


def import_upload(
    actor: Actor, name: str, data: bytes, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Import an uploaded file of declarations; progress(done, total) follows the rows."""
    try:
        return exchange.import_bytes(get_engine(), actor, name, data, progress=progress, limits=PAGE_LIMITS)
    except MemoryError:
        raise UnreadableFile("The file needs more memory than an import may use.", "unreadable_memory") from None


def file_error_text(name: str, exc: UnreadableFile) -> str:
    """An unreadable file's message in the session's language, naming the file (Markdown-safe)."""
    params = {k: as_text(v) if isinstance(v, str) else v for k, v in exc.params.items()}
    return tr("exchange.file_error", file=as_text(name), message=tr(f"exchange.{exc.key}", **params))


def reason_text(lang: str, entry: ReportEntry) -> str:
    """A report entry's reason in the reader's language; its English text where it has no message key
    (a reason not given one yet, or an entry stored before keys existed)."""
    if not entry.key or not _has_reason(lang, entry.key):
        return entry.reason
    params = dict(entry.params or {})
    if entry.key == "already_imported" and isinstance(params.get("when"), str):
        params["when"] = fmt_datetime(lang, datetime.fromisoformat(params["when"]))
    try:
        # render_message: a parameter may be a message of its own (a container's reason) or a state.
        return render_message(lang, f"exchange.reason_{entry.key}", params)
    except (KeyError, IndexError, ValueError):  # parameters of another version: the English text says it all
        return entry.reason


def _has_reason(lang: str, key: str) -> bool:
    return f"exchange.reason_{key}" in catalogue(lang)


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
