"""Sides are rounded to the nearest pixel, and regions keep their fractions.

Scales that do not divide evenly and crops whose margins are odd are where a
floor (or a rounded box) differs from the plan: a side of 66.7 px is 67, not
66, and a centred crop of 100 out of 103 starts at 1.5, not 1 or 2.
"""

import io

import pytest
from PIL import Image, ImageDraw

from restthumbnails.core.geometry import output_size, plan
from restthumbnails.core.spec import make_spec
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions

from .support.images import jpeg


@pytest.mark.parametrize(
    ("source", "box", "method", "expected"),
    [
        # 667 * 100 / 1000 = 66.7
        ((1000, 667), (100, 100), "scale", (100, 67)),
        ((667, 1000), (None, 100), "scale", (67, 100)),
        # 479 * 100 / 641 = 74.73
        ((641, 479), (100, None), "scale", (100, 75)),
        ((641, 479), (100, None), "crop", (100, 75)),
        # Upscaling 3x2 to a width of 4: 2 * 4 / 3 = 2.67
        ((3, 2), (4, None), "scale", (4, 3)),
        # Crop without upscaling, box larger than the source: the region is
        # 107 x 107/3 = 35.67 and is kept at its own size.
        ((107, 60), (300, 100), "crop", (107, 36)),
        ((60, 107), (100, 300), "crop", (36, 107)),
    ],
)
def test_sides_are_rounded_not_floored(source, box, method, expected) -> None:
    layout = plan(*source, *box, method, upscale=(source == (3, 2)))
    assert (layout.width, layout.height) == expected
    assert output_size(*box, method, source_size=source, upscale=(source == (3, 2))) == expected


@pytest.mark.parametrize(
    ("source", "box", "region"),
    [
        # Margins of 3 and 1 pixels, split evenly: 1.5 and 0.5 on each side.
        ((103, 100), (100, 100), (1.5, 0.0, 101.5, 100.0)),
        ((100, 103), (100, 100), (0.0, 1.5, 100.0, 101.5)),
        ((101, 100), (100, 100), (0.5, 0.0, 100.5, 100.0)),
        # 1000x667 to a 2:1 box: the region is 1000 x 500, 83.5 above and below.
        ((1000, 667), (200, 100), (0.0, 83.5, 1000.0, 583.5)),
    ],
)
def test_a_centred_crop_with_odd_margins_keeps_its_half_pixels(source, box, region) -> None:
    assert plan(*source, *box, "crop", upscale=False).box(*source) == region


def thumbnail_size(data: bytes, size: str, method: str, ext: str = "jpg") -> tuple[int, int]:
    rendered = render(data, make_spec("a.jpg", size, method, ext), EngineOptions())
    return Image.open(io.BytesIO(rendered)).size


@pytest.mark.parametrize(
    ("source", "size", "method", "expected"),
    [
        ((1000, 667), "100x100", "scale", (100, 67)),
        ((641, 479), "100x", "scale", (100, 75)),
        ((107, 60), "300x100", "crop", (107, 36)),
        ((60, 107), "100x300", "crop", (36, 107)),
    ],
)
def test_the_engine_renders_the_rounded_sizes(source, size, method, expected) -> None:
    assert thumbnail_size(jpeg(*source), size, method) == expected


def test_the_engine_cuts_at_the_half_pixel_of_an_odd_margin() -> None:
    # Input: a 103x100 white PNG whose two leftmost columns are black, cropped
    # to 100x100: the region starts at x = 1.5, so the first output column is
    # centred on the black/white edge and comes out mid-grey (LANCZOS gives
    # 131). Cut at x = 1 it would be black (0); at x = 2, white (255).
    source = Image.new("L", (103, 100), 255)
    ImageDraw.Draw(source).rectangle([0, 0, 1, 99], fill=0)
    buffer = io.BytesIO()
    source.save(buffer, "PNG")
    spec = make_spec("a.png", "100x100", "crop", "png")
    rendered = render(buffer.getvalue(), spec, EngineOptions())
    out = Image.open(io.BytesIO(rendered))
    assert out.size == (100, 100)
    first_column = {out.getpixel((0, y)) for y in range(100)}
    assert all(96 <= value <= 166 for value in first_column), first_column
    assert out.getpixel((1, 50)) > 230  # past the edge: white
