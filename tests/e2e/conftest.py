"""Browser tests: `streamlit run app.py` on a free loopback port against a prepared database, and Chromium.

Fixtures: app_server (base URL, warmed up as deploy/ does), fresh_app_server (starts a process of
the test's own, cold or warm), browser (Debian Chromium), page (a fresh context per test).
Helpers for tests: tests/e2e/helpers.py (login, expect_signed_in, by_key, nav_links).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portsight.config import load_settings
from tests.conftest import missing
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS
from tests.pages.appdb import app_env, prepare_app_database

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling the server, not waiting in a test
    raise TimeoutError(f"{url} not healthy after {timeout}s")


def warm_up(base: str, timeout: float = 60) -> None:
    """Run app.py once (the script health check), as deploy/ does after a start.

    Until app.py's st.navigation has run once, Streamlit runs pages/ in its legacy multipage mode
    (components/shell/state.py, reached_without_app); this run ends that mode before any browser comes.
    """
    with urllib.request.urlopen(f"{base}/_stcore/script-health-check", timeout=timeout) as resp:
        body = resp.read().decode()
        if resp.status != 200 or body != "ok":
            raise RuntimeError(f"script health check: HTTP {resp.status} {body}")


def start_streamlit(
    data_dir: Path, url: str, extra_env: dict[str, str] | None = None, *, warm: bool = True
) -> tuple[str, subprocess.Popen]:
    """Start the app on a free port; with warm, run app.py once before returning (see warm_up).

    Without warm the only request made is /_stcore/health, which runs no script: the first
    browser request is the process's first run.
    """
    port = free_port()
    env = {**os.environ, **app_env(data_dir, url), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    log = open(data_dir / "streamlit.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "serve.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.scriptHealthCheckEnabled",
            "true",
            "--server.maxUploadSize",  # as scripts/run: the app's own limit (PORTSIGHT_MAX_UPLOAD_MB)
            str(load_settings(env).max_upload_bytes // MB),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        if warm:
            warm_up(base)
    except Exception:
        proc.terminate()
        raise
    return base, proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[str]:
    """Base URL of a running app over a migrated database with one user per role (password 'demo')."""
    data_dir = tmp_path_factory.mktemp("e2e")
    url = prepare_app_database(data_dir)
    base, proc = start_streamlit(data_dir, url)
    yield base
    stop(proc)


@pytest.fixture
def fresh_app_server(tmp_path) -> Iterator[Callable[..., tuple[str, Path]]]:
    """Start an app process of this test's own: start(warm=False) -> (base URL, its log file).

    Cold (warm=False), no script has run in it when the test's browser makes its first request.
    """
    procs: list[subprocess.Popen] = []

    def start(*, warm: bool) -> tuple[str, Path]:
        data_dir = tmp_path / f"server{len(procs)}"
        url = prepare_app_database(data_dir)
        base, proc = start_streamlit(data_dir, url, warm=warm)
        procs.append(proc)
        return base, data_dir / "streamlit.log"

    yield start
    for proc in procs:
        stop(proc)


@pytest.fixture(scope="module")  # a live sync Playwright holds an asyncio loop: never across modules
def browser():
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    pg = context.new_page()
    yield pg
    context.close()
