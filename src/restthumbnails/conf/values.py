"""The checks a REST_THUMBNAILS_* value passes: each takes the setting's name and value.

A check returns the value as the code uses it, or raises ImproperlyConfigured
with a message that names the setting; the settings table (conf.table) says
which check each setting gets.
"""

import os
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..core.formats import IMMUTABLE
from ..core.policy import parse_allowed, parse_presets
from ..core.responsive import parse_formats
from ..exceptions import InvalidSpec
from ..extras import backend_problem
from ..render.heif import EXTRA_HINT as HEIF_HINT
from ..render.options import HEIF_DECODES, KNOWN_SOURCE_FORMATS

PREFIX = "REST_THUMBNAILS_"
# A check: (setting name without the prefix, its value, the values checked before it).
Check = Callable[[str, Any, Mapping[str, Any]], Any]


def fail(name: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{PREFIX}{name} {why}")


def as_given(name: str, value: Any, loaded: Mapping[str, Any]) -> Any:
    """For a setting its user checks (WARM_ON_SAVE needs the models and Celery)."""
    return value


def boolean(name: str, value: Any, loaded: Mapping[str, Any]) -> bool:
    if not isinstance(value, bool):
        raise fail(name, "must be True or False")
    return value


def number(*, minimum: float, integer: bool = False, above: bool = False) -> Check:
    """A number >= minimum (> minimum with `above`), an int when `integer`."""
    kinds = int if integer else int | float

    def check(name: str, value: Any, loaded: Mapping[str, Any]) -> Any:
        if (
            not isinstance(value, kinds)
            or isinstance(value, bool)
            or (value <= minimum if above else value < minimum)
        ):
            kind = "an integer" if integer else "a number"
            raise fail(name, f"must be {kind} {'>' if above else '>='} {minimum}, not {value!r}")
        return value if integer else float(value)

    return check


def quality(name: str, value: Any, loaded: Mapping[str, Any]) -> int:
    value = number(minimum=1, integer=True)(name, value, loaded)
    if value > 100:
        raise fail(name, "must be between 1 and 100")
    return int(value)


def one_segment_or_none(name: str, value: Any, loaded: Mapping[str, Any]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip("/") or value.strip("/").count("/"):
        raise fail(name, "must be None or a one-segment path such as '_health'")
    # One segment can never be a thumbnail URL, which has at least four.
    return value.strip("/")


def text(name: str, value: Any, loaded: Mapping[str, Any]) -> str:
    if not isinstance(value, str):
        raise fail(name, "must be a string")
    return value


def alias_of(registry: str) -> Check:
    """The name of an entry in Django's STORAGES or CACHES whose backend imports."""

    def check(name: str, value: Any, loaded: Mapping[str, Any]) -> Any:
        aliases = getattr(django_settings, registry)
        if value not in aliases:
            raise fail(name, f"names {value!r}, which is not defined")
        # Found now, not as an ImportError (a traceback, a 500) at the first use.
        problem = backend_problem(str(aliases[value].get("BACKEND", "")))
        if problem:
            raise fail(name, f"names {value!r}: {problem}")
        return value

    return check


def thumbnail_storage_alias(name: str, value: Any, loaded: Mapping[str, Any]) -> str | None:
    """None: the built-in storage, a folder `thumbnails` under MEDIA_ROOT.

    Without MEDIA_ROOT that folder does not exist, which only matters to a host that
    writes thumbnails: a page host that builds URLs for another host (an absolute
    BASE_URL) needs no thumbnail storage, so this is checked where thumbnails are
    written (conf.places.thumbnail_storage) and by the system check of a host that
    serves them.
    """
    return None if value is None else alias_of("STORAGES")(name, value, loaded)


def colour(name: str, value: Any, loaded: Mapping[str, Any]) -> tuple[int, int, int]:
    hex_rgb = _hex_rgb(value)
    if hex_rgb is not None:
        return hex_rgb
    # Names, rgb() and hsl() as Pillow reads them; this loads Pillow, which a plain
    # hex colour (the default) spares every process that never decodes.
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(value)
    except (ValueError, AttributeError, TypeError):
        raise fail(name, f"must be a colour such as '#ffffff', not {value!r}") from None
    return rgb[:3]


def _hex_rgb(value: Any) -> tuple[int, int, int] | None:
    """'#rgb' or '#rrggbb' as Pillow's ImageColor reads them; None for anything else."""
    if not isinstance(value, str) or not value.startswith("#") or len(value) not in (4, 7):
        return None
    digits = value[1:]
    if any(c not in "0123456789abcdefABCDEF" for c in digits):
        return None
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def absolute_path_or_none(name: str, value: Any, loaded: Mapping[str, Any]) -> str | None:
    if value is not None and not (isinstance(value, str) and value.startswith("/")):
        raise fail(name, "must be None or a path starting with '/'")
    return value


def image_file_or_none(name: str, value: Any, loaded: Mapping[str, Any]) -> str | None:
    if value is not None and not (isinstance(value, str) and value.startswith("/")):
        raise fail(name, "must be None or the absolute path of an image file")
    if value is not None and not os.path.isfile(value):
        raise fail(name, f"names {value!r}, which is not a file")
    return value


def base_url(name: str, value: Any, loaded: Mapping[str, Any]) -> str | None:
    """None: derived from where restthumbnails.urls is mounted (conf.places.base_url)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("/", "http://", "https://", "//")):
        raise fail(
            name,
            f"must start with '/' or 'https://', not {value!r}: a relative URL would "
            "change meaning from page to page",
        )
    return value


def plugin_name(registry: Mapping[str, str], *, show_value: bool = True) -> Check:
    """A name of the registry (ENGINES, RESPONSE_BACKENDS) or a dotted path."""

    def check(name: str, value: Any, loaded: Mapping[str, Any]) -> Any:
        if not isinstance(value, str) or (value not in registry and "." not in value):
            given = f", not {value!r}" if show_value else ""
            raise fail(name, f"must be one of {sorted(registry)} or a dotted path{given}")
        return value

    return check


def plugin(name: str, path: str, hint: str) -> Callable[..., Any]:
    try:
        return import_string(path)
    except ImportError as exc:
        raise fail(name, f"cannot be imported ({exc}){hint}") from None


def render_pool(own: str, inline: str) -> Check:
    def check(name: str, value: Any, loaded: Mapping[str, Any]) -> str:
        if value in (own, inline) or (isinstance(value, str) and value.startswith("/")):
            return value
        raise fail(
            name, f"must be {own!r}, {inline!r} or the absolute path of a render pool's socket"
        )

    return check


def source_formats(name: str, value: Any, loaded: Mapping[str, Any]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise fail(name, "must be a list or tuple of format names")
    unknown = set(value) - KNOWN_SOURCE_FORMATS
    if unknown:
        raise fail(name, f"names formats we never decode: {sorted(unknown)}")
    if "HEIF" in value and not HEIF_DECODES:
        raise fail(name, f"names HEIF, which needs the heif extra: {HEIF_HINT}")
    return tuple(value)


def picture_formats(name: str, value: Any, loaded: Mapping[str, Any]) -> tuple[str, ...]:
    try:
        if not isinstance(value, list | tuple):
            raise InvalidSpec("must be a list or tuple")
        return parse_formats(value)
    except InvalidSpec as exc:
        raise fail(name, f"is invalid: {exc.reason}") from None


def allowed_thumbnails(name: str, value: Any, loaded: Mapping[str, Any]) -> Any:
    try:
        return (
            None if value is None else parse_allowed(value, max_dimension=loaded["MAX_DIMENSION"])
        )
    except (ValueError, TypeError) as exc:
        raise fail(name, f"is invalid: {exc}") from None


def presets(name: str, value: Any, loaded: Mapping[str, Any]) -> Any:
    try:
        return parse_presets(value, max_dimension=loaded["MAX_DIMENSION"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise fail(name, f"is invalid: {exc}") from None


def cache_control(name: str, value: Any, loaded: Mapping[str, Any]) -> str:
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise fail(
            name, f"must be a Cache-Control header value such as {IMMUTABLE!r}, not {value!r}"
        )
    return value


def secret_key(name: str, value: Any, loaded: Mapping[str, Any]) -> str:
    """Ours, or Django's SECRET_KEY when ours is unset. Messages never show a key."""
    if value is not None:
        # Set but empty is a mistake, not a wish to sign with Django's key.
        if not isinstance(value, str) or not value:
            raise fail(name, "must be a non-empty string (or unset to use SECRET_KEY)")
        return value
    key = django_settings.SECRET_KEY
    if not isinstance(key, str) or not key:
        raise fail(name, "(or SECRET_KEY) must be set to sign thumbnail URLs")
    return key


def secret_key_fallbacks(name: str, value: Any, loaded: Mapping[str, Any]) -> tuple[str, ...]:
    """Ours, or Django's SECRET_KEY_FALLBACKS when ours is unset; each a non-empty string."""
    shown = PREFIX + name
    if value is None:
        value = django_settings.SECRET_KEY_FALLBACKS
        shown = f"{name} (used while {shown} is unset)"
    # A plain string would be iterated into one-character keys: "old-key" would
    # accept signatures made with the key "o".
    if not isinstance(value, list | tuple):
        raise ImproperlyConfigured(
            f"{shown} must be a list or tuple of keys, not a {type(value).__name__}"
        )
    if not all(isinstance(fallback, str) and fallback for fallback in value):
        raise ImproperlyConfigured(f"{shown} must hold only non-empty strings")
    return tuple(value)
