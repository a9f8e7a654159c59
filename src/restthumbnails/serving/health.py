"""Is this worker able to do its job? The thumbnail storage takes a write and the
lock cache answers. Used by load balancers, which may call it many times a second
from many places: the result is kept for a few seconds per process, so that
traffic never turns into a stream of writes and fsyncs.
"""

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage
from django.core.signals import setting_changed

from ..conf import Settings, thumbnail_storage
from ..storage.access import access_for
from ..storage.filelocks import check_lock_folder
from .wiring import lock_folder_for

logger = logging.getLogger("restthumbnails")

# A passing result is reused this long: a storage that fails is noticed within 5 s,
# and a worker writes at most one probe file per 5 s however often it is asked.
HEALTHY_FOR = 5.0
# A failing one only briefly, so a worker is back in rotation soon after recovery.
FAILING_FOR = 1.0

Checks = dict[str, str]
Headers = list[tuple[str, str]]


def check_storage(storage: Storage) -> str:
    """Write and delete a small file the way thumbnails are written (temp name, rename).

    At the storage's root under a dot-name: no folder is created, so nothing is
    left behind, and a one-segment name can never be a thumbnail's.
    """
    name = f".health-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        access_for(storage).write(name, b"ok")
        storage.delete(name)
    except Exception as exc:
        return f"not writable ({type(exc).__name__})"
    return "ok"


def check_cache(cache: BaseCache, prefix: str) -> str:
    key = f"{prefix}:health:{os.getpid()}:{secrets.token_hex(4)}"
    try:
        if not cache.add(key, "ok", timeout=5) or cache.get(key) != "ok":
            return "not answering correctly"
        cache.delete(key)
    except Exception as exc:
        return f"not answering ({type(exc).__name__})"
    return "ok"


def is_healthy(checks: Checks) -> bool:
    return all(value == "ok" for value in checks.values())


class HealthCache:
    """The last result of each probe, per process, until it expires."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # Held while probing: concurrent callers wait for the one probe and share it.
        self._lock = threading.Lock()
        self._results: dict[Hashable, tuple[float, Checks]] = {}

    def get(self, key: Hashable, probe: Callable[[], Checks]) -> Checks:
        with self._lock:
            cached = self._results.get(key)
            if cached is not None and self._clock() < cached[0]:
                return cached[1]
            checks = probe()
            ttl = HEALTHY_FOR if is_healthy(checks) else FAILING_FOR
            self._results[key] = (self._clock() + ttl, checks)
            return checks

    def clear(self) -> None:
        with self._lock:
            self._results.clear()


RESULTS = HealthCache()


def health_answer(settings: Settings) -> tuple[int, Headers, bytes]:
    """The health path's status (200, or 503 when failing), its headers (Content-Type
    first) and its JSON body.

    Both routes answer with it: Django's view and serve's lean route.
    """
    checks = RESULTS.get(
        (settings.storage, settings.cache, settings.key_prefix), lambda: _probe(settings)
    )
    healthy = is_healthy(checks)
    body = {"status": "ok" if healthy else "failing", **checks}
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    return 200 if healthy else 503, headers, json.dumps(body).encode()


def _probe(settings: Settings) -> Checks:
    checks = {
        "storage": check_storage(thumbnail_storage(settings)),
        "lock": _check_lock(settings),
    }
    if not is_healthy(checks):
        # Once per probe, not once per call: a failing host is asked just as often.
        logger.warning("health check failing: %s", checks)
    return checks


def _check_lock(settings: Settings) -> str:
    """The lock a miss takes: the file locks of a local folder, else the lock cache.
    The cache is asked either way: it also holds the failure memory."""
    lock_cache = caches[settings.cache]
    folder = lock_folder_for(thumbnail_storage(settings), lock_cache)
    if folder is not None:
        answer = check_lock_folder(folder)
        if answer != "ok":
            return answer
    return check_cache(lock_cache, settings.key_prefix)


def _forget(**kwargs: Any) -> None:
    # Another storage or cache may sit behind the same aliases now (tests do this).
    RESULTS.clear()


setting_changed.connect(_forget)
