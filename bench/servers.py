"""Start and stop the servers under test, on 127.0.0.1 only, each in its own process group."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .peers import Peer

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: a pre-fork master's children (our render
        pool's supervisor left out), else the server process itself."""
        children = [pid for pid in _children(self.process.pid) if not _is_render_pool(pid)]
        return children or [self.process.pid]

    def render_pool_pids(self) -> list[int]:
        """Our render pools' supervisors, each the parent of its render processes."""
        return [pid for pid in _children(self.process.pid) if _is_render_pool(pid)]

    def render_pids(self) -> list[int]:
        """Our render processes: the children of the render pool's supervisor."""
        return [pid for supervisor in self.render_pool_pids() for pid in _children(supervisor)]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _children(pid: int) -> list[int]:
    """Children of every thread of `pid` (a thread that forks is their parent)."""
    children: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return children
    for task in tasks:
        try:
            children += [int(value) for value in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def _is_render_pool(pid: int) -> bool:
    try:
        return b"restthumbnails.render.pool.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited; see {server.log}")
        try:
            with socket.create_connection((HOST, server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not listen on {server.port}; see {server.log}")


def spawn(name: str, command: list[str], log: Path, port: int, env: dict | None = None) -> Server:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    process = subprocess.Popen(
        command,
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # a process group of its own, stopped as one
    )
    server = Server(name, process, port, log)
    wait_for_port(server)
    return server


def start_ours(
    media: Path,
    thumbnails: Path,
    work: Path,
    *,
    key: str,
    workers: int,
    backend: str,
    extra: tuple[str, ...] = (),
) -> Server:
    """`restthumbnails serve`; `extra` are more options, e.g. ("--max-concurrent", "1")."""
    port = free_port()
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    restthumbnails = Path(sys.executable).with_name("restthumbnails")
    command = [
        str(restthumbnails),
        "serve",
        str(media),
        "--thumbnails-dir",
        str(thumbnails),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--secret-key",
        key,
        "--response-backend",
        backend,
        *extra,
    ]
    server = spawn(f"restthumbnails-{backend}", command, work / f"ours-{port}.log", port, env)
    _wait_for_workers(server, workers)
    return server


def _wait_for_workers(server: Server, workers: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = _children(server.process.pid)
        if len([pid for pid in children if not _is_render_pool(pid)]) >= workers:
            return
        time.sleep(0.1)


THUMBOR_CONF = """\
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = {media!r}
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = None
ENGINE = 'thumbor.engines.pil'
ALLOW_UNSAFE_URL = True
RESPECT_ORIENTATION = True
"""


def start_thumbor(thumbor: Peer, media: Path, work: Path, *, processes: int) -> Server:
    port = free_port()
    conf = work / "thumbor.conf"
    conf.write_text(THUMBOR_CONF.format(media=str(media)))
    command = [
        str(thumbor.bin / "thumbor"),
        "--ip",
        HOST,
        "--port",
        str(port),
        "--conf",
        str(conf),
        "--processes",
        str(processes),
        "--log-level",
        "error",
    ]
    return spawn("thumbor", command, work / "thumbor.log", port)


NGINX_CONF = """\
{user}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    # Cache open descriptors and stat() results: what a production config for
    # many small immutable files does (the static baseline gets it too).
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 60s;
    client_body_temp_path {work}/nginx-tmp;
    proxy_temp_path {work}/nginx-tmp;
    fastcgi_temp_path {work}/nginx-tmp;
    uwsgi_temp_path {work}/nginx-tmp;
    scgi_temp_path {work}/nginx-tmp;
    types {{ image/jpeg jpg; image/webp webp; image/png png; }}
    server {{
        listen {host}:{port};
        location /static/ {{ alias {static}/; }}
        location / {{
            root {thumbnails};
            try_files $uri @backend;
        }}
        location @backend {{ proxy_pass http://{host}:{backend}; }}
    }}
}}
"""


def nginx_available() -> bool:
    return shutil.which("nginx") is not None


def start_nginx(thumbnails: Path, static: Path, work: Path, *, backend: int) -> Server:
    port = free_port()
    (work / "nginx-tmp").mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            # As root, nginx's workers would drop to nobody, who cannot read a temp folder.
            user="user root;" if os.geteuid() == 0 else "",
            work=work,
            host=HOST,
            port=port,
            static=static,
            thumbnails=thumbnails,
            backend=backend,
        )
    )
    command = [
        shutil.which("nginx") or "nginx",
        "-c",
        str(conf),
        "-p",
        str(work),
        "-g",
        "daemon off;",
    ]
    return spawn("nginx", command, work / "nginx.log", port)
