"""Building thumbnail URLs from Python and templates. No database, cache or disk."""

import dataclasses
import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.core.signals import setting_changed
from django.db.models.fields.files import ImageFieldFile
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from .conf import Settings, get_settings, source_storage
from .conf import base_url as resolved_base_url
from .core import advice
from .core import formats as output_formats
from .core.geometry import output_size
from .core.markup import AttributeValue, picture_html, source_tags, srcset_value
from .core.method import Method
from .core.policy import Preset, allow_key
from .core.responsive import candidates, parse_densities, parse_formats, parse_widths
from .core.spec import make_spec, parse_size
from .core.urlbuilding import Thumbnail, signed_thumbnail
from .exceptions import InvalidSpec, NotAllowed
from .storage.access import local_path

SourceSize = tuple[int, int]


def source_name(source: Any) -> str | None:
    """The storage name of a FieldFile / File, or the string itself; None when empty.

    A File from `storage.open()` on a filesystem storage carries its absolute path;
    below the source storage's folder that is turned back into the storage name
    (string work only, no disk access).
    """
    if source is None:
        return None
    if isinstance(source, str):
        if advice.looks_like_url(source):
            raise InvalidSpec(advice.url_source(source))
        return source or None
    if isinstance(source, File):  # FieldFile and ImageFieldFile are Files
        name = source.name or None
        if name and os.path.isabs(name):
            return _storage_name(name)
        return name
    raise TypeError(f"a thumbnail source must be a file or a name, not {type(source).__name__}")


def _storage_name(absolute: str) -> str:
    root = local_path(source_storage(get_settings()), "")
    if root is not None:
        relative = os.path.relpath(absolute, root)
        if not relative.startswith(os.pardir) and not os.path.isabs(relative):
            return relative.replace(os.sep, "/")
    raise InvalidSpec(
        f"the file {os.path.basename(absolute)!r} is not in the source storage "
        f"({root or 'no local folder'}): pass its name in that storage, such as "
        "instance.image (a FieldFile) or 'photos/cat.jpg'"
    )


def known_source_size(source: Any, given: SourceSize | None = None) -> SourceSize | None:
    """The source's size from the caller, else from an ImageField's dimension fields.

    Only the model instance's `width_field`/`height_field` attributes are read:
    `ImageFieldFile.width` would open the file. Django fills those fields from
    the file's header, before EXIF orientation; a caller's `given` size is the
    upright one (what a viewer shows).
    """
    if given is not None:
        width, height = given
        if not (_positive(width) and _positive(height)):
            raise InvalidSpec(f"source_size must be two positive integers, not {given!r}")
        return width, height
    if not isinstance(source, ImageFieldFile):
        return None
    field, instance = source.field, source.instance
    width_field = getattr(field, "width_field", None)
    height_field = getattr(field, "height_field", None)
    if not (width_field and height_field) or instance is None:
        return None
    stored_width: object = getattr(instance, width_field, None)
    stored_height: object = getattr(instance, height_field, None)
    if (
        isinstance(stored_width, int)
        and isinstance(stored_height, int)
        and _positive(stored_width)
        and _positive(stored_height)
    ):
        return stored_width, stored_height
    return None


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _resolve(
    settings: Settings, size_or_preset: str, method: str | None, ext: str | None
) -> Preset:
    if method is None and ext is None:
        preset = settings.presets.get(size_or_preset)
        if preset is None:
            raise InvalidSpec(advice.unknown_preset(size_or_preset, settings.presets))
        return preset
    if ext is None and method is not None:
        raise InvalidSpec(advice.missing_ext(size_or_preset, method))
    if method is None or ext is None:
        raise InvalidSpec("give a preset name alone, or size, method and ext")
    return Preset(size_or_preset, method, ext)


def with_focus(method: str, focus: Any) -> str:
    """`method`, or the `focus-X-Y` method for `focus` (x, y in 0..1) when one is given.

    A point replaces any cutting method: an editor's point beats a guess at the
    centre, the detail or the faces. `scale` cuts nothing, so a point there is a mistake.
    """
    if focus is None:
        return method
    if not _cuts(method):
        raise InvalidSpec(f"a focal point needs a cutting method (crop), not {method!r}")
    try:
        x, y = focus
    except (TypeError, ValueError):
        raise InvalidSpec("a focal point is two numbers from 0 to 1") from None
    return str(Method.focus_at(x, y))


def _cuts(method: str) -> bool:
    try:
        return Method.parse(method).covers
    except InvalidSpec:
        return False


