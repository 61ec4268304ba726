"""A call on a poor link steps down instead of failing, tells both sides, and recovers with the link.

Like tests/e2e/test_remote_assist.py, the outer test re-runs the inner one inside `unshare --net`
(root) where only `lo` is up. There the inner test shapes the link itself:

    tc qdisc add dev lo root handle 1: htb default 10          # everything else: unshaped
    tc class add dev lo parent 1: classid 1:10 htb rate 10gbit
    tc class add dev lo parent 1: classid 1:20 htb rate 300kbit ceil 300kbit
    tc qdisc add dev lo parent 1:20 handle 20: tbf rate 300kbit burst 32kbit latency 300ms
    tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff flowid 1:20
    iptables -A INPUT -p udp -m statistic --mode random --probability 0.05 -j DROP

`tc netem` is not available on this kernel. A plain `tbf` on `lo` would also throttle the
Streamlit websocket and the test's own page loads (TCP), so the pages would stall rather than the
call degrade: the htb root sends only UDP (the media: RTP/RTCP and ICE over UDP, protocol 17)
through a 300 kbit/s token bucket with up to 300 ms of queue, and the iptables rule drops 5 % of
UDP packets at random. Every packet on `lo` passes the qdisc and INPUT once, so both directions
of both calls see the rate limit and the loss. Removing the root qdisc and the rule restores the
link.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from portsight.db.models import AuditEntry
from portsight.db.session import unit_of_work
from tests.conftest import missing
from tests.e2e.helpers import CHROMIUM, by_key, login
from tests.e2e.test_remote_assist import (  # noqa: F401 - chromium and server are fixtures
    DESKTOP,
    KEEP_PEER_CONNECTIONS,
    PHONE,
    chromium,
    run_in_loopback_namespace,
    server,
    wait_video_playing,
    webrtc_frame,
)

IN_NETNS = os.environ.get("PORTSIGHT_E2E_NETNS") == "1"
inner = pytest.mark.skipif(not IN_NETNS, reason="runs inside the loopback-only namespace (see the outer test)")

SHAPE = [
    "tc qdisc add dev lo root handle 1: htb default 10",
    "tc class add dev lo parent 1: classid 1:10 htb rate 10gbit",
    "tc class add dev lo parent 1: classid 1:20 htb rate 300kbit ceil 300kbit",
    "tc qdisc add dev lo parent 1:20 handle 20: tbf rate 300kbit burst 32kbit latency 300ms",
    "tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff flowid 1:20",
    "iptables -A INPUT -p udp -m statistic --mode random --probability 0.05 -j DROP",
]
UNSHAPE = [
    "tc qdisc del dev lo root",
    "iptables -D INPUT -p udp -m statistic --mode random --probability 0.05 -j DROP",
]
POOR_LINK = re.compile(r"(Very )?[Pp]oor link")


@pytest.mark.browser
@pytest.mark.slow
def test_a_call_on_a_poor_link_degrades_tells_both_sides_and_recovers():
    if IN_NETNS:
        pytest.skip("already inside the namespace")
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    needed = ("unshare", "ip", "tc", "iptables")
    if os.geteuid() != 0 or any(shutil.which(tool) is None for tool in needed):
        missing("network namespace", "needs root with unshare, ip, tc and iptables (iproute2, iptables)")
    run_in_loopback_namespace("test_inner_poor_link", timeout=600, module=__file__)


def run_all(commands: list[str]) -> None:
    for command in commands:
        subprocess.run(command.split(), check=True, capture_output=True)


CONNECTED_JS = "() => (window.__pcs || []).some(pc => pc.connectionState === 'connected')"


def link_modes(engine, sid: int) -> list[str]:
    with unit_of_work(engine) as s:
        rows = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "assist_session", AuditEntry.entity_id == str(sid))
            .where(AuditEntry.action.like("assist.link_%"))
            .order_by(AuditEntry.id)
        )
        return [action.removeprefix("assist.link_") for action in rows]


def open_call_page(browser, base: str, username: str, device: dict):
    """A signed-in context opened straight on the remote-assist page; camera and microphone granted."""
    from playwright.sync_api import expect

    context = browser.new_context(**device, locale="en-US", permissions=["camera", "microphone"])
    context.add_init_script(KEEP_PEER_CONNECTIONS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    login(page, base, username, "demo", path="remote_assist")
    expect(page.locator("h1", has_text="Remote assistance")).to_be_visible(timeout=60_000)
    return context, page


def open_request(engine, username: str) -> int:
    """The id of the inspector's waiting request (the demo data may hold one), asked now if none."""
    from portsight.db.models import AssistSession, Inspection, User
    from portsight.domain.access import Actor, Role
    from portsight.services.assist import request_assist

    with unit_of_work(engine) as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        waiting = s.scalars(
            select(AssistSession.id).where(AssistSession.requested_by_id == user.id, AssistSession.state == "waiting")
        ).first()
        if waiting is not None:
            return waiting
        port_ids = frozenset(p.id for p in user.ports)
        inspection = s.scalars(
            select(Inspection.id).where(Inspection.port_id.in_(port_ids), Inspection.state == "in_progress")
        ).first()
        actor = Actor(user_id=user.id, username=username, role=Role.INSPECTOR, port_ids=port_ids)
    return request_assist(engine, actor, inspection, "seal", "Can you read the seal number on a poor link?")


