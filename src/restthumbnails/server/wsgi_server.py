"""Run a WSGI app under gunicorn's pre-fork workers, configured from Python."""

from typing import Any

from gunicorn.app.base import BaseApplication

from ..render.pool.heap import one_malloc_arena


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


def run(application: Any, *, host: str, port: int, workers: int, threads: int) -> None:
    one_malloc_arena()
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
