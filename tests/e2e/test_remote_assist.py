"""Remote assistance in two browsers: an inspector (a phone) and an expert (desktop), fake camera and mic.

WebRTC between Chromium and aiortc needs a network where loopback is the only way: each outer
test re-runs one inner test of this module inside `unshare --net` (root), with only `lo` up;
there the server is started with tests/e2e/loopback_site on its PYTHONPATH (aioice offers
127.0.0.1). Nothing leaves loopback, and no STUN server is configured or contacted.

The inspector's context emulates a phone (390x844, mobile user agent, touch): Streamlit decides
"mobile" by user agent, and only then collapses the sidebar after a page is picked, as it does
on a real phone. A 390 px desktop context keeps the sidebar open over the page.

The connect test runs CONNECT_RUNS (20) calls on one server and counts the ones where both
<video>s play; a failed run prints each side's peer-connection states and getStats, and the
server log (streamlit.log in the test's data dir; PORTSIGHT_E2E_WEBRTC_DEBUG=1 adds
streamlit-webrtc's reasons for stopping a worker) says why the room thought a side had gone.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portsight.db.models import AssistSession, ChatMessage, Evidence
from portsight.db.session import make_engine, unit_of_work
from tests.conftest import missing
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, by_key, expect_signed_in, login
from tests.pages.appdb import prepare_app_database

ROOT = Path(__file__).resolve().parents[2]
IN_NETNS = os.environ.get("PORTSIGHT_E2E_NETNS") == "1"
WEBRTC_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]
CONNECT_RUNS = int(os.environ.get("PORTSIGHT_E2E_CONNECT_RUNS", "20"))
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
}
DESKTOP = {"viewport": {"width": 1400, "height": 900}}
inner = pytest.mark.skipif(not IN_NETNS, reason="runs inside the loopback-only namespace (see the outer tests)")


# --------------------------------------------------------------------------- outside: one namespace per test


def server_log_notes(basetemp: Path, limit: int = 400) -> str:
    """The lines of a run's server logs that say why a call changed: link modes, warnings, errors."""
    notes = []
    for log in sorted(basetemp.glob("**/streamlit.log")):
        in_stacks = False
        for line in log.read_text(errors="replace").splitlines():
            in_stacks = (in_stacks or line == "-- server stacks --") and line != "-- end of server stacks --"
            if in_stacks or any(word in line for word in ("link mode", " WARNING ", " ERROR ", "Traceback")):
                notes.append(line[:300])
    return "\nserver log:\n" + "\n".join(notes[-limit:]) if notes else ""


