"""Start `restthumbnails serve` as a real subprocess for tests, and stop it by PID."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Which route answers thumbnail paths in the `serve` processes tests start:
# "lean" (serve's default) or "django" (`--no-lean-route`). Modules marked
# `both_routes` run once with each (tests/conftest.py sets it). The second supported
# line (`make test-django6`) runs them on serve's default route alone: the routes'
# sameness is proved once, and CI stays within its time.
ROUTES = tuple(os.environ.get("RESTTHUMBNAILS_TEST_ROUTES", "lean,django").split(","))
route = "lean"


def route_options() -> tuple[str, ...]:
    """The `serve` options that select the current route."""
    return ("--no-lean-route",) if route == "django" else ()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("serve exited early:\n" + log.read_text())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve did not start:\n" + log.read_text())


@contextmanager
def start_serve(
    media: Path, thumbs: Path, *, key: str | None, options: tuple[str, ...] = ()
) -> Iterator[Server]:
    """`serve` on a free loopback port with its home folders in the test's tmp dir.

    `key=None` leaves the key to `options` (e.g. --secret-key-file).
    """
    port = free_port()
    log = thumbs.parent / f"serve-{port}.log"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "XDG_CONFIG_HOME": str(thumbs.parent / "config"),
        "XDG_CACHE_HOME": str(thumbs.parent / "cache"),
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "restthumbnails",
                "serve",
                str(media),
                "--thumbnails-dir",
                str(thumbs),
                "--port",
                str(port),
                "--workers",
                "2",
                *(("--secret-key", key) if key is not None else ()),
                *route_options(),
                *options,
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        _wait_for_port(port, process, log)
        yield Server(process, port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
