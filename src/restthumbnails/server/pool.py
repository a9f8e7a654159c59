"""`serve`'s render pool: started once by the master, before gunicorn forks its workers."""

from dataclasses import dataclass

from ..conf import get_settings
from ..renderpool import PoolProcess


@dataclass(frozen=True)
class HostPool:
    process: PoolProcess
    processes: int

    def stop(self) -> None:
        self.process.stop()


def start_host_pool(socket_path: str) -> HostPool:
    """MAX_CONCURRENT render processes at `socket_path`, MAX_QUEUED misses waiting for one."""
    settings = get_settings()
    process = PoolProcess.start(
        processes=settings.max_concurrent,
        queued=settings.max_queued,
        memory_limit=settings.render_memory_limit,
        socket_path=socket_path,
    )
    return HostPool(process, settings.max_concurrent)
