"""Notifications: `python -m portsight notify run-once`.

notify run-once   queue what the outbox owes now (raised, re-opened and escalated alerts),
                  send what is due, print the counts; for a worker or cron when the app's own
                  notifier thread is switched off (PORTSIGHT_NOTIFICATIONS=off)
"""

from __future__ import annotations

import argparse


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    notify = sub.add_parser("notify", help="alert notifications: queue and send once")
    notify_sub = notify.add_subparsers(dest="notify_command", required=True)
    notify_sub.add_parser("run-once", help="queue owed notifications and send those due").set_defaults(
        handler=cmd_run_once
    )


def cmd_run_once(args: argparse.Namespace) -> int:
    from portsight.clock import utcnow
    from portsight.config import load_settings
    from portsight.db.session import make_engine
    from portsight.notify import run_once

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        swept, sent = run_once(engine, utcnow(), settings)
    finally:
        engine.dispose()
    print(
        f"queued {swept.queued} (silenced {swept.silenced}), escalated {swept.escalated}; "
        f"sent {sent.sent}, to retry {sent.retrying}, failed {sent.failed}"
    )
    return 0
