"""A test's running servers: `restthumbnails serve` instances, proxies, Redis, memcached.

Every process is registered the moment it is started, so the fixture's
finaliser stops each one by its PID even when the test fails half-way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail

from ..support.serving import route_options
from .proxies import start_proxy
from .support import (
    LOOPBACK,
    Process,
    free_port,
    python_command,
    require_binary,
    start_process,
)

SECRET_KEY = "e2e-secret-key-not-for-production-0123456789"


def thumbnail_url(base_url: str, source: str, size: str, method: str, ext: str) -> str:
    return signed_thumbnail(
        make_spec(source, size, method, ext), key=SECRET_KEY, base_url=base_url
    ).url


def wrong_signature(url: str) -> str:
    """The same URL with its signature's last digit changed."""
    stem, dot, ext = url.rpartition(".")
    return stem[:-1] + ("0" if stem[-1] != "0" else "1") + dot + ext


@dataclass
class Backend:
    process: Process
    port: int
    thumbnails_dir: Path
    cache_home: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[Process] = []

    def _register(self, process: Process) -> Process:
        self.processes.append(process)
        return process

    def serve(
        self,
        media_dir: Path,
        thumbnails_dir: Path,
        *,
        name: str = "serve",
        workers: int = 2,
        response_backend: str = "django",
        base_url: str | None = None,
        cache_url: str | None = None,
        lock_timeout: float | None = None,
        lock_wait: float | None = None,
        demo: bool = False,
        extra_args: Sequence[str] = (),
        prefix: Sequence[str] = (),
        preexec_fn: Callable[[], None] | None = None,
    ) -> Backend:
        """`restthumbnails serve` on a free port, with its own config and cache homes."""
        port = free_port()
        home = self.workdir / name
        home.mkdir(mode=0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REST_THUMBNAILS_")}
        env.update(
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            PYTHONUNBUFFERED="1",
        )
        argv = [
            *python_command(),
            "serve",
            str(media_dir),
            "--thumbnails-dir",
            str(thumbnails_dir),
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--secret-key",
            SECRET_KEY,
            "--response-backend",
            response_backend,
        ]
        options = {
            "--base-url": base_url,
            "--cache-url": cache_url,
            "--lock-timeout": lock_timeout,
            "--lock-wait": lock_wait,
        }
        for option, value in options.items():
            if value is not None:
                argv += [option, str(value)]
        if demo:
            argv.append("--demo")
        argv += route_options()
        argv += extra_args
        process = self._register(
            start_process(name, argv, workdir=home, env=env, prefix=prefix, preexec_fn=preexec_fn)
        )
        process.wait_for_port(port)
        return Backend(process, port, thumbnails_dir, home / "cache")

    def proxy(
        self,
        kind: str,
        thumbnails_dir: Path,
        backend: Backend,
        *,
        site: str | None = None,
        port: int | None = None,
    ) -> tuple[Process, str]:
        """Start a proxy in front of `backend`; returns it and its base URL."""
        port = port or free_port()
        holder: list[Process] = []
        try:
            process = start_proxy(
                kind,
                workdir=self.workdir,
                port=port,
                thumbnails_dir=thumbnails_dir,
                backend_port=backend.port,
                site=site,
                started=holder.append,
            )
        finally:
            self.processes.extend(holder)
        return process, f"http://{LOOPBACK}:{port}/"

    def redis(self) -> str:
        binary = require_binary("redis-server", package="redis-server")
        port = free_port()
        folder = self.workdir / "redis"
        folder.mkdir()
        argv = [binary, "--bind", LOOPBACK, "--port", str(port), "--save", "", "--appendonly"]
        argv += ["no", "--dir", str(folder), "--protected-mode", "yes"]
        process = self._register(start_process("redis", argv, workdir=folder))
        process.wait_for_port(port)
        return f"redis://{LOOPBACK}:{port}/0"

    def memcached(self) -> str:
        binary = require_binary("memcached", package="memcached")
        port = free_port()
        folder = self.workdir / "memcached"
        folder.mkdir()
        argv = [binary, "-l", LOOPBACK, "-p", str(port), "-U", "0", "-m", "16"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]
        process = self._register(start_process("memcached", argv, workdir=folder))
        process.wait_for_port(port)
        return f"memcached://{LOOPBACK}:{port}"

    def stop_all(self) -> list[str]:
        """Stop every process, newest first; return what each one logged."""
        reports = []
        for process in reversed(self.processes):
            process.stop()
            reports.append(process.describe())
        self.processes.clear()
        return reports


def public_folder(parent: Path, name: str) -> Path:
    """A folder that the proxies' unprivileged workers may read (0755)."""
    folder = parent / name
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    return folder


def copy_media(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target
