"""Many live overview boards at once: real Streamlit sessions over the websocket, refresh latency and server memory.

PYTHONPATH=. .venv/bin/python bench/load_overview.py [--sessions 100] [--seconds 60] [--soak SECONDS]
    [--url http://127.0.0.1:8501 --pid PID] [--database-url URL] [--simulator]

Each session is what a browser does, without a browser: sign in by POSTing the sign-in form to
/login (username, password, next; an Origin header naming the site, as a browser sends) and
keep the `portsight_session` cookie of its 303 answer; then, in Streamlit's own protocol (the
protobufs in streamlit.proto) on /_stcore/stream, open the websocket with that cookie, ask for
the first run, check it is signed in (the shared sidebar's widgets are drawn), switch to the
overview page by its page hash, then answer the overview's AutoRerun message as the browser's
timer does: every `interval` seconds a rerun request for the live fragment (is_auto_rerun, the
fragment id). Everything the server sends is parsed. Sign-in goes through the real login
(argon2), a few at a time.

Figures:
- refresh latency: from the fragment rerun request to its script_finished (the server's work
  plus the wire), p50/p95 over every refresh of every session after the warm-up;
- refresh period: time between two consecutive completed refreshes of a session (ideal: the
  fragment's interval, 1 s); p50/p95;
- board redraws: refreshes that sent elements, i.e. in which the watcher saw the board move and
  the board's fragment was rerun (the others cost one cached lookup and send none), per second
  over all sessions;
- server RSS (the streamlit process, from /proc) with the app loaded and one board open, with
  all sessions up (the highest sample), and per session = (all - one) / (sessions - 1);
- --soak S: keep the sessions refreshing for S seconds, sample RSS every 30 s, report the
  growth from the first sample after warm-up to the last (the issue asks for 1 hour: --soak 3600).

Without --url it starts its own server (`streamlit run serve.py` on a free loopback port) on a
demo database seeded once into bench/datasets/load_overview.db (4 weeks, seed 7), simulator
off unless --simulator. The client runs on the same machine and its CPU is counted apart.
Writes bench/results/load_overview.json (the last run at the top level, all runs under "runs").
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from portsight.web.cookies import SESSION_COOKIE  # noqa: E402

LOGIN_PATH = "/login"  # portsight/web/routes.py (not imported: it would load the server's database stack here)
DATASET = ROOT / "bench" / "datasets" / "load_overview.db"
ARRIVALS_PER_HOUR = 1800  # with --simulator: 2.5 declarations a 5 s step, besides the inspections' events
RESULTS = ROOT / "bench" / "results" / "load_overview.json"
FRAGMENT_DONE = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
RUN_DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


# ---------------------------------------------------------------------------------------------- server


def rss_kb(pid: int) -> int:
    """Resident memory of the process and its children (kB)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_dataset() -> str:
    url = f"sqlite:///{DATASET}"
    if not DATASET.exists():
        DATASET.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "portsight", "seed", "--weeks", "4", "--seed", "7", "--demo"], env=env, check=True
        )
    return url


def simulator_volume_factor() -> str:
    """The simulator's volume, scaled so that declarations arrive at ARRIVALS_PER_HOUR nationally
    whatever the hour: the demo's rhythm is quiet at night in China, when the boards would barely
    move (a run at 20:00 China time saw no redraw), and the case measured is every board moving
    at every step (5 s)."""
    from portsight.clock import utcnow
    from portsight.demo.declarations import arrivals_per_hour
    from portsight.demo.world import PORT_VOLUME

    return f"{ARRIVALS_PER_HOUR / sum(arrivals_per_hour(code, utcnow()) for code in PORT_VOLUME):.2f}"


def start_server(database_url: str, simulator: bool) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "PORTSIGHT_SIMULATOR": "on" if simulator else "off",
        **({"PORTSIGHT_SIMULATOR_VOLUME_FACTOR": simulator_volume_factor()} if simulator else {}),
        "PORTSIGHT_DATA_DIR": str(DATASET.parent / "load_overview_data"),
    }
    log = open(DATASET.parent / "load_overview_server.log", "w")  # noqa: SIM115 - closed with the process
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
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=2).close()
            return base, proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise TimeoutError("streamlit did not start")


