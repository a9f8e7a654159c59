"""Where a thumbnail was cut from, found by comparing it with its source."""

import numpy
from PIL import Image


def cut_offset(source: Image.Image, thumb: Image.Image) -> tuple[int, int]:
    """The top-left corner, in source pixels, of the region `thumb` shows.

    The region is the largest one with the thumbnail's shape, so it spans the
    source's whole width or height and only one offset is free: try them all.
    """
    source = source.convert("L")
    scale = min(source.width / thumb.width, source.height / thumb.height)
    region = (round(thumb.width * scale), round(thumb.height * scale))
    wanted = numpy.asarray(thumb.convert("L").resize(region, Image.Resampling.BILINEAR), float)
    pixels = numpy.asarray(source, float)
    free_x = source.width - region[0]
    free_y = source.height - region[1]
    best, best_error = (0, 0), float("inf")
    for offset in range(max(free_x, free_y) + 1):
        left, top = (offset, 0) if free_x > free_y else (0, offset)
        window = pixels[top : top + region[1], left : left + region[0]]
        error = float(numpy.abs(window - wanted).mean())
        if error < best_error:
            best, best_error = (left, top), error
    return best


def box_inside(box: tuple[float, ...], corner: tuple[int, int], size: tuple[int, int]) -> bool:
    left, top, right, bottom = box
    return (
        left >= corner[0]
        and top >= corner[1]
        and right <= corner[0] + size[0]
        and bottom <= corner[1] + size[1]
    )
