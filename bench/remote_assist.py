"""Remote assistance under load: N concurrent inspector/expert pairs in headless Chromium, one server.

PYTHONPATH=. .venv/bin/python bench/remote_assist.py --pairs 1,2 --seconds 20 [--repeat R] [--no-annotations]
PYTHONPATH=. .venv/bin/python bench/remote_assist.py --idle 300      # memory with no expert
PYTHONPATH=. .venv/bin/python bench/remote_assist.py --pairs 2 --background-load 4
PYTHONPATH=. .venv/bin/python bench/remote_assist.py --pairs 1 --link rate=300kbit,loss=0.05

Like the e2e test, it re-runs itself inside `unshare --net` (root) where only `lo` is up, and
starts the server with tests/e2e/loopback_site on its PYTHONPATH (aioice offers 127.0.0.1), no
file watcher, no ICE servers configured. Chromium uses the fake camera (640x480) and microphone.

Per N, every pair: the inspector (phone context) has a waiting request and is publishing; the
expert (desktop context) clicks "Join" in the live queue; with annotations on, the expert then
drags a circle on the live picture, so every frame to both sides carries the overlay. Then
S seconds are measured (--repeat R: R such rounds per N, pooled into one result):

- first remote frame: the first frame of the inspector's camera (green, not the grey
  placeholder) on the expert's <video>, timed from the expert's peer connection being created
  (first_frame_*: the media path) and from the join click (first_frame_from_join_*: what the
  expert waits, including the page rerun and signalling through Streamlit);
- fps: frames the inspector's browser encodes (sent) and each side's browser decodes
  (received) over the window, from getStats deltas; fps_min is the lowest received by any side;
- jitter-buffer delay: jitterBufferDelay / jitterBufferEmittedCount deltas, per side;
- resolution: what the inspectors' browsers send (640x480 asked), and resolution_limited_by their
  qualityLimitationReason ("cpu": the browser's encoder starved; "bandwidth": the link's estimate);
- server CPU: utime+stime of the server process over the window, percent of one core;
- server_forward_ratio: frames of the inspectors' cameras the server's forwarding tracks sent on,
  over the frames they received (each new frame once per side it goes to), frames the link mode
  held back on purpose left out; counted in the server (portsight.calls.room.FrameCounts) and read
  from the file the server's watchdog keeps where PORTSIGHT_CALL_COUNTERS says (no HTTP endpoint);
- mark_drift_px: bench/mark_drift.py's synthetic moving scene (marks followed by the tracker);
- degraded_mode: with --link, the UDP of the namespace is shaped (htb + tbf rate limit, iptables
  random loss; tc netem is not available here, see tests/e2e/test_assist_poor_link.py) once the
  calls are up, and each call's link mode and each side's notice are read after --settle seconds;
- --background-load L: CPU-burning processes of the bench's own, added or removed every few
  seconds to hold the 1-minute load average near L (printed as load_average; other work on the
  machine counts too, so with a load above L already the bench adds nothing).

The browsers share the machine (2 cores, shared with other engineers): read the server's share.
Writes bench/results/remote_assist.json: a list with one entry per N of this run (pairs,
first_frame_p95_ms, fps_sent, fps_min, server_cpu_pct, resolution, annotations, ...).
--idle writes bench/results/remote_assist_memory.json: the server's RSS every 10 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
IN_NETNS = os.environ.get("PORTSIGHT_BENCH_NETNS") == "1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# In every component iframe: when the first frame of the inspector's camera (green; the server's
# placeholder is grey) is shown, and when the frame's first peer connection was created.
FIRST_FRAME_JS = """(() => { if (window === window.top) return;
    const check = () => {
        const v = document.querySelector('video');
        if (v && v.videoWidth && !window.__firstGreenAt) {
            const c = document.createElement('canvas'); c.width = 16; c.height = 12;
            const g = c.getContext('2d'); g.drawImage(v, 0, 0, 16, 12);
            const d = g.getImageData(0, 0, 16, 12).data; let green = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 1] > d[i] + 30) green++;
            if (green > 40) window.__firstGreenAt = Date.now();
        }
        if (!window.__firstGreenAt) setTimeout(check, 15);
    };
    setTimeout(check, 15);
    const Native = window.RTCPeerConnection; if (!Native) return;
    window.__pcs = [];
    window.RTCPeerConnection = function (...args) {
        const pc = new Native(...args); window.__pcs.push(pc);
        if (!window.__pcCreatedAt) window.__pcCreatedAt = Date.now();
        return pc; };
    window.RTCPeerConnection.prototype = Native.prototype; })();"""

STATS_JS = """async () => {
    const pcs = (window.__pcs || []).filter(p => p.connectionState === 'connected');
    const pc = pcs[pcs.length - 1]; if (!pc) return null;
    const out = {t: performance.now(), firstGreenAt: window.__firstGreenAt || null,
                 pcCreatedAt: window.__pcCreatedAt || null};
    (await pc.getStats()).forEach(s => {
        if (s.kind !== 'video') return;
        if (s.type === 'inbound-rtp') Object.assign(out, {in_frames: s.framesDecoded, in_received: s.framesReceived,
            jbd: s.jitterBufferDelay, jbe: s.jitterBufferEmittedCount, in_w: s.frameWidth, in_h: s.frameHeight});
        if (s.type === 'outbound-rtp') Object.assign(out, {out_frames: s.framesEncoded, out_w: s.frameWidth,
            out_h: s.frameHeight, out_limit: s.qualityLimitationReason});
    });
    return out; }"""


# --------------------------------------------------------------------------- outside the namespace


def reexec_in_namespace() -> int:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        sys.exit("bench/remote_assist.py needs root with unshare and ip: WebRTC here only works on loopback")
    cmd = [
        "unshare",
        "--net",
        "--",
        "sh",
        "-c",
        'ip link set lo up && exec "$@"',
        "netns",
        sys.executable,
        str(Path(__file__).resolve()),
        *sys.argv[1:],
    ]
    env = {**os.environ, "PORTSIGHT_BENCH_NETNS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.call(cmd, cwd=ROOT, env=env)


# --------------------------------------------------------------------------- inside


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


class BackgroundLoad:
    """CPU-burning processes that hold the 1-minute load average near a target (each adds about 1)."""

    def __init__(self, target: float) -> None:
        self.target = target
        self._stop = multiprocessing.Event()
        self._procs: list[multiprocessing.Process] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()

    def _hold(self) -> None:
        while not self._done.wait(5.0):  # the load average moves slowly: one step every 5 s
            load = os.getloadavg()[0]
            if load < self.target - 0.5 and len(self._procs) < 2 * self.target:
                proc = multiprocessing.Process(target=_burn, args=(self._stop,), daemon=True)
                proc.start()
                self._procs.append(proc)
            elif load > self.target + 0.5 and self._procs:
                self._procs.pop().terminate()

    @property
    def processes(self) -> int:
        return len(self._procs)

    def close(self) -> None:
        self._done.set()
        self._stop.set()
        for proc in self._procs:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.terminate()


def parse_link(text: str) -> dict[str, str]:
    """'rate=300kbit,loss=0.05' -> {'rate': '300kbit', 'loss': '0.05'} (only these two)."""
    link = dict(part.split("=", 1) for part in text.split(",") if part.strip())
    unknown = set(link) - {"rate", "loss"}
    if unknown:
        sys.exit(f"--link knows rate= and loss=, not {sorted(unknown)}")
    return link


def link_commands(link: dict[str, str]) -> tuple[list[str], list[str]]:
    """Shell commands shaping the namespace's UDP (the media; the pages' TCP stays free), and undoing it."""
    shape, unshape = [], []
    if "rate" in link:
        rate = link["rate"]
        shape += [
            "tc qdisc add dev lo root handle 1: htb default 10",
            "tc class add dev lo parent 1: classid 1:10 htb rate 10gbit",
            f"tc class add dev lo parent 1: classid 1:20 htb rate {rate} ceil {rate}",
            f"tc qdisc add dev lo parent 1:20 handle 20: tbf rate {rate} burst 32kbit latency 300ms",
            "tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff flowid 1:20",
        ]
        unshape.append("tc qdisc del dev lo root")
    if "loss" in link:
        rule = f"INPUT -p udp -m statistic --mode random --probability {float(link['loss'])} -j DROP"
        shape.append(f"iptables -A {rule}")
        unshape.append(f"iptables -D {rule}")
    return shape, unshape


def run_commands(commands: list[str]) -> None:
    for command in commands:
        subprocess.run(command.split(), check=True, capture_output=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Bench:
    def __init__(self, pairs_max: int) -> None:
        from portsight.db.session import make_engine
        from portsight.domain.access import SYSTEM
        from portsight.services.accounts import create_user
        from tests.e2e.conftest import start_streamlit
        from tests.pages.appdb import prepare_app_database

        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-assist-"))
        self.counters = self.data_dir / "call_counters.json"
        self.link: dict[str, str] | None = None
        self.settle = 20.0
        url = prepare_app_database(self.data_dir)
        self.engine = make_engine(url)
        for i in range(pairs_max + 1):
            create_user(
                self.engine,
                SYSTEM,
                username=f"bench.inspector{i}",
                password="demo",
                check_policy=False,  # the demo's known password, as the pages' tests use
                role="inspector",
                port_codes=("CNSGH",),
                all_ports=False,
                display_name=f"Inspector {i}",
                language="en",
            )
            create_user(
                self.engine,
                SYSTEM,
                username=f"bench.expert{i}",
                password="demo",
                check_policy=False,  # the demo's known password, as the pages' tests use
                role="expert",
                port_codes=(),
                all_ports=True,
                display_name=f"Expert {i}",
                language="en",
            )
        site = str(ROOT / "tests" / "e2e" / "loopback_site")
        env = {
            "PYTHONPATH": f"{site}:{ROOT}",
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
            "PORTSIGHT_CALL_COUNTERS": str(self.counters),
        }
        self.base, self.proc = start_streamlit(self.data_dir, url, env)
        self.round = 0

    def close(self) -> None:
        from tests.e2e.conftest import stop

        stop(self.proc)
        self.engine.dispose()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def frame_counts(self) -> dict:
        """The server's forwarding counters (written by its room watchdog every half second)."""
        try:
            return json.loads(self.counters.read_text())
        except (OSError, ValueError):
            return {"total": {"received": 0, "sent": 0, "held_back": 0}, "rooms": {}}

    def request(self, inspector: str, question: str) -> int:
        from sqlalchemy import select

        from portsight.clock import utcnow
        from portsight.db.models import Inspection, InspectorAssignment, Port, User
        from portsight.db.session import unit_of_work
        from portsight.domain.access import Actor, Role
        from portsight.services.assist import request_assist

        with unit_of_work(self.engine) as s:
            port = s.scalars(select(Port.id).where(Port.code == "CNSGH")).one()
            inspection = s.scalars(
                select(Inspection.id).where(Inspection.port_id == port, Inspection.state == "in_progress")
            ).first()
            user = s.scalars(select(User.id).where(User.username == inspector)).one()
            mine = select(InspectorAssignment.id).where(
                InspectorAssignment.inspection_id == inspection, InspectorAssignment.user_id == user
            )
            if s.scalar(mine) is None:  # an inspector asks for help on an inspection assigned to them
                s.add(
                    InspectorAssignment(inspection_id=inspection, user_id=user, position="second", assigned_at=utcnow())
                )
        actor = Actor(user_id=user, username=inspector, role=Role.INSPECTOR, port_ids=frozenset({port}))
        return request_assist(self.engine, actor, inspection, "seal", question)


