"""The admin widget of `FocalPointField`: the image, a marker, a click sets the point.

Without JavaScript it is a plain text input taking "x,y" (fractions 0..1 across and
down). With `restthumbnails/focal_point.js` (a static file, no inline script or style
attribute, so a strict Content-Security-Policy allows it), a click on the image writes
the point into that input and moves the marker; "Clear" empties it. The form field
(fields.py) passes the image's URL from the form's model instance.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

# The attribute the form field uses to hand over the image's URL; never rendered.
IMAGE_URL_ATTR = "data-restthumbnails-image-url"


class FocalPointWidget(forms.TextInput):
    template_name = "restthumbnails/widgets/focal_point.html"

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("restthumbnails/focal_point.css",)}
        js = ("restthumbnails/focal_point.js",)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        image_url = attrs.pop(IMAGE_URL_ATTR, None)
        context: dict[str, Any] = super().get_context(name, value, attrs)
        context["widget"]["image_url"] = image_url
        return context
