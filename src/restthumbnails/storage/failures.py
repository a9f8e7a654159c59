"""Remembering failed renders, so a hostile file costs one render, not one per request.

How far a failure is remembered depends on what it says:

- The source cannot be decoded (422: refused from its header, over a limit
  read there, or its render process crashed): that is a property of the file,
  so every thumbnail of it answers the same, without decoding, for FAILURE_TTL.
- The render ran out of time or memory (503 timeout, 422 out of memory): that
  is a property of this much work on this file. A 4000x4000 AVIF can time out
  where a 64x64 JPEG of the same image, decoded at 1/8 scale, takes 20 ms; so it
  is remembered for that one thumbnail (source, size, method, format) only, and
  asking it again costs nothing while other thumbnails of the source still work.
  Each thumbnail is a signed URL, so an attacker can make each source cost at most
  one deadline per thumbnail the site has published, per FAILURE_TTL.
- Overload, storage, lock and render-pool errors say nothing about the source
  and are never remembered.

The key holds the source's name and identity (size and modification time, and
the inode for a local file): upload a new file under the same name and it is
tried again at once.
"""

import contextlib
import hashlib
import logging
import os
from dataclasses import dataclass
from typing import BinaryIO

from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage

from ..core.spec import ThumbnailSpec
from ..exceptions import (
    GenerationTimeout,
    RenderCrashed,
    RenderOutOfMemory,
    SourceRejected,
    SourceTooLarge,
    ThumbnailError,
)

logger = logging.getLogger("restthumbnails")

# Failures of the file itself: remembered for every thumbnail of the source.
SOURCE_FAILURES: dict[str, type[ThumbnailError]] = {
    kind.category: kind for kind in (SourceRejected, SourceTooLarge, RenderCrashed)
}
# Failures of one render's cost: remembered for that thumbnail only.
THUMBNAIL_FAILURES: dict[str, type[ThumbnailError]] = {
    kind.category: kind for kind in (GenerationTimeout, RenderOutOfMemory)
}
REMEMBERED = {**SOURCE_FAILURES, **THUMBNAIL_FAILURES}


def source_identity(source: BinaryIO, size: int, storage: Storage, name: str) -> str:
    """What changes when the source is replaced: from fstat for a local file, from
    the HEAD already made for an object in a bucket (size, ETag, date)."""
    known = getattr(source, "source_identity", None)
    if isinstance(known, str):
        return known
    try:
        return file_identity(os.fstat(source.fileno()))
    except (OSError, AttributeError, ValueError):
        pass
    modified = ""
    with contextlib.suppress(Exception):  # not every storage knows (NotImplementedError...)
        modified = storage.get_modified_time(name).isoformat()
    return f"{size}:{modified}"


def file_identity(info: os.stat_result) -> str:
    """A local file's identity: replaced under the same name, it changes."""
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


@dataclass(frozen=True)
class FailureMemory:
    cache: BaseCache
    key_prefix: str
    seconds: float

    def _key(self, spec: ThumbnailSpec, identity: str, *, whole_source: bool) -> str:
        thumbnail = "" if whole_source else f"{spec.size}/{spec.method}.{spec.ext}"
        digest = hashlib.sha256(f"{spec.source}\0{identity}\0{thumbnail}".encode()).hexdigest()
        return f"{self.key_prefix}:failed:{digest[:32]}"

    def recall(self, spec: ThumbnailSpec, identity: str) -> ThumbnailError | None:
        """The failure remembered for this source, or for this very thumbnail of it."""
        if not self.seconds:
            return None
        keys = [self._key(spec, identity, whole_source=whole) for whole in (True, False)]
        try:
            found = self.cache.get_many(keys)
        except Exception:  # the cache being down must not turn a render into a 503
            return None
        for key, kinds in zip(keys, (SOURCE_FAILURES, THUMBNAIL_FAILURES), strict=True):
            value = found.get(key)
            if isinstance(value, tuple | list) and len(value) == 2:
                category, reason = value
                kind = kinds.get(category)
                if kind is not None:
                    return kind(f"{reason} (remembered)")
        return None

    def remember(self, spec: ThumbnailSpec, identity: str, error: ThumbnailError) -> None:
        if not self.seconds or error.category not in REMEMBERED:
            return
        whole_source = error.category in SOURCE_FAILURES
        try:
            self.cache.set(
                self._key(spec, identity, whole_source=whole_source),
                (error.category, error.reason),
                timeout=self.seconds,
            )
        except Exception as exc:
            logger.warning("cannot remember a failed render: %s", type(exc).__name__)