# ---------------------------------------------------------------------------------------------- a session


def sign_in(base: str, username: str, password: str) -> str:
    """POST the sign-in form to /login as a browser does; the session cookie's value (the token).

    Blocking (http.client): run it in a thread. The redirect is not followed: the cookie is in
    the 303 itself.
    """
    parts = urlsplit(base)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=60)
    body = urlencode({"username": username, "password": password, "next": "/"})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"{parts.scheme}://{parts.netloc}",  # the route refuses a POST from another site
        "User-Agent": "portsight-bench/load_overview",
    }
    try:
        connection.request("POST", LOGIN_PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            if SESSION_COOKIE in jar and jar[SESSION_COOKIE].value:
                return jar[SESSION_COOKIE].value
        raise RuntimeError(f"{username} not signed in: POST {LOGIN_PATH} answered {response.status}, no session cookie")
    finally:
        connection.close()


class Session:
    """One browser tab's worth of Streamlit protocol."""

    def __init__(self, base: str, username: str, password: str):
        self.ws_url = base.replace("http", "ws", 1) + "/_stcore/stream"
        self.base = base
        self.username, self.password = username, password
        self.widgets: dict[str, str] = {}  # user key -> widget id
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.fragment: tuple[str, float] | None = None  # (fragment id, interval)
        self.latencies: list[float] = []
        self.periods: list[float] = []
        self.errors = 0
        self.redraws = 0  # runs that sent elements while recording: the watcher saw the board move
        self.elements = 0  # elements received since the last finished run
        self.ws = None
        self.token: str | None = None  # the session cookie's value, from POST /login
        self.finished: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
        self.last_done: float | None = None
        self.recording = False

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": f"{SESSION_COOKIE}={self.token}"},
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        )
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self.elements += msg.delta.WhichOneof("type") == "new_element"
                self._note_widget(msg.delta)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
            elif kind == "auto_rerun":
                self.fragment = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
            elif kind == "script_finished":
                if msg.script_finished in RUN_DONE:
                    self.redraws += self.recording and self.elements > 0
                    self.elements = 0
                await self.finished.put((msg.script_finished, time.perf_counter()))

    def _note_widget(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
        if isinstance(widget_id, str) and widget_id:
            key = re.sub(r"^\$\$ID-[0-9a-f]+-", "", widget_id)
            self.widgets[key] = widget_id

    async def rerun(self, *, widgets: list[WidgetState] = (), page: str | None = None, fragment: str = "") -> None:
        back = BackMsg()
        state = back.rerun_script
        state.query_string = ""
        state.page_script_hash = self.pages.get(page, self.page_hash) if page is not None else self.page_hash
        state.page_name = page or ""
        state.fragment_id = fragment
        state.is_auto_rerun = bool(fragment)
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.timezone_offset = -480
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.base}/{page or ''}"
        state.widget_states.widgets.extend(widgets)
        await self.ws.send(back.SerializeToString())

    async def run_until(self, statuses=RUN_DONE, timeout: float = 60) -> float:
        while True:
            status, at = await asyncio.wait_for(self.finished.get(), timeout)
            if status in statuses:
                return at

    async def sign_in_and_open_overview(self) -> None:
        self.token = await asyncio.to_thread(sign_in, self.base, self.username, self.password)
        await self.connect()
        await self.rerun(page="")
        deadline = time.monotonic() + 60
        while "sidebar.lang" not in self.widgets:  # signed in: the shared sidebar is drawn
            if "login.lang" in self.widgets or time.monotonic() > deadline:  # the signed-out view
                raise RuntimeError(f"{self.username} not signed in on the websocket (widgets: {sorted(self.widgets)})")
            await self.run_until()
        self.fragment = None
        await self.rerun(page="overview")
        while self.fragment is None:
            await self.run_until()

    async def refresh_forever(self, stop: asyncio.Event) -> None:
        """The browser's auto-rerun timer: one request per interval, the next tick after the last ends."""
        fragment_id, interval = self.fragment
        next_tick = time.perf_counter() + interval
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
            sent = time.perf_counter()
            await self.rerun(fragment=fragment_id)
            try:
                done = await self.run_until((FRAGMENT_DONE, ForwardMsg.FINISHED_SUCCESSFULLY), timeout=60)
            except (TimeoutError, websockets.ConnectionClosed):
                self.errors += 1
                return
            if self.recording:
                self.latencies.append(done - sent)
                if self.last_done is not None:
                    self.periods.append(done - self.last_done)
            self.last_done = done
            next_tick = max(next_tick + interval, done)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


