import pytest

from restthumbnails.core.geometry import draft_size, plan


def out(plan_) -> tuple[int, int]:
    return (plan_.width, plan_.height)


@pytest.mark.parametrize(
    ("source", "size", "method", "expected"),
    [
        # scale fits inside the box
        ((4000, 3000), (200, 200), "scale", (200, 150)),
        ((3000, 4000), (200, 200), "scale", (150, 200)),
        ((1000, 1000), (200, 100), "scale", (100, 100)),
        # crop and smart cover the box exactly
        ((4000, 3000), (200, 200), "crop", (200, 200)),
        ((3000, 4000), (300, 100), "crop", (300, 100)),
        ((1000, 1000), (200, 50), "smart", (200, 50)),
        # one side given: every method scales so that side matches
        ((4000, 3000), (400, None), "crop", (400, 300)),
        ((4000, 3000), (None, 300), "smart", (400, 300)),
        ((3000, 4000), (None, 100), "scale", (75, 100)),
    ],
)
def test_output_sizes(source, size, method, expected) -> None:
    assert out(plan(*source, *size, method, upscale=False)) == expected


def test_no_upscaling_keeps_small_sources_small() -> None:
    assert out(plan(100, 80, 400, 400, "scale", upscale=False)) == (100, 80)
    assert out(plan(100, 80, 400, None, "scale", upscale=False)) == (100, 80)
    # crop: the largest piece of the source with the box's aspect ratio
    assert out(plan(100, 80, 400, 200, "crop", upscale=False)) == (100, 50)
    assert out(plan(100, 80, 200, 400, "crop", upscale=False)) == (40, 80)


def test_upscaling_when_allowed() -> None:
    assert out(plan(100, 80, 400, 400, "scale", upscale=True)) == (400, 320)
    assert out(plan(100, 80, 400, 200, "crop", upscale=True)) == (400, 200)


def test_crop_region_is_centred_and_has_the_box_shape() -> None:
    layout = plan(4000, 3000, 200, 200, "crop", upscale=False)
    assert layout.box(4000, 3000) == (500.0, 0.0, 3500.0, 3000.0)
    assert layout.box(4000, 3000, anchor=(1.0, 0.5)) == (1000.0, 0.0, 4000.0, 3000.0)


def test_draft_size_keeps_enough_pixels_for_the_output() -> None:
    layout = plan(4000, 3000, 200, 200, "crop", upscale=False)
    # the 3000x3000 region shrinks 15x; the whole image may shrink as much
    assert draft_size(layout, 4000, 3000) == (266, 200)


def test_sides_never_round_to_zero() -> None:
    assert out(plan(10000, 10, 100, 100, "scale", upscale=False)) == (100, 1)
