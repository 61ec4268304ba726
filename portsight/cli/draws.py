"""The public record of a day's draws (双随机 + 公开) as JSON: `python -m portsight draws ...`.

    draws publish --day YYYY-MM-DD           commit the day's seed now (ahead of its first draw);
                                             prints the day, the SHA-256 and the time of publication
    draws reveal  --day YYYY-MM-DD           reveal the seed of a day that has ended (refused before)
    draws verify  --day YYYY-MM-DD [--seed HEX]
                                             recompute every selection and dispatch of the day from the
                                             revealed (or given) seed and the recorded inputs

Exit status: 0 done, every draw matched; 1 verify found a mismatch; 2 refused: a seed whose
SHA-256 differs from the published one, a reveal before the day has ended, a day without a
commitment or not revealed yet, a malformed day or seed; 3 the database could not be opened.
Everything printed on stdout is one JSON object; docs/selection-verification.md says how to read it.

It needs both sides: the services that publish and reveal, the queries that read the record and
recompute it, which is what the cli layer is for.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

EXIT_OK, EXIT_MISMATCH, EXIT_REFUSED, EXIT_FAILED = 0, 1, 2, 3


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    draws = sub.add_parser("draws", help="the day's draw seed: publish its hash, reveal it, verify the day's draws")
    draws_sub = draws.add_subparsers(dest="draws_command", required=True)
    day_help = "the local day (China time), YYYY-MM-DD"
    publish = draws_sub.add_parser("publish", help="commit the day's draw seed and print its SHA-256")
    publish.add_argument("--day", required=True, help=day_help)
    publish.set_defaults(handler=cmd_publish)
    reveal = draws_sub.add_parser("reveal", help="reveal the seed of a day that has ended")
    reveal.add_argument("--day", required=True, help=day_help)
    reveal.set_defaults(handler=cmd_reveal)
    verify = draws_sub.add_parser("verify", help="recompute every selection and dispatch of the day; JSON summary")
    verify.add_argument("--day", required=True, help=day_help)
    verify.add_argument("--seed", help="the day's seed (64 hex characters); default: the revealed one")
    verify.set_defaults(handler=cmd_verify)


def _print(document: dict[str, Any]) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _engine(migrate: bool) -> Engine:
    from portsight.config import load_settings
    from portsight.db.session import make_engine

    url = load_settings().database_url
    if migrate:
        from portsight.db.migrate import upgrade

        upgrade(url)
    return make_engine(url)


def _refused(day: str, exc: Exception) -> int:
    _print({"day": day, "refused": exc.__class__.__name__, "message": str(exc)})
    return EXIT_REFUSED


def _run(args: argparse.Namespace, migrate: bool, work: Callable[[Engine, date], int]) -> int:
    from portsight.domain.draws import SeedRefused
    from portsight.errors import USER_ERRORS

    try:
        day = _day(args.day)
    except ValueError as exc:
        return _refused(args.day, exc)
    try:
        engine = _engine(migrate)
    except Exception as exc:  # noqa: BLE001 - a scheduler needs an exit code, not a traceback
        print(f"Cannot open the database: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return work(engine, day)
    except SeedRefused as exc:
        return _refused(args.day, exc)
    except USER_ERRORS as exc:
        return _refused(args.day, exc)
    finally:
        engine.dispose()


def cmd_publish(args: argparse.Namespace) -> int:
    from portsight.domain.access import SYSTEM
    from portsight.services.draws import publish_day_seed

    def work(engine: Engine, day: date) -> int:
        commitment = publish_day_seed(engine, SYSTEM, day)
        _print({**commitment.as_dict(), "published_now": commitment.created})
        return EXIT_OK

    return _run(args, True, work)


def cmd_reveal(args: argparse.Namespace) -> int:
    from portsight.domain.access import SYSTEM
    from portsight.services.draws import reveal_day_seed

    def work(engine: Engine, day: date) -> int:
        _print(reveal_day_seed(engine, SYSTEM, day).as_dict())
        return EXIT_OK

    return _run(args, True, work)


def cmd_verify(args: argparse.Namespace) -> int:
    from portsight.queries.draws import verify_day

    def work(engine: Engine, day: date) -> int:
        result = verify_day(engine, day, args.seed)
        _print(result.as_dict())
        return EXIT_OK if result.ok else EXIT_MISMATCH

    return _run(args, False, work)


__all__ = ["EXIT_FAILED", "EXIT_MISMATCH", "EXIT_OK", "EXIT_REFUSED", "add_subcommands"]
