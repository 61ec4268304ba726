"""Two-way data exchange with the backbone (issue 9): import declarations, export results.

Import:  import_file / import_bytes -> ImportResult (per-row report; exit_code 0/1), UnreadableFile.
         What a file may make the reader hold: readers.ReadLimits (rows, columns, field and line length).
Export:  export_since (outbox, cursor) / export_period (decided inspections in a period).
Outbox:  add_to_outbox(session, kind, inspection_id, payload), called in the result's own transaction.
Format:  portsight.exchange.schema (docs/exchange-format.md, data/exchange/schema.json).
"""

from portsight.db.outbox import add_decision_to_outbox, add_to_outbox
from portsight.exchange.exporter import (
    EXPORT_COLUMNS,
    ExportResult,
    export_period,
    export_since,
    last_export_cursor,
    parse_cursor,
)
from portsight.exchange.importer import DEFAULT_BATCH_SIZE, import_bytes, import_file
from portsight.exchange.readers import UnreadableFile
from portsight.exchange.report import (
    ImportResult,
    ReportEntry,
    past_report_entries,
    report_csv_bytes,
    write_report_csv,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "EXPORT_COLUMNS",
    "ExportResult",
    "ImportResult",
    "ReportEntry",
    "UnreadableFile",
    "add_decision_to_outbox",
    "add_to_outbox",
    "export_period",
    "export_since",
    "import_bytes",
    "import_file",
    "last_export_cursor",
    "parse_cursor",
    "past_report_entries",
    "report_csv_bytes",
    "write_report_csv",
]