# ---------------------------------------------------------------------------------------------- the run


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run(args, base: str, pid: int | None) -> dict:
    sessions = [Session(base, args.username, args.password) for _ in range(args.sessions)]
    gate = asyncio.Semaphore(args.sign_in_concurrency)
    # Baseline: the server with the app loaded (imports, caches) and one board open.
    stop = asyncio.Event()
    await sessions[0].sign_in_and_open_overview()
    refreshers = [asyncio.create_task(sessions[0].refresh_forever(stop))]
    await asyncio.sleep(args.warmup)
    rss_before = rss_kb(pid) if pid else None

    async def open_one(s: Session) -> None:
        async with gate:
            await s.sign_in_and_open_overview()

    started = time.perf_counter()
    for chunk_start in range(1, len(sessions), 10):  # start refreshing as sessions come up
        chunk = sessions[chunk_start : chunk_start + 10]
        await asyncio.gather(*(open_one(s) for s in chunk))
        refreshers += [asyncio.create_task(s.refresh_forever(stop)) for s in chunk]
    ramp = time.perf_counter() - started
    print(f"{len(sessions)} sessions signed in and on the overview in {ramp:.1f} s; warming up {args.warmup} s")
    await asyncio.sleep(args.warmup)

    cpu0 = cpu_seconds(pid) if pid else None
    client_cpu0 = time.process_time()
    load_start = os.getloadavg()[0]  # the machine is shared: a figure is read with its load
    for s in sessions:
        s.recording = True
    rss_samples: list[tuple[float, int]] = []
    measure = args.soak or args.seconds
    t0 = time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < measure:
        if pid:
            rss_samples.append((round(elapsed, 1), rss_kb(pid)))
            if args.soak:
                print(f"  {elapsed / 60:6.1f} min  RSS {rss_samples[-1][1] / 1024:8.1f} MB", flush=True)
        await asyncio.sleep(min(args.sample_every, max(0.1, measure - elapsed)))
    wall = time.perf_counter() - t0
    if pid:
        rss_samples.append((round(wall, 1), rss_kb(pid)))
    server_cpu = (cpu_seconds(pid) - cpu0) / wall if pid else None
    load_end = os.getloadavg()[0]
    client_cpu = (time.process_time() - client_cpu0) / wall
    for s in sessions:
        s.recording = False
    stop.set()
    await asyncio.gather(*refreshers, return_exceptions=True)
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    latencies = [x for s in sessions for x in s.latencies]
    periods = [x for s in sessions for x in s.periods]
    rss_with = max(v for _, v in rss_samples) if rss_samples else None
    result = {
        "sessions": args.sessions,
        "seconds": round(wall, 1),
        "refreshes": len(latencies),
        "refreshes_per_s": round(len(latencies) / wall, 1),
        "redraws_per_s": round(sum(s.redraws for s in sessions) / wall, 1),
        "interval_s": sessions[0].fragment[1] if sessions and sessions[0].fragment else None,
        "latency_p50_ms": round(1000 * pct(latencies, 0.50), 1) if latencies else None,
        "latency_p95_ms": round(1000 * pct(latencies, 0.95), 1) if latencies else None,
        "latency_max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "period_p50_ms": round(1000 * pct(periods, 0.50), 1) if periods else None,
        "period_p95_ms": round(1000 * pct(periods, 0.95), 1) if periods else None,
        "failed_sessions": sum(1 for s in sessions if s.errors),
        "sign_in_ramp_s": round(ramp, 1),
        "server_cpu_cores": round(server_cpu, 2) if server_cpu is not None else None,
        # the server's CPU per refresh, redraws included: what a refresh costs, less tied to how
        # many refreshes a loaded machine let through than the latency
        "server_cpu_ms_per_refresh": (
            round(1000 * server_cpu * wall / len(latencies), 2) if server_cpu is not None and latencies else None
        ),
        "load_average": [round(load_start, 1), round(load_end, 1)],
        "client_cpu_cores": round(client_cpu, 2),
        "rss_before_mb": round(rss_before / 1024, 1) if rss_before else None,
        "rss_with_sessions_mb": round(rss_with / 1024, 1) if rss_with else None,
        "rss_per_session_mb": (
            round((rss_with - rss_before) / 1024 / (args.sessions - 1), 2)
            if rss_with and rss_before and args.sessions > 1
            else None
        ),
    }
    if args.soak and len(rss_samples) >= 2:
        first, last = rss_samples[0][1], rss_samples[-1][1]
        result["soak"] = {
            "seconds": round(wall, 1),
            "rss_first_mb": round(first / 1024, 1),
            "rss_last_mb": round(last / 1024, 1),
            "rss_growth_pct": round(100 * (last - first) / first, 2),
            "samples_mb": [(t, round(v / 1024, 1)) for t, v in rss_samples],
        }
    return result