def open_page(browser, base: str, username: str, device: dict):
    from playwright.sync_api import expect

    from tests.e2e.helpers import login

    context = browser.new_context(**device, locale="en-US", permissions=["camera", "microphone"])
    context.add_init_script(FIRST_FRAME_JS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    login(page, base, username, "demo", path="remote_assist")  # straight to the page: a loaded machine is slow
    expect(page.locator("h1", has_text="Remote assistance")).to_be_visible(timeout=60_000)
    return context, page


def component_frame(page):
    iframe = page.locator('iframe[title*="webrtc"]').first
    iframe.wait_for()
    return iframe.element_handle().content_frame()


def stats(frame) -> dict | None:
    try:
        return frame.evaluate(STATS_JS)
    except Exception:  # noqa: BLE001 - a side that is gone counts as no figures
        return None


def fps(a: dict | None, b: dict | None, key: str) -> float | None:
    if not a or not b or a.get(key) is None or b.get(key) is None or b["t"] <= a["t"]:
        return None
    return (b[key] - a[key]) / ((b["t"] - a["t"]) / 1000)


def jitter_ms(a: dict | None, b: dict | None) -> float | None:
    if not a or not b or a.get("jbe") is None or b.get("jbe") is None or b["jbe"] <= a["jbe"]:
        return None
    return 1000 * (b["jbd"] - a["jbd"]) / (b["jbe"] - a["jbe"])


def run_round(bench: Bench, browser, n: int, seconds: float, annotations: bool) -> dict:
    """N pairs join at once, then a measuring window: what each pair saw (lists, one item per pair)."""
    from playwright.sync_api import expect

    from tests.e2e.helpers import by_key
    from tests.e2e.test_remote_assist import DESKTOP, PHONE, draw_on_video

    bench.round += 1
    pairs = []
    for i in range(n):
        sid = bench.request(f"bench.inspector{i}", f"Bench round {bench.round} pair {i}")
        insp_ctx, inspector = open_page(browser, bench.base, f"bench.inspector{i}", PHONE)
        pairs.append({"sid": sid, "insp_ctx": insp_ctx, "inspector": inspector})
    for pair in pairs:  # inspectors publishing before the experts arrive
        frame = component_frame(pair["inspector"])
        frame.wait_for_function("() => window.__firstGreenAt", timeout=60_000, polling=100)
        pair["insp_frame"] = frame
    for i, pair in enumerate(pairs):
        exp_ctx, expert = open_page(browser, bench.base, f"bench.expert{i}", DESKTOP)
        pair.update(exp_ctx=exp_ctx, expert=expert)
        expect(by_key(expert, f"assist.join.{pair['sid']}").locator("button")).to_be_visible(timeout=60_000)
    for pair in pairs:  # all experts join at once
        pair["join_at"] = time.time() * 1000
        by_key(pair["expert"], f"assist.join.{pair['sid']}").locator("button").click()
    for pair in pairs:
        frame = component_frame(pair["expert"])
        frame.wait_for_function("() => window.__firstGreenAt", timeout=60_000, polling=100)
        pair["exp_frame"] = frame
        first = frame.evaluate("() => [window.__pcCreatedAt, window.__firstGreenAt]")
        pair["first_frame_ms"] = first[1] - first[0]
        pair["first_frame_from_join_ms"] = first[1] - pair["join_at"]
    if annotations:
        for pair in pairs:  # the joined requests' banners gone: the page above the picture holds still
            for other in pairs:
                expect(by_key(pair["expert"], f"ringing.banner.{other['sid']}")).to_have_count(0, timeout=60_000)
        for pair in pairs:
            expert = pair["expert"]
            draw_on_video(expert, (0.25, 0.75), (0.35, 0.75))  # a circle on the live picture, as an expert drags it
            expect(expert.get_by_text("1 mark(s) on the inspector's picture")).to_be_visible(timeout=60_000)
    modes: list[dict] = []
    if bench.link is not None:
        shape, unshape = link_commands(bench.link)
        run_commands(shape)
        try:
            time.sleep(bench.settle)  # the room reads the link every 1.5 s and steps down after 3 s
            modes = link_modes(bench, pairs)
        finally:
            run_commands(unshape)
    before = [(stats(p["insp_frame"]), stats(p["exp_frame"])) for p in pairs]
    counts0 = bench.frame_counts()["total"]
    cpu0, wall0 = cpu_seconds(bench.proc.pid), time.monotonic()
    rss = [rss_mb(bench.proc.pid)]
    deadline = wall0 + seconds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))  # a measuring window, not a test wait
        rss.append(rss_mb(bench.proc.pid))
    cpu = 100 * (cpu_seconds(bench.proc.pid) - cpu0) / (time.monotonic() - wall0)
    after = [(stats(p["insp_frame"]), stats(p["exp_frame"])) for p in pairs]
    time.sleep(0.6)  # one more pass of the watchdog, so the counters file covers the window
    counts1 = bench.frame_counts()["total"]
    forwarded = counts1["sent"] - counts0["sent"]
    offered = (counts1["received"] - counts0["received"]) - (counts1["held_back"] - counts0["held_back"])

    sent, recv_insp, recv_exp, jit_insp, jit_exp, sizes, limits = [], [], [], [], [], [], []
    for (ib, eb), (ia, ea) in zip(before, after, strict=True):
        sent.append(fps(ib, ia, "out_frames"))
        recv_insp.append(fps(ib, ia, "in_frames"))
        recv_exp.append(fps(eb, ea, "in_frames"))
        jit_insp.append(jitter_ms(ib, ia))
        jit_exp.append(jitter_ms(eb, ea))
        if ia:
            sizes.append(f"{ia.get('out_w')}x{ia.get('out_h')}")
            if ia.get("out_limit"):
                limits.append(ia["out_limit"])
    for pair in pairs:
        expert = pair["expert"]
        try:
            expert.get_by_role("button", name="End the call").click(timeout=30_000)
            expect(expert.get_by_text(f"Record of request #{pair['sid']}")).to_be_visible(timeout=60_000)
        except Exception as exc:  # noqa: BLE001 - reported; the contexts are closed anyway
            print(f"  pair {pair['sid']}: ending the call failed: {str(exc).splitlines()[0]}")
        pair["exp_ctx"].close()
        pair["insp_ctx"].close()

    return {
        "first": [p["first_frame_ms"] for p in pairs],
        "from_join": [p["first_frame_from_join_ms"] for p in pairs],
        "sent": sent,
        "recv_insp": recv_insp,
        "recv_exp": recv_exp,
        "jit_insp": jit_insp,
        "jit_exp": jit_exp,
        "sizes": sizes,
        "limits": limits,
        "cpu": cpu,
        "rss_max": max(rss),
        "forwarded": forwarded,
        "offered": offered,
        "modes": modes,
    }


