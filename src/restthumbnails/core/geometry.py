"""What to cut and how big to make it: numbers only, no image library.

All sizes are of the source after EXIF orientation. A plan says which region
of the source to read and the pixel size to resample it to; the engine does
the reading in one `resize(box=...)` so no full-size crop is ever made.
"""

from dataclasses import dataclass

from .method import Method


@dataclass(frozen=True)
class Plan:
    region_width: float
    region_height: float
    width: int
    height: int

    def box(
        self, source_width: int, source_height: int, anchor: tuple[float, float] = (0.5, 0.5)
    ) -> tuple[float, float, float, float]:
        """The region placed in the source; anchor 0 = left/top, 1 = right/bottom."""
        left = (source_width - self.region_width) * anchor[0]
        top = (source_height - self.region_height) * anchor[1]
        return (left, top, left + self.region_width, top + self.region_height)


def _side(value: float) -> int:
    return max(1, round(value))


def plan_scale(
    source_width: int,
    source_height: int,
    width: int | None,
    height: int | None,
    *,
    upscale: bool,
) -> Plan:
    """Fit inside the box, keeping the aspect ratio; a missing side means any."""
    factors = []
    if width is not None:
        factors.append(width / source_width)
    if height is not None:
        factors.append(height / source_height)
    factor = min(factors)
    if not upscale:
        factor = min(factor, 1.0)
    out_width = _side(source_width * factor)
    out_height = _side(source_height * factor)
    # Rounding must never push a side past the box.
    if width is not None:
        out_width = min(out_width, width)
    if height is not None:
        out_height = min(out_height, height)
    return Plan(source_width, source_height, out_width, out_height)


def plan_cover(
    source_width: int, source_height: int, width: int, height: int, *, upscale: bool
) -> Plan:
    """The largest region with the box's aspect ratio, resampled to the box.

    Without upscaling, a region smaller than the box is returned at its own size:
    the largest piece of the source with the box's shape.
    """
    region_width = min(source_width, source_height * width / height)
    region_height = min(source_height, source_width * height / width)
    factor = width / region_width
    if factor > 1.0 and not upscale:
        return Plan(region_width, region_height, _side(region_width), _side(region_height))
    return Plan(region_width, region_height, width, height)


def plan(
    source_width: int,
    source_height: int,
    width: int | None,
    height: int | None,
    method: Method | str,
    *,
    upscale: bool,
) -> Plan:
    if Method.of(method).fits or width is None or height is None:
        return plan_scale(source_width, source_height, width, height, upscale=upscale)
    return plan_cover(source_width, source_height, width, height, upscale=upscale)


def draft_size(plan: Plan, source_width: int, source_height: int) -> tuple[int, int]:
    """The smallest whole-image size that still holds the plan's output pixels.

    A decoder that can shrink while decoding (JPEG DCT scaling) may go down to
    this size and no further without losing detail the output needs.
    """
    factor_x = plan.width / plan.region_width
    factor_y = plan.height / plan.region_height
    return (
        max(1, int(source_width * factor_x)),
        max(1, int(source_height * factor_y)),
    )


def output_size(
    width: int | None,
    height: int | None,
    method: Method | str,
    *,
    source_size: tuple[int, int] | None,
    upscale: bool,
) -> tuple[int, int] | None:
    """The pixel size a thumbnail will have, or None when it cannot be known.

    With the source's upright size this is exactly what the engine renders (the
    same `plan`). Without it, only a cover of a full box is known: its shape, at
    the box's size, which is also its pixel size unless upscaling is off and the
    source is smaller than the box.
    """
    if source_size is not None:
        layout = plan(*source_size, width, height, method, upscale=upscale)
        return layout.width, layout.height
    if Method.of(method).covers and width is not None and height is not None:
        return width, height
    return None
