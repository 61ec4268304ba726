"""Marks that stay on the object they were put on while the inspector's camera moves.

When a mark is added, the tracker picks corners in its region of the picture (Shi-Tomasi,
``cv2.goodFeaturesToTrack``) on a small grey copy of the frame (``WORK_WIDTH`` wide) and follows
them from frame to frame with pyramidal Lucas-Kanade optical flow (``cv2.calcOpticalFlowPyrLK``).
A point survives only when following it back to the previous frame lands where it started (the
forward-backward check), so points that slid along an edge or were covered are dropped. The mark
moves by the survivors' median displacement and scales by the median change of their spacing
(clamped per frame: a phone moves closer slowly). When too few points survive (the object left
the picture or was covered), the mark fades out over ``FADE_SECONDS`` and is dropped. A mark on a
featureless region (a plain wall) has nothing to follow and stays where it was put.

All points of all marks go through one optical-flow call per frame. Nothing here knows of
Streamlit or the event loop: the room calls ``step`` once per inspector frame in a worker thread,
the expert's page thread adds and removes marks, and readers take ``shown()``, an immutable tuple
replaced whole, without waiting for a step to finish.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from portsight.domain.annotations import Mark

WORK_WIDTH = 320  # the grey picture the points are followed on; a quarter of 640x480's pixels
MAX_POINTS = 40  # per mark
MIN_POINTS = 5  # fewer corners than this in its region when placed: a featureless mark, kept still
LOST_SHARE = 0.3  # fewer survivors than this share of its first points: the mark has lost its object
REFILL_SHARE = 0.6  # fewer than this: look for new corners in its current region
FB_ERROR_PX = 1.0  # forward-backward error allowed, in work pixels
MIN_EIGEN = 1e-3  # corner strength (cv2 min eigenvalue, 3x3 block) on the work picture; sensor noise gives ~1e-4
FADE_SECONDS = 1.0
MIN_HALF_REGION_PX = 20  # a text label or a tap: corners are looked for this far around its point
MARGIN_PX = 6
MAX_SCALE_STEP = 0.08  # per frame
LK_WINDOW = (15, 15)  # work pixels; with 3 pyramid levels it follows moves of ~50 work pixels a frame
LK_LEVELS = 3
LK_STOP = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)


@dataclass(frozen=True)
class ShownMark:
    """A mark where it is now, how visible (1 while followed, falling to 0 once lost), whether it
    is followed at all (a mark on a featureless region is not), and the number ``add`` gave it."""

    mark: Mark
    alpha: float = 1.0
    followed: bool = True
    ident: int = 0


def work_picture(bgr: np.ndarray) -> np.ndarray:
    """The grey, ``WORK_WIDTH``-wide picture the tracker follows points on (from a BGR frame)."""
    height, width = bgr.shape[:2]
    size = (WORK_WIDTH, max(2, round(height * WORK_WIDTH / width)))
    return cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA)


def work_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of the work picture for a frame of this size (even, for video scalers)."""
    return WORK_WIDTH, max(2, 2 * round(height * WORK_WIDTH / width / 2))


def _geometry(mark: Mark) -> np.ndarray:
    """The mark's defining points, normalised: (x1, y1), (x2, y2), then a free line's points."""
    return np.array([(mark.x1, mark.y1), (mark.x2, mark.y2), *mark.points], np.float64)


def _mark_at(placed: Mark, geometry: np.ndarray) -> Mark:
    g = np.clip(geometry, 0.0, 1.0)
    points = tuple((float(x), float(y)) for x, y in g[2:])
    return Mark(placed.kind, g[0, 0], g[0, 1], g[1, 0], g[1, 1], placed.colour, placed.text, points)


