"""Building the thumbnail service and its renderer from the settings.

The one place that turns `Settings` into objects: the view, the warm-up and the
Celery batch all build their service here.
"""

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage

from ..conf import INLINE, OWN_POOL, Settings, source_storage, thumbnail_storage
from ..render.overload import slots_for
from ..render.pool.client import PoolRenderer, own_pool_socket
from ..render.rendering import InlineRenderer, Renderer
from ..storage.access import access_for
from ..storage.failures import FailureMemory
from ..storage.local import LocalFolder
from ..storage.sqlite_cache import SQLiteCache
from .service import ThumbnailService

NO_QUEUE_WAIT = 0.1


def service_for(settings: Settings) -> ThumbnailService:
    lock_cache = caches[settings.cache]
    thumbnails = thumbnail_storage(settings)
    return ThumbnailService(
        source_storage=source_storage(settings),
        thumbnail_storage=thumbnails,
        lock_cache=lock_cache,
        key_prefix=settings.key_prefix,
        lock_timeout=settings.lock_timeout,
        lock_wait=settings.lock_wait,
        max_source_bytes=settings.max_source_bytes,
        renderer=renderer_for(settings),
        failures=FailureMemory(lock_cache, settings.key_prefix, settings.failure_ttl),
        object_cache_control=settings.object_cache_control,
        lock_folder=lock_folder_for(thumbnails, lock_cache),
    )


def lock_folder_for(thumbnails: Storage, lock_cache: BaseCache) -> str | None:
    """The thumbnail root when kernel file locks there can stand in for the lock cache.

    Only with the embedded SQLite lock (`serve` without --cache-url), which is
    host-local anyway, and a local folder: every process that renders into that
    folder can then lock in it. A shared cache (Redis, memcached) is the lock across
    hosts and stays so; other caches a Django site configures stay as they are.
    """
    if not isinstance(lock_cache, SQLiteCache):
        return None
    access = access_for(thumbnails)
    if not isinstance(access, LocalFolder):
        return None
    return access.local_path("")


def renderer_for(settings: Settings) -> Renderer:
    if settings.render_pool == INLINE:
        return InlineRenderer(
            render_function=settings.render,
            options=settings.engine,
            slots=slots_for(settings.max_concurrent, settings.max_queued),
            queue_timeout=settings.queue_timeout,
            generation_timeout=settings.generation_timeout,
        )
    socket_path = settings.render_pool
    if socket_path == OWN_POOL:
        # MAX_CONCURRENT render processes for this request process, MAX_QUEUED waiting.
        socket_path = own_pool_socket(
            processes=settings.max_concurrent,
            queued=settings.max_queued,
            memory_limit=settings.render_memory_limit,
        )
    return PoolRenderer(
        socket_path=socket_path,
        engine=settings.engine_path,
        options=settings.engine,
        # With no queue, a free render process still takes a moment to accept.
        queue_timeout=settings.queue_timeout if settings.max_queued else NO_QUEUE_WAIT,
        generation_timeout=settings.generation_timeout,
    )