def run_in_loopback_namespace(test_name: str, timeout: int, module: str = __file__) -> str:
    """Run one inner test of module (default: this one) in a fresh network namespace with only lo;
    return its output.

    Its files (the server's streamlit.log above all) stay in /tmp/portsight-webrtc-e2e/<test> until
    the next run of the same test, out of reach of pytest's rotation of numbered temp dirs.
    """
    basetemp = Path(tempfile.gettempdir()) / "portsight-webrtc-e2e" / test_name
    basetemp.parent.mkdir(exist_ok=True)
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        missing("network namespace", "WebRTC e2e needs root with unshare and ip (util-linux, iproute2)")
    cmd = [
        "unshare",
        "--net",
        "--",
        "sh",
        "-c",
        'ip link set lo up && exec "$@"',
        "netns",
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-x",
        "--tb=short",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        f"--basetemp={basetemp}",
        f"{Path(module)}::{test_name}",
    ]
    env = {**os.environ, "PORTSIGHT_E2E_NETNS": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    out = result.stdout
    print(out[-8000:], result.stderr[-3000:], f"\n(the server log is under {basetemp})")
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    assert result.returncode == 0, out[-6000:] + result.stderr[-2000:] + server_log_notes(basetemp)
    assert re.search(r"\b1 passed\b", summary) and "skipped" not in summary, summary
    return out


@pytest.mark.browser
@pytest.mark.slow
def test_remote_assist_call_in_a_loopback_only_network_namespace():
    if IN_NETNS:
        pytest.skip("already inside the namespace")
    run_in_loopback_namespace("test_inner_full_call", timeout=600)


@pytest.mark.browser
@pytest.mark.slow
def test_remote_assist_connects_every_time_in_a_loopback_only_network_namespace():
    if IN_NETNS:
        pytest.skip("already inside the namespace")
    out = run_in_loopback_namespace("test_inner_call_connects_every_time", timeout=600)
    assert f"connected {CONNECT_RUNS}/{CONNECT_RUNS}" in out


# --------------------------------------------------------------------------- inside the namespace


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("assist-e2e")
    url = prepare_app_database(data_dir)
    site = str(ROOT / "tests" / "e2e" / "loopback_site")
    # No file watcher: other engineers edit this tree while tests run, and Streamlit drops a changed
    # module from sys.modules, so the next rerun of a page fails mid-call and its peer connection closes.
    env = {
        "PYTHONPATH": f"{site}:{ROOT}",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "PORTSIGHT_E2E_WEBRTC_DEBUG": os.environ.get("PORTSIGHT_E2E_WEBRTC_DEBUG", "0"),
    }
    base, proc = start_streamlit(data_dir, url, env)
    SERVERS.append(proc)
    engine = make_engine(url)
    yield base, engine, data_dir
    engine.dispose()
    SERVERS.remove(proc)
    stop(proc)


SERVERS: list[subprocess.Popen] = []  # the module's running server, for dump_server_stacks


def dump_server_stacks() -> None:
    """Have the running server write its threads' and asyncio tasks' stacks into its log (see loopback_site)."""
    for _ in range(2):  # twice: what moved in between tells a stall from slowness
        for proc in SERVERS:
            if proc.poll() is None:
                proc.send_signal(signal.SIGUSR1)
        time.sleep(2.0)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # two browsers, a media relay and other engineers share 2 cores

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + WEBRTC_ARGS)
        yield browser
        browser.close()


# Keeps every RTCPeerConnection of a frame in window.__pcs, so a test can read getStats() when it fails.
KEEP_PEER_CONNECTIONS = """(() => { const Native = window.RTCPeerConnection; if (!Native) return;
    window.__pcs = [];
    window.RTCPeerConnection = function (...args) {
        const pc = new Native(...args); window.__pcs.push(pc); const n = window.__pcs.length;
        pc.addEventListener('connectionstatechange', () => console.log(`assist-pc ${n} ${pc.connectionState}`));
        return pc; };
    window.RTCPeerConnection.prototype = Native.prototype;
    window.addEventListener('pagehide', () => { if (window.__pcs.length) console.log('assist-pc frame unloaded'); });
    })();"""

INBOUND_STATS_JS = """async () => { const out = [];
    for (const pc of window.__pcs || []) {
        const report = await pc.getStats();
        report.forEach(s => { if (s.type === 'inbound-rtp' || s.type === 'outbound-rtp') out.push({
            type: s.type, kind: s.kind, pc: pc.connectionState, packets: s.packetsReceived ?? s.packetsSent,
            lost: s.packetsLost, frames: s.framesDecoded ?? s.framesEncoded, received: s.framesReceived,
            dropped: s.framesDropped, keyframes: s.keyFramesDecoded ?? s.keyFramesEncoded,
            pli: s.pliCount, nack: s.nackCount, freezes: s.freezeCount, size: [s.frameWidth, s.frameHeight]}); });
    }
    return out; }"""


VIDEO_STATE_JS = """() => { const v = document.querySelector('video'); if (!v) return null;
    return {paused: v.paused, ready: v.readyState, time: v.currentTime, width: v.videoWidth,
        frames: v.getVideoPlaybackQuality().totalVideoFrames, hidden: document.hidden}; }"""


