"""`python -m portsight import`, `credit-import` and `export`, for schedulers.

credit-import FILE: enterprises' dated credit changes (portsight.exchange.credit), recorded as the
system; exit 0 all recorded or already there, 1 some rows refused (nothing written), 2 unreadable,
3 could not run.

import FILE [--report REPORT.csv]: exit 0 when every declaration was accepted (or was already
there), 1 when some were rejected (the rest imported), 2 when the file could not be read at all
(a damaged .xlsx, UTF-16, too many rows, more memory than allowed: running it again will not
help, so a scheduler should not retry), 3 when the import could not run (database unreachable,
...; run it again). The import runs under a memory ceiling (--memory-limit-mb, default
PORTSIGHT_IMPORT_MEMORY_MB or 2048; 0 = none) so a hostile file fails alone instead of taking the
machine's memory. Messages are in English (for logs and schedulers).

export --since CURSOR --format jsonl|csv --out FILE: prints the next cursor (and only that) on
stdout; the summary goes to stderr. `--since last` continues from the last export. --from/--to
export a period instead (decided inspections, read directly). The file is written whole or not at
all (temporary file, then rename).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE, EXIT_FAILED = 0, 1, 2, 3


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import", help="import declarations from the backbone (CSV, .xlsx, JSON)")
    imp.add_argument("file", help="declarations file; format in docs/exchange-format.md")
    imp.add_argument("--report", help="write the per-row report to this CSV file")
    imp.add_argument("--batch-size", type=int, default=None, help="declarations per transaction (default 500)")
    imp.add_argument("--progress", action="store_true", help="print progress to stderr")
    imp.add_argument(
        "--memory-limit-mb",
        type=int,
        default=None,
        help="address-space ceiling of the import process in MB (default PORTSIGHT_IMPORT_MEMORY_MB or 2048; 0 = none)",
    )
    imp.add_argument("--max-rows", type=int, default=None, help="refuse files with more declaration rows than this")
    imp.set_defaults(handler=cmd_import)

    credit = sub.add_parser("credit-import", help="import enterprises' dated credit changes (CSV, .xlsx, JSON)")
    credit.add_argument("file", help="credit changes file: uscc, tier, valid_from, reason (docs/exchange-format.md)")
    credit.set_defaults(handler=cmd_credit_import)

    exp = sub.add_parser("export", help="export decisions, findings, receipts and inspection times")
    exp.add_argument("--since", help="cursor printed by the previous export; 0 = everything; 'last' = continue")
    exp.add_argument("--from", dest="start", help="period start (ISO date/time, UTC unless an offset is given)")
    exp.add_argument("--to", dest="end", help="period end, exclusive")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("--out", required=True, help="output file ('-' for stdout, period mode only)")
    exp.set_defaults(handler=cmd_export)


def _engine():
    from portsight.config import load_settings
    from portsight.db.migrate import upgrade
    from portsight.db.session import make_engine

    url = load_settings().database_url
    upgrade(url)
    return make_engine(url)


DEFAULT_MEMORY_MB = 2048


def _memory_ceiling_mb(given: int | None) -> int:
    if given is not None:
        return given
    return int(os.environ.get("PORTSIGHT_IMPORT_MEMORY_MB", DEFAULT_MEMORY_MB))


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space, so that a file needing more memory raises MemoryError here
    (reported, exit 2) instead of growing until the machine swaps or the OOM killer picks a victim."""
    import resource

    if megabytes <= 0:
        return
    wanted = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _write_unreadable_report(path: str, message: str) -> None:
    import csv

    from portsight.documents.cells import csv_row
    from portsight.exchange.report import REPORT_COLUMNS

    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(REPORT_COLUMNS)
        writer.writerow(csv_row([0, "", "", "unreadable", "", message, 0]))


def _memory_message(limit_mb: int) -> str:
    ceiling = f" ({limit_mb} MB)" if limit_mb > 0 else ""
    return (
        f"The file needs more memory than an import may use{ceiling}: nothing more was imported. "
        "Split it into smaller files (batches already committed stay)."
    )


