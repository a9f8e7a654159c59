"""Where focal-point and face crops go: numbers only."""

import pytest

from restthumbnails.core.geometry import plan_cover
from restthumbnails.core.placement import anchor_on_faces, anchor_on_point, group_to_keep


@pytest.mark.parametrize(
    ("point", "anchor"),
    [
        ((0.5, 0.5), (0.5, 0.5)),
        ((0.0, 0.5), (0.0, 0.5)),  # against the left edge
        ((1.0, 0.5), (1.0, 0.5)),
        ((0.1, 0.5), (0.0, 0.5)),  # 100 - 200 < 0: the region cannot centre it
        ((0.25, 0.5), (50 / 600, 0.5)),
        ((0.5, 0.1), (0.5, 0.5)),  # the region spans the whole height
    ],
)
def test_point_is_centred_as_far_as_the_source_allows(point, anchor) -> None:
    assert anchor_on_point(point, (1000, 400), (400, 400)) == pytest.approx(anchor)


def test_point_lands_at_the_centre_of_the_cut_when_it_can() -> None:
    layout = plan_cover(1000, 400, 200, 200, upscale=False)
    anchor = anchor_on_point((0.55, 0.5), (1000, 400), (layout.region_width, layout.region_height))
    left, _, right, _ = layout.box(1000, 400, anchor)
    assert (left + right) / 2 == pytest.approx(550)


def test_all_faces_are_kept_when_they_fit_together() -> None:
    boxes = [(100, 10, 150, 60), (300, 20, 340, 60)]
    assert sorted(group_to_keep(boxes, (400, 100))) == sorted(boxes)
    anchor = anchor_on_faces(boxes, (1000, 100), (400, 100))
    assert anchor is not None
    left = (1000 - 400) * anchor[0]
    assert left <= 100 and left + 400 >= 340


def test_the_group_with_most_face_area_wins_when_not_all_fit() -> None:
    big = (700, 0, 790, 90)
    small = [(0, 10, 20, 30), (40, 10, 60, 30), (80, 10, 100, 30)]
    assert group_to_keep([*small, big], (200, 100)) == [big]
    pair = [(0, 0, 90, 90), (100, 0, 190, 90)]
    assert sorted(group_to_keep([*pair, big], (200, 100))) == pair


def test_a_face_larger_than_the_cut_is_centred_alone() -> None:
    huge = (200, 0, 600, 400)
    assert group_to_keep([huge], (100, 400)) == [huge]
    anchor = anchor_on_faces([huge], (1000, 400), (100, 400))
    assert anchor is not None and (1000 - 100) * anchor[0] + 50 == pytest.approx(400)


def test_no_faces_gives_no_anchor() -> None:
    assert anchor_on_faces([], (100, 100), (50, 100)) is None
