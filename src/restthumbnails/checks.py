"""Start-up checks for the mistakes that only show under load or in production."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

from .conf import PREFIX, get_settings
from .storage import local_path

# Caches whose add() is check-then-set inside one process: two workers can both
# "take" the same lock.
_NON_ATOMIC_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "local-memory",
    "django.core.cache.backends.filebased.FileBasedCache": "file-based",
    "django.core.cache.backends.dummy.DummyCache": "dummy",
}


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        conf = get_settings()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="restthumbnails.E001")]
    messages: list[CheckMessage] = []
    backend = settings.CACHES[conf.cache].get("BACKEND", "")
    if backend in _NON_ATOMIC_CACHES:
        messages.append(
            Warning(
                f"The lock cache {conf.cache!r} is {_NON_ATOMIC_CACHES[backend]}: it cannot lock "
                "across worker processes, so concurrent requests may render a thumbnail twice.",
                hint=f"Point {PREFIX}CACHE at Redis or memcached "
                "(or restthumbnails.sqlite_cache.SQLiteCache on a single host).",
                id="restthumbnails.W001",
            )
        )
    if conf.response_backend == "django" and not settings.DEBUG:
        messages.append(
            Warning(
                "The 'django' response backend sends every thumbnail through Python.",
                hint=f"Behind nginx set {PREFIX}RESPONSE_BACKEND = 'nginx' "
                "(Apache/lighttpd: 'sendfile'; object storage: 'redirect').",
                id="restthumbnails.W002",
            )
        )
    if conf.source_storage == conf.storage:
        messages.append(
            Warning(
                f"Sources and thumbnails share the storage {conf.storage!r}: a thumbnail of "
                "'a.jpg' lives under the folder 'a.jpg/', which cannot exist beside the file.",
                hint=f"Give {PREFIX}STORAGE its own STORAGES alias and folder.",
                id="restthumbnails.W003",
            )
        )
    if conf.lock_timeout < conf.queue_timeout + conf.generation_timeout:
        messages.append(
            Warning(
                f"{PREFIX}LOCK_TIMEOUT ({conf.lock_timeout:g} s) is shorter than "
                f"QUEUE_TIMEOUT + GENERATION_TIMEOUT ({conf.queue_timeout:g} + "
                f"{conf.generation_timeout:g} s): a slow render can outlive its lock, and "
                "the next request renders the same thumbnail again.",
                hint="Raise LOCK_TIMEOUT or lower the other two.",
                id="restthumbnails.W004",
            )
        )
    if conf.response_backend == "sendfile" and local_path(storages[conf.storage], "") is None:
        messages.append(
            Error(
                f"{PREFIX}RESPONSE_BACKEND 'sendfile' sends a file path, but the thumbnail "
                f"storage {conf.storage!r} has no local files.",
                hint="Use 'redirect' for object storage.",
                id="restthumbnails.E003",
            )
        )
    if conf.allowed_thumbnails is not None:
        for name, preset in conf.presets.items():
            if preset.allow_key not in conf.allowed_thumbnails:
                messages.append(
                    Error(
                        f"Preset {name!r} ({preset.allow_key}) is not in "
                        f"{PREFIX}ALLOWED_THUMBNAILS, so its URLs would all be refused.",
                        id="restthumbnails.E002",
                    )
                )
    return messages


@register(Tags.compatibility)
def check_warm_on_save(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """REST_THUMBNAILS_WARM_ON_SAVE: Celery installed, its models, fields and presets exist."""
    from .warm_on_save import problems

    return [
        Error(message, hint=hint or None, id=f"restthumbnails.{code}")
        for code, message, hint in problems()
    ]
