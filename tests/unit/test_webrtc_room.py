"""The room registry and media forwarding without a browser: frames in through the sinks' callbacks,
frames out of the forwarding tracks, on a private event loop."""

from __future__ import annotations

import asyncio
import fractions
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from portsight.calls import room as rooms
from portsight.calls.media import PLACEHOLDER_SIZE, clock
from portsight.calls.recorder import Mp4Recorder
from portsight.calls.registry import RoomRegistry
from portsight.calls.room import EXPERT, INSPECTOR, Room
from portsight.calls.start import rtc_configuration
from portsight.domain.access import Actor, Role
from portsight.domain.annotations import Mark

ROOT = Path(__file__).resolve().parents[2]
INSPECTOR_ACTOR = Actor(user_id=1, username="inspector", role=Role.INSPECTOR, port_ids=frozenset({1}))
EXPERT_ACTOR = Actor(user_id=2, username="expert", role=Role.EXPERT, port_ids=None)


def green(h=240, w=320) -> av.VideoFrame:
    image = np.zeros((h, w, 3), np.uint8)
    image[:] = (0, 135, 0)
    return av.VideoFrame.from_ndarray(image, format="bgr24")


def tone(value=1000, samples=960) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(np.full((1, samples * 2), value, np.int16), format="s16", layout="stereo")
    frame.sample_rate = 48000
    frame.pts, frame.time_base = 0, fractions.Fraction(1, 48000)
    return frame


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_rooms_load_without_streamlit():
    code = (
        "import sys, portsight.calls.registry, portsight.calls.start, portsight.calls.overlay;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'streamlit_webrtc')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_no_ice_servers_is_an_explicit_empty_list_never_an_empty_dict():
    config = rtc_configuration([])
    assert config == {"iceServers": []} and bool(config)
    turn = {"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"}
    assert rtc_configuration([turn]) == {"iceServers": [turn]}
    with pytest.raises(ValueError):
        rtc_configuration([{"username": "u"}])


def test_expert_receives_placeholder_then_the_inspectors_picture_with_marks():
    async def scenario():
        room = Room(1)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        first = await expert.source_video.recv()
        assert (first.height, first.width) == PLACEHOLDER_SIZE

        inspector.sink_video.callback(green())
        plain = (await expert.source_video.recv()).to_ndarray(format="bgr24")
        assert tuple(plain[120, 80]) == (0, 135, 0)

        room.add_mark(Mark("box", 0.25, 0.25, 0.75, 0.75))
        inspector.sink_video.callback(green())
        marked = (await expert.source_video.recv()).to_ndarray(format="bgr24")
        own = (await inspector.source_video.recv()).to_ndarray(format="bgr24")
        edge = marked[120, round(0.25 * 319)]
        assert edge[2] > 200 and edge[1] < 80  # red (YUV round trip blurs a little)
        assert np.array_equal(marked, own)  # both sides see the same marks
        room.clear_marks()
        inspector.sink_video.callback(green())
        cleared = (await expert.source_video.recv()).to_ndarray(format="bgr24")
        assert abs(int(cleared[120, round(0.25 * 319), 1]) - 135) < 10
        room.close()

    run(scenario())


def test_timestamps_sent_to_a_side_always_increase():
    async def scenario():
        room = Room(2)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        pts = [(await expert.source_video.recv()).pts]
        for _ in range(3):
            inspector.sink_video.callback(green())
            pts.append((await expert.source_video.recv()).pts)
        assert pts == sorted(pts) and len(set(pts)) == len(pts)
        room.close()

    run(scenario())


def test_voices_cross_over_and_silence_fills_the_gaps():
    async def scenario():
        room = Room(3)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        silent = await inspector.source_audio.recv()
        assert not silent.to_ndarray().any() and silent.samples == 960
        expert.sink_audio.callback(tone(1234))
        heard = await inspector.source_audio.recv()
        assert (heard.to_ndarray() == 1234).all()
        assert heard.pts == silent.pts + 960
        inspector.sink_audio.callback(tone(777))
        assert ((await expert.source_audio.recv()).to_ndarray() == 777).all()
        room.close()

    run(scenario())


def test_snapshot_is_the_latest_inspector_frame_with_marks():
    room = Room(4)
    inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
    assert room.snapshot_jpeg() is None
    inspector.sink_video.callback(green())
    room.add_mark(Mark("circle", 0.5, 0.5, 0.7, 0.5))
    import cv2

    image = cv2.imdecode(np.frombuffer(room.snapshot_jpeg(), np.uint8), cv2.IMREAD_COLOR)
    rim = image[120, round(0.7 * 319)]
    assert rim[2] > 200 and rim[1] < 80


def in_call(room):
    """Both sides joined (tabs s1 and s2) and each has sent one frame: (inspector, expert) endpoints."""
    inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
    expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
    inspector.sink_video.callback(green())
    expert.sink_audio.callback(tone())
    return inspector, expert


def test_a_side_that_goes_silent_is_released_and_the_end_recorded():
    left = []
    registry = RoomRegistry(on_leave=lambda sid, actor, role: left.append((sid, actor.username, role)), watch=False)

    async def scenario():
        room = registry.room(5)
        inspector, expert = in_call(room)
        now = clock()
        assert registry.check(now + 1) == []
        assert registry.check(now + rooms.GONE_AFTER_SECONDS + 1)
        assert left and left[0][0] == 5
        assert registry.get(5) is None and room.closed
        for track in (inspector.source_video, expert.source_audio, expert.source_video):
            assert track.readyState == "ended"
        with pytest.raises(MediaStreamError):
            await expert.source_video.recv()

    run(scenario())


def test_an_ended_input_track_counts_as_gone_at_once():
    registry = RoomRegistry(watch=False)
    room = registry.room(6)
    inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
    inspector.sink_video.callback(green())
    inspector.sink_video.on_ended()
    assert [ep.key for ep in room.gone_endpoints()] == ["s1:inspector"]
    assert registry.check() == [(6, INSPECTOR)]


def test_a_side_whose_page_closed_is_gone_after_a_short_grace_while_its_media_still_looks_fine():
    # Chromium does not always send RTCP BYE or a DTLS close when a tab goes: the page's websocket tells
    alive = {"s1": True, "s2": True}
    registry = RoomRegistry(watch=False, page_alive=lambda session: alive[session])
    in_call(registry.room(8))
    now = clock()
    alive["s1"] = False
    assert registry.check(now) == []  # a websocket may come back (reconnect): not yet
    alive["s1"] = True
    assert registry.check(now + 1) == []
    alive["s1"] = False
    assert registry.check(now + 1.5) == []
    assert registry.check(now + 1.5 + rooms.PAGE_GONE_AFTER_SECONDS) == [(8, INSPECTOR)]
    assert rooms.PAGE_GONE_AFTER_SECONDS + 1.5 < rooms.GONE_AFTER_SECONDS  # sooner than the silence would tell


def test_a_side_that_never_connected_is_not_gone_and_endpoints_are_stable():
    room = Room(7)
    ep = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
    assert room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR) is ep
    assert room.gone_endpoints(clock() + 60) == []
    room.release(ep)
    assert room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR) is not ep


def test_recorder_keeps_video_when_audio_comes_first(tmp_path):
    recorder = Mp4Recorder(tmp_path / "call.mp4")
    for _ in range(5):
        recorder.put_audio(tone())
    for _ in range(10):
        recorder.put_video(green(480, 640))
        recorder.put_audio(tone())
        time.sleep(0.01)
    recorder.close()
    with av.open(str(tmp_path / "call.mp4")) as container:
        kinds = sorted(s.type for s in container.streams)
        assert kinds == ["audio", "video"]
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 8
    assert recorder.video_frames == 10