def cmd_import(args: argparse.Namespace) -> int:
    from portsight.domain.access import SYSTEM
    from portsight.exchange.importer import DEFAULT_BATCH_SIZE, import_file
    from portsight.exchange.readers import DEFAULT_LIMITS, ReadLimits, UnreadableFile, shown
    from portsight.exchange.report import write_report_csv

    limits = DEFAULT_LIMITS if args.max_rows is None else ReadLimits(max_rows=args.max_rows)
    ceiling_mb = _memory_ceiling_mb(args.memory_limit_mb)

    def progress(done: int, total: int) -> None:
        if args.progress:
            print(f"progress {done}/{total}", file=sys.stderr, flush=True)

    try:
        engine = _engine()
    except Exception as exc:  # noqa: BLE001 - a scheduler needs an exit code, not a traceback
        print(f"Cannot open the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        _limit_memory(ceiling_mb)  # after the imports and the database are set up
        result = import_file(
            engine,
            SYSTEM,
            args.file,
            batch_size=args.batch_size or DEFAULT_BATCH_SIZE,
            progress=progress,
            limits=limits,
        )
    except UnreadableFile as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        if args.report:
            _write_unreadable_report(args.report, str(exc))
        return EXIT_UNREADABLE
    except MemoryError:
        message = _memory_message(ceiling_mb)
        print(f"{args.file}: {message}", file=sys.stderr)
        if args.report:
            _write_unreadable_report(args.report, message)
        return EXIT_UNREADABLE
    except Exception as exc:  # noqa: BLE001
        print(
            f"Import failed ({exc.__class__.__name__}: {shown(exc, 500)}); batches already committed stay, "
            "run the same command again to complete it.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        engine.dispose()
    if args.report:
        with open(args.report, "w", encoding="utf-8-sig", newline="") as f:
            write_report_csv(result.entries, f)
    c = result.counts
    skipped = (
        f", {result.batches_skipped} of {result.batches} batches already imported" if result.batches_skipped else ""
    )
    print(
        f"{args.file}: {c['accepted']} accepted, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['rejected']} rejected{skipped}."
    )
    if result.unknown_headers:
        print(f"Ignored columns: {', '.join(result.unknown_headers)}", file=sys.stderr)
    return result.exit_code


def cmd_credit_import(args: argparse.Namespace) -> int:
    """Exit 0 every change recorded (or already there), 1 some rows refused (nothing written),
    2 the file could not be read, 3 the import could not run."""
    from portsight.domain.access import SYSTEM
    from portsight.exchange.credit import REJECTED, import_credit_changes
    from portsight.exchange.readers import UnreadableFile

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        engine = _engine()
    except Exception as exc:  # noqa: BLE001 - a scheduler needs an exit code, not a traceback
        print(f"Cannot open the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        result = import_credit_changes(engine, SYSTEM, Path(args.file).name, data)
    except UnreadableFile as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as exc:  # noqa: BLE001
        print(f"Credit import failed ({exc.__class__.__name__}: {exc}); nothing was written.", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    for entry in result.entries:
        if entry.status == REJECTED:
            print(f"row {entry.row} {entry.column}: {entry.reason}", file=sys.stderr)
    print(
        f"{args.file}: {result.count('accepted')} recorded, {result.count('unchanged')} already recorded, "
        f"{result.count(REJECTED)} refused{' (nothing written)' if result.exit_code else ''}."
    )
    return result.exit_code


def _when(text: str) -> datetime:
    from portsight.exchange.validation import parse_when

    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else parse_when(value)


def cmd_export(args: argparse.Namespace) -> int:
    from portsight.domain.access import SYSTEM
    from portsight.errors import InvalidInput
    from portsight.exchange.exporter import export_period, export_since

    period = args.start is not None or args.end is not None
    if period and args.since is not None:
        print("Give either --since or --from/--to, not both.", file=sys.stderr)
        return EXIT_UNREADABLE
    if period and (args.start is None or args.end is None):
        print("A period needs both --from and --to.", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        engine = _engine()
    except Exception as exc:  # noqa: BLE001
        print(f"Cannot open the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    out_path = Path(args.out) if args.out != "-" else None
    if out_path is None and not period:
        print("--out - is for periods only: the cursor goes to stdout.", file=sys.stderr)
        return EXIT_UNREADABLE
    tmp = None
    try:
        if out_path is None:
            out = sys.stdout
        else:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".export-", dir=out_path.parent)
            out = os.fdopen(fd, "w", encoding="utf-8", newline="")
        try:
            if period:
                count = export_period(engine, SYSTEM, _when(args.start), _when(args.end), args.format, out)
                next_cursor = None
            else:
                result = export_since(engine, SYSTEM, args.since or "0", args.format, out)
                count, next_cursor = result.count, result.next_cursor
        finally:
            if out is not sys.stdout:
                out.close()
        if tmp is not None and out_path is not None:  # a temporary file is made for an out_path only
            os.replace(tmp, out_path)
            tmp = None
    except (InvalidInput, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as exc:  # noqa: BLE001
        print(f"Export failed ({exc.__class__.__name__}: {exc}); nothing was written.", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        engine.dispose()
    print(f"Exported {count} records to {args.out}.", file=sys.stderr)
    if next_cursor is not None:
        print(next_cursor)
    return EXIT_OK