def diagnose(page, name: str) -> str:
    """What a side shows and what its peer connections carry, for the report of a failed run."""
    lines = page.assist_log[-12:]
    try:
        page.screenshot(path=f"/tmp/assist-{name}.png")
        lines.append(page.locator("section.main, [data-testid='stMain']").first.inner_text(timeout=2000)[:600])
    except Exception as exc:  # noqa: BLE001 - diagnostics only
        lines.append(repr(exc)[:300])
    for frame in page.frames:
        try:
            stats = frame.evaluate(INBOUND_STATS_JS)
        except Exception as exc:  # noqa: BLE001
            stats = repr(exc)[:200]
        if stats:
            lines.append(f"frame {frame.url[:60]}: {stats}")
            lines.append(f"  video: {frame.evaluate(VIDEO_STATE_JS)}")
    return "\n".join(lines)


def open_side(chromium, base, username, device):
    """A signed-in context on the remote-assist page; camera and microphone granted."""
    context = chromium.new_context(**device, locale="en-US", permissions=["camera", "microphone"])
    context.add_init_script(KEEP_PEER_CONNECTIONS)
    page = context.new_page()
    page.assist_log = []  # peer connection states with times, printed when a run fails
    page.on("console", lambda m: "assist-pc" in m.text and page.assist_log.append(f"{time.monotonic():.1f} {m.text}"))
    page.set_default_timeout(30_000)
    login(page, base, username, "demo")
    expect_signed_in(page)
    nav = page.locator('[data-testid="stSidebarNav"] a', has_text="Remote assistance")
    if device.get("is_mobile"):  # the sidebar starts collapsed on a phone
        page.get_by_test_id("stExpandSidebarButton").click()
    nav.click()
    from playwright.sync_api import expect

    expect(page.locator("h1", has_text="Remote assistance")).to_be_visible()
    if device.get("is_mobile"):  # and closes again once a page is picked
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    return context, page


def webrtc_frame(page):
    """The streamlit-webrtc component's iframe, once its <video> exists."""
    iframe = page.locator('iframe[title*="webrtc"]').first
    iframe.wait_for()
    frame = iframe.element_handle().content_frame()
    frame.wait_for_selector("video", state="attached")
    return frame


PLAYING_JS = """() => { const v = document.querySelector('video');
    if (!v || !v.videoWidth) return false;
    const n = v.getVideoPlaybackQuality().totalVideoFrames;
    if (window.__start === undefined) { window.__start = n; return false; }
    return n > window.__start + 5; }"""


def wait_video_playing(frame, timeout=30_000):
    """videoWidth > 0 and more than five frames decoded since the first look."""
    frame.evaluate("() => { window.__start = undefined; }")
    frame.wait_for_function(PLAYING_JS, timeout=timeout, polling=200)


PIXEL_JS = """([fx, fy]) => { const v = document.querySelector('video');
    const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d'); g.drawImage(v, 0, 0);
    const d = g.getImageData(Math.round(fx * (c.width - 1)), Math.round(fy * (c.height - 1)), 1, 1).data;
    return [d[0], d[1], d[2]]; }"""

IS_RED_JS = """([fx, fy]) => { const v = document.querySelector('video');
    if (!v || !v.videoWidth) return false;
    const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d'); g.drawImage(v, 0, 0);
    const d = g.getImageData(Math.round(fx * (c.width - 1)), Math.round(fy * (c.height - 1)), 1, 1).data;
    return d[0] > 170 && d[1] < 90 && d[2] < 90; }"""


VIDEO_BOX_JS = """() => { const f = document.querySelector('iframe[title*="webrtc"]');
    const v = f.contentDocument.querySelector('video').getBoundingClientRect(), o = f.getBoundingClientRect();
    return [o.left + v.left, o.top + v.top, v.width, v.height]; }"""


def draw_on_video(page, start, end):
    """The expert presses on the live picture at start and releases at end ((x, y) shares of the
    picture; the same point for a tap), on the drawing surface laid over the video, scrolled into view
    first (banners of other requests ringing the expert can push it below the fold)."""
    page.frame_locator('iframe[title*="webrtc"]').first.locator("video").scroll_into_view_if_needed()
    left, top, width, height = page.evaluate(VIDEO_BOX_JS)
    page.mouse.move(left + start[0] * width, top + start[1] * height)
    page.mouse.down()
    page.mouse.move(left + end[0] * width, top + end[1] * height, steps=8)
    page.mouse.up()


