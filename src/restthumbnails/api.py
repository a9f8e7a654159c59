"""Building thumbnail URLs from Python and templates. No database, cache or disk."""

import functools
from typing import Any

from django.core.files import File

from .conf import Settings, get_settings
from .exceptions import InvalidSpec
from .spec import focus_method, make_spec
from .urlbuilding import Thumbnail, signed_thumbnail


def source_name(source: Any) -> str | None:
    """The storage name of a FieldFile / File, or the string itself; None when empty."""
    if source is None:
        return None
    if isinstance(source, str):
        return source or None
    if isinstance(source, File):  # FieldFile and ImageFieldFile are Files
        return source.name or None
    raise TypeError(f"a thumbnail source must be a file or a name, not {type(source).__name__}")


def _resolve(
    settings: Settings, size_or_preset: str, method: str | None, ext: str | None
) -> tuple[str, str, str]:
    if method is None and ext is None:
        preset = settings.presets.get(size_or_preset)
        if preset is None:
            raise InvalidSpec(f"unknown thumbnail preset {size_or_preset!r}")
        return preset.size, preset.method, preset.ext
    if method is None or ext is None:
        raise InvalidSpec("give a preset name alone, or size, method and ext")
    return size_or_preset, method, ext


# Methods a focal point replaces: an editor's point beats a guess at the centre,
# the detail or the faces. `scale` cuts nothing, so a point there is a mistake.
_FOCUSABLE = frozenset({"crop", "smart", "faces"})


def with_focus(method: str, focus: Any) -> str:
    """`method`, or the `focus-X-Y` method for `focus` (x, y in 0..1) when one is given."""
    if focus is None:
        return method
    if method not in _FOCUSABLE and not method.startswith("focus-"):
        raise InvalidSpec(f"a focal point needs a cutting method (crop), not {method!r}")
    try:
        x, y = focus
    except (TypeError, ValueError):
        raise InvalidSpec("a focal point is two numbers from 0 to 1") from None
    return focus_method(x, y)


def get_thumbnail(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    base_url: str | None = None,
    focus: Any = None,
) -> Thumbnail | None:
    """The thumbnail of `source`, or None for an empty source.

    Call it with size, method and ext (`"200x200", "crop", "jpg"`), or with the
    name of one of REST_THUMBNAILS_PRESETS alone. `focus=(0.3, 0.7)` (or a
    FocalPointField's value; None means none) crops around that point of the
    source instead, as the method `focus-30-70`. Raises
    restthumbnails.exceptions.InvalidSpec for a bad size, method, ext, preset, point or path.
    """
    name = source_name(source)
    if name is None:
        return None
    settings = get_settings()
    size, method, ext = _resolve(settings, size_or_preset, method, ext)
    method = with_focus(method, focus)
    return _build(
        name,
        size,
        method,
        ext,
        key=settings.secret_key,
        base_url=settings.base_url if base_url is None else base_url,
        max_dimension=settings.max_dimension,
    )


@functools.lru_cache(maxsize=4096)
def _build(
    name: str, size: str, method: str, ext: str, *, key: str, base_url: str, max_dimension: int
) -> Thumbnail:
    # A pure function of its arguments (the key included), so pages that show the
    # same images again pay for validation and signing once per process. Memory
    # only: nothing is read or written anywhere.
    spec = make_spec(name, size, method, ext, max_dimension=max_dimension)
    return signed_thumbnail(spec, key=key, base_url=base_url)


def thumbnail_url(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    base_url: str | None = None,
    focus: Any = None,
) -> str | None:
    thumb = get_thumbnail(source, size_or_preset, method, ext, base_url=base_url, focus=focus)
    return None if thumb is None else thumb.url
