"""WebRTC for remote assistance: ICE configuration, the room registry, media forwarding, recording.

A room is one assistance request (keyed by the AssistSession id). Each side runs
``webrtc_streamer(mode=SENDRECV)``; the server relays media between the two sessions:

    inspector camera --sink--> room.latest frame --(marks drawn)--> inspector (own picture)
                                                  --(marks drawn)--> expert (and watchers)
    inspector mic    --sink--> audio queues ------------------------> expert (and watchers)
    expert mic       --sink--> audio queues ------------------------> inspector

Every input track is drained by a CallbackSinkTrack that keeps only the latest frame (an
unread input track grows ~10 MB/s), which also serves snapshots. What a side receives is a
forwarding track that sends a small placeholder (silence for audio) until the other side has
published, so either side may start first. Marks live in the room under a lock; the overlay
runs in a worker thread, once per frame, shared by both consumers.

A watchdog thread notices a side that has gone (its page closed, its input ended, or no input
for a few seconds: network lost), frees that side's tracks and records the end through the
services with the Engine (no Streamlit on that thread). Media callbacks never call ``st.*``.

Two races in streamlit-webrtc 0.79 are handled below: the "orphaned context" check
(``_StableRunCount``) and a frontend that starts several peer connections at once
(``_StartGuard``).
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import logging
import queue
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import streamlit as st
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from portsight.domain.access import Actor
from portsight.domain.annotations import Mark, draw_annotations, encode_snapshot

log = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
AUDIO_RATE = 48_000
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)
AUDIO_SAMPLES = 960  # 20 ms
PLACEHOLDER_SIZE = (240, 320)
PLACEHOLDER_INTERVAL = 0.2  # seconds between placeholder frames (5 fps is enough to say "waiting")
# No input for this long: the side has gone (network lost). A closed tab ends the input at once
# (DTLS close), so this only covers silent losses; 4 s ended healthy calls on a loaded 2-core
# machine, where the server's input stalled for 4-5 s while the other side's connection was set up.
GONE_AFTER_SECONDS = 8.0
# The side's Streamlit page has had no websocket for this long: its tab was closed. Chromium does
# not always send RTCP BYE or a DTLS close when a tab goes (under load it often did not), and
# then only the silence above told, too late for "ends within 10 s". A short grace lets a page
# that reconnects its websocket (same session) keep the call.
PAGE_GONE_AFTER_SECONDS = 2.0
WATCH_INTERVAL = 0.5

INSPECTOR, EXPERT, WATCHER = "inspector", "expert", "watcher"


# --------------------------------------------------------------------------- ICE configuration


def rtc_configuration(ice_servers: list | None) -> dict:
    """The RTCConfiguration for both browser and server: ICE servers from settings, nothing else.

    Never ``{}``: streamlit-webrtc treats an empty dict as "not set" and falls back to Google's
    public STUN server (an unreachable STUN server costs ~5 s per call on a closed network).
    """
    servers = [dict(s) for s in (ice_servers or [])]
    for server in servers:
        if "urls" not in server:
            raise ValueError("Each ICE server needs 'urls' (and 'username'/'credential' for TURN).")
    return {"iceServers": servers}


# --------------------------------------------------------------------------- media tracks


def _now() -> float:
    return time.monotonic()


def _placeholder_frame(pts: int) -> av.VideoFrame:
    h, w = PLACEHOLDER_SIZE
    image = np.full((h, w, 3), 48, np.uint8)
    image[h // 2 - 2 : h // 2 + 2, w // 4 : 3 * w // 4] = 110  # a bar: "waiting for the picture"
    frame = av.VideoFrame.from_ndarray(image, format="bgr24")
    frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
    return frame


def _silence(samples: int = AUDIO_SAMPLES) -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = AUDIO_RATE
    return frame


def _private_copy(frame: av.VideoFrame, pts: int) -> av.VideoFrame:
    """A frame that one consumer owns, stamped with pts on the 90 kHz clock.

    PyAV's encoders change the frame they are given (``_rebase_time`` rewrites pts and
    time_base in place; a forced keyframe sets pict_type), on aiortc's worker threads. One
    frame object handed to two senders (inspector and expert) or to a sender and the
    recorder therefore reached the second with a rebased, much smaller pts: its forwarding
    track saw time go backwards and dropped every later frame (the expert got one frame,
    then a frozen picture, in about one call in three on a loaded machine).
    """
    if frame.width % 2 == 0 and frame.height % 2 == 0 and frame.format.name == "yuv420p":
        copy = av.VideoFrame.from_ndarray(frame.to_ndarray(), format="yuv420p")
    else:
        copy = av.VideoFrame.from_ndarray(frame.to_ndarray(format="bgr24"), format="bgr24")
    copy.pts, copy.time_base = pts, VIDEO_TIME_BASE
    return copy


def _overlay(frame: av.VideoFrame, marks: tuple[Mark, ...]) -> av.VideoFrame:
    """Runs in a worker thread: draw the marks on a copy and hand back a new frame."""
    image = draw_annotations(frame.to_ndarray(format="bgr24"), marks)
    out = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
    out.pts, out.time_base = frame.pts, frame.time_base
    return out


class ForwardVideoTrack(MediaStreamTrack):
    """The inspector's picture with the marks, as sent to one side; a placeholder until it exists."""

    kind = "video"

    def __init__(self, room: Room) -> None:
        super().__init__()
        self._room = room
        self._seq = 0
        self._last_pts = -1
        self._event = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        room._add_video_waiter(self._event)

    async def recv(self) -> av.VideoFrame:
        self.loop = asyncio.get_running_loop()
        room = self._room
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            seq, frame, pts, publishing = room._latest_video()
            if frame is not None and seq != self._seq:
                self._seq = seq
                marks, version = room.marks_with_version()
                if marks:
                    frame = await room._overlaid(seq, version, frame, marks)
                if pts > self._last_pts:
                    self._last_pts = pts
                    return _private_copy(frame, pts)  # never the shared object: encoders change it
                continue
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), PLACEHOLDER_INTERVAL)
            except TimeoutError:
                if not publishing:
                    pts = max(self._last_pts + 1, room.video_ticks())
                    self._last_pts = pts
                    return _placeholder_frame(pts)

    def stop(self) -> None:
        super().stop()
        self._room._remove_video_waiter(self._event)


