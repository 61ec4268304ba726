"""Command line: `python -m portsight --help`."""

from __future__ import annotations

import argparse
import sys

from portsight.cli import draws as draws_cli
from portsight.cli import notify as notify_cli
from portsight.cli import read_numbers as read_numbers_cli
from portsight.cli import receipts as receipts_cli
from portsight.cli import users as users_cli
from portsight.config import load_settings
from portsight.exchange import cli as exchange_cli


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from portsight.db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"Database is at the latest schema: {_safe_url(settings.database_url)}")
    _warn_about_demo_passwords(settings.database_url)
    return 0


def _warn_about_demo_passwords(database_url: str) -> None:
    """Outside the demo, name the active accounts whose password is still the published demo one."""
    from portsight.db.instance import is_demo
    from portsight.db.session import make_engine
    from portsight.services.accounts import demo_password_users

    engine = make_engine(database_url)
    try:
        if is_demo(engine):
            return
        names, unchecked = demo_password_users(engine, budget=200)  # each distinct hash once: ~50 ms each
    except Exception:  # noqa: BLE001 - a warning must not turn a health check or an upgrade into a failure
        return
    finally:
        engine.dispose()
    if names:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        print(
            f"WARNING: {len(names)} active account(s) still have the published demo password: {shown}. "
            "Set new passwords with `python -m portsight users passwd NAME` (or deactivate them).",
            file=sys.stderr,
        )
    if unchecked:
        print(f"WARNING: {unchecked} password hash(es) not checked for the demo password.", file=sys.stderr)


def _cmd_seed(args: argparse.Namespace) -> int:
    import time
    from datetime import UTC, datetime

    from portsight.catalogue import default_catalogue
    from portsight.db.migrate import upgrade
    from portsight.db.session import make_engine
    from portsight.demo.seed import database_is_empty, seed_demo
    from portsight.errors import Conflict

    default_catalogue()  # seeding and the simulator judge by the rules: a malformed file stops here
    settings = load_settings()
    upgrade(settings.database_url)
    # A batch job like a migration: wiping and writing 60 weeks may take longer than a page's statement limit.
    engine = make_engine(settings.database_url, statement_timeout=0)
    try:
        if args.if_empty and not database_is_empty(engine):
            print(f"Database already has data; nothing seeded: {_safe_url(settings.database_url)}")
            return 0
        engine.dispose()  # no connection left open: the seed's writing process may then have a SQLite file to itself
        now = datetime.fromisoformat(args.now).astimezone(UTC) if args.now else None
        started = time.perf_counter()
        print(
            f"Seeding {args.weeks} weeks of demo data into {_safe_url(settings.database_url)} "
            "(0.4 to 1.1 s a week on 2 cores) ...",
            file=sys.stderr,
            flush=True,
        )

        def progress(step: str) -> None:
            print(f"  {time.perf_counter() - started:5.0f} s  {step}", file=sys.stderr, flush=True)

        try:
            counts = seed_demo(
                engine, weeks=args.weeks, seed=args.seed, now=now, force=args.force, demo=args.demo,
                media_dir=settings.media_dir, secret=settings.receipt_keys, progress=progress,
            )  # fmt: skip
        except Conflict as exc:
            print(f"{exc} {_safe_url(settings.database_url)}", file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - started
        if args.demo:  # the demo accounts find work waiting, whatever the hour (the simulator tops it up)
            from portsight.demo.visitors import keep_work_waiting

            keep_work_waiting(engine, now=now, media_dir=settings.media_dir, secret=settings.receipt_keys)
    finally:
        engine.dispose()
    seeded = (
        f"Seeded {args.weeks} weeks (seed {args.seed}) in {elapsed:.1f} s: {counts['declarations']} declarations, "
        f"{counts['inspections']} inspections, {counts['release_receipts']} receipts, {counts['evidence']} photos, "
        f"{sum(counts.values())} rows."
    )
    if args.demo:
        print(f"{seeded} Demo accounts: admin, supervisor, supervisor.sgh, expert, inspector, gate (password 'demo').")
    else:
        print(
            f"{seeded} No account can sign in yet (no password is set). Create the first administrator with\n"
            "  python -m portsight users create admin --role admin --all-ports\n"
            "and give a seeded account a password with `python -m portsight users passwd NAME`."
        )
    return 0


def _cmd_rules_check(args: argparse.Namespace) -> int:
    from portsight.catalogue import default_catalogue
    from portsight.config import rules_dir

    catalogue = default_catalogue()
    print(f"{len(catalogue.rules)} rules load without error from {rules_dir()}")
    return 0


def _cmd_judge(args: argparse.Namespace) -> int:
    """Judge a case file as the app would; print one JSON object (exit 0), or say which field is wrong (exit 2)."""
    import json

    from portsight.catalogue import default_catalogue
    from portsight.domain.verdict import CaseError, judge_case

    try:
        text = sys.stdin.read() if args.case == "-" else open(args.case, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"malformed case: field 'case': cannot read {args.case}: {exc}", file=sys.stderr)
        return 2
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"malformed case: field 'case': not valid JSON at line {exc.lineno}, column {exc.colno}", file=sys.stderr)
        return 2
    try:
        verdict = judge_case(raw, default_catalogue())
    except CaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(verdict, ensure_ascii=False))
    return 0


