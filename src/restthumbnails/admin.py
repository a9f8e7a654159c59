"""A thumbnail column for the admin's change lists.

    from .admin import thumbnail_column

    class PhotoAdmin(admin.ModelAdmin):
        list_display = ["title", thumbnail_column("image", "avatar")]

The column shows an <img> of the field's thumbnail (a preset's name, or size, method
and extension), built like the tag's: no file is opened, so a page of 100 rows costs
100 signatures. A row without a file shows the admin's empty value ("-").
Nothing here is registered with the admin site.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils.html import format_html

from .api import get_thumbnail


def thumbnail_column(
    field: str,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    description: str | None = None,
) -> Callable[[Model], Any]:
    """A `list_display` entry showing the thumbnail of the file in `field`."""

    def column(obj: Model) -> Any:
        thumb = get_thumbnail(getattr(obj, field), size_or_preset, method, ext)
        if thumb is None:
            return None  # the admin prints its empty_value_display
        size = ""
        if thumb.width is not None and thumb.height is not None:
            size = format_html(' width="{}" height="{}"', thumb.width, thumb.height)
        return format_html('<img src="{}"{} alt="" loading="lazy">', thumb.url, size)

    column.short_description = description or field.replace("_", " ").capitalize()  # type: ignore[attr-defined]
    column.__name__ = f"{field}_thumbnail"
    return column