def ask_for_help(page, question):
    """From the inspector's page: cancel a request left waiting, then ask on the 'seal' step."""
    from playwright.sync_api import expect

    cancel = by_key(page, "assist.cancel").locator("button")
    ask = page.get_by_role("button", name="Ask for an expert")
    expect(cancel.or_(ask)).to_be_visible()
    if cancel.is_visible():
        cancel.click()
    by_key(page, "assist.step").locator("input").fill("seal")
    by_key(page, "assist.question").locator("textarea").fill(question)
    ask.click()
    expect(page.get_by_text("Waiting for an expert to join")).to_be_visible()


def session_of(engine, question):
    """(id, state, note, conclusion) of the newest request with this question, or None."""
    with unit_of_work(engine) as s:
        row = s.scalars(
            select(AssistSession).where(AssistSession.question == question).order_by(AssistSession.id.desc())
        ).first()
        return None if row is None else (row.id, row.state, row.note, row.conclusion)


def join(page, engine, question):
    """The expert joins the request from the live queue."""
    from playwright.sync_api import expect

    sid = session_of(engine, question)[0]
    button = by_key(page, f"assist.join.{sid}").locator("button")
    expect(button).to_contain_text(question[:40])  # listed in the live queue (refreshed every 3 s)
    button.click()
    expect(by_key(page, "assist.undo_mark")).to_be_visible()
    return sid


@inner
def test_inner_full_call(server, chromium):
    from playwright.sync_api import expect

    base, engine, data_dir = server
    insp_ctx, inspector = open_side(chromium, base, "inspector", PHONE)
    exp_ctx, expert = open_side(chromium, base, "expert", DESKTOP)
    question = "Is the seal on the right door genuine?"
    ask_for_help(inspector, question)
    sid = join(expert, engine, question)
    expect(inspector.get_by_text("Expert has joined")).to_be_visible()

    expert_video = webrtc_frame(expert)
    wait_video_playing(expert_video)  # the inspector's camera reaches the expert
    inspector_video = webrtc_frame(inspector)
    wait_video_playing(inspector_video)
    tracks = inspector_video.evaluate(
        "() => document.querySelector('video').srcObject.getAudioTracks().map(t => t.readyState)"
    )
    assert tracks == ["live"]  # the expert's voice reaches the inspector
    # No STUN server anywhere (an unreachable one costs ~5 s per call): none in the browsers, and the
    # server was not left to pick one (streamlit-webrtc then falls back to Google's public server).
    for frame in (expert_video, inspector_video):
        assert frame.evaluate("() => window.__pcs.map(pc => pc.getConfiguration().iceServers.length)")[-1] == 0
    assert "iceServers is not set" not in (data_dir / "streamlit.log").read_text()

    # the expert drags a circle on the video, centred at (25 %, 75 %) (a plain part of the fake camera's
    # picture: the mark stays put) through (35 %, 75 %): its rim turns red on both pictures
    assert not inspector_video.evaluate(IS_RED_JS, [0.35, 0.75])
    before = inspector_video.evaluate(PIXEL_JS, [0.35, 0.75])
    draw_on_video(expert, (0.25, 0.75), (0.35, 0.75))
    expect(expert.get_by_text("1 mark(s) on the inspector's picture")).to_be_visible()
    inspector_video.wait_for_function(IS_RED_JS, arg=[0.35, 0.75], timeout=15_000)
    after = inspector_video.evaluate(PIXEL_JS, [0.35, 0.75])
    assert before != after
    expert_video.wait_for_function(IS_RED_JS, arg=[0.35, 0.75], timeout=15_000)  # the expert sees the same

    by_key(expert, "assist.snapshot").locator("button").click()
    expect(expert.get_by_text("Snapshots (1)")).to_be_visible()  # the gallery, refreshed by the live panel
    expect(inspector.get_by_text("Snapshots (1)")).to_be_visible()
    with unit_of_work(engine) as s:
        shots = list(s.scalars(select(Evidence).where(Evidence.assist_session_id == sid)))
        assert [(e.source, e.step_key) for e in shots] == [("snapshot", "seal")]

    by_key(inspector, "assist.chat_text").locator("input").fill("Seal SH-778812")
    inspector.get_by_role("button", name="Send").click()
    expect(expert.get_by_text("Seal SH-778812")).to_be_visible()
    by_key(expert, "assist.chat_text").locator("input").fill("Turn the seal left")
    expert.get_by_role("button", name="Send").click()
    expect(inspector.get_by_text("Turn the seal left")).to_be_visible()
    expect(expert.get_by_text("Seal SH-778812")).to_be_visible()
    with unit_of_work(engine) as s:
        texts = {m.text for m in s.scalars(select(ChatMessage).where(ChatMessage.session_id == sid))}
        assert texts == {"Seal SH-778812", "Turn the seal left"}

    by_key(expert, "assist.note").locator("textarea").fill("Seal checked on camera")
    by_key(expert, "assist.conclusion").locator("textarea").fill("Seal genuine")
    expert.get_by_role("button", name="End the call").click()
    expect(expert.get_by_text(f"Record of request #{sid}")).to_be_visible()
    assert session_of(engine, question)[1:] == ("ended", "Seal checked on camera", "Seal genuine")
    expect(inspector.get_by_text(f"Record of request #{sid}")).to_be_visible()

    # second call: the inspector's tab closes; the room notices and records the end within 10 s
    question2 = "What is this residue on the floor?"
    ask_for_help(inspector, question2)
    sid2 = join(expert, engine, question2)
    wait_video_playing(webrtc_frame(expert))
    inspector.close()
    closed_at = time.monotonic()
    expect(expert.get_by_text(f"Record of request #{sid2}")).to_be_visible(timeout=10_000)
    print(f"tab closed -> room ended in {time.monotonic() - closed_at:.1f} s")
    assert session_of(engine, question2)[1] == "ended"
    insp_ctx.close()
    exp_ctx.close()


