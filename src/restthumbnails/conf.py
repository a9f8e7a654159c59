"""REST_THUMBNAILS_* settings: read lazily, validated once, reset when tests change them."""

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.module_loading import import_string

from .core.formats import IMMUTABLE
from .core.policy import Preset, parse_allowed, parse_presets
from .core.responsive import parse_formats
from .core.spec import DEFAULT_MAX_DIMENSION
from .exceptions import InvalidSpec
from .extras import backend_problem
from .render.animation import DEFAULT_MAX_ANIMATION_PIXELS
from .render.engine import (
    DEFAULT_MAX_SOURCE_FRAMES,
    DEFAULT_MAX_SOURCE_SCANS,
    DEFAULT_SOURCE_FORMATS,
    HEIF_DECODES,
    KNOWN_SOURCE_FORMATS,
    EngineOptions,
)
from .render.heif import EXTRA_HINT as HEIF_HINT

PREFIX = "REST_THUMBNAILS_"
RESPONSE_BACKENDS = {
    "django": "restthumbnails.serving.responses.django.respond",
    "nginx": "restthumbnails.serving.responses.nginx.respond",
    "sendfile": "restthumbnails.serving.responses.sendfile.respond",
    "redirect": "restthumbnails.serving.responses.redirect.respond",
}
ENGINES = {
    "pillow": "restthumbnails.render.engine.render",
    "vips": "restthumbnails.render.vips_engine.render",
}
# Dotted paths of plugins before the package was grouped by role: an ENGINE or
# RESPONSE_BACKEND a settings file names by its old path still loads.
MOVED_PLUGINS = {
    "restthumbnails.responses.": "restthumbnails.serving.responses.",
    "restthumbnails.engine.": "restthumbnails.render.engine.",
    "restthumbnails.vips_engine.": "restthumbnails.render.vips_engine.",
}


def plugin_path(value: str, registry: dict[str, str]) -> str:
    """The dotted path a setting names: a registry name, an old path, or itself."""
    if value in registry:
        return registry[value]
    for old, new in MOVED_PLUGINS.items():
        if value.startswith(old):
            return new + value[len(old) :]
    return value


# RENDER_POOL: renders run in killable processes (a pool per request process, or
# the host-wide pool of `serve` / `restthumbnails render-pool` at a socket path),
# or "inline" in the request thread, where a stuck decoder cannot be stopped.
OWN_POOL, INLINE = "processes", "inline"
DEFAULT_RENDER_MEMORY_LIMIT = 2 * 1024**3
# With no REST_THUMBNAILS_STORAGE, thumbnails live in this folder under MEDIA_ROOT,
# where no thumbnail can land below a source's own name.
BUILTIN_FOLDER = "thumbnails"


@dataclass(frozen=True)
class Settings:
    secret_key: str
    secret_key_fallbacks: tuple[str, ...]
    # None: derived from where restthumbnails.urls is mounted (mounted_base_url).
    base_url: str | None
    source_storage: str
    # None: the built-in storage, MEDIA_ROOT/thumbnails (thumbnail_storage).
    storage: str | None
    cache: str
    key_prefix: str
    lock_timeout: float
    lock_wait: float
    response_backend: str
    nginx_location: str | None
    sendfile_escape: bool
    max_dimension: int
    max_source_bytes: int
    engine: EngineOptions
    # The two plugin functions, imported once here so a bad dotted path fails at
    # start-up (system check) rather than as a 500 on every request.
    render: Callable[..., bytes]
    engine_path: str
    respond: Callable[..., Any]
    allowed_thumbnails: frozenset[str] | None
    presets: dict[str, Preset]
    max_concurrent: int
    max_queued: int
    queue_timeout: float
    generation_timeout: float
    fallback_image: str | None
    fallback_max_age: int
    health_path: str | None
    metrics_path: str | None
    render_pool: str
    render_memory_limit: int
    failure_ttl: float
    picture_formats: tuple[str, ...]
    # Cache-Control of thumbnails written to an S3 bucket (the object's own header).
    object_cache_control: str


def _get(name: str, default: Any) -> Any:
    return getattr(django_settings, PREFIX + name, default)


