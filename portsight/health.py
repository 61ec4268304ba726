"""Health check of one running replica: Streamlit answers over HTTP, and the database answers a ping.

Streamlit 1.67 serves /_stcore/health (the server is up) and, when
server.scriptHealthCheckEnabled is true, /_stcore/script-health-check (app.py runs without
raising). Neither knows about the database, and Streamlit has no hook for an extra HTTP route,
so the database ping lives here, run outside the server with the replica's own environment:

    python -m portsight health --url http://127.0.0.1:8501

Exit 0 when every check passes, 1 otherwise; one line per check either way. Used by
deploy/systemd (ExecStartPost / a timer), docker HEALTHCHECK and scripts/load balancers.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from portsight.db.migrate import has_schema
from portsight.db.session import make_engine


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    millis: float

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name:<30} {self.millis:7.1f} ms  {self.detail}"


def _timed(name: str, probe) -> Check:
    started = time.perf_counter()
    try:
        ok, detail = probe()
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure as a failed line
        ok, detail = False, f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return Check(name, ok, detail, (time.perf_counter() - started) * 1000)


def http_check(url: str, path: str, timeout: float) -> Check:
    """GET url+path; healthy on HTTP 200."""

    def probe() -> tuple[bool, str]:
        try:
            with urllib.request.urlopen(url.rstrip("/") + path, timeout=timeout) as resp:  # noqa: S310 - our own URL
                body = resp.read(200).decode("utf-8", "replace").strip()
                return resp.status == 200, f"HTTP {resp.status} {body}"
        except urllib.error.HTTPError as exc:
            hint = " (start streamlit with --server.scriptHealthCheckEnabled true)" if exc.code == 404 else ""
            return False, f"HTTP {exc.code}{hint}"

    return _timed(path, probe)


def database_check(database_url: str, timeout: float) -> Check:
    """SELECT 1 on a fresh connection, and the schema is migrated."""

    def probe() -> tuple[bool, str]:
        parsed = make_url(database_url)
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
            return False, f"{shown}: the file does not exist (run: python -m portsight db upgrade)"
        engine = make_engine(database_url, connect_timeout=max(1, int(timeout)))  # PostgreSQL only
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1")).scalar_one()
            if not has_schema(engine):
                return False, f"{shown}: no schema (run: python -m portsight db upgrade)"
            return True, shown
        finally:
            engine.dispose()

    return _timed("database", probe)


def run_checks(url: str | None, database_url: str, *, script: bool = True, timeout: float = 5.0) -> list[Check]:
    checks = []
    if url:
        checks.append(http_check(url, "/_stcore/health", timeout))
        if script:
            checks.append(http_check(url, "/_stcore/script-health-check", timeout))
    checks.append(database_check(database_url, timeout))
    return checks