def state_of(engine, sid: int) -> str:
    from portsight.db.models import AssistSession

    with unit_of_work(engine) as s:
        return s.scalars(select(AssistSession.state).where(AssistSession.id == sid)).one()


@inner
def test_inner_poor_link(server, chromium):  # noqa: F811 - the imported fixtures
    from playwright.sync_api import expect

    base, engine, _ = server
    sid = open_request(engine, "inspector")
    insp_ctx, inspector = open_call_page(chromium, base, "inspector", PHONE)
    exp_ctx, expert = open_call_page(chromium, base, "expert", DESKTOP)
    join = by_key(expert, f"assist.join.{sid}").locator("button")
    expect(join).to_be_visible()
    join.click()
    expect(inspector.get_by_text("Expert has joined")).to_be_visible()
    expert_video, inspector_video = webrtc_frame(expert), webrtc_frame(inspector)
    wait_video_playing(expert_video)
    wait_video_playing(inspector_video)
    sides = (inspector, expert)
    for page in sides:  # a good link: no notice at all
        expect(page.get_by_text(POOR_LINK)).to_have_count(0)

    run_all(SHAPE)
    try:
        for page in sides:  # both sides are told, within a few readings of the link
            expect(by_key(page, "assist.link_notice")).to_contain_text(POOR_LINK, timeout=60_000)
        degraded = link_modes(engine, sid)
        print(f"modes reached on the shaped link: {degraded}")
        assert degraded and degraded[-1] != "full"
        assert state_of(engine, sid) == "active"  # the call is still up
        for frame in (expert_video, inspector_video):
            assert frame.evaluate(CONNECTED_JS)
    finally:
        run_all(UNSHAPE)

    for page in sides:  # one mode up every 8 s of a good link: at most three steps
        expect(page.get_by_text(POOR_LINK)).to_have_count(0, timeout=90_000)
    assert link_modes(engine, sid)[-1] == "full"
    wait_video_playing(expert_video)  # the moving picture is back on both sides
    wait_video_playing(inspector_video)
    size = expert_video.evaluate(
        "() => { const v = document.querySelector('video'); return [v.videoWidth, v.videoHeight]; }"
    )
    print(f"modes: {link_modes(engine, sid)}; expert's picture after recovery: {size}")
    assert state_of(engine, sid) == "active"
    insp_ctx.close()
    exp_ctx.close()