def _fail(name: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{PREFIX}{name} {why}")


def _bool(name: str, default: bool) -> bool:
    value = _get(name, default)
    if not isinstance(value, bool):
        raise _fail(name, "must be True or False")
    return value


def _number(
    name: str, default: float, *, minimum: float, integer: bool = False, above: bool = False
) -> Any:
    """A number >= minimum (> minimum with `above`), an int when `integer`."""
    value = _get(name, default)
    kinds = int if integer else int | float
    if (
        not isinstance(value, kinds)
        or isinstance(value, bool)
        or (value <= minimum if above else value < minimum)
    ):
        kind = "an integer" if integer else "a number"
        raise _fail(name, f"must be {kind} {'>' if above else '>='} {minimum}, not {value!r}")
    return value if integer else float(value)


def _path_or_none(name: str, default: str | None) -> str | None:
    value = _get(name, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip("/") or value.strip("/").count("/"):
        raise _fail(name, "must be None or a one-segment path such as '_health'")
    # One segment can never be a thumbnail URL, which has at least four.
    return value.strip("/")


def _policy(max_dimension: int) -> tuple[frozenset[str] | None, dict[str, Preset]]:
    allowed_values = _get("ALLOWED_THUMBNAILS", None)
    try:
        allowed = (
            None
            if allowed_values is None
            else parse_allowed(allowed_values, max_dimension=max_dimension)
        )
    except (ValueError, TypeError) as exc:
        raise _fail("ALLOWED_THUMBNAILS", f"is invalid: {exc}") from None
    try:
        presets = parse_presets(_get("PRESETS", {}), max_dimension=max_dimension)
    except (ValueError, TypeError, AttributeError) as exc:
        raise _fail("PRESETS", f"is invalid: {exc}") from None
    return allowed, presets


def _fallback_image() -> str | None:
    value = _get("FALLBACK_IMAGE", None)
    if value is not None and not (isinstance(value, str) and value.startswith("/")):
        raise _fail("FALLBACK_IMAGE", "must be None or the absolute path of an image file")
    if value is not None and not os.path.isfile(value):
        raise _fail("FALLBACK_IMAGE", f"names {value!r}, which is not a file")
    return value


def _render_pool() -> str:
    value = _get("RENDER_POOL", OWN_POOL)
    if value in (OWN_POOL, INLINE) or (isinstance(value, str) and value.startswith("/")):
        return value
    raise _fail(
        "RENDER_POOL",
        f"must be {OWN_POOL!r}, {INLINE!r} or the absolute path of a render pool's socket",
    )


def _alias(name: str, default: str, registry: dict[str, Any]) -> str:
    value = _get(name, default)
    if value not in registry:
        raise _fail(name, f"names {value!r}, which is not defined")
    # Found now, not as an ImportError (a traceback, a 500) at the first use.
    problem = backend_problem(str(registry[value].get("BACKEND", "")))
    if problem:
        raise _fail(name, f"names {value!r}: {problem}")
    return value


def _colour(name: str, default: str) -> tuple[int, int, int]:
    from PIL import ImageColor

    value = _get(name, default)
    try:
        rgb = ImageColor.getrgb(value)
    except (ValueError, AttributeError, TypeError):
        raise _fail(name, f"must be a colour such as '#ffffff', not {value!r}") from None
    return rgb[:3]


def _plugin(name: str, value: str, registry: dict[str, str], hint: str) -> Callable[..., Any]:
    try:
        return import_string(plugin_path(value, registry))
    except ImportError as exc:
        raise _fail(name, f"cannot be imported ({exc}){hint}") from None


def _picture_formats() -> tuple[str, ...]:
    value = _get("PICTURE_FORMATS", ("avif", "webp"))
    try:
        if not isinstance(value, list | tuple):
            raise InvalidSpec("must be a list or tuple")
        return parse_formats(value)
    except InvalidSpec as exc:
        raise _fail("PICTURE_FORMATS", f"is invalid: {exc.reason}") from None


def _secret_keys() -> tuple[str, tuple[str, ...]]:
    """The signing key and the fallback keys, each a non-empty string.

    Messages name the setting but never show a value: these are secrets.
    """
    own = _get("SECRET_KEY", None)
    if own is not None:
        # Set but empty is a mistake, not a wish to sign with Django's key.
        if not isinstance(own, str) or not own:
            raise _fail("SECRET_KEY", "must be a non-empty string (or unset to use SECRET_KEY)")
        key = own
    else:
        key = django_settings.SECRET_KEY
        if not isinstance(key, str) or not key:
            raise _fail("SECRET_KEY", "(or SECRET_KEY) must be set to sign thumbnail URLs")
    fallbacks = _get("SECRET_KEY_FALLBACKS", None)
    name = PREFIX + "SECRET_KEY_FALLBACKS"
    if fallbacks is None:
        fallbacks = django_settings.SECRET_KEY_FALLBACKS
        name = f"SECRET_KEY_FALLBACKS (used while {name} is unset)"
    # A plain string would be iterated into one-character keys: "old-key" would
    # accept signatures made with the key "o".
    if not isinstance(fallbacks, list | tuple):
        raise ImproperlyConfigured(
            f"{name} must be a list or tuple of keys, not a {type(fallbacks).__name__}"
        )
    if not all(isinstance(fallback, str) and fallback for fallback in fallbacks):
        raise ImproperlyConfigured(f"{name} must hold only non-empty strings")
    return key, tuple(fallbacks)


class SettingsProblems(ImproperlyConfigured):
    """Every bad REST_THUMBNAILS_* value at once, one message each (system check E001)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class _Problems:
    """Collects what each setting's check raises, so one run reports them all."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def take(self, compute: Callable[[], Any], fallback: Any = None) -> Any:
        try:
            return compute()
        except ImproperlyConfigured as exc:
            self.messages.extend(getattr(exc, "messages", None) or [str(exc)])
            return fallback


def _base_url() -> str | None:
    """None: derived from where restthumbnails.urls is mounted (see mounted_base_url)."""
    value = _get("BASE_URL", None)
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("/", "http://", "https://", "//")):
        raise _fail(
            "BASE_URL",
            f"must start with '/' or 'https://', not {value!r}: a relative URL would "
            "change meaning from page to page",
        )
    return value


def _response_backend() -> str:
    backend = _get("RESPONSE_BACKEND", "django")
    if not isinstance(backend, str) or ("." not in backend and backend not in RESPONSE_BACKENDS):
        raise _fail(
            "RESPONSE_BACKEND", f"must be one of {sorted(RESPONSE_BACKENDS)} or a dotted path"
        )
    return backend


def _quality() -> int:
    quality = _number("QUALITY", 85, minimum=1, integer=True)
    if quality > 100:
        raise _fail("QUALITY", "must be between 1 and 100")
    return int(quality)


def _source_formats() -> tuple[str, ...]:
    value = _get("SOURCE_FORMATS", DEFAULT_SOURCE_FORMATS)
    if not isinstance(value, list | tuple):
        raise _fail("SOURCE_FORMATS", "must be a list or tuple of format names")
    unknown = set(value) - KNOWN_SOURCE_FORMATS
    if unknown:
        raise _fail("SOURCE_FORMATS", f"names formats we never decode: {sorted(unknown)}")
    if "HEIF" in value and not HEIF_DECODES:
        raise _fail("SOURCE_FORMATS", f"names HEIF, which needs the heif extra: {HEIF_HINT}")
    return tuple(value)


def _key_prefix() -> str:
    key_prefix = _get("KEY_PREFIX", "restthumbnails")
    if not isinstance(key_prefix, str):
        raise _fail("KEY_PREFIX", "must be a string")
    return key_prefix


def _nginx_location() -> str | None:
    value = _get("NGINX_LOCATION", None)
    if value is not None and not (isinstance(value, str) and value.startswith("/")):
        raise _fail("NGINX_LOCATION", "must be None or a path starting with '/'")
    return value


def _engine_name() -> str:
    name = _get("ENGINE", "pillow")
    if not isinstance(name, str) or (name not in ENGINES and "." not in name):
        raise _fail("ENGINE", f"must be one of {sorted(ENGINES)} or a dotted path, not {name!r}")
    return name


def _thumbnail_storage_alias() -> str | None:
    """None: the built-in storage, a folder `thumbnails` under MEDIA_ROOT.

    Without MEDIA_ROOT that folder does not exist, which only matters to a host that
    writes thumbnails: a page host that builds URLs for another host (an absolute
    BASE_URL) needs no thumbnail storage, so this is checked where thumbnails are
    written (thumbnail_storage) and by the system check of a host that serves them.
    """
    value = _get("STORAGE", None)
    if value is None:
        return None
    return _alias("STORAGE", value, django_settings.STORAGES)


def _object_cache_control() -> str:
    value = _get("OBJECT_CACHE_CONTROL", IMMUTABLE)
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise _fail(
            "OBJECT_CACHE_CONTROL",
            f"must be a Cache-Control header value such as {IMMUTABLE!r}, not {value!r}",
        )
    return value


def _load() -> Settings:
    problems = _Problems()
    take = problems.take
    secret_key, fallbacks = take(_secret_keys, ("", ()))
    max_dimension = take(
        lambda: _number("MAX_DIMENSION", DEFAULT_MAX_DIMENSION, minimum=1, integer=True),
        DEFAULT_MAX_DIMENSION,
    )
    engine_name = take(_engine_name, "pillow")
    backend = take(_response_backend, "django")
    allowed, presets = take(lambda: _policy(max_dimension), (None, {}))
    settings = Settings(
        secret_key=secret_key,
        secret_key_fallbacks=fallbacks,
        base_url=take(_base_url),
        source_storage=take(
            lambda: _alias("SOURCE_STORAGE", "default", django_settings.STORAGES), "default"
        ),
        storage=take(_thumbnail_storage_alias),
        cache=take(lambda: _alias("CACHE", "default", django_settings.CACHES), "default"),
        key_prefix=take(_key_prefix, "restthumbnails"),
        lock_timeout=take(lambda: _number("LOCK_TIMEOUT", 10, minimum=0, above=True), 10.0),
        lock_wait=take(lambda: _number("LOCK_WAIT", 0, minimum=0), 0.0),
        response_backend=backend,
        nginx_location=take(_nginx_location),
        sendfile_escape=take(lambda: _bool("SENDFILE_ESCAPE", False), False),
        max_dimension=max_dimension,
        max_source_bytes=take(
            lambda: _number("MAX_SOURCE_BYTES", 50 * 1024 * 1024, minimum=1, integer=True), 1
        ),
        engine=EngineOptions(
            upscale=take(lambda: _bool("UPSCALE", False), False),
            quality=take(_quality, 85),
            background=take(lambda: _colour("BACKGROUND", "#ffffff"), (255, 255, 255)),
            max_source_pixels=take(
                lambda: _number("MAX_SOURCE_PIXELS", 50_000_000, minimum=1, integer=True), 1
            ),
            source_formats=take(_source_formats, DEFAULT_SOURCE_FORMATS),
            max_source_scans=take(
                lambda: _number(
                    "MAX_SOURCE_SCANS", DEFAULT_MAX_SOURCE_SCANS, minimum=1, integer=True
                ),
                1,
            ),
            max_source_frames=take(
                lambda: _number(
                    "MAX_SOURCE_FRAMES", DEFAULT_MAX_SOURCE_FRAMES, minimum=1, integer=True
                ),
                1,
            ),
            max_animation_pixels=take(
                lambda: _number(
                    "MAX_ANIMATION_PIXELS", DEFAULT_MAX_ANIMATION_PIXELS, minimum=0, integer=True
                ),
                0,
            ),
        ),
        render=take(
            lambda: _plugin(
                "ENGINE",
                engine_name,
                ENGINES,
                "; 'vips' needs: pip install 'restthumbnails[vips]'",
            )
        ),
        engine_path=plugin_path(engine_name, ENGINES),
        respond=take(lambda: _plugin("RESPONSE_BACKEND", backend, RESPONSE_BACKENDS, "")),
        allowed_thumbnails=allowed,
        presets=presets,
        max_concurrent=take(lambda: _number("MAX_CONCURRENT", 2, minimum=1, integer=True), 1),
        max_queued=take(lambda: _number("MAX_QUEUED", 8, minimum=0, integer=True), 0),
        # With LOCK_TIMEOUT's default of 10 s, a render that waits its whole queue
        # time and then runs to its deadline still finishes under its lock.
        queue_timeout=take(lambda: _number("QUEUE_TIMEOUT", 2, minimum=0), 2.0),
        generation_timeout=take(
            lambda: _number("GENERATION_TIMEOUT", 8, minimum=0, above=True), 8.0
        ),
        fallback_image=take(_fallback_image),
        fallback_max_age=take(
            lambda: _number("FALLBACK_MAX_AGE", 60, minimum=0, integer=True), 60
        ),
        health_path=take(lambda: _path_or_none("HEALTH_PATH", "_health")),
        metrics_path=take(lambda: _path_or_none("METRICS_PATH", "_metrics")),
        render_pool=take(_render_pool, OWN_POOL),
        render_memory_limit=take(
            lambda: _number(
                "RENDER_MEMORY_LIMIT", DEFAULT_RENDER_MEMORY_LIMIT, minimum=0, integer=True
            ),
            0,
        ),
        failure_ttl=take(lambda: _number("FAILURE_TTL", 300, minimum=0), 0.0),
        picture_formats=take(_picture_formats, ()),
        object_cache_control=take(_object_cache_control, IMMUTABLE),
    )
    if problems.messages:
        raise SettingsProblems(problems.messages)
    return settings


@functools.cache
def get_settings() -> Settings:
    return _load()


def source_storage(settings: Settings) -> Storage:
    return storages[settings.source_storage]


def thumbnail_storage_problem(settings: Settings) -> str | None:
    """Why this host has no thumbnail storage, or None when it has one."""
    if settings.storage is None and not django_settings.MEDIA_ROOT:
        return (
            f"{PREFIX}STORAGE is not set, and neither is MEDIA_ROOT: set MEDIA_ROOT "
            f"(thumbnails then go to MEDIA_ROOT/{BUILTIN_FOLDER}/) or name a STORAGES alias "
            "of their own"
        )
    return None


def thumbnail_storage(settings: Settings) -> Storage:
    """The STORAGES alias given, or the built-in folder `thumbnails` under MEDIA_ROOT."""
    if settings.storage is not None:
        return storages[settings.storage]
    problem = thumbnail_storage_problem(settings)
    if problem:
        raise ImproperlyConfigured(problem)
    return _builtin_thumbnail_storage()


@functools.cache
def _builtin_thumbnail_storage() -> Storage:
    return FileSystemStorage(
        location=os.path.join(django_settings.MEDIA_ROOT, BUILTIN_FOLDER),
        base_url=f"{django_settings.MEDIA_URL or '/'}{BUILTIN_FOLDER}/",
    )


# Any valid thumbnail path: reversed to find where restthumbnails.urls is mounted.
_PROBE = "a/1x1/crop/" + "0" * 64 + ".jpg"


def base_url(settings: Settings) -> str:
    """REST_THUMBNAILS_BASE_URL, or the URL prefix where restthumbnails.urls is mounted.

    Reversing reads the URLconf only (no database, cache or disk), once per process.
    """
    if settings.base_url is not None:
        return settings.base_url
    return get_script_prefix() + _mounted_path()


def serves_thumbnails() -> bool:
    """True when restthumbnails.urls is mounted in ROOT_URLCONF: this host renders
    and sends thumbnails, so it needs a thumbnail storage of its own."""
    if not hasattr(django_settings, "ROOT_URLCONF"):
        return False
    try:
        _mounted_path()
    except ImproperlyConfigured:
        return False
    return True


@functools.cache
def _mounted_path() -> str:
    try:
        url = reverse("restthumbnails:thumbnail", kwargs={"path": _PROBE})
    except NoReverseMatch:
        raise ImproperlyConfigured(
            f"{PREFIX}BASE_URL is not set and restthumbnails.urls is not in ROOT_URLCONF: "
            'add path("thumbnails/", include("restthumbnails.urls")) to your URLs, or set '
            f"{PREFIX}BASE_URL to where the thumbnails are served"
        ) from None
    return url[len(get_script_prefix()) : -len(_PROBE)]


def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX) or setting in {
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "STORAGES",
        "CACHES",
        "MEDIA_ROOT",
        "MEDIA_URL",
        "ROOT_URLCONF",
    }:
        get_settings.cache_clear()
        _builtin_thumbnail_storage.cache_clear()
        _mounted_path.cache_clear()


setting_changed.connect(_reset)
