"""How good each side's link is, and which mode the call runs in because of it.

A call degrades rather than fails. Its modes, from best to worst:

    full              the inspector's picture at 640x480, every frame
    reduced           the picture at 320x240 and about 8 frames a second
    audio_snapshots   no moving picture; voice, and snapshots on request
    chat              media paused; chat with photos

The room samples each side's link every ``SAMPLE_EVERY`` seconds from aiortc's statistics
(``read_link_counters``: RTCP receiver reports give loss and round-trip time of what the server
sends; the RTP sequence numbers give the loss of what it receives; the inspector's input gives
frame rate and bitrate) and ``next_link_state`` decides, without any I/O, from the worst side:
it steps down once the link has been worse than the mode allows for ``down_after`` seconds (to
the mildest mode that whole stretch called for), and up one mode at a time only after the link
has stayed better for ``up_after`` seconds, so a link at the edge does not flap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

FULL, REDUCED, AUDIO_SNAPSHOTS, CHAT = "full", "reduced", "audio_snapshots", "chat"
MODES = (FULL, REDUCED, AUDIO_SNAPSHOTS, CHAT)
VIDEO_MODES = (FULL, REDUCED)  # modes that forward the moving picture

SAMPLE_EVERY = 1.5  # seconds between two readings of a side's statistics

REDUCED_SIZE = (320, 240)  # width, height
REDUCED_FPS = 8.0


@dataclass(frozen=True)
class LinkSample:
    """One side's link over the last sampling interval."""

    loss: float = 0.0  # share of packets lost, 0..1, the worse direction
    rtt: float | None = None  # seconds, from RTCP (None until a report came back)
    video_fps: float | None = None  # the inspector's camera frames reaching the server (None: no video input)
    video_kbps: float | None = None  # bitrate of what the server received from that side


@dataclass(frozen=True)
class LinkLimits:
    """Where each mode stops being usable (a reading at or past a limit calls for the next mode).

    Loss and round-trip time decide: they are the link's. The inspector's frame rate and bitrate
    at the server also fall when the phone (or a loaded machine) is short of CPU, which a smaller
    picture sent back would not help, so they count only when the picture has all but stopped.
    """

    reduced_loss: float = 0.03
    reduced_rtt: float = 0.6
    audio_loss: float = 0.10
    audio_rtt: float = 1.5
    audio_fps: float = 1.5
    audio_kbps: float = 20.0
    chat_loss: float = 0.30
    chat_rtt: float = 3.0
    down_after: float = 3.0
    up_after: float = 8.0


LIMITS = LinkLimits()


def _severity(mode: str) -> int:
    return MODES.index(mode)


def supported_mode(sample: LinkSample, limits: LinkLimits = LIMITS) -> str:
    """The best mode one side's link can carry now."""
    rtt = sample.rtt if sample.rtt is not None else 0.0
    if sample.loss >= limits.chat_loss or rtt >= limits.chat_rtt:
        return CHAT
    fps, kbps = sample.video_fps, sample.video_kbps
    if (
        sample.loss >= limits.audio_loss
        or rtt >= limits.audio_rtt
        or (fps is not None and fps < limits.audio_fps)
        or (fps is not None and kbps is not None and kbps < limits.audio_kbps)
    ):
        return AUDIO_SNAPSHOTS
    if sample.loss >= limits.reduced_loss or rtt >= limits.reduced_rtt:
        return REDUCED
    return FULL


@dataclass(frozen=True)
class LinkState:
    """The call's mode and how long the link has disagreed with it."""

    mode: str = FULL
    since: float = 0.0  # when this mode began
    worse_since: float | None = None  # the link has called for a worse mode since then
    worse_mode: str = FULL  # the mildest worse mode called for during that stretch
    better_since: float | None = None  # the link has allowed a better mode since then


def next_link_state(
    state: LinkState, samples: Iterable[LinkSample], now: float, limits: LinkLimits = LIMITS
) -> LinkState:
    """The state after one reading of every side (no reading: nothing changes)."""
    wanted = [supported_mode(s, limits) for s in samples]
    if not wanted:
        return state
    target = max(wanted, key=_severity)  # the call is as good as its worse side
    if _severity(target) > _severity(state.mode):
        if state.worse_since is None:
            state = replace(state, worse_since=now, worse_mode=target, better_since=None)
        else:
            mildest = min(state.worse_mode, target, key=_severity)
            state = replace(state, worse_mode=mildest, better_since=None)
        assert state.worse_since is not None
        if now - state.worse_since >= limits.down_after:
            return LinkState(mode=state.worse_mode, since=now, worse_mode=state.worse_mode)
        return state
    if _severity(target) < _severity(state.mode):
        if state.better_since is None:
            return replace(state, better_since=now, worse_since=None)
        if now - state.better_since >= limits.up_after:
            up = MODES[_severity(state.mode) - 1]
            return LinkState(mode=up, since=now, worse_mode=up)
        return replace(state, worse_since=None)
    return replace(state, worse_since=None, better_since=None)


@dataclass(frozen=True)
class LinkCounters:
    """Cumulative figures of one side's peer connection at one moment (from ``read_link_counters``)."""

    at: float
    packets_received: int = 0
    packets_lost: int = 0
    bytes_received: int = 0
    video_frames: int = 0  # the inspector's camera frames the room has received
    fraction_lost: float = 0.0  # of what the server sends, from that side's latest receiver report
    rtt: float | None = None


def link_sample(before: LinkCounters, after: LinkCounters, has_video: bool) -> LinkSample | None:
    """The link between two readings (None when they are too close to say anything)."""
    seconds = after.at - before.at
    if seconds <= 0.2:
        return None
    received = max(0, after.packets_received - before.packets_received)
    lost = max(0, after.packets_lost - before.packets_lost)
    uplink_loss = lost / (received + lost) if received + lost else 0.0
    kbps = 8 * max(0, after.bytes_received - before.bytes_received) / seconds / 1000
    fps = max(0, after.video_frames - before.video_frames) / seconds if has_video else None
    return LinkSample(
        loss=max(uplink_loss, after.fraction_lost),
        rtt=after.rtt,
        video_fps=fps,
        video_kbps=kbps if has_video else None,
    )


async def read_link_counters(pc: Any, at: float, video_frames: int) -> LinkCounters:
    """Read an aiortc RTCPeerConnection's statistics (on its event loop)."""
    report = await pc.getStats()
    received = lost = bytes_received = 0
    fraction_lost = 0.0
    rtts = []
    for stats in report.values():
        kind = getattr(stats, "type", None)
        if kind == "inbound-rtp":
            received += stats.packetsReceived
            lost += max(0, stats.packetsLost)
        elif kind == "remote-inbound-rtp":
            fraction_lost = max(fraction_lost, stats.fractionLost / 256)  # RTCP carries it in 1/256ths
            if stats.roundTripTime is not None:
                rtts.append(stats.roundTripTime)
        elif kind == "transport":
            bytes_received = max(bytes_received, stats.bytesReceived)
    return LinkCounters(
        at=at,
        packets_received=received,
        packets_lost=lost,
        bytes_received=bytes_received,
        video_frames=video_frames,
        fraction_lost=fraction_lost,
        rtt=max(rtts) if rtts else None,
    )