class ForwardAudioTrack(MediaStreamTrack):
    """The other side's voice, paced at 20 ms; silence while they are not there."""

    kind = "audio"

    def __init__(self, room: Room, source_role: str) -> None:
        super().__init__()
        self._room = room
        self._source_role = source_role
        self._queue: collections.deque[av.AudioFrame] = collections.deque(maxlen=25)
        self._event = asyncio.Event()
        self._start: float | None = None
        self._samples = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        room._add_audio_subscriber(source_role, self._queue, self._event)

    async def recv(self) -> av.AudioFrame:
        self.loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = _now()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            due = self._start + self._samples / AUDIO_RATE
            now = _now()
            if now - due > 0.2:  # far behind (a pause): resynchronise the clock
                self._start = now - self._samples / AUDIO_RATE
                due = now
            if self._queue:
                source = self._queue.popleft()
                frame = av.AudioFrame.from_ndarray(
                    source.to_ndarray(), format=source.format.name, layout=source.layout.name
                )
                frame.sample_rate = source.sample_rate
                break
            if now >= due + 0.02:
                frame = _silence()
                break
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), max(0.001, due + 0.02 - now))
            except TimeoutError:
                pass
        frame.pts, frame.time_base = self._samples, fractions.Fraction(1, frame.sample_rate)
        self._samples += frame.samples
        return frame

    def stop(self) -> None:
        super().stop()
        self._room._remove_audio_subscriber(self._source_role, self._queue)


def _make_sink(callback: Callable, kind: str):
    from streamlit_webrtc.sink import CallbackSinkTrack

    return CallbackSinkTrack(callback=callback, kind=kind)


# --------------------------------------------------------------------------- recording


