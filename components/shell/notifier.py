"""One background thread per server process that sends alert notifications (portsight.notify):
each period it sweeps the outbox (raised, re-opened and escalated alerts) and sends what is due.

`start_notifier_once()` is idempotent (an @st.cache_resource object per database URL); app.py
calls it. Switch it off with PORTSIGHT_NOTIFICATIONS=off (then run `python -m portsight notify
run-once` from a worker or cron); the period is PORTSIGHT_NOTIFICATIONS_SECONDS (default 30).
Replicas may all run it: the outbox owes each message once and a claimed delivery is not taken
by another replica.
"""

from __future__ import annotations

import logging
import os
import threading

import streamlit as st
from sqlalchemy import Engine

from components.shell.runtime import database_problem, get_engine, get_settings
from portsight.clock import utcnow
from portsight.config import Settings
from portsight.notify import run_once

log = logging.getLogger(__name__)

DEFAULT_PERIOD = 30.0


class Notifier:
    def __init__(self, engine: Engine, settings: Settings, period: float = DEFAULT_PERIOD):
        self.engine = engine
        self.settings = settings
        self.period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="portsight-notifier", daemon=True)

    def start(self) -> Notifier:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                swept, sent = run_once(self.engine, utcnow(), self.settings)
                if swept.queued or swept.escalated or sent.sent or sent.failed:
                    log.info("notifications: %s; %s", swept, sent)
            except Exception:  # noqa: BLE001 - the next period tries again; the app keeps working
                log.exception("sending notifications failed")
            self._stop.wait(self.period)


def _enabled() -> bool:
    return os.environ.get("PORTSIGHT_NOTIFICATIONS", "on").strip().lower() not in {"0", "off", "false", "no"}


class _NotReady(RuntimeError):
    pass


@st.cache_resource(show_spinner=False)
def _notifier(url: str) -> Notifier:
    """Created once per process and URL; raising (database not ready) leaves nothing cached."""
    if database_problem() is not None:
        raise _NotReady(url)
    period = float(os.environ.get("PORTSIGHT_NOTIFICATIONS_SECONDS", DEFAULT_PERIOD))
    return Notifier(get_engine(), get_settings(), period).start()


def start_notifier_once() -> Notifier | None:
    """Start the notifier once per process (no-op when switched off or already running)."""
    if not _enabled():
        return None
    try:
        return _notifier(get_settings().database_url)
    except _NotReady:
        return None
    except Exception:  # noqa: BLE001 - the pages must work without notifications
        log.exception("the notifier could not be started")
        return None
