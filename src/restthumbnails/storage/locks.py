"""A short per-thumbnail lock on a Django cache, so a stampede renders once.

`cache.add()` is the atomic step: only one caller creates the key. The value
is a random token so that only the owner releases it; the expiry bounds how
long a crashed owner can block others.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.core.cache.backends.base import BaseCache

from ..exceptions import LockUnavailable

logger = logging.getLogger("restthumbnails")


class Lock(Protocol):
    """What the service needs of a per-thumbnail lock: this cache lock, or a
    kernel file lock on a local folder (`filelocks.FileLock`)."""

    def acquire(self) -> bool: ...
    def release(self) -> bool: ...
    def held_by_anyone(self) -> bool: ...


@dataclass
class ThumbnailLock:
    cache: BaseCache
    key: str
    timeout: float
    token: str = field(default_factory=lambda: secrets.token_hex(16))

    def acquire(self) -> bool:
        # Cache timeouts are whole seconds on memcached; round up so a lock
        # never expires before LOCK_TIMEOUT.
        timeout = max(1, -(-self.timeout // 1))
        try:
            return bool(self.cache.add(self.key, self.token, timeout=timeout))
        except Exception as exc:
            # Each cache client raises its own connection errors; any of them
            # means we cannot know who renders, so we render nothing.
            logger.warning("lock cache unavailable: %s", type(exc).__name__)
            raise LockUnavailable("the lock service is unavailable; retry shortly") from None

    def release(self) -> bool:
        """Delete the lock if it is still ours; True when we deleted it.

        A cache that went away meanwhile is not an error here: the lock then
        simply expires after its timeout.
        """
        try:
            return self._release()
        except Exception as exc:
            logger.warning("lock cache unavailable on release: %s", type(exc).__name__)
            return False

    def _release(self) -> bool:
        compare_and_delete = getattr(self.cache, "delete_if_value", None)
        if compare_and_delete is not None:
            return bool(compare_and_delete(self.key, self.token))
        # Plain caches have no compare-and-delete: get then delete leaves a window
        # of one round trip in which an expired lock re-taken by another worker
        # could be removed; that worker then merely risks a duplicate render.
        if self.cache.get(self.key) != self.token:
            return False
        self.cache.delete(self.key)
        return True

    def held_by_anyone(self) -> bool:
        try:
            return self.cache.get(self.key) is not None
        except Exception:
            raise LockUnavailable("the lock service is unavailable; retry shortly") from None


def lock_key(prefix: str, thumbnail_name: str) -> str:
    # Hash the name: cache keys have length and character limits (memcached: 250
    # bytes, no spaces), thumbnail names do not.
    digest = hashlib.sha256(thumbnail_name.encode("utf-8")).hexdigest()
    return f"{prefix}:lock:{digest}"


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until true or `timeout` seconds pass; True if it became true."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
