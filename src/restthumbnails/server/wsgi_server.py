"""Run a WSGI app under gunicorn's pre-fork workers, configured from Python."""

from typing import Any

from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def run(application: Any, *, host: str, port: int, workers: int) -> None:
    GunicornServer(
        application,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            # Sync workers: one request per process. Rendering is CPU-bound, so
            # threads would only share a core; more processes than cores keep a
            # hit from waiting behind a slow miss.
            "worker_class": "sync",
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        },
    ).run()
