"""Thumbnail.width/height, known without I/O, are the pixels the engine renders."""

import itertools

import pytest
from django.db.models import ImageField
from django.db.models.fields.files import ImageFieldFile

from restthumbnails.api import get_thumbnail
from restthumbnails.core.spec import make_spec
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions

from .support.failing import FailingStorage
from .support.images import decode, jpeg, png

SOURCES = [(300, 200), (200, 300), (97, 61), (40, 40), (1, 50)]
SIZES = ["120x80", "80x120", "50x50", "150x", "x33", "400x300", "7x"]
METHODS = ["crop", "scale", "smart"]


@pytest.mark.parametrize("upscale", [False, True])
def test_computed_size_is_the_rendered_size(settings, upscale: bool) -> None:
    settings.REST_THUMBNAILS_UPSCALE = upscale
    options = EngineOptions(upscale=upscale)
    for source_size in SOURCES:
        data = png(*source_size)
        for size, method in itertools.product(SIZES, METHODS):
            thumb = get_thumbnail("a.png", size, method, "png", source_size=source_size)
            assert thumb is not None
            rendered = decode(render(data, make_spec("a.png", size, method, "png"), options))
            # Input: a source of source_size pixels; answer: exactly the rendered size.
            assert (thumb.width, thumb.height) == rendered.size, (source_size, size, method)


def test_caller_gives_the_upright_size_of_an_exif_rotated_photo() -> None:
    data = jpeg(300, 200, orientation=6)  # stored 300x200, shown 200x300
    thumb = get_thumbnail("a.jpg", "100x", "scale", "jpg", source_size=(200, 300))
    assert thumb is not None and (thumb.width, thumb.height) == (100, 150)
    rendered = decode(render(data, make_spec("a.jpg", "100x", "scale", "jpg"), EngineOptions()))
    assert rendered.size == (100, 150)


def test_without_source_size_only_a_full_box_cover_is_known() -> None:
    def dims(size: str, method: str) -> tuple[int | None, int | None]:
        thumb = get_thumbnail("a.jpg", size, method, "jpg")
        assert thumb is not None
        return thumb.width, thumb.height

    assert dims("400x300", "crop") == (400, 300)
    assert dims("400x300", "smart") == (400, 300)
    assert dims("400x300", "scale") == (None, None)
    assert dims("400x", "crop") == (None, None)
    assert dims("x300", "smart") == (None, None)


def image_field_file(instance: object, *, width_field: str = "w", height_field: str = "h"):
    field = ImageField(
        storage=FailingStorage(), width_field=width_field, height_field=height_field
    )
    return ImageFieldFile(instance=instance, field=field, name="photos/a.jpg")


class Photo:
    def __init__(self, w: object, h: object) -> None:
        self.w, self.h = w, h


def test_image_field_dimension_fields_give_the_source_size() -> None:
    # FailingStorage raises on any call: the size comes from the model instance.
    thumb = get_thumbnail(image_field_file(Photo(1600, 1200)), "400x", "scale", "jpg")
    assert thumb is not None and (thumb.width, thumb.height) == (400, 300)
    # A source smaller than the box is not enlarged, and the numbers say so.
    small = get_thumbnail(image_field_file(Photo(200, 100)), "400x300", "crop", "jpg")
    assert small is not None and (small.width, small.height) == (133, 100)


@pytest.mark.parametrize("instance", [Photo(None, None), Photo(0, 10), Photo("10", 10)])
def test_empty_or_odd_dimension_fields_are_unknown(instance: Photo) -> None:
    thumb = get_thumbnail(image_field_file(instance), "400x", "scale", "jpg")
    assert thumb is not None and (thumb.width, thumb.height) == (None, None)


def test_image_field_without_dimension_fields_is_unknown() -> None:
    field_file = image_field_file(Photo(1600, 1200), width_field="", height_field="")
    thumb = get_thumbnail(field_file, "400x", "scale", "jpg")
    assert thumb is not None and thumb.width is None


@pytest.mark.parametrize("bad", [(0, 10), (10, -1), (1.5, 10), (True, 10)])
def test_bad_source_size_is_refused(bad: tuple) -> None:
    from restthumbnails.exceptions import InvalidSpec

    with pytest.raises(InvalidSpec, match="source_size"):
        get_thumbnail("a.jpg", "400x", "scale", "jpg", source_size=bad)