@dataclass
class _Track:
    ident: int
    placed: Mark
    geometry: np.ndarray  # normalised, unclamped: a mark may move partly out of the picture
    points: np.ndarray | None = None  # (k, 2) float32 corners in work pixels; None: not looked for yet
    started_with: int = 0
    static: bool = False
    lost_at: float | None = None

    def centre(self, width: int, height: int) -> np.ndarray:
        """The middle of what the mark points at, in work pixels."""
        lo, hi = self._extent(width, height)
        return (lo + hi) / 2

    def region(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) in work pixels where the corners of this mark are looked for."""
        lo, hi = self._extent(width, height)
        centre = (lo + hi) / 2
        half = np.maximum((hi - lo) / 2, MIN_HALF_REGION_PX) + MARGIN_PX
        x0, y0 = np.floor(centre - half).astype(int)
        x1, y1 = np.ceil(centre + half).astype(int)
        return max(0, x0), max(0, y0), min(width, x1), min(height, y1)

    def _extent(self, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        g = self.geometry * (width, height)
        if self.placed.kind == "circle":
            radius = math.dist(g[0], g[1])
            lo, hi = g[0] - radius, g[0] + radius
        elif self.placed.kind == "text":
            lo = hi = g[0]
        else:
            used = g[2:] if self.placed.kind == "line" else g[:2]
            lo, hi = used.min(axis=0), used.max(axis=0)
        return lo, hi

    def shown(self, now: float, fade_seconds: float) -> ShownMark:
        alpha = 1.0 if self.lost_at is None else max(0.0, 1.0 - (now - self.lost_at) / fade_seconds)
        return ShownMark(_mark_at(self.placed, self.geometry), alpha, not self.static, self.ident)


def _corners(grey: np.ndarray, region: tuple[int, int, int, int], avoid: np.ndarray | None, limit: int) -> np.ndarray:
    """Strong corners inside region (work pixels), away from the points in ``avoid``."""
    x0, y0, x1, y1 = region
    if x1 - x0 < 8 or y1 - y0 < 8 or limit <= 0:
        return np.empty((0, 2), np.float32)
    mask = np.zeros(grey.shape, np.uint8)
    mask[y0:y1, x0:x1] = 255
    if avoid is not None:
        for x, y in avoid:
            cv2.circle(mask, (round(float(x)), round(float(y))), 4, 0, -1)
    found = cv2.goodFeaturesToTrack(grey, limit, 0.01, 4, mask=mask, blockSize=3)
    if found is None:
        return np.empty((0, 2), np.float32)
    found = found.reshape(-1, 2)
    strength = cv2.cornerMinEigenVal(grey[y0:y1, x0:x1], 3)
    local = np.clip(np.round(found - (x0, y0)).astype(int), 0, (x1 - x0 - 1, y1 - y0 - 1))
    return found[strength[local[:, 1], local[:, 0]] >= MIN_EIGEN].astype(np.float32)


def _median_scale(before: np.ndarray, after: np.ndarray) -> float:
    """Median ratio of the points' mutual distances after/before, within MAX_SCALE_STEP of 1."""
    if len(before) < MIN_POINTS:
        return 1.0
    i, j = np.triu_indices(len(before), k=1)
    d0 = np.linalg.norm(before[i] - before[j], axis=1)
    d1 = np.linalg.norm(after[i] - after[j], axis=1)
    usable = d0 > 4.0
    if not usable.any():
        return 1.0
    ratio = float(np.median(d1[usable] / d0[usable]))
    return min(1.0 + MAX_SCALE_STEP, max(1.0 - MAX_SCALE_STEP, ratio))


