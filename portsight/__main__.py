"""Command line: `python -m portsight --help`."""

from __future__ import annotations

import argparse
import sys

from portsight.config import load_settings


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from portsight.db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"Database is at the latest schema: {_safe_url(settings.database_url)}")
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
