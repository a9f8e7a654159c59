"""A Django REST framework serializer field. Needs `restthumbnails[drf]`.

    from .rest_framework import ThumbnailField

    class PhotoSerializer(serializers.ModelSerializer):
        thumbnail = ThumbnailField(source="image", size="400x300", method="crop",
                                   ext="webp", widths="320 640 960")

gives {"url": ..., "width": 400, "height": 300, "srcset": "... 320w, ..."}
(or null for an empty file). A relative REST_THUMBNAILS_BASE_URL is made
absolute with the request in the serializer's context, as DRF does for files.
"""

from typing import Any

from .extras import packages_missing

try:
    from rest_framework import serializers
except ImportError as exc:  # one line naming the fix, not only "No module named"
    missing = packages_missing("restthumbnails.rest_framework", ("rest_framework",), "drf")
    raise ImportError(missing) from exc

from .api import Densities, Widths, get_thumbnail, srcset
from .conf import base_url as resolved_base_url
from .conf import get_settings


class ThumbnailField(serializers.Field):
    """Read-only: the thumbnail of a file (or storage name) attribute, with its srcset."""

    def __init__(
        self,
        *,
        size: str,
        method: str | None = None,
        ext: str | None = None,
        widths: Widths = None,
        densities: Densities = None,
        **kwargs: Any,
    ) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        # `size` alone names a preset, as in get_thumbnail().
        self.arguments = (size, method, ext)
        self.widths = widths
        self.densities = densities

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        base_url = self._base_url()
        thumb = get_thumbnail(value, *self.arguments, base_url=base_url)
        if thumb is None:
            return None
        candidates = None
        if self.widths is not None or self.densities is not None or self._preset_has_list():
            candidates = srcset(
                value,
                *self.arguments,
                widths=self.widths,
                densities=self.densities,
                base_url=base_url,
            )
        return {
            "url": thumb.url,
            "width": thumb.width,
            "height": thumb.height,
            "srcset": candidates,
        }

    def _preset_has_list(self) -> bool:
        size, method, ext = self.arguments
        preset = get_settings().presets.get(size) if method is None and ext is None else None
        return preset is not None and bool(preset.widths or preset.densities)

    def _base_url(self) -> str | None:
        base_url = resolved_base_url(get_settings())
        request = self.context.get("request")
        if request is None or "://" in base_url:
            return None
        return request.build_absolute_uri(base_url)