def _cmd_health(args: argparse.Namespace) -> int:
    from portsight.health import run_checks

    checks = run_checks(args.url, load_settings().database_url, script=not args.no_script, timeout=args.timeout)
    for check in checks:
        print(check.line())
    _warn_about_demo_passwords(load_settings().database_url)
    return 0 if all(c.ok for c in checks) else 1


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m portsight", description="PortSight command line.")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the database named by DATABASE_URL (or the embedded default)")
    db.set_defaults(handler=_cmd_db_upgrade)

    seed = sub.add_parser("seed", help="fill the database with demo data (ports, users, weeks of inspections)")
    seed.add_argument("--weeks", type=int, default=60, help="weeks of history (default 60: a year and more)")
    seed.add_argument("--seed", type=int, default=7, help="random seed: the same seed and --now give the same data")
    seed.add_argument("--now", help="anchor time, ISO 8601 (default: the current hour)")
    group = seed.add_mutually_exclusive_group()
    group.add_argument("--if-empty", action="store_true", help="seed only when the database has no ports; exit 0")
    group.add_argument("--force", action="store_true", help="delete all existing data first")
    seed.add_argument(
        "--demo",
        action="store_true",
        help="the embedded demo: every account gets the published password 'demo' (never on a real database)",
    )
    seed.set_defaults(handler=_cmd_seed)

    rules = sub.add_parser("rules", help="the rule catalogue (data/rules or PORTSIGHT_RULES_DIR)")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    rules_sub.add_parser(
        "check", help="load and check every rule file; exit 3 naming the file, rule and field of a fault"
    )
    rules.set_defaults(handler=_cmd_rules_check)

    judge = sub.add_parser(
        "judge",
        help="judge a case (declaration and recorded steps, JSON) as the app would: print one JSON verdict; "
        "exit 2 naming the field of a malformed case",
    )
    judge.add_argument("case", help="the case file, JSON (- reads standard input)")
    judge.set_defaults(handler=_cmd_judge)

    health = sub.add_parser("health", help="check a running replica over HTTP and ping its database; exit 1 if not")
    health.add_argument("--url", help="the replica's base URL, e.g. http://127.0.0.1:8501 (omit: database only)")
    health.add_argument("--no-script", action="store_true", help="skip /_stcore/script-health-check")
    health.add_argument("--timeout", type=float, default=5.0, help="seconds per check (default 5)")
    health.set_defaults(handler=_cmd_health)

    exchange_cli.add_subcommands(sub)  # import, export (portsight/exchange/cli.py)
    draws_cli.add_subcommands(sub)  # draws publish|reveal|verify (portsight/cli/draws.py)
    users_cli.add_subcommands(sub)  # users create|passwd|deactivate|activate|unlock|list (portsight/cli/users.py)
    receipts_cli.add_subcommands(sub)  # receipts rotate-key|keys (portsight/cli/receipts.py)
    notify_cli.add_subcommands(sub)  # notify run-once (portsight/cli/notify.py)
    read_numbers_cli.add_subcommands(sub)  # read-numbers FILE... (portsight/cli/read_numbers.py)
    return parser


def main(argv: list[str] | None = None) -> int:
    from portsight.domain.rulebook import RuleCatalogueError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except RuleCatalogueError as exc:  # a malformed rule file: say where, no stack trace
        print(f"{exc}\nFix the rule file, then run the command again.", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
