"""The method part of a thumbnail URL, parsed once: what kind of cut, and where.

    crop | scale | smart | faces | focus-X-Y     (X, Y: whole percent, 0..100)

A `Method` equals its URL text (`Method.parse("crop") == "crop"`) and hashes
like it, so a spec still compares with the text that names it; code decides by
`kind` and the properties, never by comparing spellings.
"""

import re
from dataclasses import dataclass
from typing import Literal

from ..exceptions import InvalidSpec

Kind = Literal["crop", "scale", "smart", "faces", "focus"]
# The methods spelt by their kind alone; `focus` always carries its point.
_NAMED: dict[str, Kind] = {"crop": "crop", "scale": "scale", "smart": "smart", "faces": "faces"}
METHODS = frozenset(_NAMED)
FOCUS: Kind = "focus"
# A focal point in whole percent of the upright source, x then y: 0..100 with no
# leading zero, so each point has one spelling ("focus-30-70", never "focus-030-70").
_PERCENT = r"(0|[1-9][0-9]?|100)"
_FOCUS = re.compile(rf"{FOCUS}-(?P<x>{_PERCENT})-(?P<y>{_PERCENT})")
_BAD_METHOD = "method must be crop, scale, smart, faces or focus-X-Y (0..100)"


@dataclass(frozen=True, eq=False)
class Method:
    kind: Kind
    point: tuple[int, int] | None = None  # whole percent, for `focus` only

    def __post_init__(self) -> None:
        if self.kind == FOCUS:
            valid = self.point is not None and all(
                type(side) is int and 0 <= side <= 100 for side in self.point
            )
        else:
            valid = self.kind in METHODS and self.point is None
        if not valid:
            raise InvalidSpec(_BAD_METHOD)

    @classmethod
    def parse(cls, text: str) -> "Method":
        """The method a URL names; InvalidSpec for anything but the canonical spelling."""
        kind = _NAMED.get(text) if isinstance(text, str) else None
        if kind is not None:
            return cls(kind)
        match = _FOCUS.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidSpec(_BAD_METHOD)
        return cls(FOCUS, (int(match["x"]), int(match["y"])))

    @classmethod
    def of(cls, value: "Method | str") -> "Method":
        """`value` itself, or the method its URL text names."""
        return value if isinstance(value, Method) else cls.parse(value)

    @classmethod
    def focus_at(cls, x: float, y: float) -> "Method":
        """The focus method for a point given as fractions 0..1 of the source.

        Rounded to whole percent: finer points would only multiply URLs for the
        same picture (one percent of a 4000 px photo is 40 px).
        """
        for value in (x, y):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= 1
            ):
                raise InvalidSpec("a focal point is two numbers from 0 to 1")
        return cls(FOCUS, (round(x * 100), round(y * 100)))

    @property
    def fits(self) -> bool:
        """Fit inside the box, cutting nothing (`scale`)."""
        return self.kind == "scale"

    @property
    def covers(self) -> bool:
        """Fill the box and cut what sticks out; a focal point may place the cut."""
        return not self.fits

    @property
    def focal_point(self) -> tuple[float, float] | None:
        """The point (0..1, 0..1) the cut is centred on, None when the method has none."""
        if self.point is None:
            return None
        return self.point[0] / 100, self.point[1] / 100

    @property
    def finds_faces(self) -> bool:
        return self.kind == "faces"

    @property
    def needs_detail(self) -> bool:
        """Place the cut on the busiest part of the picture (`smart`, and `faces`
        where no face is found)."""
        return self.kind in ("smart", "faces")

    def __str__(self) -> str:
        if self.point is None:
            return self.kind
        return f"{FOCUS}-{self.point[0]}-{self.point[1]}"

    def __repr__(self) -> str:
        return f"Method({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Method):
            return (self.kind, self.point) == (other.kind, other.point)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))
