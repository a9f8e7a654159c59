"""REST_THUMBNAILS_* settings: read lazily, validated once, reset when tests change them."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .engine import DEFAULT_SOURCE_FORMATS, EngineOptions
from .spec import DEFAULT_MAX_DIMENSION

PREFIX = "REST_THUMBNAILS_"
RESPONSE_BACKENDS = {
    "django": "restthumbnails.responses.django.respond",
    "nginx": "restthumbnails.responses.nginx.respond",
    "sendfile": "restthumbnails.responses.sendfile.respond",
    "redirect": "restthumbnails.responses.redirect.respond",
}
_KNOWN_SOURCE_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "AVIF"})


@dataclass(frozen=True)
class Settings:
    secret_key: str
    secret_key_fallbacks: tuple[str, ...]
    base_url: str
    source_storage: str
    storage: str
    cache: str
    key_prefix: str
    lock_timeout: float
    lock_wait: float
    response_backend: str
    nginx_location: str | None
    max_dimension: int
    max_source_bytes: int
    engine: EngineOptions

    def respond(self) -> Callable[..., Any]:
        return import_string(RESPONSE_BACKENDS.get(self.response_backend, self.response_backend))


def _get(name: str, default: Any) -> Any:
    return getattr(django_settings, PREFIX + name, default)


def _fail(name: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{PREFIX}{name} {why}")


def _positive_int(name: str, default: int) -> int:
    value = _get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail(name, f"must be a positive integer, not {value!r}")
    return value


def _non_negative_number(name: str, default: float) -> float:
    value = _get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise _fail(name, f"must be a number >= 0, not {value!r}")
    return float(value)


def _positive_number(name: str, default: float) -> float:
    value = _non_negative_number(name, default)
    if value == 0:
        raise _fail(name, "must be a number > 0")
    return value


def _alias(name: str, default: str, registry: dict[str, Any]) -> str:
    value = _get(name, default)
    if value not in registry:
        raise _fail(name, f"names {value!r}, which is not defined")
    return value


def _colour(name: str, default: str) -> tuple[int, int, int]:
    from PIL import ImageColor

    value = _get(name, default)
    try:
        rgb = ImageColor.getrgb(value)
    except (ValueError, AttributeError, TypeError):
        raise _fail(name, f"must be a colour such as '#ffffff', not {value!r}") from None
    return rgb[:3]


def _load() -> Settings:
    secret_key = _get("SECRET_KEY", None) or django_settings.SECRET_KEY
    if not secret_key:
        raise _fail("SECRET_KEY", "(or SECRET_KEY) must be set to sign thumbnail URLs")
    fallbacks = _get("SECRET_KEY_FALLBACKS", None)
    if fallbacks is None:
        fallbacks = django_settings.SECRET_KEY_FALLBACKS
    base_url = _get("BASE_URL", "/")
    if not isinstance(base_url, str) or not base_url:
        raise _fail("BASE_URL", "must be a non-empty string")
    backend = _get("RESPONSE_BACKEND", "django")
    if not isinstance(backend, str) or ("." not in backend and backend not in RESPONSE_BACKENDS):
        raise _fail(
            "RESPONSE_BACKEND", f"must be one of {sorted(RESPONSE_BACKENDS)} or a dotted path"
        )
    quality = _positive_int("QUALITY", 85)
    if quality > 100:
        raise _fail("QUALITY", "must be between 1 and 100")
    source_formats = tuple(_get("SOURCE_FORMATS", DEFAULT_SOURCE_FORMATS))
    unknown = set(source_formats) - _KNOWN_SOURCE_FORMATS
    if unknown:
        raise _fail("SOURCE_FORMATS", f"names formats we never decode: {sorted(unknown)}")
    upscale = _get("UPSCALE", False)
    if not isinstance(upscale, bool):
        raise _fail("UPSCALE", "must be True or False")
    key_prefix = _get("KEY_PREFIX", "restthumbnails")
    if not isinstance(key_prefix, str):
        raise _fail("KEY_PREFIX", "must be a string")
    nginx_location = _get("NGINX_LOCATION", None)
    if nginx_location is not None and not (
        isinstance(nginx_location, str) and nginx_location.startswith("/")
    ):
        raise _fail("NGINX_LOCATION", "must be None or a path starting with '/'")
    return Settings(
        secret_key=secret_key,
        secret_key_fallbacks=tuple(fallbacks),
        base_url=base_url,
        source_storage=_alias("SOURCE_STORAGE", "default", django_settings.STORAGES),
        storage=_alias("STORAGE", "default", django_settings.STORAGES),
        cache=_alias("CACHE", "default", django_settings.CACHES),
        key_prefix=key_prefix,
        lock_timeout=_positive_number("LOCK_TIMEOUT", 10),
        lock_wait=_non_negative_number("LOCK_WAIT", 0),
        response_backend=backend,
        nginx_location=nginx_location,
        max_dimension=_positive_int("MAX_DIMENSION", DEFAULT_MAX_DIMENSION),
        max_source_bytes=_positive_int("MAX_SOURCE_BYTES", 50 * 1024 * 1024),
        engine=EngineOptions(
            upscale=upscale,
            quality=quality,
            background=_colour("BACKGROUND", "#ffffff"),
            max_source_pixels=_positive_int("MAX_SOURCE_PIXELS", 50_000_000),
            source_formats=source_formats,
        ),
    )


@functools.cache
def get_settings() -> Settings:
    return _load()


def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX) or setting in {
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "STORAGES",
        "CACHES",
    }:
        get_settings.cache_clear()


setting_changed.connect(_reset)
