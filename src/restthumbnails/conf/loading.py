"""REST_THUMBNAILS_* settings: read lazily, validated once, reset when tests change them."""

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..core.policy import Preset
from ..render.options import EngineOptions
from .table import ENGINES, RESPONSE_BACKENDS, SETTINGS, plugin_path
from .values import PREFIX, plugin

VIPS_HINT = "; 'vips' needs: pip install 'restthumbnails[vips]'"


@dataclass(frozen=True)
class Settings:
    secret_key: str
    secret_key_fallbacks: tuple[str, ...]
    # None: derived from where restthumbnails.urls is mounted (conf.places.base_url).
    base_url: str | None
    source_storage: str
    # None: the built-in storage, MEDIA_ROOT/thumbnails (conf.places.thumbnail_storage).
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
    # The ENGINE's dotted path (the render pool's processes import it); a bad path, or
    # an engine whose library is missing, fails at start-up (system check) rather
    # than as a 500 on every request.
    engine_path: str
    # The response backend, imported once here for the same reason.
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

    @property
    def render(self) -> Callable[..., bytes]:
        """The ENGINE's render function, imported when first asked for: only a process
        that renders in its own threads (RENDER_POOL = "inline") loads Pillow for it."""
        return import_string(self.engine_path)


class SettingsProblems(ImproperlyConfigured):
    """Every bad REST_THUMBNAILS_* value at once, one message each (system check E001)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def given(name: str) -> Any:
    """The value a settings file gives REST_THUMBNAILS_<name>, or the table's default."""
    return getattr(django_settings, PREFIX + name, SETTINGS[name].default)


def read(name: str) -> Any:
    """One setting, checked, without loading the others (for a setting not loaded)."""
    return SETTINGS[name].check(name, given(name), {})


def named(name: str) -> str:
    """The setting a value comes from: ours when set, else Django's of the same name
    (SECRET_KEY, SECRET_KEY_FALLBACKS), as the checks of those keys read them."""
    return PREFIX + name if getattr(django_settings, PREFIX + name, None) is not None else name


def _load() -> Settings:
    # Every setting is checked, so one run reports every bad value; a bad one
    # counts as its default for the checks after it (PRESETS against MAX_DIMENSION).
    messages: list[str] = []
    loaded: dict[str, Any] = {}

    def take(compute: Callable[[], Any], fallback: Any = None) -> Any:
        try:
            return compute()
        except ImproperlyConfigured as exc:
            messages.extend(getattr(exc, "messages", None) or [str(exc)])
            return fallback

    for setting in SETTINGS.values():
        if setting.loaded:
            check = functools.partial(setting.check, setting.name, given(setting.name), loaded)
            loaded[setting.name] = take(check, setting.default)
    # ENGINE names the render plugin: Settings keeps its path, `engine` its options.
    engine_path = plugin_path(loaded.pop("ENGINE"), ENGINES)
    if engine_path != ENGINES["pillow"]:
        # Imported now to find a missing library (pyvips) or a bad path at start-up;
        # Pillow's engine needs nothing the package does not, and is left unloaded.
        take(lambda: plugin("ENGINE", engine_path, VIPS_HINT))
    respond = take(
        lambda: plugin(
            "RESPONSE_BACKEND", plugin_path(loaded["RESPONSE_BACKEND"], RESPONSE_BACKENDS), ""
        ),
    )
    if messages:
        raise SettingsProblems(messages)
    engine_fields = {field.name for field in fields(EngineOptions)}
    by_field = {name.lower(): value for name, value in loaded.items()}
    return Settings(
        **{name: value for name, value in by_field.items() if name not in engine_fields},
        engine=EngineOptions(**{name: by_field[name] for name in engine_fields}),
        respond=respond,
        engine_path=engine_path,
    )


@functools.cache
def get_settings() -> Settings:
    return _load()
