"""Overlay and snapshot functions on synthetic frames: pixel checks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from portsight.calls.overlay import draw_annotations, encode_snapshot
from portsight.domain.annotations import InvalidMark, Mark, marks_from_dicts, marks_to_dicts

GREEN_BGR = (0, 135, 0)


def green_frame(h=480, w=640) -> np.ndarray:
    frame = np.zeros((h, w, 3), np.uint8)
    frame[:] = GREEN_BGR
    return frame


def is_red_bgr(px) -> bool:
    b, g, r = (int(v) for v in px)
    return r > 200 and g < 60 and b < 60


def test_circle_is_drawn_in_red_on_its_rim_and_not_at_its_centre():
    frame = green_frame()
    out = draw_annotations(frame, [Mark("circle", 0.5, 0.5, 0.75, 0.5)])
    cx, cy, rim_x = 320, 240, round(0.75 * 639)
    assert is_red_bgr(out[cy, rim_x])
    assert tuple(out[cy, cx]) == GREEN_BGR
    assert tuple(out[10, 10]) == GREEN_BGR


def test_draw_annotations_copies_and_leaves_the_input_frame_alone():
    frame = green_frame()
    before = frame.copy()
    out = draw_annotations(frame, [Mark("box", 0.1, 0.1, 0.9, 0.9)])
    assert out is not frame
    assert np.array_equal(frame, before)
    assert not np.array_equal(out, before)


def test_box_edges_are_red_and_inside_untouched():
    out = draw_annotations(green_frame(), [Mark("box", 0.25, 0.25, 0.75, 0.75)])
    left = round(0.25 * 639)
    assert is_red_bgr(out[240, left])
    assert tuple(out[240, 320]) == GREEN_BGR


def test_arrow_line_passes_through_its_midpoint():
    out = draw_annotations(green_frame(), [Mark("arrow", 0.1, 0.5, 0.9, 0.5)])
    assert is_red_bgr(out[round(0.5 * 479), 320])


def test_text_label_changes_pixels_near_its_anchor_only():
    frame = green_frame()
    out = draw_annotations(frame, [Mark("text", 0.1, 0.1, text="封条 seal 42")])
    changed = np.argwhere((out != frame).any(axis=2))
    assert len(changed) > 100
    ys, xs = changed[:, 0], changed[:, 1]
    assert ys.min() >= round(0.1 * 479) - 1 and xs.min() >= round(0.1 * 639) - 1
    assert ys.max() < 240 and xs.max() < 640


def test_rgb_order_puts_red_in_the_first_channel():
    frame = np.zeros((120, 160, 3), np.uint8)
    out = draw_annotations(frame, [Mark("box", 0.0, 0.0, 1.0, 1.0)], order="rgb")
    r, g, b = (int(v) for v in out[60, 0])
    assert r > 200 and g < 60 and b < 60


def test_colour_and_normalised_coordinates_follow_the_frame_size():
    small = draw_annotations(green_frame(240, 320), [Mark("box", 0.5, 0.0, 0.5, 1.0, colour="#0000ff")])
    b, g, r = (int(v) for v in small[120, round(0.5 * 319)])
    assert b > 200 and r < 60


def test_no_marks_returns_the_frame_unchanged():
    frame = green_frame()
    assert draw_annotations(frame, []) is frame


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "star", "x1": 0.1, "y1": 0.1},
        {"kind": "text", "x1": 0.1, "y1": 0.1, "text": "  "},
        {"kind": "box", "x1": 0.1, "y1": 0.1, "colour": "red"},
        {"kind": "box", "x1": float("nan"), "y1": 0.1},
        {"kind": "text", "x1": 0.1, "y1": 0.1, "text": "x" * 61},
    ],
)
def test_invalid_marks_are_refused(kwargs):
    with pytest.raises(InvalidMark):
        Mark(**kwargs)


def test_coordinates_are_clamped_to_the_frame_and_marks_round_trip_as_dicts():
    mark = Mark("circle", -0.5, 1.5, 2.0, 0.5)
    assert (mark.x1, mark.y1, mark.x2) == (0.0, 1.0, 1.0)
    assert marks_from_dicts(marks_to_dicts([mark])) == [mark]
    draw_annotations(green_frame(), [mark])  # on the edge: no error


def test_encode_snapshot_gives_a_jpeg_that_decodes_to_the_frame():
    frame = draw_annotations(green_frame(), [Mark("box", 0.25, 0.25, 0.75, 0.75)])
    data = encode_snapshot(frame)
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    assert len(data) < 60_000
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == frame.shape
    assert is_red_bgr(decoded[240, round(0.25 * 639)])
    assert abs(int(decoded[240, 320, 1]) - 135) < 8


def test_encode_snapshot_rgb_order_swaps_channels():
    frame = np.zeros((60, 80, 3), np.uint8)
    frame[:, :, 0] = 250  # red in RGB
    decoded = cv2.imdecode(np.frombuffer(encode_snapshot(frame, order="rgb"), np.uint8), cv2.IMREAD_COLOR)
    assert decoded[30, 40, 2] > 200 and decoded[30, 40, 0] < 60


def test_encode_snapshot_refuses_a_non_image():
    with pytest.raises(ValueError):
        encode_snapshot(np.zeros((10, 10), np.uint8))


def _solid_red_rows(small: np.ndarray, column: int) -> int:
    return sum(is_red_bgr(small[row, column]) for row in range(small.shape[0]))


def test_marks_sent_on_a_smaller_picture_keep_the_thickness_of_that_picture():
    """A poor link's 320x240 is scaled from the drawn 640x480: a box drawn for it keeps solid edges."""
    box = [Mark("box", 0.25, 0.25, 0.75, 0.75)]
    scaled = [
        cv2.resize(draw_annotations(green_frame(), box, shown_height=shown), (320, 240), interpolation=cv2.INTER_AREA)
        for shown in (None, 240)
    ]
    drawn_at_240 = draw_annotations(green_frame(240, 320), box)
    # the box's top and bottom edges, crossed at the middle column: solid red rows on each
    thin, kept, native = (_solid_red_rows(image, 160) for image in (*scaled, drawn_at_240))
    assert thin < native <= kept
    same_size = draw_annotations(green_frame(), box, shown_height=480)
    assert np.array_equal(same_size, draw_annotations(green_frame(), box))
