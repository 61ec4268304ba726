"""The expert draws on the live picture: the drawing surface lies over the video, and a tap there puts
a mark on the inspector's picture at that spot. Two browsers, fake camera, in a loopback-only
network namespace like tests/e2e/test_remote_assist.py (whose server, browser and steps it reuses).
"""

from __future__ import annotations

import pytest

from tests.e2e.helpers import by_key
from tests.e2e.test_remote_assist import (  # noqa: F401 - chromium and server are fixtures
    DESKTOP,
    IN_NETNS,
    IS_RED_JS,
    PHONE,
    ask_for_help,
    chromium,
    draw_on_video,
    inner,
    join,
    open_side,
    run_in_loopback_namespace,
    server,
    session_of,
    wait_video_playing,
    webrtc_frame,
)

# Where the expert's <video> is on the page and where the drawing surface is (both CSS pixels).
BOXES_JS = """() => {
    const webrtc = document.querySelector('iframe[title*="webrtc"]');
    const surface = document.querySelector('iframe[title*="assist_drawing"]');
    const v = webrtc.contentDocument.querySelector('video').getBoundingClientRect();
    const f = webrtc.getBoundingClientRect();
    const s = surface.getBoundingClientRect();
    return {video: [f.left + v.left, f.top + v.top, v.width, v.height], surface: [s.left, s.top, s.width, s.height]};
}"""

# Share of reddish pixels in a ring of radius r (share of the width) around (fx, fy) on the picture. A
# poor link sends a smaller picture, where the mark's thin rim is blended with the green around it.
RING_RED_JS = """([fx, fy, r]) => { const v = document.querySelector('video');
    if (!v || !v.videoWidth) return 0;
    const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d'); g.drawImage(v, 0, 0);
    let red = 0, n = 0;
    for (let a = 0; a < 2 * Math.PI; a += Math.PI / 32) {
        const x = Math.round(fx * (c.width - 1) + Math.cos(a) * r * c.width);
        const y = Math.round(fy * (c.height - 1) + Math.sin(a) * r * c.width);
        const d = g.getImageData(x, y, 1, 1).data; n += 1;
        if (d[0] > 110 && d[0] > d[1] + 40 && d[0] > d[2] + 40) red += 1;
    }
    return red / n; }"""


def playing_video(page, attempts: int = 3):
    """The side's webrtc frame once its video plays; looked up again if the page re-rendered it."""
    from playwright.sync_api import Error

    for attempt in range(1, attempts + 1):
        try:
            frame = webrtc_frame(page)
            wait_video_playing(frame)
        except Error as exc:
            if "detached" not in str(exc) or attempt == attempts:
                raise
        else:
            return frame


@pytest.mark.browser
@pytest.mark.slow
def test_drawing_on_the_live_picture_in_a_loopback_only_network_namespace():
    if IN_NETNS:
        pytest.skip("already inside the namespace")
    run_in_loopback_namespace("test_inner_tap_on_the_video_marks_that_spot", timeout=600, module=__file__)


@inner
def test_inner_tap_on_the_video_marks_that_spot(server, chromium):  # noqa: F811 - the imported fixtures
    from playwright.sync_api import expect

    base, engine, data_dir = server
    insp_ctx, inspector = open_side(chromium, base, "inspector", PHONE)
    exp_ctx, expert = open_side(chromium, base, "expert", DESKTOP)
    question = "Which bolt is loose?"
    ask_for_help(inspector, question)
    join(expert, engine, question)
    expert_video = playing_video(expert)
    inspector_video = playing_video(inspector)

    # the surface covers the video exactly (within a pixel or two)
    expect(expert.locator('iframe[title*="assist_drawing"]')).to_be_visible()
    expert.wait_for_function(
        f"() => {{ const b = ({BOXES_JS})(); return b.video.every((v, i) => Math.abs(v - b.surface[i]) < 3); }}",
        timeout=20_000,
    )

    fx, fy = 0.3, 0.7
    radius = 0.04  # a tap marks the spot with a circle of this radius (share of the width)
    assert inspector_video.evaluate(RING_RED_JS, [fx, fy, radius]) < 0.1
    draw_on_video(expert, (fx, fy), (fx, fy))
    expect(expert.get_by_text("1 mark(s) on the inspector's picture")).to_be_visible()
    inspector_video.wait_for_function(f"() => ({RING_RED_JS})([{fx}, {fy}, {radius}]) > 0.5", timeout=20_000)
    expert_video.wait_for_function(f"() => ({RING_RED_JS})([{fx}, {fy}, {radius}]) > 0.5", timeout=20_000)
    assert not inspector_video.evaluate(IS_RED_JS, [0.8, 0.2])  # and nowhere else

    by_key(expert, "assist.undo_mark").locator("button").click()
    expect(expert.get_by_text("0 mark(s) on the inspector's picture")).to_be_visible()
    inspector_video.wait_for_function(f"() => ({RING_RED_JS})([{fx}, {fy}, {radius}]) < 0.1", timeout=15_000)
    assert session_of(engine, question)[1] == "active"
    insp_ctx.close()
    exp_ctx.close()
