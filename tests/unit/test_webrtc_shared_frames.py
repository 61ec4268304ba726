"""Both sides get the inspector's picture as frames of their own: encoders change the frame they are given.

PyAV's encode() rebases a frame's pts and time_base in place (and aiortc sets pict_type for a
keyframe), on aiortc's worker threads. When the inspector's and the expert's senders shared
one frame object, whichever encoded second saw time go backwards and dropped every later
frame: the expert's picture froze after one frame in about one call in three.
"""

from __future__ import annotations

import asyncio

import av
import numpy as np
from aiortc.codecs.vpx import Vp8Encoder

from portsight.calls.recorder import Mp4Recorder
from portsight.calls.room import EXPERT, INSPECTOR, Room
from portsight.domain.access import Actor, Role
from portsight.domain.annotations import Mark

INSPECTOR_ACTOR = Actor(user_id=1, username="inspector", role=Role.INSPECTOR, port_ids=frozenset({1}))
EXPERT_ACTOR = Actor(user_id=2, username="expert", role=Role.EXPERT, port_ids=None)


def camera_frame(value: int) -> av.VideoFrame:
    """What aiortc's decoder hands the sink: yuv420p."""
    image = np.full((240, 320, 3), value, np.uint8)
    return av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")


def run_sides(marks: bool) -> tuple[list[int], list[int], int]:
    async def scenario():
        room = Room(7)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        if marks:
            room.add_mark(Mark("circle", 0.5, 0.5, 0.65, 0.5))
        encoder = Vp8Encoder()
        seen_inspector, seen_expert, shared = [], [], 0
        for i in range(6):
            inspector.sink_video.callback(camera_frame(40 + i))
            own = await asyncio.wait_for(inspector.source_video.recv(), 2)
            encoder.encode(own, force_keyframe=i == 0)  # rebases own.pts in place, as the sender does
            seen_inspector.append(own.pts)
            other = await asyncio.wait_for(expert.source_video.recv(), 2)
            shared += other is own
            seen_expert.append(other.pts)
        room.close()
        return seen_inspector, seen_expert, shared

    return asyncio.run(scenario())


def test_the_expert_keeps_receiving_after_the_inspectors_encoder_has_used_the_frame():
    _, expert_pts, shared = run_sides(marks=False)
    assert shared == 0
    assert len(expert_pts) == 6 and expert_pts == sorted(set(expert_pts))


def test_the_same_holds_for_frames_with_marks_drawn_once_for_both_sides():
    _, expert_pts, shared = run_sides(marks=True)
    assert shared == 0
    assert len(expert_pts) == 6 and expert_pts == sorted(set(expert_pts))


def test_the_recorder_does_not_restamp_the_rooms_frame(tmp_path):
    room = Room(8)
    recorder = Mp4Recorder(tmp_path / "call.mp4")
    frame = camera_frame(90)
    frame.pts = 123_456
    recorder.put_video(frame)
    recorder.close()
    assert recorder.video_frames == 1
    assert frame.pts == 123_456
    room.close()


# Several threads convert the room's one latest frame at once: the overlay's worker (grey for the
# tracker, BGR for drawing), a snapshot on a page's thread, the loop in reduced mode. Run apart:
# conversions of one frame through PyAV's shared libswscale context crash (SIGSEGV) or hang.
CONCURRENT_CONVERSIONS = """
import threading
import av, numpy as np
from portsight.calls.media import VIDEO_TIME_BASE
from portsight.calls.room import Room, _reduced, _with_marks
from portsight.domain.annotations import Mark

room = Room(1)
room.add_mark(Mark("circle", 0.5, 0.5, 0.6, 0.5))
image = np.random.default_rng(1).integers(0, 255, (540, 960, 3), np.uint8)
frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
frame.pts, frame.time_base = 0, VIDEO_TIME_BASE  # as the room stamps what it receives

def overlay():
    for seq in range(1, 150):
        assert room._track_and_draw(seq, frame) is not frame  # drawn, not the fallback of a failure

def snapshot():
    for _ in range(150):
        assert _with_marks(frame, room._tracker.shown()).shape == (540, 960, 3)

def reduced():
    for pts in range(150):
        assert _reduced(frame, pts).width == 320

threads = [threading.Thread(target=f) for f in (overlay, snapshot, reduced, snapshot)]
for t in threads: t.start()
for t in threads: t.join()
print("converted")
"""


def test_the_rooms_frame_converted_by_several_threads_at_once_neither_crashes_nor_hangs():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", CONCURRENT_CONVERSIONS],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (run.returncode, run.stdout.strip()) == (0, "converted"), run.stderr[-2000:]


def test_marks_that_cannot_be_drawn_leave_the_picture_as_it_came_and_are_logged_once(monkeypatch, caplog):
    room = Room(3)
    room.add_mark(Mark("circle", 0.5, 0.5, 0.65, 0.5))

    def broken(seq, frame):
        raise ValueError("no corners")

    monkeypatch.setattr(room, "_follow_and_draw", broken)
    frames = [camera_frame(value) for value in (10, 20, 30)]
    with caplog.at_level("ERROR", logger="portsight.calls.room"):
        assert [room._track_and_draw(seq, f) for seq, f in enumerate(frames, 1)] == frames
    assert len([r for r in caplog.records if "drawing the marks" in r.getMessage()]) == 1


def test_in_reduced_mode_the_marks_are_drawn_for_the_smaller_picture():
    from portsight.calls.link import REDUCED, LinkState
    from portsight.calls.media import VIDEO_TIME_BASE

    def red_pixels(mode: str) -> int:
        room = Room(4)
        room.add_mark(Mark("box", 0.25, 0.25, 0.75, 0.75))
        room._link = LinkState(mode=mode)
        scene = np.random.default_rng(5).integers(0, 120, (480, 640, 3), np.uint8)  # corners to follow
        frame = av.VideoFrame.from_ndarray(scene, format="bgr24")
        frame.pts, frame.time_base = 0, VIDEO_TIME_BASE  # as the room stamps what it receives
        bgr = room._track_and_draw(1, frame).to_ndarray(format="bgr24")
        return int(((bgr[:, :, 2] > 200) & (bgr[:, :, 1] < 60) & (bgr[:, :, 0] < 60)).sum())

    assert red_pixels(REDUCED) > red_pixels("full")
