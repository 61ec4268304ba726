"""Marks follow the object they were put on: the tracker on synthetic moving pictures, and in the room."""

from __future__ import annotations

import math

import av
import cv2
import numpy as np

from portsight.calls.media import VIDEO_TIME_BASE
from portsight.calls.overlay import draw_annotations
from portsight.calls.room import Room
from portsight.calls.tracking import FADE_SECONDS, MarkTracker, work_picture
from portsight.domain.annotations import Mark

W, H = 640, 480


def textured_scene(seed: int = 0, width: int = 1400, height: int = 900) -> np.ndarray:
    """Grey wall with blocks and dots of many shades: plenty of corners everywhere."""
    rng = np.random.default_rng(seed)
    scene = np.full((height, width, 3), 110, np.uint8)
    for _ in range(2000):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(6, 30)), int(rng.integers(6, 30))
        shade = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.rectangle(scene, (x, y), (x + w, y + h), shade, -1)
    return cv2.GaussianBlur(scene, (3, 3), 0)


def view(scene: np.ndarray, dx: float, dy: float, noise: float = 2.0, seed: int = 0) -> np.ndarray:
    """The 640x480 picture of the scene with the camera's top-left corner at (dx, dy)."""
    m = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]])
    frame = cv2.warpAffine(scene, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=(110, 110, 110))
    if noise:
        frame = np.clip(frame + np.random.default_rng(seed).normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
    return frame


def centre_px(tracker: MarkTracker) -> tuple[float, float]:
    (shown,) = tracker.shown()
    return shown.mark.x1 * W, shown.mark.y1 * H


def pan(tracker: MarkTracker, scene: np.ndarray, steps, start=(100.0, 100.0), t0: float = 0.0):
    """Feed the tracker a pan: each step moves the camera by (dx, dy); returns (camera, time) at the end."""
    x, y = start
    now = t0
    for i, (dx, dy) in enumerate(steps):
        x, y, now = x + dx, y + dy, now + 0.05
        tracker.step(work_picture(view(scene, x, y, seed=i + 1)), now)
    return (x, y), now


def test_a_mark_follows_a_panning_camera_within_a_few_pixels():
    scene = textured_scene()
    tracker = MarkTracker()
    tracker.add(Mark("circle", 0.5, 0.5, 0.55, 0.5), 0.0)
    tracker.step(work_picture(view(scene, 100, 100)), 0.0)
    (cx, cy), _ = pan(tracker, scene, [(4.0, 2.0)] * 40)
    # the scene point under the mark was at (100 + 320, 100 + 240); the camera moved by (160, 80)
    x, y = centre_px(tracker)
    assert math.dist((x, y), (320 - 160, 240 - 80)) < 3.0
    (shown,) = tracker.shown()
    assert shown.followed and shown.alpha == 1.0
    assert abs((shown.mark.x2 - shown.mark.x1) * W - 0.05 * W) < 2.0  # same radius: no zoom


def test_an_untracked_scene_leaves_the_mark_where_it_was():
    scene = textured_scene()
    tracker = MarkTracker()
    tracker.add(Mark("box", 0.4, 0.4, 0.6, 0.6), 0.0)
    tracker.step(work_picture(view(scene, 100, 100)), 0.0)
    pan(tracker, scene, [(0.0, 0.0)] * 10)
    (shown,) = tracker.shown()
    assert math.dist((shown.mark.x1, shown.mark.y1), (0.4, 0.4)) < 0.005
    assert math.dist((shown.mark.x2, shown.mark.y2), (0.6, 0.6)) < 0.005


def test_a_mark_grows_when_the_camera_comes_closer():
    scene = textured_scene()
    tracker = MarkTracker()
    centre = np.array((W / 2 + 100, H / 2 + 100))

    def zoomed(scale: float, i: int) -> np.ndarray:
        m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), 0.0, scale)
        m[:, 2] += (W / 2 - centre[0], H / 2 - centre[1])
        frame = cv2.warpAffine(scene, m, (W, H))
        return np.clip(frame + np.random.default_rng(i).normal(0, 2, frame.shape), 0, 255).astype(np.uint8)

    tracker.add(Mark("circle", 0.5, 0.5, 0.6, 0.5), 0.0)
    tracker.step(work_picture(zoomed(1.0, 0)), 0.0)
    for i in range(1, 21):
        tracker.step(work_picture(zoomed(1.0 + 0.01 * i, i)), 0.05 * i)
    (shown,) = tracker.shown()
    radius = (shown.mark.x2 - shown.mark.x1) * W
    assert 0.1 * W * 1.2 * 0.95 < radius < 0.1 * W * 1.2 * 1.05