def get_thumbnail(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    source_size: SourceSize | None = None,
    base_url: str | None = None,
    focus: Any = None,
) -> Thumbnail | None:
    """The thumbnail of `source`, or None for an empty source.

    Call it with size, method and ext (`"200x200", "crop", "jpg"`), or with the
    name of one of REST_THUMBNAILS_PRESETS alone. `source_size` is the source's
    upright (width, height), when known, so that `width` and `height` are known
    for every method. Raises restthumbnails.exceptions.InvalidSpec for a bad
    size, method, ext, preset or path. `focus=(0.3, 0.7)`
    (or a FocalPointField's value; None means none) crops around that point of
    the source instead, as the method `focus-30-70`.
    """
    name = source_name(source)
    if name is None:
        return None
    known = known_source_size(source, source_size)
    # The URL prefix comes from the request only when no base URL is given or set.
    prefix = get_script_prefix() if base_url is None and _prefix_matters() else None
    try:
        return _cached_thumbnail(name, size_or_preset, method, ext, known, base_url, focus, prefix)
    except TypeError:  # an unhashable argument (a focus given as a list): build it uncached
        return _uncached_thumbnail(name, size_or_preset, method, ext, known, base_url, focus)


def _uncached_thumbnail(
    name: str,
    size_or_preset: str,
    method: str | None,
    ext: str | None,
    source_size: SourceSize | None,
    base_url: str | None,
    focus: Any,
) -> Thumbnail:
    settings = get_settings()
    preset = _resolve(settings, size_or_preset, method, ext)
    if focus is not None:
        preset = dataclasses.replace(preset, method=with_focus(preset.method, focus))
    return _thumbnail(
        settings,
        name,
        preset.size,
        preset.method,
        preset.ext,
        source_size=source_size,
        base_url=base_url,
    )


@functools.lru_cache(maxsize=8192)
def _cached_thumbnail(
    name: str,
    size_or_preset: str,
    method: str | None,
    ext: str | None,
    source_size: SourceSize | None,
    base_url: str | None,
    focus: Any,
    script_prefix: str | None,
) -> Thumbnail:
    # A warm page asks for the same thumbnails again: this skips the settings, the
    # preset and every check for them. Everything the answer depends on is in the key
    # (the script prefix only where it is used); the settings' part is dropped with
    # the cache whenever a setting changes (_forget below).
    return _uncached_thumbnail(name, size_or_preset, method, ext, source_size, base_url, focus)


@functools.cache
def _prefix_matters() -> bool:
    """True when built URLs start with the request's script prefix (BASE_URL unset)."""
    return get_settings().base_url is None


def _forget(**kwargs: Any) -> None:
    """Any setting may change what a cached thumbnail looks like (tests change them)."""
    _cached_thumbnail.cache_clear()
    _prefix_matters.cache_clear()


setting_changed.connect(_forget)


@dataclass(frozen=True)
class _Urls:
    """Everything a built URL depends on besides the thumbnail: a cache key."""

    key: str
    base_url: str
    max_dimension: int
    upscale: bool
    allowed: frozenset[str] | None


def _urls(settings: Settings, base_url: str | None) -> _Urls:
    return _Urls(
        key=settings.secret_key,
        base_url=resolved_base_url(settings) if base_url is None else base_url,
        max_dimension=settings.max_dimension,
        upscale=settings.engine.upscale,
        allowed=settings.allowed_thumbnails,
    )


def _thumbnail(
    settings: Settings,
    name: str,
    size: str,
    method: str,
    ext: str,
    *,
    source_size: SourceSize | None,
    base_url: str | None,
) -> Thumbnail:
    return _build(name, size, method, ext, urls=_urls(settings, base_url), source_size=source_size)


@functools.lru_cache(maxsize=8192)
def _build(
    name: str,
    size: str,
    method: Method | str,
    ext: str,
    *,
    urls: _Urls,
    source_size: SourceSize | None,
) -> Thumbnail:
    # A pure function of its arguments (the key included), so pages that show the
    # same images again pay for validation and signing once per process. Memory
    # only: nothing is read or written anywhere.
    spec = make_spec(name, size, method, ext, max_dimension=urls.max_dimension)
    pixels = output_size(
        spec.width, spec.height, spec.method, source_size=source_size, upscale=urls.upscale
    )
    return signed_thumbnail(spec, key=urls.key, base_url=urls.base_url, size=pixels)


def thumbnail_url(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    source_size: SourceSize | None = None,
    base_url: str | None = None,
    focus: Any = None,
) -> str | None:
    thumb = get_thumbnail(
        source,
        size_or_preset,
        method,
        ext,
        source_size=source_size,
        base_url=base_url,
        focus=focus,
    )
    return None if thumb is None else thumb.url


Widths = str | Iterable[int] | None
Densities = str | Iterable[float] | None


def srcset(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    widths: Widths = None,
    densities: Densities = None,
    source_size: SourceSize | None = None,
    base_url: str | None = None,
) -> str | None:
    """A srcset value ("url 320w, url 640w" or "url 1x, url 2x"), None for an empty source.

    `widths` ("320 640 960") gives each candidate that width and the size's
    shape; `densities` ("1x 2x") multiplies the size. A preset may give either.
    With the source size known and upscaling off, no candidate is larger than
    the source. Raises NotAllowed for a candidate outside ALLOWED_THUMBNAILS.
    """
    name = source_name(source)
    if name is None:
        return None
    settings = get_settings()
    preset = _resolve(settings, size_or_preset, method, ext)
    lists = _candidate_lists(settings, preset, widths, densities)
    if not any(lists):
        raise InvalidSpec("srcset needs widths or densities (or a preset that has them)")
    return _srcset(
        name,
        preset,
        preset.ext,
        lists,
        source_size=known_source_size(source, source_size),
        urls=_urls(settings, base_url),
    )