def print_table(r: dict) -> None:
    rows = [
        ("sessions", r["sessions"], ""),
        ("refreshes measured", r["refreshes"], f"{r['refreshes_per_s']}/s over {r['seconds']} s"),
        ("of which board redraws", f"{r['redraws_per_s']}/s", "runs that sent elements: the board moved"),
        ("refresh latency p50 / p95", f"{r['latency_p50_ms']} / {r['latency_p95_ms']} ms", "target p95 <= 1000 ms"),
        (
            "refresh period p50 / p95",
            f"{r['period_p50_ms']} / {r['period_p95_ms']} ms",
            f"ideal {1000 * (r['interval_s'] or 0):.0f} ms",
        ),
        ("failed sessions", r["failed_sessions"], ""),
        ("server RSS 1 board / all", f"{r['rss_before_mb']} / {r['rss_with_sessions_mb']} MB", ""),
        ("RSS per session", f"{r['rss_per_session_mb']} MB", "target <= 30 MB"),
        ("CPU server / client", f"{r['server_cpu_cores']} / {r['client_cpu_cores']} cores", f"{os.cpu_count()} cores"),
        ("server CPU per refresh", f"{r['server_cpu_ms_per_refresh']} ms", "redraws included"),
        ("load average", " -> ".join(map(str, r["load_average"])), "1-minute, start and end of the measure"),
    ]
    if "soak" in r:
        s = r["soak"]
        rows.append(
            (
                "soak RSS growth",
                f"{s['rss_growth_pct']} %",
                f"{s['rss_first_mb']} -> {s['rss_last_mb']} MB in {s['seconds']} s (target < 10 %)",
            )
        )
    width = max(len(a) for a, _, _ in rows)
    for a, b, c in rows:
        print(f"{a:<{width}}  {b!s:<22} {c}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=100, help="concurrent boards (default 100, the issue's target)")
    parser.add_argument("--seconds", type=float, default=60, help="measuring time (default 60)")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--soak", type=float, default=0, help="soak for this many seconds, reporting RSS growth")
    parser.add_argument("--sample-every", type=float, default=30)
    parser.add_argument("--url", help="an app already running (give --pid for RSS)")
    parser.add_argument("--pid", type=int, help="the streamlit process of --url")
    parser.add_argument("--database-url", help="database of the server this script starts (default: seeded SQLite)")
    parser.add_argument("--simulator", action="store_true", help="run the live simulator in the server it starts")
    parser.add_argument("--username", default="supervisor")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--sign-in-concurrency", type=int, default=4)
    args = parser.parse_args(argv)

    proc = None
    if args.url:
        base, pid = args.url.rstrip("/"), args.pid
    else:
        database_url = args.database_url or ensure_dataset()
        base, proc = start_server(database_url, args.simulator)
        pid = proc.pid
    try:
        result = asyncio.run(run(args, base, pid))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    result.update(
        {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "database": (args.database_url or "sqlite (bench/datasets/load_overview.db)").split("@")[-1],
            "server": args.url or "started by the bench",
            "mode": "soak" if args.soak else "load",
        }
    )
    print_table(result)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = previous.get("runs", []) + [result]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**result, "runs": runs}, indent=2, ensure_ascii=False) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
