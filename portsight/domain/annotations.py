"""The expert's marks on the inspector's picture: what a mark is and when it is valid.

A mark is a circle, arrow, box, text label or free line placed with normalised coordinates
(0..1 of the frame's width and height), so it lands on the same spot whatever resolution the
browser sends. ``mark_from_gesture`` turns what the expert drew on the live picture (a tap or a
drag) into a mark. Drawing marks on frames is media work and lives in ``portsight.calls.overlay``;
following them as the camera moves is ``portsight.calls.tracking``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("circle", "arrow", "box", "text", "line")
DEFAULT_COLOUR = "#ff0000"
MAX_LABEL = 60
MAX_LINE_POINTS = 64
# A tap (a press without a drag) marks a spot: a circle of this radius (share of the picture's width).
TAP_RADIUS = 0.04
# A drag that stays this close to where it began (share of the picture) is a tap: fingers wobble.
TAP_DISTANCE = 0.015


class InvalidMark(ValueError):
    """A mark that cannot be drawn; the message says which value is wrong."""


def parse_colour(value: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b)."""
    text = value.strip().lstrip("#")
    if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise InvalidMark(f"Colour {value!r} is not of the form #rrggbb.")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _unit(value: float, name: str) -> float:
    number = float(value)
    if math.isnan(number):
        raise InvalidMark(f"{name} is not a number.")
    return min(1.0, max(0.0, number))


def _line_points(points: Any) -> tuple[tuple[float, float], ...]:
    """A free line's points, each (x, y) in 0..1; a clear error for anything else."""
    if not isinstance(points, (list, tuple)):
        raise InvalidMark("A free line is a list of points.")
    if not 2 <= len(points) <= MAX_LINE_POINTS:
        raise InvalidMark(f"A free line has 2 to {MAX_LINE_POINTS} points, not {len(points)}.")
    out = []
    for point in points:
        if not isinstance(point, (list, tuple)) or len(point) != 2:
            raise InvalidMark("Each point of a free line is a pair (x, y).")
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            raise InvalidMark("A point of a free line is not a number.") from None
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):  # also refuses NaN
            raise InvalidMark("A point of a free line lies outside the picture (0 to 1).")
        out.append((x, y))
    return tuple(out)


@dataclass(frozen=True)
class Mark:
    """One mark. circle: centre (x1, y1), a point on the rim (x2, y2); arrow: tail -> head;
    box: two opposite corners; text: label anchored at its top-left (x1, y1); line: the points
    of a free line (x1, y1 its first point, x2, y2 its last)."""

    kind: str
    x1: float
    y1: float
    x2: float = 0.0
    y2: float = 0.0
    colour: str = DEFAULT_COLOUR
    text: str = ""
    points: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidMark(f"Unknown mark {self.kind!r}; use one of {', '.join(KINDS)}.")
        if self.kind == "line":
            points = _line_points(self.points)
            object.__setattr__(self, "points", points)
            (x1, y1), (x2, y2) = points[0], points[-1]
            object.__setattr__(self, "x1", x1)
            object.__setattr__(self, "y1", y1)
            object.__setattr__(self, "x2", x2)
            object.__setattr__(self, "y2", y2)
        elif self.points:
            raise InvalidMark("Only a free line has points.")
        for name in ("x1", "y1", "x2", "y2"):
            object.__setattr__(self, name, _unit(getattr(self, name), name))
        parse_colour(self.colour)
        label = (self.text or "").strip()
        if self.kind == "text" and not label:
            raise InvalidMark("A text mark needs a label.")
        if len(label) > MAX_LABEL:
            raise InvalidMark(f"A label is at most {MAX_LABEL} characters.")
        object.__setattr__(self, "text", label)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mark:
        fields = ("kind", "x1", "y1", "x2", "y2", "colour", "text", "points")
        return cls(**{k: data[k] for k in fields if k in data})


def marks_to_dicts(marks: Sequence[Mark]) -> list[dict[str, Any]]:
    return [m.to_dict() for m in marks]


def marks_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[Mark]:
    return [Mark.from_dict(d) for d in items]


def mark_from_gesture(kind: str, points: Any, colour: str = DEFAULT_COLOUR, label: str = "") -> Mark:
    """The mark the expert drew: ``points`` is the pointer's path (x, y in 0..1), press to release.

    A tap marks a spot: a text label there when the kind is text, else a circle around it. A drag
    draws the chosen kind from where it started to where it ended (a circle's rim passes through
    the release point; a text label sits where the drag ended); a free line keeps the path.
    """
    if isinstance(points, (list, tuple)) and len(points) == 1:
        points = [points[0], points[0]]
    path = _line_points(points)
    (x1, y1), (x2, y2) = path[0], path[-1]
    tapped = max(math.dist(p, path[0]) for p in path) < TAP_DISTANCE
    if kind == "text":
        return Mark("text", x2, y2, colour=colour, text=label)
    if tapped:
        rim = x1 + TAP_RADIUS if x1 + TAP_RADIUS <= 1.0 else x1 - TAP_RADIUS
        return Mark("circle", x1, y1, rim, y1, colour=colour, text=label)
    if kind == "line":
        return Mark("line", x1, y1, colour=colour, text=label, points=path)
    return Mark(kind, x1, y1, x2, y2, colour=colour, text=label)
