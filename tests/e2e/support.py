"""Real processes for the end-to-end tests: start on 127.0.0.1, poll until ready, stop by PID.

Nothing here sleeps and hopes: every wait polls a condition against a deadline
and fails with the process's own log when the deadline passes.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..support.processes import is_render_pool

LOOPBACK = "127.0.0.1"
SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")
GENERATED = re.compile(r"\bgenerated \S.* in \d+ ms$", re.MULTILINE)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def missing(what: str) -> None:
    """Skip on a developer's machine; under CI=true a missing dependency is a failure."""
    if in_ci():
        pytest.fail(f"CI=true and {what}", pytrace=False)
    pytest.skip(what)


def require_binary(name: str, *, package: str) -> str:
    """The absolute path of `name` (also looked up in sbin folders), or skip/fail."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN_DIRS))
    if path is None:
        missing(f"`{name}` not found: install the Debian package {package}")
    assert path is not None
    return path


def require_module(name: str, *, pip: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        missing(f"Python module {name} not found: pip install {pip}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def poll(
    condition: Callable[[], Any], *, timeout: float, interval: float = 0.05, what: str
) -> Any:
    """Call `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Process:
    """A server started in its own session, its output in `log`."""

    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes]
    extra_logs: list[Path] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def describe(self, lines: int = 40) -> str:
        parts = [f"--- {self.name} (pid {self.pid}): {' '.join(self.argv)}"]
        for path in (self.log, *self.extra_logs):
            if path.is_file():
                tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}:\n" + "\n".join(tail))
        return "\n".join(parts)

    def wait_for_port(self, port: int, *, timeout: float = 30) -> None:
        def accepting() -> bool:
            if not self.running():
                raise AssertionError(f"{self.name} exited early\n{self.describe()}")
            with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 0.5):
                return True
            return False

        try:
            poll(accepting, timeout=timeout, what=f"{self.name} to listen on port {port}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.describe()}") from None

    def stop(self, *, timeout: float = 15) -> None:
        """SIGTERM to the process group led by our PID, then SIGKILL after `timeout`."""
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=timeout)
        # Workers left behind by a killed master share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def workers(self) -> list[int]:
        """The children that answer requests: all but `serve`'s render pool supervisor."""
        return [pid for pid in self.children() if not is_render_pool(pid)]


def start_process(
    name: str,
    argv: Sequence[str],
    *,
    workdir: Path,
    env: Mapping[str, str] | None = None,
    prefix: Sequence[str] = (),
    preexec_fn: Callable[[], None] | None = None,
) -> Process:
    log = workdir / f"{name}.log"
    full = [*prefix, *argv]
    with open(log, "ab") as handle:
        popen = subprocess.Popen(
            full,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
    return Process(name=name, argv=list(full), log=log, popen=popen)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def fetch(
    url: str, *, method: str = "GET", timeout: float = 60, source_address: str | None = None
) -> Response:
    """One request on a fresh connection; no redirects followed, headers lower-cased.

    `source_address` sends it from another loopback address (any of 127.0.0.0/8
    reaches 127.0.0.1), so a test can be a client that is not 127.0.0.1.
    """
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname == LOOPBACK, url
    connection = http.client.HTTPConnection(
        LOOPBACK,
        parts.port,
        timeout=timeout,
        source_address=(source_address, 0) if source_address else None,
    )
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        answer = connection.getresponse()
        body = answer.read()
        headers = {key.lower(): value for key, value in answer.getheaders()}
        return Response(answer.status, headers, body)
    finally:
        connection.close()


def generated_count(*servers: Process) -> int:
    return sum(len(GENERATED.findall(server.output())) for server in servers)


def files_under(folder: Path) -> list[str]:
    """Every regular file below `folder`, hidden temp files included."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def substitute(text: str, replacements: Mapping[str, str], *, source: str) -> str:
    """Replace each literal; every one must occur, so an example cannot drift unnoticed."""
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{source} no longer contains {old!r}")
        text = text.replace(old, new)
    return text


def python_command() -> list[str]:
    return [sys.executable, "-m", "restthumbnails"]