@inner
def test_inner_call_connects_every_time(server, chromium):
    """The orphaned-context race in streamlit-webrtc 0.79 tore the second peer down in ~1 run in 4."""
    from playwright.sync_api import expect

    base, engine, _ = server
    insp_ctx, inspector = open_side(chromium, base, "inspector", PHONE)
    exp_ctx, expert = open_side(chromium, base, "expert", DESKTOP)
    connected, times, failed = 0, [], []
    suite_started = time.monotonic()
    for run in range(CONNECT_RUNS):
        question = f"Connect run {run}"
        ask_for_help(inspector, question)
        started = time.monotonic()
        sid = join(expert, engine, question)
        try:
            wait_video_playing(webrtc_frame(expert))
            wait_video_playing(webrtc_frame(inspector))
        except Exception as exc:  # noqa: BLE001 - counted and reported; the call is ended below
            failed.append((run, str(exc).splitlines()[0][:120]))
            print(f"run {run} failed at {time.monotonic():.1f} (started {started:.1f}): {failed[-1][1]}")
            print(f"expert:\n{diagnose(expert, f'connect-{run}-expert')}")
            print(f"inspector:\n{diagnose(inspector, f'connect-{run}-inspector')}")
        else:
            times.append(time.monotonic() - started)
            connected += 1
        end, record = expert.get_by_role("button", name="End the call"), expert.get_by_text(f"Record of request #{sid}")
        expect(end.or_(record)).to_be_visible()  # a failed run may already have been ended by the room
        if end.is_visible():
            end.click()
        expect(record).to_be_visible()
        expect(inspector.get_by_text(f"Record of request #{sid}")).to_be_visible()
    times.sort()
    print(
        f"connected {connected}/{CONNECT_RUNS} in {time.monotonic() - suite_started:.0f} s; "
        f"join click to both videos playing: median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s; "
        f"failed runs: {failed}"
    )
    assert connected == CONNECT_RUNS, failed
    insp_ctx.close()
    exp_ctx.close()
