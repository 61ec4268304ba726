"""Free lines and the marks made from what the expert drew on the live picture."""

from __future__ import annotations

import numpy as np
import pytest

from portsight.calls.overlay import draw_annotations
from portsight.domain.annotations import (
    MAX_LINE_POINTS,
    TAP_RADIUS,
    InvalidMark,
    Mark,
    mark_from_gesture,
    marks_from_dicts,
    marks_to_dicts,
)


def test_a_free_line_keeps_its_points_and_its_ends():
    mark = Mark("line", 0, 0, points=[[0.1, 0.2], (0.3, 0.4), (0.5, 0.25)])
    assert mark.points == ((0.1, 0.2), (0.3, 0.4), (0.5, 0.25))
    assert (mark.x1, mark.y1, mark.x2, mark.y2) == (0.1, 0.2, 0.5, 0.25)
    assert marks_from_dicts(marks_to_dicts([mark])) == [mark]


@pytest.mark.parametrize(
    ("points", "says"),
    [
        ([(0.1, 0.1)] * (MAX_LINE_POINTS + 1), "2 to 64 points"),
        ([(0.1, 0.1)] * 100_000, "not 100000"),
        ([(0.1, 0.1)], "2 to 64 points"),
        ([(0.1, 0.1), (1.5, 0.2)], "outside the picture"),
        ([(0.1, 0.1), (-0.01, 0.2)], "outside the picture"),
        ([(0.1, 0.1), (float("nan"), 0.2)], "outside the picture"),
        ([(0.1, 0.1), (float("inf"), 0.2)], "outside the picture"),
        ([(0.1, 0.1), ("x", 0.2)], "not a number"),
        ([(0.1, 0.1), (0.2,)], "a pair"),
        ([(0.1, 0.1), {"x": 0.2}], "a pair"),
        ("0.1,0.1", "a list of points"),
        (None, "a list of points"),
    ],
)
def test_a_hostile_free_line_is_refused_with_a_clear_message(points, says):
    with pytest.raises(InvalidMark, match=says):
        Mark("line", 0, 0, points=points)


def test_only_a_free_line_has_points():
    with pytest.raises(InvalidMark, match="Only a free line"):
        Mark("box", 0.1, 0.1, 0.2, 0.2, points=((0.1, 0.1), (0.2, 0.2)))


def test_a_tap_marks_the_spot_with_a_circle():
    mark = mark_from_gesture("box", [[0.4, 0.6], [0.401, 0.602]], "#00ff00", "seal")
    assert (mark.kind, mark.x1, mark.y1, mark.y2, mark.text) == ("circle", 0.4, 0.6, 0.6, "seal")
    assert mark.x2 == pytest.approx(0.4 + TAP_RADIUS)
    edge = mark_from_gesture("circle", [[0.99, 0.5]])
    assert edge.x2 == pytest.approx(0.99 - TAP_RADIUS)  # the rim stays inside the picture


def test_a_tap_with_the_label_kind_puts_the_label_there():
    mark = mark_from_gesture("text", [[0.2, 0.3]], label="封条 here")
    assert (mark.kind, mark.x1, mark.y1, mark.text) == ("text", 0.2, 0.3, "封条 here")
    with pytest.raises(InvalidMark, match="needs a label"):
        mark_from_gesture("text", [[0.2, 0.3]])


@pytest.mark.parametrize("kind", ["circle", "arrow", "box"])
def test_a_drag_draws_the_chosen_kind_from_press_to_release(kind):
    mark = mark_from_gesture(kind, [[0.2, 0.3], [0.25, 0.32], [0.5, 0.6]])
    assert (mark.kind, mark.x1, mark.y1, mark.x2, mark.y2) == (kind, 0.2, 0.3, 0.5, 0.6)


def test_a_drag_with_the_free_line_keeps_the_path():
    path = [[0.1 + 0.01 * i, 0.5 + 0.02 * (i % 2)] for i in range(30)]
    mark = mark_from_gesture("line", path)
    assert mark.kind == "line" and len(mark.points) == 30 and mark.points[-1] == tuple(path[-1])


@pytest.mark.parametrize("points", [[], None, [[0.1, 0.1]] * 65, [[2, 2]], "tap"])
def test_a_hostile_gesture_is_refused(points):
    with pytest.raises(InvalidMark):
        mark_from_gesture("circle", points)


def test_an_unknown_kind_from_the_browser_is_refused():
    with pytest.raises(InvalidMark, match="Unknown mark"):
        mark_from_gesture("<script>", [[0.1, 0.1], [0.5, 0.5]])


def test_a_free_line_is_drawn_through_its_points():
    frame = np.zeros((100, 200, 3), np.uint8)
    out = draw_annotations(frame, [Mark("line", 0, 0, points=((0.1, 0.5), (0.5, 0.5), (0.5, 0.9)))])
    assert out[50, 60, 2] > 200 and out[70, 100, 2] > 200  # on both legs (red, BGR)
    assert out[20, 150].sum() == 0
