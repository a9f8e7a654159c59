"""The use case: make sure one thumbnail exists, generating it at most once.

Knows nothing of HTTP: it answers with an Outcome or raises a ThumbnailError.
"""

import functools
import logging
import time
from dataclasses import dataclass
from typing import BinaryIO

from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage

from ..core.formats import IMMUTABLE
from ..core.logsafe import redact
from ..core.spec import ThumbnailSpec
from ..exceptions import Busy, StorageUnavailable, ThumbnailError
from ..render.rendering import Renderer
from ..storage.access import StorageAccess, access_for
from ..storage.atomic import WriteFailed
from ..storage.failures import FailureMemory, source_identity
from ..storage.filelocks import FileLock, lock_path
from ..storage.locks import Lock, ThumbnailLock, lock_key, wait_until
from . import metrics

logger = logging.getLogger("restthumbnails")


@dataclass(frozen=True)
class Outcome:
    name: str
    generated: bool
    bytes: int = 0  # what was written, when generated


@dataclass(frozen=True)
class ThumbnailService:
    source_storage: Storage
    thumbnail_storage: Storage
    lock_cache: BaseCache
    key_prefix: str
    lock_timeout: float
    lock_wait: float
    max_source_bytes: int
    # In a killable render process (the pool), or in this thread (RENDER_POOL="inline").
    renderer: Renderer
    failures: FailureMemory
    # Cache-Control of thumbnails written to a bucket (REST_THUMBNAILS_OBJECT_CACHE_CONTROL).
    object_cache_control: str = IMMUTABLE
    # A thumbnail folder on this host with the embedded lock: kernel file locks in
    # it replace the lock cache (no transaction per miss). None: the lock cache.
    lock_folder: str | None = None

    def ensure(self, spec: ThumbnailSpec, signature: str) -> Outcome:
        name = spec.name(signature)
        if self._exists(name):
            return Outcome(name, generated=False)
        lock = self._lock(name)
        if not lock.acquire():
            metrics.LOCK_CONTENTION.inc()
            if not self.lock_wait:
                raise Busy("another worker is generating this thumbnail")
            # Wait for the file, or for the holder to give up (its source may be
            # bad); in the second case try once ourselves to get the real answer.
            wait_until(
                lambda: self._exists(name) or not lock.held_by_anyone(), timeout=self.lock_wait
            )
            if self._exists(name):
                return Outcome(name, generated=False)
            if not lock.acquire():
                raise Busy("another worker is still generating this thumbnail")
        try:
            return self._generate(spec, name)
        finally:
            lock.release()

    def _lock(self, name: str) -> Lock:
        if self.lock_folder is not None:
            return FileLock(lock_path(self.lock_folder, name))
        return ThumbnailLock(self.lock_cache, lock_key(self.key_prefix, name), self.lock_timeout)

    @functools.cached_property
    def _sources(self) -> StorageAccess:
        return access_for(self.source_storage)

    @functools.cached_property
    def _thumbnails(self) -> StorageAccess:
        return access_for(self.thumbnail_storage)

    def _exists(self, name: str) -> bool:
        return self._thumbnails.exists(name)

    def _generate(self, spec: ThumbnailSpec, name: str) -> Outcome:
        if self._exists(name):  # finished by another worker since our first look
            return Outcome(name, generated=False)
        started = time.perf_counter()
        with metrics.IN_FLIGHT.track_inprogress():
            source, size = self._sources.open_source(spec.source, max_bytes=self.max_source_bytes)
            with source:
                written = self._render_and_write(source, size, spec, name)
        elapsed = time.perf_counter() - started
        metrics.GENERATIONS.inc()
        metrics.GENERATION_SECONDS.observe(elapsed)
        logger.info("generated %s in %.0f ms", redact(name), elapsed * 1000)
        return Outcome(name, generated=True, bytes=written)

    def _render_and_write(
        self, source: BinaryIO, size: int, spec: ThumbnailSpec, name: str
    ) -> int:
        """Render and write the thumbnail; its size. On a local folder, whoever renders
        writes (no copy of the bytes comes back here); elsewhere this side writes."""
        identity = source_identity(source, size, self.source_storage, spec.source)
        remembered = self.failures.recall(spec, identity)
        if remembered is not None:
            raise remembered
        metrics.SOURCE_BYTES.inc(size)
        destination = self._thumbnails.local_path(name)
        try:
            if destination is not None:
                return self.renderer.render_into(source, spec, destination)
            thumbnail = self.renderer.render(source, spec)
        except ThumbnailError as error:
            self.failures.remember(spec, identity, error)
            raise
        except WriteFailed as exc:
            raise _unwritable(name, exc) from None
        try:
            self._thumbnails.write(name, thumbnail, cache_control=self.object_cache_control)
        except OSError as exc:
            raise _unwritable(name, exc) from None
        return len(thumbnail)


def _unwritable(name: str, exc: OSError) -> StorageUnavailable:
    """A failed write is the storage's fault, never the source's: logged, 503, not remembered."""
    logger.error("cannot write %s: %s", redact(name), exc.strerror or type(exc).__name__)
    return StorageUnavailable("thumbnail storage cannot be written")
