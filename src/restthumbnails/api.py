"""Building thumbnail URLs from Python and templates. No database, cache or disk."""

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files import File
from django.db.models.fields.files import ImageFieldFile
from django.utils.safestring import SafeString

from . import formats as output_formats
from .conf import Settings, get_settings
from .exceptions import InvalidSpec, NotAllowed
from .geometry import output_size
from .markup import AttributeValue, picture_html, srcset_value
from .policy import Preset, allow_key
from .responsive import candidates, parse_densities, parse_formats, parse_widths
from .spec import make_spec, parse_size
from .urlbuilding import Thumbnail, signed_thumbnail

SourceSize = tuple[int, int]


def source_name(source: Any) -> str | None:
    """The storage name of a FieldFile / File, or the string itself; None when empty."""
    if source is None:
        return None
    if isinstance(source, str):
        return source or None
    if isinstance(source, File):  # FieldFile and ImageFieldFile are Files
        return source.name or None
    raise TypeError(f"a thumbnail source must be a file or a name, not {type(source).__name__}")


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
    if not (field.width_field and field.height_field) or instance is None:
        return None
    width = getattr(instance, field.width_field, None)
    height = getattr(instance, field.height_field, None)
    return (width, height) if _positive(width) and _positive(height) else None


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _resolve(
    settings: Settings, size_or_preset: str, method: str | None, ext: str | None
) -> Preset:
    if method is None and ext is None:
        preset = settings.presets.get(size_or_preset)
        if preset is None:
            raise InvalidSpec(f"unknown thumbnail preset {size_or_preset!r}")
        return preset
    if method is None or ext is None:
        raise InvalidSpec("give a preset name alone, or size, method and ext")
    return Preset(size_or_preset, method, ext)


def get_thumbnail(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    source_size: SourceSize | None = None,
    base_url: str | None = None,
) -> Thumbnail | None:
    """The thumbnail of `source`, or None for an empty source.

    Call it with size, method and ext (`"200x200", "crop", "jpg"`), or with the
    name of one of REST_THUMBNAILS_PRESETS alone. `source_size` is the source's
    upright (width, height), when known, so that `width` and `height` are known
    for every method. Raises restthumbnails.exceptions.InvalidSpec for a bad
    size, method, ext, preset or path.
    """
    name = source_name(source)
    if name is None:
        return None
    settings = get_settings()
    preset = _resolve(settings, size_or_preset, method, ext)
    return _thumbnail(
        settings,
        name,
        preset.size,
        preset.method,
        preset.ext,
        source_size=known_source_size(source, source_size),
        base_url=base_url,
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
    return _build(
        name,
        size,
        method,
        ext,
        key=settings.secret_key,
        base_url=settings.base_url if base_url is None else base_url,
        max_dimension=settings.max_dimension,
        source_size=source_size,
        upscale=settings.engine.upscale,
    )


@functools.lru_cache(maxsize=8192)
def _build(
    name: str,
    size: str,
    method: str,
    ext: str,
    *,
    key: str,
    base_url: str,
    max_dimension: int,
    source_size: SourceSize | None,
    upscale: bool,
) -> Thumbnail:
    # A pure function of its arguments (the key included), so pages that show the
    # same images again pay for validation and signing once per process. Memory
    # only: nothing is read or written anywhere. A <picture> of 3 formats x 4
    # widths is 12 entries, hence room for some hundreds of pictures.
    spec = make_spec(name, size, method, ext, max_dimension=max_dimension)
    pixels = output_size(
        spec.width, spec.height, spec.method, source_size=source_size, upscale=upscale
    )
    return signed_thumbnail(spec, key=key, base_url=base_url, size=pixels)


def thumbnail_url(
    source: Any,
    size_or_preset: str,
    method: str | None = None,
    ext: str | None = None,
    *,
    source_size: SourceSize | None = None,
    base_url: str | None = None,
) -> str | None:
    thumb = get_thumbnail(
        source, size_or_preset, method, ext, source_size=source_size, base_url=base_url
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
    widths_, densities_ = _candidate_lists(settings, preset, widths, densities)
    if not (widths_ or densities_):
        raise InvalidSpec("srcset needs widths or densities (or a preset that has them)")
    entries = _entries(
        settings,
        name,
        preset,
        preset.ext,
        widths=widths_,
        densities=densities_,
        source_size=known_source_size(source, source_size),
        base_url=base_url,
    )
    return srcset_value(entries)


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
    widths_, densities_ = _candidate_lists(settings, preset, widths, densities)
    known = known_source_size(source, source_size)
    fallback = _thumbnail(
        settings,
        name,
        preset.size,
        preset.method,
        preset.ext,
        source_size=known,
        base_url=base_url,
    )

    def candidate_srcset(ext: str) -> str:
        return srcset_value(
            _entries(
                settings,
                name,
                preset,
                ext,
                widths=widths_,
                densities=densities_,
                source_size=known,
                base_url=base_url,
            )
        )

    sizes = sizes if widths_ else None  # sizes means nothing to x descriptors
    sources: list[dict[str, AttributeValue]] = [
        {
            "type": output_formats.OUTPUT_FORMATS[extension].content_type,
            "srcset": candidate_srcset(extension),
            "sizes": sizes,
        }
        for extension in _source_formats(settings, preset, formats, fallback.spec.ext)
    ]
    img: dict[str, AttributeValue] = {
        "src": fallback.url,
        "srcset": candidate_srcset(fallback.spec.ext) if (widths_ or densities_) else None,
        "sizes": sizes,
        "width": fallback.width,
        "height": fallback.height,
        "alt": alt,
        "loading": "lazy",
        "decoding": "async",
    }
    img.update(attrs or {})
    return picture_html(sources=sources, img=img)


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
    settings: Settings, preset: Preset, wanted: str | Iterable[str] | None, fallback: str
) -> list[str]:
    """The <source> formats: the call's, else the preset's, else the setting's; minus
    the <img>'s own format and any this Pillow cannot encode (check W005)."""
    if wanted is not None:
        chosen = parse_formats(wanted)
    elif preset.formats is not None:
        chosen = preset.formats
    else:
        chosen = settings.picture_formats
    same = {fallback, "jpeg" if fallback == "jpg" else "jpg" if fallback == "jpeg" else fallback}
    return [ext for ext in chosen if ext in output_formats.EXTENSIONS and ext not in same]


def _entries(
    settings: Settings,
    name: str,
    preset: Preset,
    ext: str,
    *,
    widths: tuple[int, ...],
    densities: tuple[float, ...],
    source_size: SourceSize | None,
    base_url: str | None,
) -> list[tuple[str, str]]:
    """(url, descriptor) of each candidate; sizes outside an allow-list raise NotAllowed,
    except the source-sized candidate, which is then left out."""
    width, height = parse_size(preset.size, max_dimension=settings.max_dimension)
    entries = []
    for candidate in candidates(
        width,
        height,
        preset.method,
        widths=widths,
        densities=densities,
        source_size=source_size,
        upscale=settings.engine.upscale,
    ):
        allowed = settings.allowed_thumbnails
        if allowed is not None and allow_key(candidate.size, preset.method) not in allowed:
            if candidate.fitted:
                continue
            raise NotAllowed(
                f"{allow_key(candidate.size, preset.method)} is not in ALLOWED_THUMBNAILS"
            )
        thumb = _thumbnail(
            settings,
            name,
            candidate.size,
            preset.method,
            ext,
            source_size=source_size,
            base_url=base_url,
        )
        entries.append((thumb.url, candidate.descriptor))
    return entries
