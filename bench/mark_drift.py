"""How far the expert's marks drift from the object they were put on while the camera moves.

PYTHONPATH=. .venv/bin/python bench/mark_drift.py [--frames 200] [--marks 8] [--seed 1] [--noise 4]

A synthetic container door (corrugated panels, locking bars, handles, a CSC plate, painted
numbers, rust spots) is filmed by a hand-held camera: over N frames the 640x480 view pans 200 px
across and 60 px up and down with a little shake, turns (up to 3 degrees) and comes closer (6 %),
with sensor noise added,
so where every point of the door is in every frame is known. Marks (circles, boxes, arrows, text,
free lines in turn) are put on corners of the first frame and followed by
``portsight.calls.tracking.MarkTracker`` as the room does. Printed figures:

  mark_drift_px        mean and p95 distance (pixels at 640x480) between a mark's anchor as
                       tracked and where the door point under it really is, over every frame
                       in which the mark is shown (alpha 1) and that point is inside the picture
  marks_tracked_share  share of the marks whose door point is still in the picture at the last
                       frame that are still followed there (marks on featureless spots, which
                       stay put by design, count as not followed)
  track_ms_per_frame   the tracker's time per frame (mean, p95): work picture + optical flow
  track_cpu_ms_per_frame  the CPU time it took per frame, all threads (less sensitive to a loaded
                       machine than the wall-clock figures)

``measure_mark_drift(...)`` returns the same figures as a dict (bench/remote_assist.py prints
its mark_drift_px).
"""

from __future__ import annotations

import argparse
import json
import math
import time

import cv2
import numpy as np

from portsight.calls.tracking import MarkTracker, work_picture
from portsight.domain.annotations import Mark

WIDTH, HEIGHT = 640, 480
KINDS = ("circle", "box", "arrow", "text", "line")