class Mp4Recorder:
    """Records the inspector's picture and voice to MP4 in a worker thread.

    aiortc's MediaRecorder loses the video when audio is muxed first; here audio is held back
    (dropped) until the first video frame has fixed the size, and encoding never runs on the
    event loop. Frames are dropped, not queued without bound, when the encoder falls behind.
    """

    def __init__(self, path: Path, fps: int = 20) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fps = fps
        self._queue: queue.Queue = queue.Queue(maxsize=120)
        self._started_at = _now()
        self.dropped = 0
        self.video_frames = 0
        self.audio_frames = 0
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.path.stem}", daemon=True)
        self._thread.start()

    def put_video(self, frame: av.VideoFrame) -> None:
        self._put(("video", frame, _now()))

    def put_audio(self, frame: av.AudioFrame) -> None:
        self._put(("audio", frame, _now()))

    def _put(self, item) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        container = av.open(str(self.path), mode="w", format="mp4")
        video = audio = resampler = None
        size = None
        last_vpts = -1
        audio_pts = 0
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    break
                kind, frame, at = item
                if kind == "video":
                    if video is None:
                        size = (frame.width - frame.width % 2, frame.height - frame.height % 2)
                        video = container.add_stream("libx264", rate=self._fps)
                        video.width, video.height = size
                        video.pix_fmt = "yuv420p"
                        video.codec_context.time_base = fractions.Fraction(1, 1000)
                        video.options = {"preset": "ultrafast", "tune": "zerolatency"}
                        audio = container.add_stream("aac", rate=AUDIO_RATE)
                        audio.layout = "stereo"
                        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
                    out = frame.reformat(width=size[0], height=size[1], format="yuv420p")
                    if out is frame:  # the room's shared frame: the encoder below rewrites its pts
                        out = _private_copy(frame, 0)
                    pts = int((at - self._started_at) * 1000)
                    if pts <= last_vpts:
                        continue
                    out.pts, out.time_base, last_vpts = pts, fractions.Fraction(1, 1000), pts
                    for packet in video.encode(out):
                        container.mux(packet)
                    self.video_frames += 1
                elif audio is not None:  # audio before the first video frame is held back
                    for chunk in resampler.resample(frame):
                        chunk.pts, chunk.time_base = audio_pts, AUDIO_TIME_BASE
                        audio_pts += chunk.samples
                        for packet in audio.encode(chunk):
                            container.mux(packet)
                    self.audio_frames += 1
            for stream in (video, audio):
                if stream is not None:
                    for packet in stream.encode(None):
                        container.mux(packet)
        except Exception:
            log.exception("recording %s failed", self.path)
        finally:
            container.close()


# --------------------------------------------------------------------------- rooms


@dataclass
class Endpoint:
    """One side's connection to a room: the tracks the server sends it and the sinks draining it."""

    key: str  # streamlit session id + role: one endpoint per browser tab and role
    role: str
    actor: Actor
    source_video: ForwardVideoTrack | None = None
    source_audio: ForwardAudioTrack | None = None
    sink_video: object | None = None
    sink_audio: object | None = None
    created_at: float = field(default_factory=_now)
    first_input_at: float | None = None
    last_input_at: float | None = None
    ended_at: float | None = None
    worker: object | None = None  # weakref to the streamlit-webrtc worker, for stopping on close
    gone: bool = False
    page_lost_at: float | None = None  # when its page was first seen without a websocket
    frames_in: dict = field(default_factory=lambda: {"audio": 0, "video": 0})

    @property
    def page_session(self) -> str:
        return self.key.rpartition(":")[0]

    @property
    def connected(self) -> bool:
        return self.first_input_at is not None and not self.gone


