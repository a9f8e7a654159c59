"""Remembering sources that failed, so a hostile file costs one render, not one per request.

A source refused by the engine (422) or stopped at its deadline (503 timeout)
is recorded in the lock cache for FAILURE_TTL seconds, under a key made of its
name and its identity (size and modification time, and the inode for a local
file): upload a new file under the same name and it is tried again at once.
Overload, storage and lock errors say nothing about the source and are never
recorded.
"""

import contextlib
import hashlib
import logging
import os
from dataclasses import dataclass
from typing import BinaryIO

from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage

from .exceptions import (
    GenerationTimeout,
    RenderCrashed,
    SourceRejected,
    SourceTooLarge,
    ThumbnailError,
)

logger = logging.getLogger("restthumbnails")

REMEMBERED: dict[str, type[ThumbnailError]] = {
    kind.category: kind
    for kind in (SourceRejected, SourceTooLarge, RenderCrashed, GenerationTimeout)
}


def source_identity(source: BinaryIO, size: int, storage: Storage, name: str) -> str:
    """What changes when the source is replaced: from fstat for a local file, from
    the HEAD already made for an object in a bucket (size, ETag, date)."""
    known = getattr(source, "source_identity", None)
    if isinstance(known, str):
        return known
    try:
        stat = os.fstat(source.fileno())
        return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"
    except (OSError, AttributeError, ValueError):
        pass
    modified = ""
    with contextlib.suppress(Exception):  # not every storage knows (NotImplementedError...)
        modified = storage.get_modified_time(name).isoformat()
    return f"{size}:{modified}"


@dataclass(frozen=True)
class FailureMemory:
    cache: BaseCache
    key_prefix: str
    seconds: float

    def _key(self, name: str, identity: str) -> str:
        digest = hashlib.sha256(f"{name}\0{identity}".encode()).hexdigest()[:32]
        return f"{self.key_prefix}:failed:{digest}"

    def recall(self, name: str, identity: str) -> ThumbnailError | None:
        if not self.seconds:
            return None
        try:
            value = self.cache.get(self._key(name, identity))
        except Exception:  # the cache being down must not turn a render into a 503
            return None
        if not (isinstance(value, tuple | list) and len(value) == 2):
            return None
        category, reason = value
        kind = REMEMBERED.get(category)
        return kind(f"{reason} (remembered)") if kind else None

    def remember(self, name: str, identity: str, error: ThumbnailError) -> None:
        if not self.seconds or error.category not in REMEMBERED:
            return
        try:
            self.cache.set(
                self._key(name, identity), (error.category, error.reason), timeout=self.seconds
            )
        except Exception as exc:
            logger.warning("cannot remember a failed source: %s", type(exc).__name__)
