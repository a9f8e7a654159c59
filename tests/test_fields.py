"""FocalPointField: the value, its column, its migration, its form, and `focus=`."""

import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps

from restthumbnails.api import get_thumbnail
from restthumbnails.fields import FocalPoint, FocalPointField
from restthumbnails.widgets import IMAGE_URL_ATTR


@pytest.fixture
def photo_model() -> Iterator[Any]:
    with isolate_apps("tests"):

        class Photo(models.Model):
            image = models.ImageField(upload_to="photos")
            point = FocalPointField(image_field="image")

            class Meta:
                app_label = "tests"

        yield Photo


@pytest.fixture
def photo_form(photo_model: Any) -> Any:
    return forms.modelform_factory(photo_model, fields=["image", "point"])


def column(field: FocalPointField, value: Any) -> Any:
    """What the database stores for `value`, and what a query gives back from it."""
    stored = field.get_prep_value(value)
    return stored, field.from_db_value(stored, None, None)


@pytest.mark.parametrize(
    "value",
    [FocalPoint(0.3, 0.7), (0.3, 0.7), [0.3, 0.7], "0.3,0.7", " 0.3 , 0.7 ", ("0.3", "0.7")],
)
def test_a_point_is_stored_as_text_and_read_back_as_a_focal_point(value: Any) -> None:
    stored, read = column(FocalPointField(), value)
    assert stored == "0.3000,0.7000"
    assert read == FocalPoint(0.3, 0.7)
    assert isinstance(read, FocalPoint) and (read.x, read.y) == (0.3, 0.7)


def test_no_point_is_null() -> None:
    for empty in (None, "", ()):
        assert column(FocalPointField(), empty) == (None, None)


def test_the_corners_fit_the_column_and_finer_points_round_to_four_decimals() -> None:
    field = FocalPointField()
    assert column(field, (0, 1)) == ("0.0000,1.0000", FocalPoint(0.0, 1.0))
    assert column(field, (1, 1))[0] == "1.0000,1.0000"
    assert len("1.0000,1.0000") == field.max_length
    assert column(field, (0.123456, 0.98765))[1] == FocalPoint(0.1235, 0.9877)


@pytest.mark.parametrize(
    "value",
    [
        (1.2, 0.5),
        (0.5, -0.01),
        (math.nan, 0.5),
        (0.5, math.inf),
        (True, 0.5),
        (0.5,),
        (0.1, 0.2, 0.3),
        "0.3",
        "0.3;0.7",
        "a,b",
        "0.3,",
        42,
    ],
)
def test_anything_but_two_numbers_from_0_to_1_is_a_validation_error(
    value: Any, photo_model: Any
) -> None:
    field = photo_model._meta.get_field("point")
    with pytest.raises(ValidationError) as error:
        field.clean(value, photo_model())
    assert error.value.messages == [
        "A focal point is two numbers from 0 to 1, across then down, such as “0.3,0.7”."
    ]
    with pytest.raises(ValidationError):
        field.get_prep_value(value)


def test_deconstruct_gives_back_the_field_a_migration_writes() -> None:
    _, path, args, kwargs = FocalPointField(image_field="image").deconstruct()
    assert path == "restthumbnails.fields.FocalPointField"
    assert args == []
    assert kwargs == {"image_field": "image"}
    assert FocalPointField().deconstruct()[3] == {}
    strict = FocalPointField(null=False, blank=False, verbose_name="focus")
    kwargs = strict.deconstruct()[3]
    assert kwargs == {"null": False, "blank": False, "verbose_name": "focus"}
    rebuilt = FocalPointField(**kwargs)
    assert (rebuilt.null, rebuilt.blank) == (False, False)
    assert rebuilt.deconstruct()[3] == kwargs


def test_the_column_is_a_short_nullable_varchar(photo_model: Any) -> None:
    field = photo_model._meta.get_field("point")
    assert field.get_internal_type() == "CharField"
    assert (field.null, field.blank, field.max_length) == (True, True, 13)


def test_the_form_parses_the_text_an_editor_types(photo_form: Any) -> None:
    form = photo_form(data={"point": " 0.3, 0.7 "})
    form.is_valid()
    assert "point" not in form.errors
    assert form.cleaned_data["point"] == FocalPoint(0.3, 0.7)

    form = photo_form(data={"point": ""})
    form.is_valid()
    assert "point" not in form.errors and form.cleaned_data["point"] is None

    form = photo_form(data={"point": "1.5,0.2"})
    assert not form.is_valid()
    assert form.errors["point"] == [
        "A focal point is two numbers from 0 to 1, across then down, such as “0.3,0.7”."
    ]
    # The editor's text comes back with the error, not a blank field.
    assert 'value="1.5,0.2"' in str(form["point"])


def test_the_form_knows_when_the_point_did_not_change(photo_model: Any, photo_form: Any) -> None:
    photo = photo_model(image="photos/a.png", point=FocalPoint(0.3, 0.7))
    assert not photo_form(data={"point": "0.30,0.7"}, instance=photo).has_changed()
    assert photo_form(data={"point": "0.31,0.7"}, instance=photo).changed_data == ["point"]


def test_the_widget_shows_the_instance_image_and_the_point(
    photo_model: Any, photo_form: Any, settings: Any
) -> None:
    settings.MEDIA_URL = "/media/"
    photo = photo_model(image="photos/a.png", point=FocalPoint(0.875, 0.5))
    html = str(photo_form(instance=photo)["point"])
    assert 'name="point"' in html and 'value="0.875,0.5"' in html
    assert '<img src="/media/photos/a.png"' in html
    assert IMAGE_URL_ATTR not in html
    assert "<script" not in html and "style=" not in html  # strict CSP: static files only
    media = str(photo_form().media)
    assert "restthumbnails/focal_point.js" in media
    assert "restthumbnails/focal_point.css" in media


def test_without_an_image_the_widget_is_the_text_input_alone(
    photo_model: Any, photo_form: Any
) -> None:
    for form in (photo_form(), photo_form(instance=photo_model(point=(0.3, 0.7)))):
        html = str(form["point"])
        assert '<input type="text" name="point"' in html
        assert "<img" not in html and "Clear" not in html


def test_a_point_from_the_model_gives_the_focus_method(photo_model: Any) -> None:
    field = photo_model._meta.get_field("point")
    # As a query gives it: read back from the column.
    photo = photo_model(image="photos/a.png", point=column(field, "0.3,0.7")[1])
    thumb = get_thumbnail(photo.image, "200x200", "crop", "png", focus=photo.point)
    assert thumb is not None and "/200x200/focus-30-70/" in thumb.url
    photo.point = None
    thumb = get_thumbnail(photo.image, "200x200", "crop", "png", focus=photo.point)
    assert thumb is not None and "/200x200/crop/" in thumb.url


def test_the_package_core_does_not_import_the_field() -> None:
    code = (
        "import sys, django; django.setup();"
        "import restthumbnails.api, restthumbnails.serving.views,"
        " restthumbnails.templatetags.thumbnail;"
        "print(sorted(m for m in sys.modules if m in"
        " ('restthumbnails.fields', 'restthumbnails.widgets')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "[]"
