"""A room: one call (one assistance request) and the media it relays between its sides.

Each side's browser connects to the server; the room relays media between them:

    inspector camera --sink--> room.last frames --(marks drawn)--> inspector (own picture)
                                                  --(marks drawn)--> expert (and watchers)
    inspector mic    --sink--> audio queues ------------------------> expert (and watchers)
    expert mic       --sink--> audio queues ------------------------> inspector

What a side receives is a forwarding track (``ForwardVideoTrack``, ``ForwardAudioTrack``) that
sends a small placeholder (silence for audio) until the other side has published, so either
side may start first. Marks live in the room's tracker (``portsight.calls.tracking``), which moves
them with the object they were put on; tracking and overlay run in a worker thread, once per
frame, shared by every consumer. Sink callbacks run on the event loop, marks are set from a page's
script thread, and a watchdog asks which sides have gone: everything shared is under the lock.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from portsight.calls.link import (
    CHAT,
    FULL,
    REDUCED,
    REDUCED_FPS,
    REDUCED_SIZE,
    SAMPLE_EVERY,
    VIDEO_MODES,
    LinkCounters,
    LinkSample,
    LinkState,
    link_sample,
    next_link_state,
    read_link_counters,
)
from portsight.calls.media import (
    AUDIO_RATE,
    VIDEO_CLOCK,
    VIDEO_TIME_BASE,
    DrainSink,
    clock,
    converted,
    placeholder_frame,
    private_copy,
    silence,
)
from portsight.calls.overlay import draw_annotations, encode_snapshot
from portsight.calls.recorder import Mp4Recorder
from portsight.calls.tracking import MarkTracker, ShownMark, work_size
from portsight.domain.access import Actor
from portsight.domain.annotations import Mark

log = logging.getLogger(__name__)

# No input for this long: the side has gone (network lost). A closed tab ends the input at once
# (DTLS close), so this only covers silent losses; 4 s ended healthy calls on a loaded 2-core
# machine, where the server's input stalled for 4-5 s while the other side's connection was set up.
GONE_AFTER_SECONDS = 8.0
# The side's Streamlit page has had no websocket for this long: its tab was closed. Chromium does
# not always send RTCP BYE or a DTLS close when a tab goes (under load it often did not), and
# then only the silence above told, too late for "ends within 10 s". A short grace lets a page
# that reconnects its websocket (same session) keep the call.
PAGE_GONE_AFTER_SECONDS = 2.0

PLACEHOLDER_INTERVAL = 0.2  # seconds between placeholder frames (5 fps is enough to say "waiting")
# While the link carries no moving picture a placeholder a second keeps the video track alive.
PAUSED_PLACEHOLDER_TICKS = VIDEO_CLOCK
REDUCED_TICKS = int(VIDEO_CLOCK / REDUCED_FPS)  # least pts between two frames sent in reduced mode
# The inspector's latest frames kept for the forwarding tracks. A browser starved of CPU sends its
# frames in bursts, and a track still encoding the last one when two more arrive would skip the
# first of them with only the latest kept (a quarter of the frames with four calls on two cores);
# a track behind sends the oldest it has not sent, so a lag is bounded by this many frames.
FORWARD_BACKLOG = 3

INSPECTOR, EXPERT, WATCHER = "inspector", "expert", "watcher"


def _reduced(frame: av.VideoFrame, pts: int) -> av.VideoFrame:
    """A smaller copy for a poor link (a new frame: the shared one is never changed)."""
    width, height = REDUCED_SIZE
    small = converted(frame, width=width, height=height, format="yuv420p")
    if small is frame:
        return private_copy(frame, pts)
    small.pts, small.time_base = pts, VIDEO_TIME_BASE
    return small


def _with_marks(frame: av.VideoFrame, shown: tuple[ShownMark, ...], shown_height: int | None = None):
    """The frame as a BGR array with the marks drawn where they are now (a lost one fading), their
    lines as thick as on a picture shown_height high when it is sent smaller."""
    image = converted(frame, format="bgr24").to_ndarray()
    return draw_annotations(image, [s.mark for s in shown], alphas=[s.alpha for s in shown], shown_height=shown_height)


def _overlay(frame: av.VideoFrame, shown: tuple[ShownMark, ...], shown_height: int | None = None) -> av.VideoFrame:
    """Runs in a worker thread: draw the marks on a copy and hand back a new frame."""
    image = _with_marks(frame, shown, shown_height)
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
        self._sent_pts: int | None = None  # of the last picture (not placeholder) sent
        self._event = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        room._add_video_waiter(self._event)

    async def recv(self) -> av.VideoFrame:
        self.loop = asyncio.get_running_loop()
        room = self._room
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            seq, frame, pts, publishing = room._next_video(self._seq)
            mode = room.link_mode
            if frame is not None and seq != self._seq:
                counts = room.frame_counts
                counts.received += seq - self._seq if self._seq else 1
                self._seq = seq
                thinned = mode == REDUCED and self._sent_pts is not None and pts - self._sent_pts < REDUCED_TICKS
                if mode not in VIDEO_MODES or thinned:
                    counts.held_back += 1
                    continue
                marks, version = room.marks_with_version()
                if marks:
                    frame = await room._overlaid(seq, version, frame)
                if pts > self._last_pts:
                    self._last_pts = self._sent_pts = pts
                    counts.sent += 1
                    if mode == REDUCED:
                        return _reduced(frame, pts)
                    return private_copy(frame, pts)  # never the shared object: encoders change it
                continue
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), PLACEHOLDER_INTERVAL)
            except TimeoutError:
                paused = mode not in VIDEO_MODES
                now_pts = room.video_ticks()
                if not publishing or (paused and now_pts - self._last_pts >= PAUSED_PLACEHOLDER_TICKS):
                    pts = max(self._last_pts + 1, now_pts)
                    self._last_pts = pts
                    return placeholder_frame(pts)

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
            self._start = clock()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            due = self._start + self._samples / AUDIO_RATE
            now = clock()
            if now - due > 0.2:  # far behind (a pause): resynchronise the clock
                self._start = now - self._samples / AUDIO_RATE
                due = now
            if self._room.link_mode == CHAT:  # media paused: the voice waits for a better link
                self._queue.clear()
            if self._queue:
                source = self._queue.popleft()
                frame = av.AudioFrame.from_ndarray(
                    source.to_ndarray(), format=source.format.name, layout=source.layout.name
                )
                frame.sample_rate = source.sample_rate
                break
            if now >= due + 0.02:
                frame = silence()
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


@dataclass
class FrameCounts:
    """Frames of the inspector's picture per forwarding track, summed: cheap counters on the event loop.

    ``received`` counts each new frame once per track that could send it, ``sent`` what the
    tracks sent on, ``held_back`` what the link mode kept back on purpose (reduced frame rate,
    no picture): the share forwarded is sent / (received - held_back).
    """

    received: int = 0
    sent: int = 0
    held_back: int = 0

    def add(self, other: FrameCounts) -> None:
        self.received += other.received
        self.sent += other.sent
        self.held_back += other.held_back


@dataclass
class Endpoint:
    """One side's connection to a room: the tracks the server sends it and the sinks draining it."""

    key: str  # streamlit session id + role: one endpoint per browser tab and role
    role: str
    actor: Actor
    source_video: ForwardVideoTrack | None = None
    source_audio: ForwardAudioTrack | None = None
    sink_video: DrainSink | None = None
    sink_audio: DrainSink | None = None
    created_at: float = field(default_factory=clock)
    first_input_at: float | None = None
    last_input_at: float | None = None
    ended_at: float | None = None
    worker: object | None = None  # weakref to the streamlit-webrtc worker, for stopping on close
    gone: bool = False
    page_lost_at: float | None = None  # when its page was first seen without a websocket
    frames_in: dict = field(default_factory=lambda: {"audio": 0, "video": 0})
    link_counters: LinkCounters | None = None  # the last reading of its statistics
    link: LinkSample | None = None  # its link over the last interval

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
        self._epoch = clock()
        self._tracker = MarkTracker()
        self._marks_version = 0  # changes when the expert edits the marks (not when they move)
        self._track_lock = threading.Lock()
        self._tracked_seq = 0
        self.tracking_seconds = 0.0  # time spent following marks, and on how many frames
        self.tracking_frames = 0
        self._video: av.VideoFrame | None = None
        self._video_seq = 0
        # (seq, frame, pts) of the latest frames, oldest first; pts kept here: consumers must not trust frame.pts
        self._recent: collections.deque[tuple[int, av.VideoFrame, int]] = collections.deque(maxlen=FORWARD_BACKLOG)
        self._video_at: float | None = None
        self._video_waiters: set[asyncio.Event] = set()
        self._audio_subscribers: dict[str, dict[int, tuple[collections.deque, asyncio.Event]]] = {
            INSPECTOR: {},
            EXPERT: {},
        }
        # (seq, marks version) -> the frame with the marks, for the frames of the backlog
        self._overlay_cache: collections.OrderedDict[tuple[int, int], asyncio.Future] = collections.OrderedDict()
        self._overlay_failing = False  # the last frame's marks could not be drawn (logged once per stretch)
        self.endpoints: dict[str, Endpoint] = {}
        self.recorder = recorder
        self.on_recording: Callable[[int, Actor, Path], None] | None = None
        self._recording_noted = False
        self.closed = False
        self.frames_in = 0
        self.frame_counts = FrameCounts()
        self._link = LinkState(mode=FULL, since=self._epoch)
        self._link_read_at = self._epoch
        # (session id, mode before, mode now): told on the watchdog's thread when the mode changes
        self.on_link_mode: Callable[[int, str, str], None] | None = None

    # ----- marks (expert's page thread edits, the overlay job moves them, media threads read)
    def set_marks(self, marks: list[Mark] | tuple[Mark, ...]) -> None:
        self._tracker.replace(tuple(marks), clock())
        with self._lock:
            self._marks_version += 1

    def add_mark(self, mark: Mark) -> None:
        self._tracker.add(mark, clock())
        with self._lock:
            self._marks_version += 1

    def remove_last_mark(self) -> None:
        self._tracker.remove_last(clock())
        with self._lock:
            self._marks_version += 1

    def clear_marks(self) -> None:
        self.set_marks(())

    def marks(self) -> tuple[Mark, ...]:
        """The marks where they are now on the inspector's picture (fading ones included)."""
        return tuple(s.mark for s in self._tracker.shown())

    def marks_with_version(self) -> tuple[tuple[Mark, ...], int]:
        with self._lock:
            return self.marks(), self._marks_version

    # ----- the inspector's picture
    def video_ticks(self) -> int:
        return int((clock() - self._epoch) * VIDEO_CLOCK)

    def _next_video(self, after: int) -> tuple[int, av.VideoFrame | None, int, bool]:
        """The oldest frame kept that came after sequence number `after`; the latest when none did, or
        for a track that has sent nothing yet (after 0): (its sequence number, the frame (shared: read
        only) or None before the first, its pts, whether the inspector is publishing)."""
        with self._lock:
            publishing = self._video_at is not None and clock() - self._video_at < 1.0
            if not self._recent:
                return 0, None, -1, publishing
            newer = (kept for kept in self._recent if kept[0] > after) if after else iter(())
            seq, frame, pts = next(newer, self._recent[-1])
            return seq, frame, pts, publishing

    def latest_frame(self) -> av.VideoFrame | None:
        with self._lock:
            return self._video

    def snapshot_jpeg(self) -> bytes | None:
        """The inspector's latest picture with the marks, as JPEG (None before the first frame)."""
        frame = self.latest_frame()
        if frame is None:
            return None
        return encode_snapshot(_with_marks(frame, self._tracker.shown()))

    def _on_inspector_video(self, endpoint: Endpoint, frame: av.VideoFrame) -> None:
        """Sink callback on the event loop: keep the frame among the last few, wake the forwarding tracks."""
        now = clock()
        pts = int((now - self._epoch) * VIDEO_CLOCK)
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        with self._lock:
            self._video = frame
            self._video_seq += 1
            self._recent.append((self._video_seq, frame, pts))
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
        now = clock()
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

    async def _overlaid(self, seq: int, version: int, frame: av.VideoFrame) -> av.VideoFrame:
        """The frame with the marks moved onto it, computed once per (frame, edit of the marks) in a worker thread."""
        cache = self._overlay_cache
        future = cache.get((seq, version))
        if future is None:
            future = asyncio.get_running_loop().run_in_executor(None, self._track_and_draw, seq, frame)
            cache[(seq, version)] = future
            while len(cache) > FORWARD_BACKLOG:
                cache.popitem(last=False)
        return await asyncio.shield(future)

    def _track_and_draw(self, seq: int, frame: av.VideoFrame) -> av.VideoFrame:
        """Worker thread: the frame with the marks, or the frame as it came when they cannot be drawn.

        Both sides' tracks await this one result, and an exception raised in a track's recv ends
        aiortc's sending task for good without a word: the picture would freeze on both sides."""
        try:
            drawn = self._follow_and_draw(seq, frame)
        except Exception:  # noqa: BLE001 - a failed overlay must not stop the picture
            if not self._overlay_failing:
                log.exception("assist room %s: drawing the marks on frame %s failed", self.session_id, seq)
            self._overlay_failing = True
            return frame
        self._overlay_failing = False
        return drawn

    def _follow_and_draw(self, seq: int, frame: av.VideoFrame) -> av.VideoFrame:
        """Follow the marks onto this frame (once per frame, in order), then draw them."""
        if self._tracker.wants_frames():
            with self._track_lock:
                if seq > self._tracked_seq:
                    self._tracked_seq = seq
                    started = clock()
                    width, height = work_size(frame.width, frame.height)
                    grey = converted(frame, width=width, height=height, format="gray").to_ndarray()
                    self._tracker.step(grey, started)
                    self.tracking_seconds += clock() - started
                    self.tracking_frames += 1
        shown_height = REDUCED_SIZE[1] if self.link_mode == REDUCED else None  # _reduced scales it down
        return _overlay(frame, self._tracker.shown(), shown_height)

    # ----- the link (the watchdog reads statistics, media tasks and pages read the mode)
    @property
    def link_mode(self) -> str:
        return self._link.mode

    def link_of(self, role: str) -> LinkSample | None:
        """The last reading of that side's link (None before two readings)."""
        with self._lock:
            found = [ep.link for ep in self.endpoints.values() if ep.role == role and ep.connected]
        return next((link for link in found if link is not None), None)

    def sample_links(self, now: float | None = None) -> str | None:
        """Read both sides' statistics (every SAMPLE_EVERY s); returns the new mode when it changed.

        Runs on the watchdog's thread: each reading is done on the event loop of that side's
        connection and waited for here, never on the loop itself.
        """
        now = clock() if now is None else now
        if now - self._link_read_at < SAMPLE_EVERY:
            return None
        self._link_read_at = now
        with self._lock:
            sides = [ep for ep in self.endpoints.values() if ep.role in (INSPECTOR, EXPERT) and ep.connected]
        samples = []
        for ep in sides:
            counters = _read_counters(ep, now)
            if counters is None:
                continue
            if ep.link_counters is not None:
                sample = link_sample(ep.link_counters, counters, has_video=ep.role == INSPECTOR)
                if sample is not None:
                    ep.link = sample
                    samples.append(sample)
            ep.link_counters = counters
        return self.update_link(samples, now)

    def update_link(self, samples: list[LinkSample], now: float) -> str | None:
        """Move the mode by one reading of the sides; tell ``on_link_mode`` when it changed."""
        with self._lock:
            before = self._link.mode
            self._link = next_link_state(self._link, samples, now)
            after = self._link.mode
        if after == before:
            return None
        log.info("assist room %s: link mode %s -> %s (%s)", self.session_id, before, after, samples)
        if self.on_link_mode is not None:
            try:
                self.on_link_mode(self.session_id, before, after)
            except Exception:  # noqa: BLE001 - the call goes on in its new mode even if the note failed
                log.exception("recording the link mode of assist session %s failed", self.session_id)
        return after

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
        if note and self.on_recording is not None and self.recorder is not None:  # note implies a recorder
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

        def ended() -> None:
            self._mark_ended(ref)

        ep.sink_audio = DrainSink(touched(self._on_audio), "audio", on_ended=ended)
        if ep.role == INSPECTOR:
            ep.sink_video = DrainSink(touched(self._on_inspector_video), "video", on_ended=ended)

    def _mark_ended(self, ref) -> None:
        ep = ref()
        if ep is not None and ep.first_input_at is not None and ep.ended_at is None:
            ep.ended_at = clock()

    def gone_endpoints(
        self, now: float | None = None, page_alive: Callable[[str], bool] | None = None
    ) -> list[Endpoint]:
        """Sides that were connected and are no longer: their page closed, their input ended or went silent."""
        now = clock() if now is None else now
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
                _call_on_loop(sink.loop, sink.stop)
        worker = ep.worker() if callable(ep.worker) else None
        if worker is not None:
            threading.Thread(target=stop_worker, args=(worker,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            endpoints = list(self.endpoints.values())
        for ep in endpoints:
            self.release(ep)
        with self._lock:
            self._video = None
            self._recent.clear()
            self._overlay_cache.clear()
        if self.recorder is not None:
            self.recorder.close()

    def has_connected(self, role: str) -> bool:
        with self._lock:
            return any(ep.role == role and ep.connected for ep in self.endpoints.values())


def _read_counters(ep: Endpoint, now: float) -> LinkCounters | None:
    """One reading of a side's peer connection, on its event loop (None when it has none yet)."""
    worker = ep.worker() if callable(ep.worker) else None
    pc = getattr(worker, "pc", None)
    sink = ep.sink_audio
    loop = sink.loop if sink is not None else None
    if pc is None or loop is None or not loop.is_running():
        return None
    reading = asyncio.run_coroutine_threadsafe(read_link_counters(pc, now, ep.frames_in["video"]), loop)
    try:
        return reading.result(timeout=1.0)
    except Exception:  # noqa: BLE001 - a closing connection has no statistics; the next reading tries again
        reading.cancel()
        log.debug("reading the statistics of %s failed", ep.key, exc_info=True)
        return None


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


def stop_worker(worker) -> None:
    """Stop a side's streamlit-webrtc worker (closes its peer connection; can take a second: not on a page's thread)."""
    try:
        worker.stop(timeout=2.0)
    except Exception:  # noqa: BLE001 - the peer may already be gone; nothing left to free
        log.debug("stopping a webrtc worker failed", exc_info=True)
