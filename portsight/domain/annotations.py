"""The expert's marks on the inspector's picture: what a mark is and when it is valid.

A mark is a circle, arrow, box or text label placed with normalised coordinates (0..1 of the
frame's width and height), so it lands on the same spot whatever resolution the browser
sends. Drawing marks on frames is media work and lives in ``portsight.calls.overlay``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("circle", "arrow", "box", "text")
DEFAULT_COLOUR = "#ff0000"
MAX_LABEL = 60


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


@dataclass(frozen=True)
class Mark:
    """One mark. circle: centre (x1, y1), a point on the rim (x2, y2); arrow: tail -> head;
    box: two opposite corners; text: label anchored at its top-left (x1, y1)."""

    kind: str
    x1: float
    y1: float
    x2: float = 0.0
    y2: float = 0.0
    colour: str = DEFAULT_COLOUR
    text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidMark(f"Unknown mark {self.kind!r}; use one of {', '.join(KINDS)}.")
        for name in ("x1", "y1", "x2", "y2"):
            object.__setattr__(self, name, _unit(getattr(self, name), name))
        parse_colour(self.colour)
        label = (self.text or "").strip()
        if self.kind == "text" and not label:
            raise InvalidMark("A text mark needs a label.")
        if len(label) > MAX_LABEL:
            raise InvalidMark(f"A label is at most {MAX_LABEL} characters.")
        object.__setattr__(self, "text", label)

    def to_dict(self) -> dict[str, str | float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mark:
        return cls(**{k: data[k] for k in ("kind", "x1", "y1", "x2", "y2", "colour", "text") if k in data})


def marks_to_dicts(marks: Sequence[Mark]) -> list[dict[str, str | float]]:
    return [m.to_dict() for m in marks]


def marks_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[Mark]:
    return [Mark.from_dict(d) for d in items]