def test_a_mark_whose_object_leaves_the_picture_fades_and_is_dropped():
    scene = textured_scene()
    tracker = MarkTracker()
    tracker.add(Mark("circle", 0.15, 0.5, 0.2, 0.5), 0.0)
    tracker.step(work_picture(view(scene, 100, 100)), 0.0)
    _, now = pan(tracker, scene, [(12.0, 0.0)] * 12)  # 144 px to the right: x 96 goes off the left edge
    (shown,) = tracker.shown()
    assert shown.alpha < 1.0
    alphas = []
    camera = (100 + 144.0, 100.0)
    for i in range(int(FADE_SECONDS / 0.05) + 2):
        now += 0.05
        tracker.step(work_picture(view(scene, *camera, seed=50 + i)), now)
        alphas.append(tracker.shown()[0].alpha if tracker.shown() else None)
    faded = [a for a in alphas if a is not None]
    assert faded == sorted(faded, reverse=True) and 0.0 <= faded[-1] < 0.2
    assert alphas[-1] is None  # dropped after the fade
    assert not tracker.wants_frames()


def test_a_mark_on_a_featureless_wall_stays_put_and_never_fades():
    flat = np.full((900, 1400, 3), 128, np.uint8)
    tracker = MarkTracker()
    tracker.add(Mark("text", 0.3, 0.3, text="here"), 0.0)
    tracker.step(work_picture(view(flat, 100, 100, noise=4.0)), 0.0)
    assert not tracker.wants_frames()  # nothing to follow: the room need not spend time on it
    pan(tracker, flat, [(10.0, 0.0)] * 10)
    (shown,) = tracker.shown()
    assert not shown.followed and shown.alpha == 1.0
    assert (shown.mark.x1, shown.mark.y1) == (0.3, 0.3)


def test_a_mark_added_after_a_rest_takes_its_corners_on_the_next_picture():
    scene = textured_scene()
    tracker = MarkTracker()
    tracker.step(work_picture(view(scene, 100, 100)), 0.0)  # no mark: this picture is not kept
    tracker.add(Mark("circle", 0.5, 0.5, 0.55, 0.5), 5.0)
    assert tracker.wants_frames()
    tracker.step(work_picture(view(scene, 300, 100)), 5.0)
    pan(tracker, scene, [(0.0, 5.0)] * 10, start=(300.0, 100.0), t0=5.0)
    x, y = centre_px(tracker)
    assert math.dist((x, y), (320, 240 - 50)) < 3.0


def test_a_free_line_moves_as_a_whole():
    scene = textured_scene()
    tracker = MarkTracker()
    points = ((0.4, 0.4), (0.45, 0.5), (0.5, 0.45), (0.55, 0.55))
    tracker.add(Mark("line", 0, 0, points=points), 0.0)
    tracker.step(work_picture(view(scene, 100, 100)), 0.0)
    pan(tracker, scene, [(-3.0, 0.0)] * 20)
    (shown,) = tracker.shown()
    for (x0, y0), (x1, y1) in zip(points, shown.mark.points, strict=True):
        assert abs((x1 - x0) * W - 60) < 3.0 and abs((y1 - y0) * H) < 3.0


def test_undo_and_replace_change_the_marks_shown():
    tracker = MarkTracker()
    first = tracker.add(Mark("circle", 0.2, 0.2, 0.25, 0.2), 0.0)
    second = tracker.add(Mark("box", 0.5, 0.5, 0.6, 0.6), 0.0)
    assert [s.ident for s in tracker.shown()] == [first, second]
    tracker.remove_last(0.0)
    assert [s.mark.kind for s in tracker.shown()] == ["circle"]
    tracker.replace([], 0.0)
    assert tracker.shown() == () and not tracker.wants_frames()


def frame_of(image: np.ndarray) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(image, format="bgr24")
    frame.pts, frame.time_base = 0, VIDEO_TIME_BASE
    return frame


def test_the_room_moves_its_marks_once_per_frame_and_draws_them_where_they_are():
    scene = textured_scene()
    room = Room(1)
    room._track_and_draw(1, frame_of(view(scene, 100, 100)))
    room.add_mark(Mark("circle", 0.5, 0.5, 0.55, 0.5, colour="#ff00ff"))
    for seq in range(2, 32):
        out = room._track_and_draw(seq, frame_of(view(scene, 100 + 4 * (seq - 1), 100, seed=seq)))
    room._track_and_draw(31, frame_of(view(scene, 100, 100)))  # a frame seen again is not followed twice
    (mark,) = room.marks()
    # its corners were taken on the first frame after it was added (camera at x 104), the last is at 220
    assert math.dist((mark.x1 * W, mark.y1 * H), (320 - 116, 240)) < 3.0
    assert room.tracking_frames == 30 and room.tracking_seconds > 0
    drawn = out.to_ndarray(format="bgr24")
    rim = drawn[240, round(mark.x2 * (W - 1)) - 2 : round(mark.x2 * (W - 1)) + 3]
    assert any(int(px[0]) > 180 and int(px[2]) > 180 and int(px[1]) < 90 for px in rim)  # magenta on the rim


def test_the_room_does_no_tracking_without_marks():
    room = Room(2)
    for seq in range(1, 5):
        room._track_and_draw(seq, frame_of(np.zeros((H, W, 3), np.uint8)))
    assert room.tracking_frames == 0


def test_a_fading_mark_is_drawn_half_blended():
    frame = np.zeros((120, 160, 3), np.uint8)
    out = draw_annotations(frame, [Mark("box", 0.0, 0.0, 1.0, 1.0)], alphas=[0.5])
    b, g, r = (int(v) for v in out[60, 0])
    assert 100 < r < 160 and g < 30 and b < 30
