"""REST_THUMBNAILS_* settings: one table (conf.table), checked (conf.values) and
loaded once per process (conf.loading), and where they point (conf.places).

Cached values are dropped when a test changes a setting they depend on.
"""

from typing import Any

from django.core.signals import setting_changed

from .loading import Settings, SettingsProblems, get_settings, named, read
from .places import (
    base_url,
    builtin_thumbnail_storage,
    mounted_path,
    serves_thumbnails,
    source_storage,
    thumbnail_storage,
    thumbnail_storage_problem,
)
from .table import (
    BUILTIN_FOLDER,
    DEFAULT_RENDER_MEMORY_LIMIT,
    ENGINES,
    INLINE,
    MOVED_PLUGINS,
    OWN_POOL,
    RESPONSE_BACKENDS,
    SETTINGS,
    Setting,
    plugin_path,
)
from .values import PREFIX

__all__ = [
    "BUILTIN_FOLDER",
    "DEFAULT_RENDER_MEMORY_LIMIT",
    "ENGINES",
    "INLINE",
    "MOVED_PLUGINS",
    "OWN_POOL",
    "PREFIX",
    "RESPONSE_BACKENDS",
    "SETTINGS",
    "Setting",
    "Settings",
    "SettingsProblems",
    "base_url",
    "get_settings",
    "named",
    "plugin_path",
    "read",
    "serves_thumbnails",
    "source_storage",
    "thumbnail_storage",
    "thumbnail_storage_problem",
]


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
        builtin_thumbnail_storage.cache_clear()
        mounted_path.cache_clear()


setting_changed.connect(_reset)
