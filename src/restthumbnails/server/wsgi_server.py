"""Run a WSGI app under gunicorn's pre-fork workers, configured from Python."""

import contextlib
import ctypes
from typing import Any

from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def _child_exit(server: Any, worker: Any) -> None:
    from ..serving.metrics import worker_exited

    worker_exited(worker.pid)


# glibc's mallopt() parameter for the number of malloc arenas.
_M_ARENA_MAX = -8


def _one_malloc_arena() -> None:
    """glibc gives each thread that allocates while another does an arena of its own,
    and keeps what each arena once held. A worker's threads run Python one at a time
    (the GIL), so the extra arenas only hold memory: about 0.8 MB per worker at four
    connections. Set in the master, inherited by the workers it forks."""
    # Not glibc (musl has one arena anyway): nothing to set.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)


def run(application: Any, *, host: str, port: int, workers: int, threads: int) -> None:
    _one_malloc_arena()
    GunicornServer(
        application,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            # Threaded workers: a miss's thread waits while the render pool does
            # its CPU work; the other threads keep answering hits, and refuse
            # excess work at once, meanwhile.
            "worker_class": "gthread",
            "threads": threads,
            "child_exit": _child_exit,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        },
    ).run()
