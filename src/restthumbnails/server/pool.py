"""`serve`'s host-wide render pool, started by the master before gunicorn forks its
workers (`restthumbnails render-pool` runs one for a Django site: commands/render_pool.py)."""

from dataclasses import dataclass

from ..conf import get_settings
from ..render.pool.client import MISS_THREADS, PoolProcess


@dataclass(frozen=True)
class HostPool:
    process: PoolProcess
    processes: int
    # Threads each gunicorn worker needs: `--threads` for hits and everything else,
    # plus one for each miss the pool can hold at once.
    request_threads: int

    def stop(self) -> None:
        self.process.stop()


def start_host_pool(socket_path: str, *, threads: int) -> HostPool:
    """MAX_CONCURRENT render processes at `socket_path`, MAX_QUEUED misses waiting for one.

    A miss holds its request thread while it waits for a render process and while
    it renders. The pool holds at most MAX_CONCURRENT + MAX_QUEUED of them (the
    kernel admits one more connection than the backlog) and refuses the rest at
    connect(), so that many threads per worker carry every miss the host can take;
    `threads` more stay free for hits and `/_health` however slow the renders are.
    Misses are capped at that share in each worker (forked after this).
    """
    settings = get_settings()
    misses = settings.max_concurrent + settings.max_queued + 1
    MISS_THREADS.limit(misses)
    process = PoolProcess.start(
        processes=settings.max_concurrent,
        queued=settings.max_queued,
        memory_limit=settings.render_memory_limit,
        socket_path=socket_path,
    )
    return HostPool(process, settings.max_concurrent, threads + misses)
