"""One background thread per server process that runs the alert checks (portsight.alert_checks) periodically,
and after each run puts in force the credit changes whose day has come (portsight.services.masterdata)
and rings the next circle for requests for remote help left unanswered (portsight.services.assist_rings).

`start_alert_checks_once()` is idempotent (an @st.cache_resource object per database URL); app.py
calls it, so the checks run as soon as anyone is signed in. Switch it off
with PORTSIGHT_SUPERVISION=off; the period is PORTSIGHT_SUPERVISION_SECONDS (default 30). Each run
reads the thresholds in force then (alert_parameters), so an administrator's change applies
without a restart.
Without Streamlit (a worker, cron), call portsight.alert_checks.run_alert_checks.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timedelta

import streamlit as st
from sqlalchemy import Engine

from components.shell.runtime import database_problem, get_engine, get_settings
from portsight.alert_checks import run_alert_checks
from portsight.clock import utcnow
from portsight.config import Settings
from portsight.services.assist_rings import escalate_unanswered
from portsight.services.masterdata import apply_due_credit_changes

log = logging.getLogger(__name__)

DEFAULT_PERIOD = 30.0
OVERLAP = timedelta(minutes=2)  # each run looks a little before the last one: a trigger is never counted twice


class AlertCheckRunner:
    def __init__(self, engine: Engine, settings: Settings, period: float = DEFAULT_PERIOD):
        self.engine = engine
        self.settings = settings  # the default service time of the thresholds
        self.period = period
        self.last_run: datetime | None = None
        self.last_result: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="portsight-alert-checks", daemon=True)

    def start(self) -> AlertCheckRunner:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> dict[str, int]:
        now = utcnow()
        since = None if self.last_run is None else self.last_run - OVERLAP
        self.last_result = run_alert_checks(self.engine, now, since=since, settings=self.settings)
        self.last_run = now
        if any(self.last_result.values()):
            log.info("alert checks raised %s", self.last_result)
        return self.last_result

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - the next period tries again; the app keeps working
                log.exception("alert checks failed")
            try:  # requests for remote help nobody answered ring their next circle, page open or not
                escalate_unanswered(self.engine)
            except Exception:  # noqa: BLE001 - as above
                log.exception("unanswered requests for remote help could not be escalated")
            try:  # credit changes whose day has come: the cached tier in force today follows
                apply_due_credit_changes(self.engine)
            except Exception:  # noqa: BLE001 - as above
                log.exception("the credit tiers in force could not be refreshed")
            self._stop.wait(self.period)


def _enabled() -> bool:
    return os.environ.get("PORTSIGHT_SUPERVISION", "on").strip().lower() not in {"0", "off", "false", "no"}


class _NotReady(RuntimeError):
    pass


@st.cache_resource(show_spinner=False)
def _runner(url: str) -> AlertCheckRunner:
    """Created once per process and URL; raising (database not ready) leaves nothing cached."""
    if database_problem() is not None:
        raise _NotReady(url)
    period = float(os.environ.get("PORTSIGHT_SUPERVISION_SECONDS", DEFAULT_PERIOD))
    return AlertCheckRunner(get_engine(), get_settings(), period).start()


def start_alert_checks_once() -> AlertCheckRunner | None:
    """Start the periodic checks once per process (no-op when switched off or already running)."""
    if not _enabled():
        return None
    try:
        return _runner(get_settings().database_url)
    except _NotReady:
        return None
    except Exception:  # noqa: BLE001 - the pages must work without the background checks
        log.exception("the alert checks could not be started")
        return None
