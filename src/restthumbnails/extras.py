"""Which optional package a configured backend needs, and the one line that installs it.

Found with importlib.util.find_spec, so asking never imports boto3, redis or
pymemcache. The lowest layer: settings, checks and commands all ask here.
"""

import importlib.util

# Dotted backend paths (Django STORAGES and CACHES) -> (modules they import, our extra).
_BACKENDS = {
    "storages.backends.s3.S3Storage": (("storages", "boto3"), "s3"),
    "storages.backends.s3boto3.S3Boto3Storage": (("storages", "boto3"), "s3"),
    "django.core.cache.backends.redis.RedisCache": (("redis",), "redis"),
    "django.core.cache.backends.memcached.PyMemcacheCache": (("pymemcache",), "memcached"),
}


def install_line(extra: str) -> str:
    return f"pip install 'restthumbnails[{extra}]'"


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


def packages_missing(what: str, modules: tuple[str, ...], extra: str) -> str | None:
    """'WHAT needs the 'x' package: pip install ...', or None when all are there."""
    missing = missing_modules(modules)
    if not missing:
        return None
    names = " and ".join(repr(name) for name in missing)
    return f"{what} needs the {names} package{'s' * (len(missing) > 1)}: {install_line(extra)}"


def backend_problem(backend: str, *, what: str | None = None) -> str | None:
    """For a STORAGES or CACHES BACKEND whose client library is an extra of ours;
    `what` names the thing configured (default: the backend)."""
    if backend not in _BACKENDS:
        return None
    modules, extra = _BACKENDS[backend]
    return packages_missing(what or f"its backend {backend}", modules, extra)
