"""A model field for an editor's focal point: `focus=photo.point` in the tag and the API.

    from .fields import FocalPointField

    class Photo(models.Model):
        image = models.ImageField()
        point = FocalPointField(image_field="image")

    {% thumbnail photo.image "400x300" "crop" "webp" focus=photo.point as thumb %}

The value is `None` (no point: the method's own cut) or a `FocalPoint(x, y)`, fractions
0..1 across and down the upright image, stored in one text column as `"0.3000,0.7000"`.
One column keeps the point one value: it is set, cleared and NULL as a whole (never one
number without the other), it needs no composite-field machinery, and four decimals are
finer than the whole percent the URL keeps. Its form field shows the image of
`image_field` with a marker where the point is; a click moves it (widgets.py). This
module is an entry point: the package's core never imports it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.boundfield import BoundField

from .widgets import IMAGE_URL_ATTR, FocalPointWidget

# "0.3000,0.7000" is 13 characters; room for "1.0000,1.0000" and nothing else.
COLUMN_LENGTH = 13
DECIMALS = 4
INVALID = "A focal point is two numbers from 0 to 1, across then down, such as “0.3,0.7”."


class FocalPoint(NamedTuple):
    """A point as fractions of the upright image: (0, 0) top left, (1, 1) bottom right."""

    x: float
    y: float

    def __str__(self) -> str:
        return f"{self.x:g},{self.y:g}"


def to_focal_point(value: Any) -> FocalPoint | None:
    """`None` for an empty value, else a checked, rounded `FocalPoint`.

    Accepts a `FocalPoint`, any 2-sequence of numbers, or text `"x,y"`; anything else
    raises `ValidationError` (code "invalid").
    """
    if value is None or value == "" or (isinstance(value, Sequence) and len(value) == 0):
        return None
    if isinstance(value, str):
        parts: Sequence[Any] = value.split(",")
    elif isinstance(value, Sequence):
        parts = value
    else:
        raise ValidationError(INVALID, code="invalid")
    if len(parts) != 2:
        raise ValidationError(INVALID, code="invalid")
    numbers = []
    for part in parts:
        if isinstance(part, bool):
            raise ValidationError(INVALID, code="invalid")
        try:
            number = float(part.strip() if isinstance(part, str) else part)
        except (TypeError, ValueError):
            raise ValidationError(INVALID, code="invalid") from None
        if not (math.isfinite(number) and 0 <= number <= 1):
            raise ValidationError(INVALID, code="invalid")
        numbers.append(round(number, DECIMALS))
    return FocalPoint(numbers[0], numbers[1])


class FocalPointFormField(forms.Field):
    """Text "x,y" in a form; with its widget, a click on the image fills it in."""

    widget = FocalPointWidget

    def __init__(self, *, image_field: str | None = None, **kwargs: Any) -> None:
        self.image_field = image_field
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> FocalPoint | None:
        if isinstance(value, str):
            value = value.strip()
        return to_focal_point(value)

    def prepare_value(self, value: Any) -> Any:
        try:
            point = to_focal_point(value)
        except ValidationError:
            return value  # the editor's own text, shown again with the error
        return "" if point is None else str(point)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return to_focal_point(initial) != self.to_python(data)
        except ValidationError:
            return True

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> BoundField:
        return _ImageBoundField(form, self, field_name)


class _ImageBoundField(BoundField):
    """Hands the widget the URL of the image on the form's model instance."""

    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> dict[str, Any]:
        built: dict[str, Any] = super().build_widget_attrs(attrs, widget)
        url = _image_url(self.form, getattr(self.field, "image_field", None))
        if url:
            built[IMAGE_URL_ATTR] = url
        return built


def _image_url(form: forms.BaseForm, image_field: str | None) -> str | None:
    instance = getattr(form, "instance", None)
    if image_field is None or instance is None:
        return None
    file = getattr(instance, image_field)  # a typo in image_field fails loudly here
    # A file just uploaded with a form that did not validate is not stored yet.
    if not file or not getattr(file, "_committed", True):
        return None
    try:
        return str(file.url)
    except (ValueError, NotImplementedError):
        return None


class FocalPointField(models.Field):
    """`None` or a `FocalPoint(x, y)`; nullable and optional unless told otherwise.

    `image_field` names the model's image field that the admin widget shows.
    """

    description = "A focal point: two numbers from 0 to 1"

    def __init__(self, *args: Any, image_field: str | None = None, **kwargs: Any) -> None:
        self.image_field = image_field
        kwargs["max_length"] = COLUMN_LENGTH
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        for flag in ("null", "blank"):
            if kwargs.get(flag, False) is True:
                del kwargs[flag]
            else:
                kwargs[flag] = False
        if self.image_field is not None:
            kwargs["image_field"] = self.image_field
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "CharField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> FocalPoint | None:
        return to_focal_point(value)

    def to_python(self, value: Any) -> FocalPoint | None:
        return to_focal_point(value)

    def get_prep_value(self, value: Any) -> str | None:
        point = to_focal_point(super().get_prep_value(value))
        if point is None:
            return None
        return f"{point.x:.{DECIMALS}f},{point.y:.{DECIMALS}f}"

    def value_to_string(self, obj: models.Model) -> str:
        point = to_focal_point(self.value_from_object(obj))
        return "" if point is None else str(point)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(
            **{"form_class": FocalPointFormField, "image_field": self.image_field, **kwargs}
        )
