"""The media of a call: its clock, filler frames, private copies of frames, and the sink that drains an input.

Every input track is drained by a ``DrainSink`` that hands each frame to the room, which keeps
only the latest one (an unread input track grows ~10 MB/s). Frames the room hands on are
copied first (``private_copy``): encoders change the frame they are given. The room's frame is
converted (to grey, BGR, a smaller size) only through ``converted``.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import threading
import time
from collections.abc import Callable

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

log = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
AUDIO_RATE = 48_000
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)
AUDIO_SAMPLES = 960  # 20 ms
PLACEHOLDER_SIZE = (240, 320)


def clock() -> float:
    """Seconds on the monotonic clock every timestamp of a call is taken from."""
    return time.monotonic()


def placeholder_frame(pts: int) -> av.VideoFrame:
    h, w = PLACEHOLDER_SIZE
    image = np.full((h, w, 3), 48, np.uint8)
    image[h // 2 - 2 : h // 2 + 2, w // 4 : 3 * w // 4] = 110  # a bar: "waiting for the picture"
    frame = av.VideoFrame.from_ndarray(image, format="bgr24")
    frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
    return frame


def silence(samples: int = AUDIO_SAMPLES) -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = AUDIO_RATE
    return frame


_CONVERTING = threading.Lock()


def converted(frame: av.VideoFrame, **how) -> av.VideoFrame:
    """``frame.reformat(**how)``, one conversion at a time (``format=`` etc. as PyAV takes them).

    PyAV keeps one libswscale context on the frame, runs it without the interpreter lock and
    rewrites the source frame's colour fields while it converts. The room's latest frame is
    converted by several threads (the overlay's worker, a snapshot on a page's thread, the
    recorder, the event loop in reduced mode); two conversions of it at once crashed the server
    (SIGSEGV in libswscale) or left one of them hanging, which froze the picture on both sides.
    A conversion takes a millisecond or two: queueing them costs less than a call lost.
    """
    with _CONVERTING:
        return frame.reformat(**how)


def private_copy(frame: av.VideoFrame, pts: int) -> av.VideoFrame:
    """A frame that one consumer owns, stamped with pts on the 90 kHz clock.

    PyAV's encoders change the frame they are given (``_rebase_time`` rewrites pts and
    time_base in place; a forced keyframe sets pict_type), on aiortc's worker threads. One
    frame object handed to two senders (inspector and expert) or to a sender and the
    recorder therefore reached the second with a rebased, much smaller pts: its forwarding
    track saw time go backwards and dropped every later frame (the expert got one frame,
    then a frozen picture, in about one call in three on a loaded machine).

    A camera frame (YUV 4:2:0) is copied plane by plane into a new frame: one copy of the
    pixels, about a seventh of the time of a round trip through one packed array (0.5 against
    3.3 ms at 640x480 on a loaded 2-core machine), and it is made once per frame and side.
    """
    if frame.format.name == "yuv420p":
        copy = av.VideoFrame(frame.width, frame.height, "yuv420p")
        for target, source in zip(copy.planes, frame.planes, strict=True):
            rows, width = target.height, target.width
            into = np.frombuffer(memoryview(target), np.uint8).reshape(-1, target.line_size)
            into[:rows, :width] = np.frombuffer(memoryview(source), np.uint8).reshape(-1, source.line_size)[
                :rows, :width
            ]
    else:
        copy = av.VideoFrame.from_ndarray(converted(frame, format="bgr24").to_ndarray(), format="bgr24")
    copy.pts, copy.time_base = pts, VIDEO_TIME_BASE
    return copy


class DrainSink:
    """Reads one input track to its end on the event loop, handing every frame to ``callback``.

    It has the methods of streamlit-webrtc 0.79's ``MediaSink`` protocol (``addTrack``,
    ``hasTrack``, ``start``, ``stop``), so it is passed as ``sink_video_track`` /
    ``sink_audio_track``, and does what that library's ``CallbackSinkTrack`` does; it is
    defined here so that rooms run, and are tested, without Streamlit. ``on_ended`` is called
    once the input has ended (or the sink was stopped).
    """

    def __init__(self, callback: Callable, kind: str, on_ended: Callable[[], None] | None = None) -> None:
        self.kind = kind
        self.callback = callback
        self.on_ended = on_ended
        self._track: MediaStreamTrack | None = None
        self._task: asyncio.Task | None = None

    def addTrack(self, track: MediaStreamTrack) -> None:
        # a sink whose input ended may take the input of the side's next connection
        if self._track is not None and self.readyState == "live":
            raise RuntimeError(f"{self} already has a live track {self._track}")
        self._track = track
        self._task = None

    def hasTrack(self) -> bool:
        return self._track is not None

    @property
    def readyState(self) -> str:
        if self._task is None:
            return "new"
        if self._task.done():
            return "ended"
        return "live"

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop that reads the input (None before start)."""
        return self._task.get_loop() if self._task is not None else None

    def start(self) -> None:
        if self._track is None:
            raise RuntimeError(f"{self} has no track attached")
        if self._task is not None and not self._task.done():
            raise RuntimeError(f"{self} has already a started task {self._task}")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        self._task = loop.create_task(self._run_track(self._track))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._track = None

    async def _run_track(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    return
                try:
                    self.callback(frame)
                except Exception:  # noqa: BLE001 - the input is fine, only the callback failed: keep draining
                    log.exception("%s: sink callback raised an exception", self.__class__.__name__)
        finally:
            self._fire_on_ended()

    def _fire_on_ended(self) -> None:
        if self.on_ended is None:
            return
        try:
            self.on_ended()
        except Exception:  # noqa: BLE001
            log.exception("%s: on_ended callback raised an exception", self.__class__.__name__)
