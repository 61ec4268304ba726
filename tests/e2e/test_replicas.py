"""Two replicas behind nginx on loopback, with the shipped configuration (deploy/nginx).

One fresh PostgreSQL database made from TEST_POSTGRES_URL (dropped after), two `streamlit run`
replicas sharing it, PORTSIGHT_SECRET and the cookie secret, and nginx (Debian's, started here
with our own config file, not the system service) in front on a free loopback port. nginx adds
X-Upstream (the replica that answered) to every response, the websocket handshake included; the
browser's handshakes are read through the DevTools protocol.

Tests run in file order: the last one SIGKILLs a replica.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from portsight.db.migrate import upgrade
from portsight.db.models import AssistSession, Port
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.accounts import create_user
from tests.conftest import missing, postgres_url
from tests.e2e.conftest import ROOT, free_port, start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login
from tests.nginx_example import nginx_config
from tests.pages.appdb import PASSWORD, USERS, _add_day_of_work


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _fresh_database() -> str:
    """A new, empty database on TEST_POSTGRES_URL's server (the tests of this file own it)."""
    url = postgres_url()
    if url is None:
        missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
    name = f"portsight_replicas_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = make_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        missing("PostgreSQL", f"cannot create a database on {url}: {exc.__class__.__name__}: {exc}")
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    admin = make_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        s.add_all(
            [
                Port(code="CNSGH", name_en="Shanghai", name_zh="上海", kind="sea", lat=31.2, lon=121.5),
                Port(code="CNNGB", name_en="Ningbo", name_zh="宁波", kind="sea", lat=29.9, lon=121.6),
            ]
        )
    for username, (role, ports, all_ports) in USERS.items():
        create_user(
            engine,
            SYSTEM,
            username=username,
            password=PASSWORD,
            check_policy=False,  # the short shared test password
            role=role,
            port_codes=ports,
            all_ports=all_ports,
            display_name=username.title(),
            language="en",
        )
    _add_day_of_work(engine)
    with unit_of_work(engine) as s:  # the inspector starts with no request open: the test asks for one
        for waiting in s.scalars(select(AssistSession).where(AssistSession.state == "waiting")):
            waiting.state = "cancelled"
    engine.dispose()


class Cluster:
    def __init__(self, base: str, replicas: dict[str, subprocess.Popen], url: str):
        self.base = base  # nginx
        self.replicas = replicas  # "127.0.0.1:port" -> process
        self.url = url

    def get(self, path: str, cookie: str | None = None) -> tuple[str, str | None]:
        """(replica that answered, pin cookie nginx set) for a GET through nginx."""
        req = urllib.request.Request(self.base + path, headers={"Cookie": cookie} if cookie else {})
        try:
            resp = urllib.request.build_opener(_NoRedirect).open(req, timeout=10)
        except urllib.error.HTTPError as exc:  # signed out, a page answers 303 to /login: a replica answered
            resp = exc
        with resp:
            pin = re.search(r"portsight_route=([^;]+)", resp.headers.get("Set-Cookie", ""))
            return last_upstream(resp.headers["X-Upstream"]), pin and pin.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect's own response is what nginx pinned and which replica answered


