"""Accounts from the command line: `python -m portsight users ...`.

    users create NAME --role ROLE (--ports CNSGH,CNNGB | --all-ports) [--display-name TEXT]
                 [--language zh_CN|en] [--must-change] [--password-stdin]
    users passwd NAME [--password-stdin] [--no-forced-change]
                 an administrator's reset: the user chooses a new password at the next sign-in
                 (unless --no-forced-change) and every browser session of the user ends
    users deactivate NAME | activate NAME | unlock NAME
    users list

Passwords are read without echo from the terminal (asked twice), or as the first line of standard
input with --password-stdin (for scripts: `printf '%s\\n' "$PW" | ... --password-stdin`); never from
the command line, where other users of the machine could read them in the process list.

The first administrator of a new installation:

    python -m portsight users create admin --role admin --all-ports

Exit status: 0 done; 2 refused: bad input (a weak password, an unknown account, role or port, a
name taken, the last administrator); 3 the database could not be opened.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from sqlalchemy import Engine

EXIT_OK, EXIT_REFUSED, EXIT_FAILED = 0, 2, 3
ROLES = ("admin", "supervisor", "expert", "inspector", "gate")


class BadInput(Exception):
    """What was typed cannot be used; the message says why."""


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="accounts: create, reset a password, (de)activate, unlock, list")
    users_sub = users.add_subparsers(dest="users_command", required=True)

    create = users_sub.add_parser("create", help="create an account (the first administrator too)")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    scope = create.add_mutually_exclusive_group()
    scope.add_argument("--ports", default="", help="port codes the account works at, comma-separated (CNSGH,CNNGB)")
    scope.add_argument("--all-ports", action="store_true", help="every port (administrators, national supervisors)")
    create.add_argument("--display-name", help="the name shown in the app (default: the username)")
    create.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    create.add_argument("--must-change", action="store_true", help="ask for a new password at the first sign-in")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(handler=cmd_create)

    passwd = users_sub.add_parser("passwd", help="set a new password (forced change at the next sign-in)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd.add_argument(
        "--no-forced-change", action="store_true", help="do not ask the user for a new password at the next sign-in"
    )
    passwd.set_defaults(handler=cmd_passwd)

    for name, text in (
        ("deactivate", "switch an account off; its browser sessions end at once"),
        ("activate", "switch an account back on"),
        ("unlock", "clear the account's failed sign-ins and wait"),
    ):
        command = users_sub.add_parser(name, help=text)
        command.add_argument("username")
        command.set_defaults(handler=cmd_simple)

    listing = users_sub.add_parser("list", help="every account: role, ports, active, last sign-in, waiting")
    listing.set_defaults(handler=cmd_list)


def _actor():
    from portsight.domain.access import Actor, Role

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return Actor(user_id=None, username=f"cli:{who}"[:64], role=Role.ADMIN, port_ids=None)


def _engine() -> Engine:
    from portsight.config import load_settings
    from portsight.db.migrate import upgrade
    from portsight.db.session import make_engine

    url = load_settings().database_url
    upgrade(url)  # the first administrator is often created on a brand-new database
    return make_engine(url)


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise BadInput("No password on standard input.")
        return password
    if not sys.stdin.isatty():
        raise BadInput("No terminal to type the password on: pipe it in with --password-stdin.")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise BadInput("The two passwords differ.")
    return first


def _run(work: Callable[[Engine], str]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from portsight.db.session import DatabaseUnavailable
    from portsight.errors import USER_ERRORS

    refused: tuple[type[Exception], ...] = (BadInput, *USER_ERRORS)
    try:
        engine = _engine()
    except (SQLAlchemyError, DatabaseUnavailable, OSError) as exc:
        print(f"The database could not be opened: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        print(work(engine))
        return EXIT_OK
    except refused as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except SQLAlchemyError as exc:
        print(f"The database failed: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()


def cmd_create(args: argparse.Namespace) -> int:
    from portsight.services.accounts import create_user

    ports = [c for c in args.ports.split(",") if c.strip()]
    if not args.all_ports and not ports and args.role != "admin":
        print("Give the account's ports (--ports CNSGH,...) or --all-ports.", file=sys.stderr)
        return EXIT_REFUSED
    try:
        password = read_password(args.password_stdin)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED

    def work(engine: Engine) -> str:
        create_user(
            engine,
            _actor(),
            username=args.username,
            password=password,
            role=args.role,
            display_name=args.display_name,
            port_codes=ports,
            all_ports=args.all_ports or (args.role == "admin" and not ports),
            language=args.language,
            must_change_password=args.must_change,
        )
        return f"Account {args.username.strip().lower()} created ({args.role})."

    return _run(work)


def cmd_passwd(args: argparse.Namespace) -> int:
    from portsight.services.accounts import set_password

    try:
        password = read_password(args.password_stdin)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED

    def work(engine: Engine) -> str:
        set_password(engine, _actor(), args.username, password, must_change=not args.no_forced_change)
        then = "" if args.no_forced_change else " The user chooses a new one at the next sign-in."
        return f"Password of {args.username} set; the user's browser sessions ended.{then}"

    return _run(work)


def cmd_simple(args: argparse.Namespace) -> int:
    from portsight.services.accounts import activate_user, deactivate_user, unlock_user

    action, done = {
        "deactivate": (deactivate_user, "deactivated; its browser sessions ended"),
        "activate": (activate_user, "activated"),
        "unlock": (unlock_user, "unlocked: its failed sign-ins are forgotten"),
    }[args.users_command]

    def work(engine: Engine) -> str:
        action(engine, _actor(), args.username)
        return f"Account {args.username} {done}."

    return _run(work)


def cmd_list(args: argparse.Namespace) -> int:
    from portsight.services.accounts import user_rows

    def work(engine: Engine) -> str:
        rows = user_rows(engine)
        lines = [f"{'username':<24} {'role':<10} {'ports':<20} {'active':<6} {'last sign-in':<20} waiting"]
        for r in rows:
            ports = "all" if r.all_ports else ",".join(r.ports) or "-"
            last = r.last_login_at.strftime("%Y-%m-%d %H:%M") if r.last_login_at else "never"
            waiting = r.throttled_until.strftime("until %H:%M:%S UTC") if r.throttled_until else "-"
            active = "yes" if r.active else "no"
            lines.append(f"{r.username:<24} {r.role:<10} {ports:<20} {active:<6} {last:<20} {waiting}")
        lines.append(f"{len(rows)} account(s).")
        return "\n".join(lines)

    return _run(work)
