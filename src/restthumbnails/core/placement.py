"""Where to place a cover region for `focus-X-Y` and `faces`: numbers only, no image library.

Both answer with an anchor for `geometry.Plan.box`: 0 puts the region against
the left/top edge, 1 against the right/bottom one. All coordinates are in one
space (the upright source, or any scaled copy of it, as long as every argument
uses the same one).
"""

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _axis_anchor(centre: float, length: float, window: float) -> float:
    slack = length - window
    if slack <= 0:
        return 0.5
    # Centre the window on the point, then slide it back inside the picture.
    start = min(max(centre - window / 2, 0.0), slack)
    return start / slack


def anchor_on_point(
    point: tuple[float, float], size: tuple[float, float], region: tuple[float, float]
) -> tuple[float, float]:
    """Anchor putting `point` (fractions 0..1 of `size`) as near the region's centre as fits."""
    return (
        _axis_anchor(point[0] * size[0], size[0], region[0]),
        _axis_anchor(point[1] * size[1], size[1], region[1]),
    )


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def group_to_keep(boxes: list[Box], region: tuple[float, float]) -> list[Box]:
    """The faces to keep: all of them when they fit in the region together, else the
    group that fits with the most face area (a big face beats a few distant small ones).

    A face larger than the region on its own is kept alone (centred, so cut evenly)
    when nothing fits. Small inputs only: a detector finds a handful of faces.
    """
    if not boxes:
        return []
    width, height = region
    best: list[Box] = []
    best_area = 0.0
    # Any group that fits can be moved until its left edge is some face's left
    # edge and its top edge some face's top edge: trying those windows is enough.
    for left in sorted({b[0] for b in boxes}):
        for top in sorted({b[1] for b in boxes}):
            inside = [
                b
                for b in boxes
                if b[0] >= left and b[1] >= top and b[2] <= left + width and b[3] <= top + height
            ]
            area = sum(_area(b) for b in inside)
            if area > best_area:
                best, best_area = inside, area
    return best or [max(boxes, key=_area)]


def anchor_on_faces(
    boxes: list[Box], size: tuple[float, float], region: tuple[float, float]
) -> tuple[float, float] | None:
    """Anchor keeping the faces `group_to_keep` picks, centred; None when there are none."""
    group = group_to_keep(boxes, region)
    if not group:
        return None
    left, top, right, bottom = _union(group)
    centre = ((left + right) / 2 / size[0], (top + bottom) / 2 / size[1])
    return anchor_on_point(centre, size, region)