def last_upstream(value: str) -> str:
    """$upstream_addr lists every replica tried ("a, b" after a failover): the last one answered."""
    return value.split(",")[-1].strip()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        missing("nginx", "apt-get install nginx")
    url = _fresh_database()
    procs: list[subprocess.Popen] = []
    try:
        _prepare(url)
        root = tmp_path_factory.mktemp("replicas")
        shared = {
            "PORTSIGHT_SECRET": uuid.uuid4().hex * 2,
            "STREAMLIT_SERVER_COOKIE_SECRET": uuid.uuid4().hex * 2,
            "PORTSIGHT_MEDIA_DIR": str(root / "media"),
            "PORTSIGHT_ICE_SERVERS": "[]",
            "STREAMLIT_SERVER_SCRIPT_HEALTH_CHECK_ENABLED": "true",
        }
        replicas = {}
        for name in ("a", "b"):
            (root / name).mkdir()
            base, proc = start_streamlit(root / name, url, shared)
            procs.append(proc)
            replicas[base.removeprefix("http://")] = proc
            # As deploy/systemd does after start: HTTP health, a first run of app.py, database ping.
            checked = health(base, url, "--timeout", "60")
            assert checked.returncode == 0, checked.stdout + checked.stderr
        state = root / "nginx"
        state.mkdir()
        port = free_port()
        conf = nginx_config(state, port, [int(a.split(":")[1]) for a in replicas])
        procs.append(
            subprocess.Popen(
                [nginx, "-c", str(conf), "-p", str(state), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=open(state / "stderr", "w"),
            )
        )  # noqa: SIM115
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:  # polling the proxy until it answers, not waiting in a test
            try:
                urllib.request.urlopen(base + "/_stcore/health", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or procs[-1].poll() is not None:
                    raise RuntimeError(f"nginx did not start: {(state / 'stderr').read_text()}") from None
                time.sleep(0.2)
        yield Cluster(base, replicas, url)
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                stop(proc)
        _drop_database(url)


def health(target: str, url: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "portsight", "health", "--url", target, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ws_upstreams(page) -> list[str]:
    """Replicas that answered this page's websocket handshakes, in order (DevTools protocol)."""
    seen: list[str] = []
    cdp = page.context.new_cdp_session(page)

    def on_handshake(params) -> None:
        headers = {k.lower(): v for k, v in params["response"]["headers"].items()}
        if "x-upstream" in headers:
            seen.append(last_upstream(headers["x-upstream"]))

    cdp.on("Network.webSocketHandshakeResponseReceived", on_handshake)
    cdp.send("Network.enable")
    return seen


def pin_cookie(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "portsight_route")


def test_health_check_passes_on_each_replica_and_through_nginx(cluster):
    for target in [*(f"http://{a}" for a in cluster.replicas), cluster.base]:
        done = health(target, cluster.url)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "script-health-check" in done.stdout and "database" in done.stdout and "FAIL" not in done.stdout
    broken = make_url(cluster.url).set(database="no_such_database").render_as_string(hide_password=False)
    done = health(cluster.base, broken)
    assert done.returncode == 1 and "FAIL database" in done.stdout, done.stdout


def test_same_room_lands_on_same_replica_and_rooms_spread(cluster):
    rooms = {}
    for room in range(1, 13):
        first, pin = cluster.get(f"/remote_assist?room={room}")
        assert pin == f"room-{room}"  # the browser is re-pinned to the room's replica
        again, _ = cluster.get(f"/remote_assist?room={room}", cookie="portsight_route=someone-else")
        follow, _ = cluster.get("/_stcore/health", cookie=f"portsight_route={pin}")
        assert first == again == follow, f"room {room}: {first}, {again}, {follow}"
        rooms[room] = first
    assert set(rooms.values()) == set(cluster.replicas), f"every room on one replica: {rooms}"


def test_login_through_nginx_keeps_its_session_on_one_replica(cluster, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    handshakes = ws_upstreams(page)
    login(page, cluster.base, "supervisor", PASSWORD)
    expect_signed_in(page)
    pinned, _ = cluster.get("/_stcore/health", cookie=f"portsight_route={pin_cookie(page)}")
    for _ in range(3):  # reruns on the same websocket: still signed in
        page.locator('[data-testid="stSidebarNav"] a', has_text="Alerts").click()
        expect(page.locator("h1", has_text="Alerts")).to_be_visible()
        page.locator('[data-testid="stSidebarNav"] a', has_text="Home").click()
        expect_signed_in(page)
    for _ in range(4):  # new page loads and websockets of this browser: the same replica every time
        page.reload()
        expect_signed_in(page)  # the session cookie: a reload stays signed in
    assert len(handshakes) == 5 and set(handshakes) == {pinned}, (handshakes, pinned)
    context.close()


def _open(browser, cluster, username: str, path: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    handshakes = ws_upstreams(page)
    login(page, cluster.base, username, PASSWORD, path=path)
    expect_signed_in(page)
    return context, page, handshakes


def test_both_parties_meet_on_the_room_replica_and_a_kill_loses_no_saved_data(cluster, browser):
    from playwright.sync_api import expect

    # The inspector asks for help from wherever nginx pinned the phone; the page names the room.
    ctx1, first, _ = _open(browser, cluster, "inspector", "remote_assist")
    question = f"Seal looks re-glued? {uuid.uuid4().hex[:6]}"
    by_key(first, "assist.question").locator("textarea").fill(question)
    first.get_by_role("button", name="Ask for an expert").click()
    expect(first.get_by_text("Waiting for an expert to join")).to_be_visible()
    expect(first).to_have_url(re.compile(r"[?&]room=\d+"))
    room = int(re.search(r"[?&]room=(\d+)", first.url).group(1))
    # Pinned by a random key, not by the room: told so, with the room's link.
    expect(first.get_by_test_id("stLinkButton")).to_be_visible()
    ctx1.close()

    room_replica, _ = cluster.get(f"/remote_assist?room={room}")
    ctx2, inspector, insp_ws = _open(browser, cluster, "inspector", f"remote_assist?room={room}")
    expect(inspector.get_by_text("Waiting for an expert to join")).to_be_visible()
    expect(inspector.get_by_test_id("stLinkButton")).to_have_count(0)
    ctx3, expert, exp_ws = _open(browser, cluster, "expert", f"remote_assist?room={room}")
    button = by_key(expert, f"assist.join.{room}").locator("button")
    expect(button).to_contain_text(question[:40], timeout=20_000)  # the queue is polled every 3 s
    button.click()
    expect(by_key(expert, "assist.undo_mark")).to_be_visible(timeout=20_000)
    expect(inspector.get_by_text("Expert has joined")).to_be_visible(timeout=20_000)  # polled every 2 s
    expect(expert.get_by_test_id("stLinkButton")).to_have_count(0)
    assert set(insp_ws) == set(exp_ws) == {room_replica}, (insp_ws, exp_ws, room_replica)

    # Saved through the UI on the room's replica: the request (question) and the expert's join.
    ctx2.close()
    ctx3.close()

    # ... survives a SIGKILL of that replica: the expert comes back through nginx to the other one.
    killed = cluster.replicas[room_replica]
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    survivor = next(a for a in cluster.replicas if a != room_replica)
    ctx4, again, again_ws = _open(browser, cluster, "expert", f"remote_assist?room={room}")
    # Back in the call it joined (state active, this expert) with the inspector's question.
    expect(by_key(again, "assist.undo_mark")).to_be_visible(timeout=20_000)
    expect(again.get_by_text(question).first).to_be_visible()
    assert again_ws and set(again_ws) == {survivor}, (again_ws, survivor)
    ctx4.close()
