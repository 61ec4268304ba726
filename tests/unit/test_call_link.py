"""A poor link degrades the call step by step and it recovers when the link does; the room counts the
frames it forwards. The mode decision runs on readings alone; the room on a private event loop."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import av
import numpy as np
import pytest

from portsight.calls.link import (
    AUDIO_SNAPSHOTS,
    CHAT,
    FULL,
    LIMITS,
    REDUCED,
    REDUCED_SIZE,
    LinkCounters,
    LinkSample,
    LinkState,
    link_sample,
    next_link_state,
    read_link_counters,
    supported_mode,
)
from portsight.calls.registry import RoomRegistry, counters_path
from portsight.calls.room import EXPERT, FORWARD_BACKLOG, INSPECTOR, REDUCED_TICKS, Room
from portsight.domain.access import Actor, Role

INSPECTOR_ACTOR = Actor(user_id=1, username="inspector", role=Role.INSPECTOR, port_ids=frozenset({1}))
EXPERT_ACTOR = Actor(user_id=2, username="expert", role=Role.EXPERT, port_ids=None)

GOOD = LinkSample(loss=0.0, rtt=0.05, video_fps=20.0, video_kbps=900.0)
LOSSY = LinkSample(loss=0.05, rtt=0.05, video_fps=18.0, video_kbps=400.0)
BAD = LinkSample(loss=0.15, rtt=0.3, video_fps=10.0, video_kbps=300.0)
DEAD = LinkSample(loss=0.5, rtt=None)


@pytest.mark.parametrize(
    ("sample", "mode"),
    [
        (GOOD, FULL),
        (LinkSample(), FULL),  # no report yet, no video: nothing says the link is poor
        (LOSSY, REDUCED),
        (LinkSample(rtt=0.7), REDUCED),
        (LinkSample(video_fps=5.0, video_kbps=50.0), FULL),  # a slow camera (a busy phone) is not a poor link
        (BAD, AUDIO_SNAPSHOTS),
        (LinkSample(rtt=1.6), AUDIO_SNAPSHOTS),
        (LinkSample(video_fps=1.0, video_kbps=900.0), AUDIO_SNAPSHOTS),
        (LinkSample(video_fps=20.0, video_kbps=10.0), AUDIO_SNAPSHOTS),
        (DEAD, CHAT),
        (LinkSample(rtt=3.5), CHAT),
    ],
)
def test_each_reading_calls_for_the_mode_its_worst_figure_allows(sample, mode):
    assert supported_mode(sample) == mode


def run_readings(readings: list[tuple[float, list[LinkSample]]], state: LinkState | None = None) -> list[str]:
    state = state or LinkState()
    modes = []
    for now, samples in readings:
        state = next_link_state(state, samples, now)
        modes.append(state.mode)
    return modes


def test_a_short_spike_of_loss_does_not_change_the_mode():
    assert run_readings([(0, [LOSSY]), (1.5, [LOSSY]), (3.0, [GOOD]), (4.5, [LOSSY])]) == [FULL] * 4


def test_a_lasting_poor_link_steps_down_after_a_few_seconds_to_the_mildest_mode_it_held():
    modes = run_readings([(0, [BAD]), (1.5, [LOSSY]), (3.0, [BAD])])
    assert modes == [FULL, FULL, REDUCED]  # BAD then LOSSY: only the reduced mode was needed all along


def test_the_call_is_as_good_as_its_worse_side():
    modes = run_readings([(0, [GOOD, DEAD]), (1.5, [GOOD, DEAD]), (3.0, [GOOD, DEAD])])
    assert modes[-1] == CHAT


def test_recovery_waits_longer_than_the_fall_and_climbs_one_mode_at_a_time():
    start = LinkState(mode=CHAT)
    readings = [(t * 1.5, [GOOD]) for t in range(30)]
    modes = run_readings(readings, start)
    up_at = [readings[i][0] for i in range(1, len(modes)) if modes[i] != modes[i - 1]]
    assert [m for i, m in enumerate(modes) if i == 0 or m != modes[i - 1]] == [CHAT, AUDIO_SNAPSHOTS, REDUCED, FULL]
    assert up_at[0] >= LIMITS.up_after > LIMITS.down_after
    assert all(b - a >= LIMITS.up_after for a, b in zip(up_at, up_at[1:], strict=False))


def test_a_link_that_relapses_while_recovering_starts_its_wait_again():
    start = LinkState(mode=REDUCED)
    modes = run_readings([(0, [GOOD]), (6, [LOSSY]), (7.5, [GOOD]), (13.5, [GOOD]), (15.5, [GOOD])], start)
    assert modes == [REDUCED, REDUCED, REDUCED, REDUCED, FULL]


def test_no_reading_changes_nothing():
    state = LinkState(mode=REDUCED, worse_since=3.0, worse_mode=CHAT)
    assert next_link_state(state, [], 100.0) is state


def test_a_sample_is_the_worse_direction_and_the_inspectors_input_rate():
    before = LinkCounters(at=10.0, packets_received=1000, packets_lost=0, bytes_received=100_000, video_frames=100)
    after = LinkCounters(
        at=12.0,
        packets_received=1190,
        packets_lost=10,
        bytes_received=350_000,
        video_frames=140,
        fraction_lost=0.02,
        rtt=0.2,
    )
    sample = link_sample(before, after, has_video=True)
    assert sample == LinkSample(loss=0.05, rtt=0.2, video_fps=20.0, video_kbps=1000.0)
    expert = link_sample(before, after, has_video=False)
    assert expert is not None and expert.video_fps is None and expert.video_kbps is None
    assert link_sample(before, LinkCounters(at=10.1), has_video=True) is None


def test_counters_are_read_from_aiortc_statistics():
    report = {
        "in-v": SimpleNamespace(type="inbound-rtp", packetsReceived=500, packetsLost=5),
        "in-a": SimpleNamespace(type="inbound-rtp", packetsReceived=300, packetsLost=-1),
        "rin-v": SimpleNamespace(type="remote-inbound-rtp", fractionLost=64, roundTripTime=0.3),
        "rin-a": SimpleNamespace(type="remote-inbound-rtp", fractionLost=0, roundTripTime=None),
        "t": SimpleNamespace(type="transport", bytesReceived=12345),
        "out": SimpleNamespace(type="outbound-rtp"),
    }

    class Peer:
        async def getStats(self):
            return report

    counters = asyncio.run(read_link_counters(Peer(), at=5.0, video_frames=42))
    assert counters == LinkCounters(
        at=5.0,
        packets_received=800,
        packets_lost=5,
        bytes_received=12345,
        video_frames=42,
        fraction_lost=0.25,
        rtt=0.3,
    )


def camera(h=480, w=640) -> av.VideoFrame:
    image = np.zeros((h, w, 3), np.uint8)
    image[:] = (0, 135, 0)
    return av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")


def force_mode(room: Room, sample: LinkSample) -> str:
    for now in (0.0, 5.0, 10.0):
        room.update_link([sample], now)
    return room.link_mode


def test_every_frame_received_is_counted_and_sent_on_to_both_sides():
    async def scenario():
        room = Room(1)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        for _ in range(5):
            inspector.sink_video.callback(camera())
            for side in (inspector, expert):
                frame = await side.source_video.recv()
                assert (frame.width, frame.height) == (640, 480)
        assert (room.frame_counts.received, room.frame_counts.sent, room.frame_counts.held_back) == (10, 10, 0)
        # two frames before the expert's track asks (a burst, or a track still encoding): both sent, in order
        inspector.sink_video.callback(camera())
        inspector.sink_video.callback(camera())
        first, second = await expert.source_video.recv(), await expert.source_video.recv()
        assert first.pts < second.pts
        assert (room.frame_counts.received, room.frame_counts.sent) == (12, 12)
        # more than the backlog holds: the track goes on from the oldest frame kept, the older ones missed
        for _ in range(FORWARD_BACKLOG + 2):
            inspector.sink_video.callback(camera())
        for _ in range(FORWARD_BACKLOG):
            await expert.source_video.recv()
        assert (room.frame_counts.received, room.frame_counts.sent) == (12 + FORWARD_BACKLOG + 2, 12 + FORWARD_BACKLOG)
        room.close()

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_a_reduced_link_gets_a_smaller_picture_at_a_lower_rate():
    async def scenario():
        room = Room(2)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        assert force_mode(room, LOSSY) == REDUCED
        frames = [camera() for _ in range(5)]
        inspector.sink_video.callback(frames[0])
        first = await expert.source_video.recv()
        assert (first.width, first.height) == REDUCED_SIZE
        assert first.to_ndarray(format="bgr24")[120, 160, 1] > 100  # the camera, not the grey placeholder
        for frame in frames[1:4]:  # arriving faster than the reduced rate: held back
            inspector.sink_video.callback(frame)
            await asyncio.sleep(0)
            waiting = asyncio.ensure_future(expert.source_video.recv())
            await asyncio.sleep(0.01)
            assert not waiting.done()
            waiting.cancel()
        assert room.frame_counts.held_back >= 2
        await asyncio.sleep(REDUCED_TICKS / 90_000)
        inspector.sink_video.callback(frames[4])
        later = await expert.source_video.recv()
        assert later.pts - first.pts >= REDUCED_TICKS
        room.close()

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_without_moving_picture_the_sides_get_a_slow_placeholder_and_snapshots_still_work():
    async def scenario():
        room = Room(3)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        assert force_mode(room, BAD) == AUDIO_SNAPSHOTS
        sent_before = room.frame_counts.sent
        inspector.sink_video.callback(camera())
        frame = await expert.source_video.recv()
        assert frame.width < 640  # the placeholder, not the camera
        assert room.frame_counts.sent == sent_before
        assert room.snapshot_jpeg() is not None
        room.close()

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_chat_mode_pauses_the_voice():
    async def scenario():
        room = Room(4)
        inspector = room.endpoint("s1:inspector", INSPECTOR, INSPECTOR_ACTOR)
        expert = room.endpoint("s2:expert", EXPERT, EXPERT_ACTOR)
        assert force_mode(room, DEAD) == CHAT
        voice = av.AudioFrame.from_ndarray(np.full((1, 1920), 1000, np.int16), format="s16", layout="stereo")
        voice.sample_rate = 48_000
        inspector.sink_audio.callback(voice)
        heard = await expert.source_audio.recv()
        assert not heard.to_ndarray().any()
        room.close()

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_mode_changes_are_told_once_each():
    told = []
    room = Room(5)
    room.on_link_mode = lambda session_id, before, after: told.append((session_id, before, after))
    force_mode(room, LOSSY)
    for now in (11.0, 15.0, 20.0, 21.0):
        room.update_link([GOOD], now)
    assert told == [(5, FULL, REDUCED), (5, REDUCED, FULL)]


def test_the_registry_keeps_the_counters_of_open_and_closed_calls_in_the_file_it_is_given(tmp_path):
    path = tmp_path / "counters.json"
    assert counters_path({"PORTSIGHT_CALL_COUNTERS": str(path)}) == path
    assert counters_path({}) is None
    registry = RoomRegistry(watch=False, counters_path=path)
    first, second = registry.room(1), registry.room(2)
    first.frame_counts.received, first.frame_counts.sent = 100, 98
    second.frame_counts.received, second.frame_counts.sent, second.frame_counts.held_back = 50, 30, 20
    registry.close(1)
    registry._write_counters()
    written = json.loads(path.read_text())
    assert written["total"] == {"received": 150, "sent": 128, "held_back": 20}
    assert written["rooms"] == {"2": {"received": 50, "sent": 30, "held_back": 20, "mode": FULL}}
    registry.shutdown()


@pytest.mark.parametrize(("width", "height"), [(640, 480), (330, 241)])
def test_a_private_copy_has_the_same_picture_and_shares_nothing_with_the_frame(width, height):
    from portsight.calls.media import private_copy

    image = np.random.default_rng(1).integers(0, 255, (height, width, 3), np.uint8)
    frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
    frame.pts = 7
    copy = private_copy(frame, 1234)
    assert copy.format.name == "yuv420p" and (copy.width, copy.height) == (width, height)
    assert np.array_equal(copy.to_ndarray(format="bgr24"), frame.to_ndarray(format="bgr24"))
    np.frombuffer(copy.planes[0], np.uint8)[:] = 0
    assert copy.pts == 1234 and frame.pts == 7
    assert np.frombuffer(frame.planes[0], np.uint8).any()  # the source's pixels are untouched