def picture(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    widths: Widths = None,
    densities: Densities = None,
    formats: str | Iterable[str] | None = None,
    sizes: str | None = None,
    alt: str = "",
    attrs: Mapping[str, AttributeValue] | None = None,
    source_size: SourceSize | None = None,
    base_url: str | None = None,
) -> SafeString:
    """A <picture>: one <source> per format (default REST_THUMBNAILS_PICTURE_FORMATS,
    AVIF only where Pillow encodes it), then an <img> in `ext` whose `src`, `width`
    and `height` are the size's own. `attrs` are added to the <img> (and may
    replace loading="lazy" and decoding="async"); every value is escaped. An
    empty source gives an empty string.
    """
    name = source_name(source)
    if name is None:
        return SafeString("")
    settings = get_settings()
    preset = _resolve(settings, size_or_preset, method, ext)
    lists = _candidate_lists(settings, preset, widths, densities)
    urls = _urls(settings, base_url)
    known = known_source_size(source, source_size)
    # The URLs, sizes and <source> tags of one picture depend on nothing the
    # call adds (alt, attributes): built once, then reused.
    sources, core = _picture_core(
        name, preset, lists, _source_formats(settings, preset, formats), sizes, known, urls
    )
    img: dict[str, AttributeValue] = {
        **core,
        "alt": alt,
        "loading": "lazy",
        "decoding": "async",
        **(attrs or {}),
    }
    # picture_html escapes every value and checks every name.
    return mark_safe(picture_html(sources=sources, img=img))  # noqa: S308


@functools.lru_cache(maxsize=2048)
def _picture_core(
    name: str,
    preset: Preset,
    lists: tuple[tuple[int, ...], tuple[float, ...]],
    source_formats: tuple[str, ...],
    sizes: str | None,
    source_size: SourceSize | None,
    urls: _Urls,
) -> tuple[str, dict[str, AttributeValue]]:
    fallback = _build(
        name, preset.size, preset.method, preset.ext, urls=urls, source_size=source_size
    )
    same = {fallback.spec.ext, {"jpg": "jpeg", "jpeg": "jpg"}.get(fallback.spec.ext)}
    sizes = sizes if lists[0] else None  # sizes means nothing to x descriptors
    sources = source_tags(
        {
            "type": output_formats.OUTPUT_FORMATS[ext].content_type,
            "srcset": _srcset(name, preset, ext, lists, source_size=source_size, urls=urls),
            "sizes": sizes,
        }
        for ext in source_formats
        if ext not in same
    )
    img: dict[str, AttributeValue] = {
        "src": fallback.url,
        "srcset": _srcset(
            name, preset, fallback.spec.ext, lists, source_size=source_size, urls=urls
        )
        if any(lists)
        else None,
        "sizes": sizes,
        "width": fallback.width,
        "height": fallback.height,
    }
    return sources, img


def _candidate_lists(
    settings: Settings, preset: Preset, widths: Widths, densities: Densities
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The call's widths or densities; a preset's only when the call gives neither."""
    if widths is None and densities is None:
        return preset.widths, preset.densities
    return (
        () if widths is None else parse_widths(widths, max_dimension=settings.max_dimension),
        () if densities is None else parse_densities(densities),
    )


def _source_formats(
    settings: Settings, preset: Preset, wanted: str | Iterable[str] | None
) -> tuple[str, ...]:
    """The <source> formats: the call's, else the preset's, else the setting's; minus
    any this Pillow cannot encode (check W007)."""
    if wanted is not None:
        chosen = parse_formats(wanted)
    elif preset.formats is not None:
        chosen = preset.formats
    else:
        chosen = settings.picture_formats
    return tuple(ext for ext in chosen if ext in output_formats.EXTENSIONS)


def _srcset(
    name: str,
    preset: Preset,
    ext: str,
    lists: tuple[tuple[int, ...], tuple[float, ...]],
    *,
    source_size: SourceSize | None,
    urls: _Urls,
) -> str:
    """The srcset of one format; a size outside an allow-list raises NotAllowed,
    except the source-sized candidate, which is then left out."""
    width, height = parse_size(preset.size, max_dimension=urls.max_dimension)
    method = Method.parse(preset.method)
    entries = []
    for candidate in candidates(
        width,
        height,
        preset.method,
        widths=lists[0],
        densities=lists[1],
        source_size=source_size,
        upscale=urls.upscale,
    ):
        key = allow_key(candidate.size, method)
        if urls.allowed is not None and key not in urls.allowed:
            if candidate.fitted:
                continue
            raise NotAllowed(f"{key} is not in ALLOWED_THUMBNAILS")
        thumb = _build(name, candidate.size, method, ext, urls=urls, source_size=source_size)
        entries.append((thumb.url, candidate.descriptor))
    return srcset_value(entries)
