"""Django settings for the standalone server, built from the command line."""

import hashlib
import os
from pathlib import Path
from typing import Any

from .logformat import logging_config


def lock_database_path(thumbnails_dir: Path | str) -> Path:
    """One lock file per thumbnail folder (or s3:// URL), in the user's cache folder
    (never served).

    Every `serve` on this host writing to the same folder shares its locks.
    """
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    where = str(thumbnails_dir.resolve()) if isinstance(thumbnails_dir, Path) else thumbnails_dir
    digest = hashlib.sha256(where.encode()).hexdigest()[:16]
    return Path(cache_home) / "restthumbnails" / f"locks-{digest}.sqlite3"


def lock_cache_settings(cache_url: str | None, thumbnails_dir: Path | str) -> dict[str, Any]:
    """A CACHES entry for the lock: the embedded SQLite file, Redis or memcached.

    Several `serve` hosts sharing one thumbnail storage must share one lock,
    which is what redis:// and memcached:// are for.
    """
    if not cache_url:
        return {
            "BACKEND": "restthumbnails.sqlite_cache.SQLiteCache",
            "LOCATION": str(lock_database_path(thumbnails_dir)),
        }
    scheme, _, rest = cache_url.partition("://")
    if scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}
    if scheme == "memcached" and rest:
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": rest.rstrip("/"),
        }
    raise ValueError("--cache-url must be redis://HOST:PORT/DB or memcached://HOST:PORT")


def embedded_settings(
    *,
    sources: dict[str, Any],
    thumbnails: dict[str, Any],
    secret_key: str,
    response_backend: str,
    base_url: str,
    lock_cache: dict[str, Any],
    log_level: str = "INFO",
    log_format: str = "plain",
    extra: dict[str, Any] | None = None,
    demo: bool = False,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "DEBUG": False,
        "SECRET_KEY": secret_key,
        # A thumbnail host answers for whatever name the proxy gives it and
        # builds no absolute URL from the Host header.
        "ALLOWED_HOSTS": ["*"],
        "ROOT_URLCONF": "restthumbnails.owned_urls",
        "INSTALLED_APPS": ["restthumbnails"],
        "MIDDLEWARE": [],
        "DATABASES": {},
        "USE_TZ": True,
        # Each a STORAGES entry: a local folder or an S3 bucket (server/locations.py).
        "STORAGES": {"sources": sources, "thumbnails": thumbnails},
        "CACHES": {"default": lock_cache},
        "REST_THUMBNAILS_SOURCE_STORAGE": "sources",
        "REST_THUMBNAILS_STORAGE": "thumbnails",
        "REST_THUMBNAILS_RESPONSE_BACKEND": response_backend,
        "REST_THUMBNAILS_BASE_URL": base_url,
        # Serving the bytes from Python is a deliberate choice when no proxy is in front.
        "SILENCED_SYSTEM_CHECKS": ["restthumbnails.W002"],
        "LOGGING": logging_config(level=log_level, fmt=log_format),
        # Applied once by server/startup.py before Django is set up, never by Django:
        # a serve worker that sets Django up for its first metrics or demo request
        # must not reinstall the handlers while its other threads log.
        "LOGGING_CONFIG": None,
        # Unused (each storage has its own base URL), but a FileSystemStorage reads it
        # for every url(), and Django prefixes a relative one with the script name,
        # importing its URL resolver into a worker that has no other use for it.
        "MEDIA_URL": "/",
        # serve's render pool is host-wide: one render process per core, whichever
        # worker the miss arrived at (server/pool.py).
        "REST_THUMBNAILS_MAX_CONCURRENT": os.cpu_count() or 1,
    }
    values.update(extra or {})
    if demo:
        # The thumbnails plus a gallery page at /.
        values["ROOT_URLCONF"] = "restthumbnails.server.demo"
    return values
