"""Where to cut for `smart`: the window with the most detail (entropy).

The cover region always spans the whole width or the whole height of the
source, so only one axis is free. We slide the window along it on a small
grey copy (at most ~128 px on the short side) and keep the busiest place.
"""

from PIL import Image, ImageFilter

_WORK_SIDE = 128
_STEPS = 24


def entropy_anchor(
    image: Image.Image, region_width: float, region_height: float
) -> tuple[float, float]:
    """Anchor (0..1, 0..1) for a region of the given size within `image`."""
    slack_x = image.width - region_width
    slack_y = image.height - region_height
    if slack_x < 1 and slack_y < 1:
        return (0.5, 0.5)
    factor = max(1, min(image.size) // _WORK_SIDE)
    small = image.reduce(factor) if factor > 1 else image
    # Edges, not raw tones: a smooth gradient has high histogram entropy but no detail.
    edges = small.convert("L").filter(ImageFilter.FIND_EDGES)
    free_is_x = slack_x >= slack_y
    window = (region_width if free_is_x else region_height) / factor
    length = edges.width if free_is_x else edges.height
    best_offset, best_score = 0.0, -1.0
    for step in range(_STEPS + 1):
        # Walk from the centre outwards so ties keep the centred cut.
        offset = _centre_out(step, _STEPS) * (length - window)
        box = (
            (offset, 0, offset + window, edges.height)
            if free_is_x
            else (0, offset, edges.width, offset + window)
        )
        left, top, right, bottom = (round(v) for v in box)
        score = edges.crop((left, top, right, bottom)).entropy()
        if score > best_score + 1e-9:
            best_offset, best_score = offset, score
    fraction = best_offset / (length - window) if length - window > 0 else 0.5
    return (fraction, 0.5) if free_is_x else (0.5, fraction)


def _centre_out(step: int, steps: int) -> float:
    """0.5, then alternately right and left of it, ending at 0 and 1."""
    half = (step + 1) // 2
    delta = half / steps
    return 0.5 + delta if step % 2 else 0.5 - delta
