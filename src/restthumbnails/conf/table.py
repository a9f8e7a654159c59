"""Every REST_THUMBNAILS_* setting once: its name, default and check.

conf.loading walks this table; `serve`'s option help texts take their defaults
from it and tests/test_docs.py holds docs/settings.md's table against it, so a
default is written here and nowhere else.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.formats import IMMUTABLE
from ..core.spec import DEFAULT_MAX_DIMENSION
from ..render.options import (
    DEFAULT_MAX_ANIMATION_PIXELS,
    DEFAULT_MAX_SOURCE_FRAMES,
    DEFAULT_MAX_SOURCE_SCANS,
    DEFAULT_SOURCE_FORMATS,
)
from .values import (
    Check,
    absolute_path_or_none,
    alias_of,
    allowed_thumbnails,
    as_given,
    base_url,
    boolean,
    cache_control,
    colour,
    image_file_or_none,
    number,
    one_segment_or_none,
    picture_formats,
    plugin_name,
    presets,
    quality,
    render_pool,
    secret_key,
    secret_key_fallbacks,
    source_formats,
    text,
    thumbnail_storage_alias,
)

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


def plugin_path(value: str, registry: Mapping[str, str]) -> str:
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
class Setting:
    """REST_THUMBNAILS_<name>: the value when unset, and the check a value passes.

    `loaded`: part of conf.Settings (get_settings); False for a setting read on
    its own by the one module that uses it (conf.loading.read).
    """

    name: str
    default: Any
    check: Check
    loaded: bool = True

    @property
    def shown_default(self) -> str:
        """The default as a command line user would type it (help texts)."""
        return str(self.default)


_SETTINGS = (
    # Secrets: unset means Django's own SECRET_KEY / SECRET_KEY_FALLBACKS.
    Setting("SECRET_KEY", None, secret_key),
    Setting("SECRET_KEY_FALLBACKS", None, secret_key_fallbacks),
    Setting("BASE_URL", None, base_url),
    Setting("SOURCE_STORAGE", "default", alias_of("STORAGES")),
    Setting("STORAGE", None, thumbnail_storage_alias),
    Setting("CACHE", "default", alias_of("CACHES")),
    Setting("KEY_PREFIX", "restthumbnails", text),
    Setting("LOCK_TIMEOUT", 10, number(minimum=0, above=True)),
    Setting("LOCK_WAIT", 0, number(minimum=0)),
    Setting(
        "RESPONSE_BACKEND",
        "django",
        plugin_name(RESPONSE_BACKENDS, show_value=False),
    ),
    Setting("NGINX_LOCATION", None, absolute_path_or_none),
    Setting("SENDFILE_ESCAPE", False, boolean),
    # Before ALLOWED_THUMBNAILS and PRESETS, which are checked against it.
    Setting("MAX_DIMENSION", DEFAULT_MAX_DIMENSION, number(minimum=1, integer=True)),
    Setting("MAX_SOURCE_BYTES", 50 * 1024 * 1024, number(minimum=1, integer=True)),
    Setting("UPSCALE", False, boolean),
    Setting("QUALITY", 85, quality),
    Setting("BACKGROUND", "#ffffff", colour),
    Setting("MAX_SOURCE_PIXELS", 50_000_000, number(minimum=1, integer=True)),
    Setting("SOURCE_FORMATS", DEFAULT_SOURCE_FORMATS, source_formats),
    Setting("MAX_SOURCE_SCANS", DEFAULT_MAX_SOURCE_SCANS, number(minimum=1, integer=True)),
    Setting("MAX_SOURCE_FRAMES", DEFAULT_MAX_SOURCE_FRAMES, number(minimum=1, integer=True)),
    Setting(
        "MAX_ANIMATION_PIXELS",
        DEFAULT_MAX_ANIMATION_PIXELS,
        number(minimum=0, integer=True),
    ),
    Setting("ENGINE", "pillow", plugin_name(ENGINES)),
    Setting("ALLOWED_THUMBNAILS", None, allowed_thumbnails),
    Setting("PRESETS", {}, presets),
    Setting("MAX_CONCURRENT", 2, number(minimum=1, integer=True)),
    Setting("MAX_QUEUED", 8, number(minimum=0, integer=True)),
    # With LOCK_TIMEOUT's default of 10 s, a render that waits its whole queue
    # time and then runs to its deadline still finishes under its lock.
    Setting("QUEUE_TIMEOUT", 2, number(minimum=0)),
    Setting("GENERATION_TIMEOUT", 8, number(minimum=0, above=True)),
    Setting("FALLBACK_IMAGE", None, image_file_or_none),
    Setting("FALLBACK_MAX_AGE", 60, number(minimum=0, integer=True)),
    Setting("HEALTH_PATH", "_health", one_segment_or_none),
    Setting("METRICS_PATH", "_metrics", one_segment_or_none),
    Setting("RENDER_POOL", OWN_POOL, render_pool(OWN_POOL, INLINE)),
    Setting(
        "RENDER_MEMORY_LIMIT",
        DEFAULT_RENDER_MEMORY_LIMIT,
        number(minimum=0, integer=True),
    ),
    Setting("FAILURE_TTL", 300, number(minimum=0)),
    Setting("PICTURE_FORMATS", ("avif", "webp"), picture_formats),
    # Cache-Control of thumbnails written to an S3 bucket (the object's own header).
    Setting("OBJECT_CACHE_CONTROL", IMMUTABLE, cache_control),
    # Checked by the system check (lifecycle.warm_on_save.problems), which also
    # needs the models and Celery; read before get_settings can be, at app start.
    Setting("WARM_ON_SAVE", {}, as_given, loaded=False),
)
SETTINGS: Mapping[str, Setting] = {setting.name: setting for setting in _SETTINGS}