class Room:
    """One call: media between the inspector and the expert (watchers receive what the expert does)."""

    def __init__(self, session_id: int, recorder: Mp4Recorder | None = None) -> None:
        self.session_id = session_id
        self._lock = threading.RLock()
        self._epoch = _now()
        self._marks: tuple[Mark, ...] = ()
        self._marks_version = 0
        self._video: av.VideoFrame | None = None
        self._video_seq = 0
        self._video_pts = -1  # of the latest frame, kept here: consumers must not trust frame.pts
        self._video_at: float | None = None
        self._video_waiters: set[asyncio.Event] = set()
        self._audio_subscribers: dict[str, dict[int, tuple[collections.deque, asyncio.Event]]] = {
            INSPECTOR: {},
            EXPERT: {},
        }
        self._overlay_cache: tuple[int, int, asyncio.Future] | None = None
        self.endpoints: dict[str, Endpoint] = {}
        self.recorder = recorder
        self.on_recording: Callable[[int, Actor, Path], None] | None = None
        self._recording_noted = False
        self.closed = False
        self.frames_in = 0

    # ----- marks (expert's page thread writes, media threads read)
    def set_marks(self, marks: list[Mark] | tuple[Mark, ...]) -> None:
        with self._lock:
            self._marks = tuple(marks)
            self._marks_version += 1

    def add_mark(self, mark: Mark) -> None:
        with self._lock:
            self.set_marks((*self._marks, mark))

    def clear_marks(self) -> None:
        self.set_marks(())

    def marks(self) -> tuple[Mark, ...]:
        with self._lock:
            return self._marks

    def marks_with_version(self) -> tuple[tuple[Mark, ...], int]:
        with self._lock:
            return self._marks, self._marks_version

    # ----- the inspector's picture
    def video_ticks(self) -> int:
        return int((_now() - self._epoch) * VIDEO_CLOCK)

    def _latest_video(self) -> tuple[int, av.VideoFrame | None, int, bool]:
        """(sequence number, latest frame (shared: read only), its pts, whether it is recent)."""
        with self._lock:
            publishing = self._video_at is not None and _now() - self._video_at < 1.0
            return self._video_seq, self._video, self._video_pts, publishing

    def latest_frame(self) -> av.VideoFrame | None:
        with self._lock:
            return self._video

    def snapshot_jpeg(self) -> bytes | None:
        """The inspector's latest picture with the marks, as JPEG (None before the first frame)."""
        frame = self.latest_frame()
        if frame is None:
            return None
        return encode_snapshot(draw_annotations(frame.to_ndarray(format="bgr24"), self.marks()))

    def _on_inspector_video(self, endpoint: Endpoint, frame: av.VideoFrame) -> None:
        """Sink callback on the event loop: keep the latest frame, wake the forwarding tracks."""
        now = _now()
        pts = int((now - self._epoch) * VIDEO_CLOCK)
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        with self._lock:
            self._video = frame
            self._video_pts = pts
            self._video_seq += 1
            self._video_at = now
            waiters = list(self._video_waiters)
        self.frames_in += 1
        endpoint.frames_in["video"] += 1
        endpoint.last_input_at = now
        if endpoint.first_input_at is None:
            endpoint.first_input_at = now
        for event in waiters:
            event.set()
        if self.recorder is not None:
            self.recorder.put_video(frame)

    def _on_audio(self, endpoint: Endpoint, frame: av.AudioFrame) -> None:
        now = _now()
        endpoint.frames_in["audio"] += 1
        endpoint.last_input_at = now
        if endpoint.first_input_at is None:
            endpoint.first_input_at = now
        if endpoint.role not in self._audio_subscribers:
            return
        with self._lock:
            subscribers = list(self._audio_subscribers[endpoint.role].values())
        for frames, event in subscribers:
            frames.append(frame)
            event.set()
        if self.recorder is not None and endpoint.role == INSPECTOR:
            self.recorder.put_audio(frame)

    async def _overlaid(self, seq: int, version: int, frame: av.VideoFrame, marks) -> av.VideoFrame:
        """The frame with marks, computed once per (frame, marks) in a worker thread."""
        cache = self._overlay_cache
        if cache is None or cache[0] != seq or cache[1] != version:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(None, _overlay, frame, marks)
            self._overlay_cache = cache = (seq, version, future)
        return await asyncio.shield(cache[2])

    # ----- subscriptions (created on a script thread, used on the loop)
    def _add_video_waiter(self, event: asyncio.Event) -> None:
        with self._lock:
            self._video_waiters.add(event)

    def _remove_video_waiter(self, event: asyncio.Event) -> None:
        with self._lock:
            self._video_waiters.discard(event)

    def _add_audio_subscriber(self, role: str, frames: collections.deque, event: asyncio.Event) -> None:
        with self._lock:
            self._audio_subscribers[role][id(frames)] = (frames, event)

    def _remove_audio_subscriber(self, role: str, frames: collections.deque) -> None:
        with self._lock:
            self._audio_subscribers[role].pop(id(frames), None)

    # ----- endpoints
    def endpoint(self, key: str, role: str, actor: Actor) -> Endpoint:
        """The endpoint of this tab and role, with live tracks (new ones after a disconnect)."""
        with self._lock:
            found = self.endpoints.get(key)
            if found is None or found.gone:
                found = Endpoint(key=key, role=role, actor=actor)
                self._arm(found)
                self.endpoints[key] = found
                note = role == INSPECTOR and self.recorder is not None and not self._recording_noted
                self._recording_noted = self._recording_noted or note
            else:
                note = False
        if note and self.on_recording is not None:
            args = (self.session_id, actor, self.recorder.path)
            threading.Thread(target=self.on_recording, args=args, daemon=True).start()
        return found

    def _arm(self, ep: Endpoint) -> None:
        other = EXPERT if ep.role == INSPECTOR else INSPECTOR
        ep.source_video = ForwardVideoTrack(self)
        ep.source_audio = ForwardAudioTrack(self, INSPECTOR if ep.role != INSPECTOR else other)
        ref = weakref.ref(ep)

        def touched(callback):
            def on_frame(frame):
                target = ref()
                if target is not None and not target.gone:
                    callback(target, frame)

            return on_frame

        ep.sink_audio = _make_sink(touched(self._on_audio), "audio")
        if ep.role == INSPECTOR:
            ep.sink_video = _make_sink(touched(self._on_inspector_video), "video")
        for sink in (ep.sink_video, ep.sink_audio):
            if sink is not None:
                sink._on_ended_callback = lambda: self._mark_ended(ref)

    def _mark_ended(self, ref) -> None:
        ep = ref()
        if ep is not None and ep.first_input_at is not None and ep.ended_at is None:
            ep.ended_at = _now()

    def gone_endpoints(
        self, now: float | None = None, page_alive: Callable[[str], bool] | None = None
    ) -> list[Endpoint]:
        """Sides that were connected and are no longer: their page closed, their input ended or went silent."""
        now = _now() if now is None else now
        with self._lock:
            candidates = list(self.endpoints.values())
        gone = []
        for ep in candidates:
            if ep.gone or ep.first_input_at is None:
                continue
            if page_alive is not None:
                if page_alive(ep.page_session):
                    ep.page_lost_at = None
                elif ep.page_lost_at is None:
                    ep.page_lost_at = now
            page_closed = ep.page_lost_at is not None and now - ep.page_lost_at >= PAGE_GONE_AFTER_SECONDS
            silent = ep.last_input_at is not None and now - ep.last_input_at > GONE_AFTER_SECONDS
            if ep.ended_at is not None or silent or page_closed:
                gone.append(ep)
        return gone

    def release(self, ep: Endpoint) -> None:
        """Free one side's tracks (ends the relay tasks reading them) and stop its worker."""
        with self._lock:
            ep.gone = True
            if self.endpoints.get(ep.key) is ep:
                del self.endpoints[ep.key]
        for track in (ep.source_video, ep.source_audio):
            if track is not None:
                _stop_track(track)
        for sink in (ep.sink_video, ep.sink_audio):
            if sink is not None:
                _call_on_loop(_sink_loop(sink), sink.stop)
        worker = ep.worker() if callable(ep.worker) else None
        if worker is not None:
            threading.Thread(target=_stop_worker, args=(worker,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            endpoints = list(self.endpoints.values())
        for ep in endpoints:
            self.release(ep)
        with self._lock:
            self._video = None
            self._overlay_cache = None
        if self.recorder is not None:
            self.recorder.close()

    def has_connected(self, role: str) -> bool:
        with self._lock:
            return any(ep.role == role and ep.connected for ep in self.endpoints.values())


def _sink_loop(sink) -> asyncio.AbstractEventLoop | None:
    task = getattr(sink, "_task", None)
    return task.get_loop() if task is not None else None


def _call_on_loop(loop: asyncio.AbstractEventLoop | None, fn: Callable[[], None]) -> None:
    if loop is not None and loop.is_running():
        try:
            if asyncio.get_running_loop() is loop:
                fn()
                return
        except RuntimeError:
            pass
        loop.call_soon_threadsafe(fn)
    else:
        fn()


def _stop_track(track: MediaStreamTrack) -> None:
    _call_on_loop(getattr(track, "loop", None), track.stop)


def _stop_worker(worker) -> None:
    try:
        worker.stop(timeout=2.0)
    except Exception:  # noqa: BLE001 - the peer may already be gone; nothing left to free
        log.debug("stopping a webrtc worker failed", exc_info=True)


# A side left: (session_id, actor of that side, role, whether the call had both sides) -> None
LeaveHandler = Callable[[int, Actor, str], None]


class RoomRegistry:
    """Rooms shared by every session of the server, keyed by assistance session id. Thread-safe."""

    def __init__(
        self,
        on_leave: LeaveHandler | None = None,
        recording_dir: Path | None = None,
        on_recording: Callable[[int, Actor, Path], None] | None = None,
        watch: bool = True,
        page_alive: Callable[[str], bool] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._page_alive = page_alive
        self._rooms: dict[int, Room] = {}
        self._on_leave = on_leave
        self._recording_dir = recording_dir
        self._on_recording = on_recording
        self._stopped = threading.Event()
        self._watcher: threading.Thread | None = None
        self._watch = watch

    def room(self, session_id: int) -> Room:
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None or room.closed:
                recorder = None
                if self._recording_dir is not None:
                    stamp = time.strftime("%Y%m%dT%H%M%S")
                    recorder = Mp4Recorder(Path(self._recording_dir) / f"assist-{session_id}-{stamp}.mp4")
                room = self._rooms[session_id] = Room(session_id, recorder=recorder)
                room.on_recording = self._on_recording
            if self._watch and (self._watcher is None or not self._watcher.is_alive()):
                self._watcher = threading.Thread(target=self._watch_loop, name="assist-rooms", daemon=True)
                self._watcher.start()
            return room

    def get(self, session_id: int) -> Room | None:
        with self._lock:
            return self._rooms.get(session_id)

    def rooms(self) -> list[Room]:
        with self._lock:
            return list(self._rooms.values())

    def close(self, session_id: int) -> None:
        with self._lock:
            room = self._rooms.pop(session_id, None)
        if room is not None:
            room.close()

    def check(self, now: float | None = None) -> list[tuple[int, str]]:
        """One watchdog pass: release sides that left, close their rooms, record the end."""
        left = []
        for room in self.rooms():
            for ep in room.gone_endpoints(now, self._page_alive):
                why = (
                    "its input ended"
                    if ep.ended_at is not None
                    else "its page closed"
                    if ep.page_lost_at is not None
                    else "its input went silent"
                )
                log.info(
                    "assist room %s: the %s (%s) has gone: %s; input from %.1f s to %.1f s after joining, frames %s",
                    room.session_id,
                    ep.role,
                    ep.key,
                    why,
                    ep.first_input_at - ep.created_at,
                    (ep.last_input_at or ep.first_input_at) - ep.created_at,
                    ep.frames_in,
                )
                room.release(ep)
                if ep.role == WATCHER:
                    continue
                left.append((room.session_id, ep.role))
                self.close(room.session_id)
                if self._on_leave is not None:
                    try:
                        self._on_leave(room.session_id, ep.actor, ep.role)
                    except Exception:  # noqa: BLE001 - keep watching the other rooms
                        log.exception("recording the end of assist session %s failed", room.session_id)
                break
        return left

    def _watch_loop(self) -> None:
        while not self._stopped.wait(WATCH_INTERVAL):
            try:
                self.check()
            except Exception:  # noqa: BLE001
                log.exception("room watchdog pass failed")

    def shutdown(self) -> None:
        self._stopped.set()
        for room in self.rooms():
            self.close(room.session_id)


# --------------------------------------------------------------------------- streamlit-webrtc patch


class _StableRunCount:
    """Counter handed to streamlit-webrtc's orphaned-context check instead of Streamlit's own.

    streamlit-webrtc 0.79 resets (stops) a context when the session's script_run_count advanced
    by more than one since the component last rendered. Streamlit bumps that counter
    asynchronously on the event-loop thread, so the quick reruns right after START (offer, ICE
    candidates, answer) can see the same value twice and then a jump of two: the second peer
    is torn down in about one run in four. This counter advances by exactly one per render of
    our streamer, and by two only when the streamer missed a completed run (its frontend
    widget state was dropped: the user went to another page), the case the check exists for.
    """

    STATE_KEY = "webrtc.run_counts"
    _current: threading.local = threading.local()

    @classmethod
    def before_render(cls, key: str) -> int:
        from streamlit_webrtc.component import generate_frontend_component_key

        counts: dict = st.session_state.setdefault(cls.STATE_KEY, {})
        previous = counts.get(key)
        if previous is None:
            value = 0
        elif key in st.session_state and generate_frontend_component_key(key) not in st.session_state:
            value = previous + 2  # not rendered in between: let the library drop the stale context
            log.info("webrtc streamer %s missed a run (its frontend state is gone): context reset", key)
        else:
            value = previous + 1
        counts[key] = value
        cls._current.value = value
        return value

    @classmethod
    def after_render(cls) -> None:
        cls._current.value = None

    @classmethod
    def patched(cls, original: Callable) -> Callable:
        def get_script_run_count(session_info) -> int:
            value = getattr(cls._current, "value", None)
            return original(session_info) if value is None else value

        get_script_run_count.__wrapped__ = original
        return get_script_run_count


def install_run_count_patch() -> None:
    """Idempotent: route streamlit-webrtc's run-count lookups through _StableRunCount."""
    import streamlit_webrtc.component as component

    current = component.get_script_run_count
    if getattr(current, "__wrapped__", None) is None:
        component.get_script_run_count = _StableRunCount.patched(current)


_ICE_UFRAG = re.compile(r"^a=ice-ufrag:(\S+)", re.MULTILINE)


def offer_ufrag(description) -> str | None:
    """The ICE username fragment of an SDP offer ({"type", "sdp"} or the SDP text): names one peer connection."""
    sdp = description.get("sdp") if isinstance(description, dict) else description
    found = _ICE_UFRAG.search(sdp) if isinstance(sdp, str) else None
    return found.group(1) if found else None


@dataclass(frozen=True)
class StartPlan:
    """What one render of a streamer that should be playing does about starting the browser's side."""

    desired_playing_state: bool | None  # None: not yet; False: stop first (restarting); True: start
    replace_worker: bool = False  # the server's worker answered an offer the browser has since replaced
    restarting: bool = False  # keep the frontend stopped until it says it has stopped


def plan_start(
    frontend_value: dict | None, answered_ufrag: str | None, answer_delivered: bool, restarting: bool
) -> StartPlan:
    """Start the browser's peer connection so that the server answers the one that gets the answer.

    The 0.79 frontend starts a connection whenever ``desired_playing_state`` is true and it is
    stopped, but it stays "stopped" while it loads a script, and every copy of the arguments
    that reaches it in that window starts one more (Streamlit posts each run's arguments two or
    three times, and the rerun of the frontend's own first value lands there too): two or three
    connections, each offering; the server answered the first offer it saw, the answer went to
    the last connection, and that call failed after 15 s of ICE checks (17/20 calls connected).
    Waiting briefly for a second offer before answering did not help: the connections' offers
    follow their camera requests, which can be far apart on a loaded machine.
    So: ask for playing only once the frontend has reported (it is mounted); when the offer in
    the component's value is not the one the worker answered, answer the new one if the old
    answer has not been sent, otherwise stop the frontend and start it once more.
    """
    if frontend_value is None:
        return StartPlan(None, restarting=restarting)
    offered = offer_ufrag(frontend_value.get("sdpOffer"))
    if restarting:
        stopped = not frontend_value.get("playing") and offered is None
        return StartPlan(True) if stopped else StartPlan(False, restarting=True)
    if answered_ufrag is None or offered is None or answered_ufrag == offered:
        return StartPlan(True)
    if answer_delivered:
        return StartPlan(False, restarting=True)
    return StartPlan(True, replace_worker=True)


class _StartGuard:
    """Applies plan_start to one streamer before it renders (script thread, session state)."""

    STATE_KEY = "webrtc.restarting"

    @classmethod
    def desired_playing_state(cls, key: str) -> bool | None:
        from streamlit_webrtc.component import compile_state, generate_frontend_component_key

        restarting: set = st.session_state.setdefault(cls.STATE_KEY, set())
        frontend_value = st.session_state.get(generate_frontend_component_key(key))
        context = st.session_state.get(key)
        worker = context._get_worker() if context is not None else None
        remote = getattr(getattr(worker, "pc", None), "remoteDescription", None)
        plan = plan_start(
            frontend_value,
            offer_ufrag(remote.sdp) if remote is not None else None,
            bool(context is not None and context._is_sdp_answer_sent),
            key in restarting,
        )
        if plan.replace_worker:
            log.info("webrtc streamer %s: the browser replaced its offer before the answer; answering the new one", key)
            context._set_worker(None)  # the lifecycle then makes a worker for the offer in the value
            context._sdp_answer_json, context._is_sdp_answer_sent = None, False
            context._set_state(compile_state(frontend_value))
            # closing a peer connection can take a second: not on the script thread, the call waits on it
            threading.Thread(target=_stop_worker, args=(worker,), daemon=True).start()
        if plan.restarting and key not in restarting:
            log.info("webrtc streamer %s: the answer went to a replaced connection; restarting the browser's side", key)
        restarting.discard(key)
        if plan.restarting:
            restarting.add(key)
        return plan.desired_playing_state


# --------------------------------------------------------------------------- rendering


def streamer(
    key: str,
    room: Room,
    role: str,
    actor: Actor,
    ice_servers: list | None,
    *,
    rear_camera: bool = True,
    desired_playing_state: bool | None = None,
    translations: dict | None = None,
):
    """Render one side's webrtc_streamer wired to the room; returns the streamlit-webrtc context."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    if not webrtc_available():
        from components.state import tr

        st.info(tr("assist.video_unavailable"))
        return None
    install_run_count_patch()
    session_key = _session_id()
    ep = room.endpoint(f"{session_key}:{role}", role, actor)
    if role == INSPECTOR:
        video = {"facingMode": {"ideal": "environment"}} if rear_camera else True
        constraints = {"video": video, "audio": True}
    else:
        constraints = {"video": False, "audio": True}
    if desired_playing_state:
        desired_playing_state = _StartGuard.desired_playing_state(key)
    _StableRunCount.before_render(key)
    try:
        ctx = webrtc_streamer(
            key=key,
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=rtc_configuration(ice_servers),
            media_stream_constraints=constraints,
            source_video_track=ep.source_video,
            source_audio_track=ep.source_audio,
            sink_video_track=ep.sink_video,
            sink_audio_track=ep.sink_audio,
            sendback_video=True,
            sendback_audio=True,
            desired_playing_state=desired_playing_state,
            video_html_attrs={
                "autoPlay": True,
                "controls": False,
                "playsInline": True,
                "muted": False,
                "style": {"width": "100%"},
            },
            translations=translations,
        )
    finally:
        _StableRunCount.after_render()
    worker = ctx._get_worker() if hasattr(ctx, "_get_worker") else None
    if worker is not None:
        ep.worker = weakref.ref(worker)
    return ctx


def webrtc_available() -> bool:
    """False under AppTest and bare scripts: no server runtime, no WebRTC (the page still works)."""
    from streamlit.runtime import Runtime

    return Runtime.exists() and hasattr(Runtime.instance(), "_session_mgr")


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


@st.cache_resource(show_spinner=False)
def get_registry(database_url: str, recording_dir: str | None) -> RoomRegistry:
    """The server's one room registry (per database and recording setting)."""
    from components.data import get_engine

    engine = get_engine()

    def on_leave(session_id: int, actor: Actor, role: str) -> None:
        from portsight.services.assist import record_side_left

        record_side_left(engine, actor, session_id)

    def on_recording(session_id: int, actor: Actor, path: Path) -> None:
        from portsight.services.assist import set_recording_path

        set_recording_path(engine, actor, session_id, str(path))

    return RoomRegistry(
        on_leave=on_leave,
        recording_dir=Path(recording_dir) if recording_dir else None,
        on_recording=on_recording,
        page_alive=_page_alive,
    )


def _page_alive(session_id: str) -> bool:
    """Whether this Streamlit session still has its websocket (watchdog thread; no st.* calls)."""
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)