class MarkTracker:
    """The marks of one picture, followed from frame to frame (thread-safe)."""

    def __init__(self, fade_seconds: float = FADE_SECONDS) -> None:
        self._lock = threading.Lock()
        self._fade = fade_seconds
        self._tracks: list[_Track] = []
        # The picture of the last step; forgotten while no mark is followed (the room then sends
        # no frames), so that a mark added later takes its corners on a current picture.
        self._previous: np.ndarray | None = None
        self._shown: tuple[ShownMark, ...] = ()
        self._added = 0

    # ----- what is shown (any thread, never waits)
    def shown(self) -> tuple[ShownMark, ...]:
        return self._shown

    def wants_frames(self) -> bool:
        """Whether a step would do anything: some mark is followed, looked for, or fading."""
        return any(not t.static for t in self._tracks)

    # ----- changes by the expert
    def add(self, mark: Mark, now: float | None = None) -> int:
        """Start following a mark from the latest picture (or the next one); returns its number."""
        with self._lock:
            ident = self._add(mark)
            self._publish(time.monotonic() if now is None else now)
            return ident

    def replace(self, marks: tuple[Mark, ...] | list[Mark], now: float | None = None) -> None:
        with self._lock:
            self._tracks = []
            for mark in marks:
                self._add(mark)
            self._publish(time.monotonic() if now is None else now)

    def _add(self, mark: Mark) -> int:
        self._added += 1
        track = _Track(self._added, mark, _geometry(mark))
        if self._previous is not None:
            self._seed(track, self._previous)
        self._tracks.append(track)
        return track.ident

    def remove_last(self, now: float | None = None) -> None:
        with self._lock:
            if self._tracks:
                self._tracks.pop()
            self._publish(time.monotonic() if now is None else now)

    # ----- one frame (a worker thread)
    def step(self, grey: np.ndarray, now: float | None = None) -> None:
        """Follow every mark onto this grey work picture (see ``work_picture``)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            previous, self._previous = self._previous, grey
            if previous is None or previous.shape != grey.shape:
                for track in self._tracks:
                    if not track.static and track.lost_at is None:
                        track.points = None  # a new picture size: look for corners afresh
            else:
                self._follow(previous, grey, now)
            for track in self._tracks:
                if track.points is None and not track.static and track.lost_at is None:
                    self._seed(track, grey)
            self._tracks = [t for t in self._tracks if t.lost_at is None or now - t.lost_at < self._fade]
            self._publish(now)

    def _seed(self, track: _Track, grey: np.ndarray) -> None:
        height, width = grey.shape
        found = _corners(grey, track.region(width, height), None, MAX_POINTS)
        if track.started_with == 0 and len(found) < MIN_POINTS:
            track.static, track.points = True, None
            return
        track.points = found
        track.started_with = track.started_with or len(found)

    def _follow(self, previous: np.ndarray, grey: np.ndarray, now: float) -> None:
        followed = [(t, t.points) for t in self._tracks if t.points is not None and len(t.points) and t.lost_at is None]
        if not followed:
            return
        height, width = grey.shape
        start_pts = np.concatenate([points for _, points in followed]).astype(np.float32).reshape(-1, 1, 2)
        moved, ok_fwd, _ = cv2.calcOpticalFlowPyrLK(
            previous, grey, start_pts, np.empty_like(start_pts), winSize=LK_WINDOW, maxLevel=LK_LEVELS, criteria=LK_STOP
        )
        returned, ok_back, _ = cv2.calcOpticalFlowPyrLK(
            grey, previous, moved, np.empty_like(start_pts), winSize=LK_WINDOW, maxLevel=LK_LEVELS, criteria=LK_STOP
        )
        before = start_pts.reshape(-1, 2)
        after = np.asarray(moved).reshape(-1, 2)
        back = np.asarray(returned).reshape(-1, 2)
        good = (
            (np.asarray(ok_fwd).ravel() == 1)
            & (np.asarray(ok_back).ravel() == 1)
            & (np.linalg.norm(before - back, axis=1) < FB_ERROR_PX)
            & (after[:, 0] >= 0)
            & (after[:, 1] >= 0)
            & (after[:, 0] <= width - 1)
            & (after[:, 1] <= height - 1)
        )
        start = 0
        for track, points in followed:
            end = start + len(points)
            keep = good[start:end]
            old, new = before[start:end][keep], after[start:end][keep]
            start = end
            if len(new) < max(MIN_POINTS - 1, LOST_SHARE * track.started_with):
                track.lost_at, track.points = now, None
                continue
            shift = np.median(new - old, axis=0)
            centre = np.median(old, axis=0)
            scale = _median_scale(old, new)
            size = np.array((width, height), np.float64)
            g = track.geometry * size
            track.geometry = (centre + shift + scale * (g - centre)) / size
            x, y = track.centre(width, height)
            if not (0 <= x < width and 0 <= y < height):  # what it points at has left the picture
                track.lost_at, track.points = now, None
                continue
            track.points = new.astype(np.float32)
            if len(new) < REFILL_SHARE * track.started_with:
                more = _corners(grey, track.region(width, height), new, MAX_POINTS - len(new))
                track.points = np.concatenate([track.points, more]) if len(more) else track.points

    def _publish(self, now: float) -> None:
        if not self.wants_frames():
            self._previous = None
        self._shown = tuple(t.shown(now, self._fade) for t in self._tracks)
