"""The rooms of the server, keyed by assistance request, and the watchdog that ends calls whose side has gone.

A watchdog thread notices a side that has gone (its page closed, its input ended, or no input
for a few seconds: network lost), frees that side's tracks and reports the end. What the
registry cannot know itself comes in as callables: whether a side's page is still open
(``page_alive``), and how the end and a recording's file are recorded (``on_leave``,
``on_recording``). They run on the watchdog's or a worker thread, never a page's.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from portsight.calls.recorder import Mp4Recorder
from portsight.calls.room import WATCHER, FrameCounts, Room
from portsight.domain.access import Actor

log = logging.getLogger(__name__)

WATCH_INTERVAL = 0.5

# A file the watchdog keeps the calls' frame counters in, for bench/remote_assist.py (unset: none).
COUNTERS_ENV = "PORTSIGHT_CALL_COUNTERS"


def counters_path(env: dict[str, str] | None = None) -> Path | None:
    value = (os.environ if env is None else env).get(COUNTERS_ENV)
    return Path(value) if value else None


# A side left: (session_id, actor of that side, role) -> None
LeaveHandler = Callable[[int, Actor, str], None]
# The link mode of a call changed: (session_id, mode before, mode now) -> None
LinkModeHandler = Callable[[int, str, str], None]


class RoomRegistry:
    """Rooms shared by every session of the server, keyed by assistance session id. Thread-safe."""

    def __init__(
        self,
        on_leave: LeaveHandler | None = None,
        recording_dir: Path | None = None,
        on_recording: Callable[[int, Actor, Path], None] | None = None,
        watch: bool = True,
        page_alive: Callable[[str], bool] | None = None,
        on_link_mode: LinkModeHandler | None = None,
        counters_path: Path | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._on_link_mode = on_link_mode
        # Where the watchdog keeps the frame counters of every call for a benchmark (None: nowhere)
        self._counters_path = counters_path
        self._closed_counts = FrameCounts()
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
                room.on_link_mode = self._on_link_mode
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
                self._closed_counts.add(room.frame_counts)
        if room is not None:
            room.close()

    def frame_counts(self) -> dict:
        """The forwarding counters of every call since the server started, summed and per open room."""
        with self._lock:
            total = FrameCounts()
            total.add(self._closed_counts)
            rooms = {}
            for session_id, room in self._rooms.items():
                total.add(room.frame_counts)
                rooms[str(session_id)] = {**vars(room.frame_counts), "mode": room.link_mode}
        return {"total": vars(total), "rooms": rooms}

    def _write_counters(self) -> None:
        path = self._counters_path
        if path is None:
            return
        partial = path.with_name(path.name + ".part")
        partial.write_text(json.dumps(self.frame_counts()))
        os.replace(partial, path)  # a reader never sees half a file

    def check(self, now: float | None = None) -> list[tuple[int, str]]:
        """One watchdog pass: release sides that left, close their rooms, record the end."""
        left = []
        for room in self.rooms():
            room.sample_links(now)
            for ep in room.gone_endpoints(now, self._page_alive):
                first_input_at = ep.first_input_at
                assert first_input_at is not None  # gone_endpoints lists sides that sent input only
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
                    first_input_at - ep.created_at,
                    (ep.last_input_at or first_input_at) - ep.created_at,
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
                self._write_counters()
            except Exception:  # noqa: BLE001
                log.exception("room watchdog pass failed")

    def shutdown(self) -> None:
        self._stopped.set()
        for room in self.rooms():
            self.close(room.session_id)