def door_scene(seed: int = 1, width: int = 1100, height: int = 900) -> np.ndarray:
    """A container door, BGR: ribbed panels, vertical locking bars, handles, plate, numbers, rust."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    img[:] = (40, 60, 150)  # container red (BGR)
    for x in range(0, width, 28):  # corrugation: light and shade
        cv2.rectangle(img, (x, 0), (x + 12, height), (55, 80, 175), -1)
        cv2.line(img, (x + 12, 0), (x + 12, height), (25, 35, 100), 2)
    for x in (180, 420, 680, 920):  # locking bars with brackets and cams
        cv2.rectangle(img, (x, 20), (x + 16, height - 20), (160, 160, 160), -1)
        for y in range(60, height - 60, 150):
            cv2.rectangle(img, (x - 10, y), (x + 26, y + 22), (90, 90, 90), -1)
            cv2.circle(img, (x + 8, y + 11), 5, (20, 20, 20), -1)
        cv2.rectangle(img, (x - 40, height // 2), (x + 8, height // 2 + 14), (200, 200, 200), -1)  # handle
    cv2.rectangle(img, (500, 120), (640, 210), (210, 210, 210), -1)  # CSC plate
    for i in range(6):
        cv2.line(img, (510, 135 + 12 * i), (630, 135 + 12 * i), (60, 60, 60), 1)
    for i, text in enumerate(("MSKU 123456 7", "45G1", "MAX GROSS 32500 KG")):
        cv2.putText(img, text, (560, 300 + 50 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (240, 240, 240), 2, cv2.LINE_AA)
    for _ in range(120):  # rust and dirt
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(2, 7))
        cv2.circle(img, (x, y), r, (int(rng.integers(20, 60)), int(rng.integers(50, 90)), 110), -1)
    return cv2.GaussianBlur(img, (3, 3), 0)


def camera_path(frames: int, seed: int) -> list[np.ndarray]:
    """2x3 affine maps from door to view, one per frame: a slow pan with hand shake, a small turn and zoom."""
    rng = np.random.default_rng(seed + 1)
    maps = []
    for i in range(frames):
        t = i / max(1, frames - 1)
        cx, cy = 420 + 200 * t + rng.normal(0, 0.6), 380 + 60 * math.sin(2 * math.pi * t) + rng.normal(0, 0.6)
        angle = 3.0 * math.sin(math.pi * t)
        scale = 1.0 + 0.06 * t
        m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
        m[:, 2] += (WIDTH / 2 - cx, HEIGHT / 2 - cy)  # door point (cx, cy) at the view's centre
        maps.append(m)
    return maps


def view(scene: np.ndarray, m: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    frame = cv2.warpAffine(scene, m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if noise > 0:
        frame = np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
    return frame


def _to_view(m: np.ndarray, point: np.ndarray) -> np.ndarray:
    return m[:, :2] @ point + m[:, 2]


def _marks_on_corners(first: np.ndarray, count: int) -> list[Mark]:
    """Marks of every kind on strong corners of the first frame, spread over it, away from its edges."""
    grey = cv2.cvtColor(first, cv2.COLOR_BGR2GRAY)
    mask = np.zeros(grey.shape, np.uint8)
    mask[80 : HEIGHT - 80, 80 : WIDTH - 80] = 255
    corners = cv2.goodFeaturesToTrack(grey, count, 0.05, 60, mask=mask).reshape(-1, 2)
    marks = []
    for i, (x, y) in enumerate(corners[:count]):
        u, v = x / WIDTH, y / HEIGHT
        kind = KINDS[i % len(KINDS)]
        if kind == "circle":
            marks.append(Mark("circle", u, v, u + 0.04, v))
        elif kind == "box":
            marks.append(Mark("box", u, v, u + 0.06, v + 0.06))
        elif kind == "arrow":
            marks.append(Mark("arrow", u, v, u - 0.06, v - 0.05))
        elif kind == "text":
            marks.append(Mark("text", u, v, text="seal"))
        else:
            points = tuple((u + 0.01 * k, v + 0.006 * k * (-1) ** k) for k in range(8))
            marks.append(Mark("line", u, v, points=points))
    return marks


def measure_mark_drift(frames: int = 200, marks: int = 8, seed: int = 1, noise: float = 4.0) -> dict:
    """Follow marks through a synthetic hand-held pan over a container door; drift, survival, cost."""
    scene = door_scene(seed)
    path = camera_path(frames, seed)
    rng = np.random.default_rng(seed + 2)
    first = view(scene, path[0], noise, rng)
    placed = _marks_on_corners(first, marks)
    inverse = cv2.invertAffineTransform(path[0])
    anchors = [_to_view(inverse, np.array((m.x1 * WIDTH, m.y1 * HEIGHT))) for m in placed]  # door points
    tracker = MarkTracker()
    clock = 0.0
    anchor_of = {tracker.add(mark, clock): anchor for mark, anchor in zip(placed, anchors, strict=True)}
    tracker.step(work_picture(first), clock)  # the marks take their corners on the picture they were put on
    followed = sum(1 for s in tracker.shown() if s.followed)
    distances: list[float] = []
    costs: list[float] = []
    cpu = 0.0
    for m in path[1:]:
        clock += 0.05  # 20 fps
        frame = view(scene, m, noise, rng)
        started, cpu_started = time.perf_counter(), time.process_time()
        tracker.step(work_picture(frame), clock)
        costs.append((time.perf_counter() - started) * 1000)
        cpu += time.process_time() - cpu_started
        for shown in tracker.shown():
            truth = _to_view(m, anchor_of[shown.ident])
            inside = 0 <= truth[0] < WIDTH and 0 <= truth[1] < HEIGHT
            if shown.followed and shown.alpha >= 1.0 and inside:
                distances.append(math.dist((shown.mark.x1 * WIDTH, shown.mark.y1 * HEIGHT), truth))
    last = path[-1]
    in_view = {
        ident
        for ident, anchor in anchor_of.items()
        if 0 <= _to_view(last, anchor)[0] < WIDTH and 0 <= _to_view(last, anchor)[1] < HEIGHT
    }
    still = sum(1 for s in tracker.shown() if s.followed and s.alpha >= 1.0 and s.ident in in_view)
    drift = np.array(distances) if distances else np.array([math.nan])
    cost = np.array(costs)
    return {
        "frames": frames,
        "marks": len(placed),
        "marks_followed": followed,
        "mark_drift_px": {"mean": round(float(drift.mean()), 2), "p95": round(float(np.percentile(drift, 95)), 2)},
        "marks_in_view_at_end": len(in_view),
        "marks_tracked_share": round(still / max(1, len(in_view)), 2),
        "track_ms_per_frame": {"mean": round(float(cost.mean()), 2), "p95": round(float(np.percentile(cost, 95)), 2)},
        "track_cpu_ms_per_frame": round(cpu * 1000 / max(1, len(costs)), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--marks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=4.0, help="sensor noise, grey levels (standard deviation)")
    args = parser.parse_args()
    print(json.dumps(measure_mark_drift(args.frames, args.marks, args.seed, args.noise)))


if __name__ == "__main__":
    main()
