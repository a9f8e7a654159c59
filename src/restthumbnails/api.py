"""Building thumbnail URLs from Python and templates. No database, cache or disk."""

from typing import Any

from django.core.files import File

from .conf import get_settings
from .spec import make_spec
from .urlbuilding import Thumbnail, signed_thumbnail


def source_name(source: Any) -> str | None:
    """The storage name of a FieldFile / File, or the string itself; None when empty."""
    if source is None:
        return None
    if isinstance(source, str):
        return source or None
    if isinstance(source, File) or hasattr(source, "name"):
        return source.name or None
    raise TypeError(f"a thumbnail source must be a file or a name, not {type(source).__name__}")


def get_thumbnail(
    source: Any, size: str, method: str, ext: str, *, base_url: str | None = None
) -> Thumbnail | None:
    """The thumbnail of `source`, or None for an empty source.

    Raises restthumbnails.exceptions.InvalidSpec for a bad size, method, ext or path.
    """
    name = source_name(source)
    if name is None:
        return None
    settings = get_settings()
    spec = make_spec(name, size, method, ext, max_dimension=settings.max_dimension)
    return signed_thumbnail(
        spec, key=settings.secret_key, base_url=settings.base_url if base_url is None else base_url
    )


def thumbnail_url(
    source: Any, size: str, method: str, ext: str, *, base_url: str | None = None
) -> str | None:
    thumb = get_thumbnail(source, size, method, ext, base_url=base_url)
    return None if thumb is None else thumb.url