NOTICE_MODES = (  # the first words of each notice (components/remote_assist/link.py), in English
    ("Very poor link", "chat"),
    ("Poor link: the moving picture is paused", "audio_snapshots"),
    ("Poor link: the picture is smaller", "reduced"),
)


def told(page) -> str:
    """The mode one side's notice says (full: no notice)."""
    from tests.e2e.helpers import by_key

    notice = by_key(page, "assist.link_notice")
    text = notice.first.inner_text(timeout=5_000) if notice.count() else ""
    return next((mode for start, mode in NOTICE_MODES if start in text), "full")


def link_modes(bench: Bench, pairs: list[dict]) -> list[dict]:
    """Each call's link mode at the server and what each side's notice says."""
    rooms = bench.frame_counts()["rooms"]
    return [
        {
            "room": rooms.get(str(p["sid"]), {}).get("mode"),
            "inspector_told": told(p["inspector"]),
            "expert_told": told(p["expert"]),
        }
        for p in pairs
    ]


def summarise(n: int, seconds: float, annotations: bool, rounds: list[dict]) -> dict:
    """One result per N over every round: first-frame percentiles over all pairs, means of the rest."""

    def pooled(name):
        return [v for r in rounds for v in r[name]]

    def mean(values):
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), 1) if values else None  # (bench/statistics.py shadows the module)

    first, from_join, sent = pooled("first"), pooled("from_join"), pooled("sent")
    recv_insp, recv_exp = pooled("recv_insp"), pooled("recv_exp")
    received = [v for v in recv_insp + recv_exp if v is not None]
    cpu = mean([r["cpu"] for r in rounds])
    offered = sum(r["offered"] for r in rounds)
    return {
        "pairs": n,
        "rounds": len(rounds),
        "seconds": seconds,
        "annotations": annotations,
        "resolution": ",".join(sorted(set(pooled("sizes")))) or None,
        "requested_resolution": "640x480",
        # why the inspector's browser sends less than asked (WebRTC's qualityLimitationReason): "cpu" is
        # the browser's own encoder starved, "bandwidth" the link's estimate, "none" nothing held it back
        "resolution_limited_by": ",".join(sorted(set(pooled("limits")))) or None,
        "first_frame_p50_ms": round(percentile(first, 0.5)),
        "first_frame_p95_ms": round(percentile(first, 0.95)),
        "first_frame_from_join_p50_ms": round(percentile(from_join, 0.5)),
        "first_frame_from_join_p95_ms": round(percentile(from_join, 0.95)),
        "fps_sent": mean(sent),
        "fps_received_inspector": mean(recv_insp),
        "fps_received_expert": mean(recv_exp),
        "fps_min": round(min(received), 1) if received else 0.0,
        "received_share_min": round(min(received) / mean(sent), 3) if received and mean(sent) else None,
        "jitter_buffer_ms_inspector": mean(pooled("jit_insp")),
        "jitter_buffer_ms_expert": mean(pooled("jit_exp")),
        "server_cpu_pct": cpu,
        "server_cpu_pct_per_pair": round(cpu / n, 1),
        "server_rss_mb_max": round(max(r["rss_max"] for r in rounds), 1),
        "server_forward_ratio": round(sum(r["forwarded"] for r in rounds) / offered, 3) if offered else None,
        "degraded_mode": pooled("modes") or None,
        "load_average": round(os.getloadavg()[0], 2),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_idle(bench: Bench, browser, seconds: float) -> dict:
    """One inspector connected and publishing, no expert: the server's RSS every 10 s."""
    from tests.e2e.test_remote_assist import PHONE

    bench.request("bench.inspector0", "Idle memory check")
    ctx, inspector = open_page(browser, bench.base, "bench.inspector0", PHONE)
    frame = component_frame(inspector)
    frame.wait_for_function("() => window.__firstGreenAt", timeout=60_000, polling=100)
    start = time.monotonic()
    samples = []
    while True:
        elapsed = time.monotonic() - start
        samples.append((round(elapsed), round(rss_mb(bench.proc.pid), 1)))
        print(f"  {elapsed:5.0f} s  server RSS {samples[-1][1]:7.1f} MB", flush=True)
        if elapsed >= seconds:
            break
        time.sleep(min(10.0, seconds - elapsed))  # sampling period of the memory check
    still = stats(frame)
    ctx.close()
    # growth over the second half, so the warm-up (codecs, caches) is not counted as a leak
    half = [s for s in samples if s[0] >= seconds / 2]
    slope = (half[-1][1] - half[0][1]) / max(1e-9, (half[-1][0] - half[0][0]) / 60) if len(half) > 1 else None
    return {
        "seconds": seconds,
        "rss_mb": samples,
        "rss_start_mb": samples[0][1],
        "rss_end_mb": samples[-1][1],
        "rss_max_mb": max(s[1] for s in samples),
        "growth_second_half_mb_per_min": None if slope is None else round(slope, 2),
        "inspector_still_connected": still is not None,
        "load_average": round(os.getloadavg()[0], 2),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default="1", help="comma-separated N values, e.g. 1,2")
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window per N")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per N (first-frame p95 over all of them)")
    parser.add_argument("--no-annotations", action="store_true", help="no circle on the inspector's picture")
    parser.add_argument("--idle", type=float, default=None, help="memory check: seconds with no expert")
    parser.add_argument("--link", default=None, help="shape the media once the calls are up: rate=300kbit,loss=0.05")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds on the shaped link before reading modes")
    parser.add_argument("--background-load", type=float, default=None, help="hold the load average near this")
    parser.add_argument("--results", default="remote_assist.json", help="file name under bench/results/")
    args = parser.parse_args()
    link = parse_link(args.link) if args.link else None
    if not IN_NETNS:
        return reexec_in_namespace()

    from playwright.sync_api import sync_playwright

    from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS
    from tests.e2e.test_remote_assist import WEBRTC_ARGS

    ns = [int(v) for v in args.pairs.split(",") if v.strip()]
    bench = Bench(max(ns) if args.idle is None else 1)
    bench.link, bench.settle = link, args.settle
    RESULTS.mkdir(parents=True, exist_ok=True)
    load = BackgroundLoad(args.background_load) if args.background_load else None
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + WEBRTC_ARGS)
            if args.idle is not None:
                print(f"idle memory check: one inspector publishing, no expert, {args.idle:.0f} s")
                result = run_idle(bench, browser, args.idle)
                print(
                    f"RSS {result['rss_start_mb']} -> {result['rss_end_mb']} MB (max {result['rss_max_mb']}); "
                    f"second half {result['growth_second_half_mb_per_min']} MB/min; "
                    f"inspector still connected: {result['inspector_still_connected']}"
                )
                (RESULTS / "remote_assist_memory.json").write_text(json.dumps(result, indent=2) + "\n")
                return 0
            runs = []
            drift = mark_drift()
            header = (
                f"{'pairs':>5} {'first p50/p95 ms':>17} {'from join p50/p95':>18} {'fps sent':>8} "
                f"{'recv insp':>9} {'recv exp':>8} {'jitter ms i/e':>14} {'srv CPU %':>9} {'/pair':>6} "
                f"{'size':>8} {'load':>5} {'fwd':>6}"
            )
            print(header)
            for n in ns:
                rounds = [
                    run_round(bench, browser, n, args.seconds, not args.no_annotations) for _ in range(args.repeat)
                ]
                r = summarise(n, args.seconds, not args.no_annotations, rounds)
                r["mark_drift_px"] = drift
                r["background_load"] = args.background_load
                r["background_processes"] = load.processes if load else 0
                runs.append(r)
                print(
                    f"{n:>5} {r['first_frame_p50_ms']:>8}/{r['first_frame_p95_ms']:<8} "
                    f"{r['first_frame_from_join_p50_ms']:>9}/{r['first_frame_from_join_p95_ms']:<8} "
                    f"{r['fps_sent']!s:>8} {r['fps_received_inspector']!s:>9} {r['fps_received_expert']!s:>8} "
                    f"{r['jitter_buffer_ms_inspector']!s:>6}/{r['jitter_buffer_ms_expert']!s:<7} "
                    f"{r['server_cpu_pct']:>9} {r['server_cpu_pct_per_pair']:>6} {r['resolution']!s:>8} "
                    f"{r['load_average']:>5} {r['server_forward_ratio']!s:>6}",
                    flush=True,
                )
                if r["degraded_mode"]:
                    print(f"      degraded_mode (after {args.settle:.0f} s on {args.link}): {r['degraded_mode']}")
            print(f"mark_drift_px: {drift}")
            (RESULTS / Path(args.results).name).write_text(json.dumps(runs, indent=2) + "\n")
            browser.close()
    finally:
        if load is not None:
            load.close()
        bench.close()
    return 0


def mark_drift() -> dict | None:
    """Drift of marks on bench/mark_drift.py's moving synthetic scene (mean and p95, pixels)."""
    from bench.mark_drift import measure_mark_drift

    return measure_mark_drift()["mark_drift_px"]


if __name__ == "__main__":
    sys.exit(main())
