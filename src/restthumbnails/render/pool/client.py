"""Rendering in killable processes: the request side of the render pool.

Python cannot stop a C decoder running in a thread, so a render that must be
bounded runs in another process, which is killed at its deadline. The pool's
processes are started once (`renderworker`); a request process hands over the
source's file descriptor (or its bytes, for a remote storage); for a local
thumbnail folder the render process writes the thumbnail itself and answers its
size, otherwise it sends the thumbnail's bytes back. The request side enforces
both limits a miss has: the wait for a free render process (QUEUE_TIMEOUT, else 503 overloaded) and
the render itself (GENERATION_TIMEOUT, else SIGKILL and 503 timeout).
"""

import atexit
import contextlib
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ...core.spec import ThumbnailSpec
from ...exceptions import (
    GenerationTimeout,
    Overloaded,
    RenderCrashed,
    RenderPoolUnavailable,
    SourceRejected,
    StorageUnavailable,
)
from ...storage.atomic import THUMBNAIL_FILE_MODE, WriteFailed
from ...storage.tempfiles import temp_path_beside
from ..options import EngineOptions
from .wire import READY, Job, Written, receive_answer, receive_exactly

# A thumbnail is never this big; a render process that says otherwise is broken.
MAX_THUMBNAIL_BYTES = 256 * 1024 * 1024
_START_SECONDS = 30.0
# How long a killed render process may take to go before its temp file is removed.
_GONE_SECONDS = 1.0


class PoolProcess:
    """A running render pool: its supervisor process and its socket."""

    def __init__(
        self, process: subprocess.Popen[bytes], socket_path: str, folder: str | None
    ) -> None:
        self.process = process
        self.socket_path = socket_path
        self._folder = folder

    @classmethod
    def start(
        cls,
        *,
        processes: int,
        queued: int,
        memory_limit: int,
        max_jobs: int = 1000,
        socket_path: str | None = None,
        watch_parent: bool = True,
    ) -> "PoolProcess":
        """Start the supervisor and its render processes; return once they accept jobs.

        `queued` misses may wait for a free render process; the kernel admits one
        more connection than a Unix socket's listen backlog, hence the - 1.
        Without `socket_path`, the socket lives in a private folder of the pool's own.
        """
        folder = None if socket_path else tempfile.mkdtemp(prefix="restthumbnails-render-")
        path = socket_path or os.path.join(str(folder), "render.sock")
        command = [
            sys.executable,
            "-m",
            "restthumbnails.render.pool.worker",
            f"--socket={path}",
            f"--processes={processes}",
            f"--backlog={max(0, queued - 1)}",
            f"--memory-limit={memory_limit}",
            f"--max-jobs={max_jobs}",
        ]
        if watch_parent:
            command.append(f"--parent={os.getpid()}")
        # The render processes import the engine (and a custom one) by dotted path.
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry),
        }
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=environment
        )
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], _START_SECONDS)
        line = process.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            process.kill()
            process.wait()
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
            raise RenderPoolUnavailable("the render pool did not start")
        return cls(process, path, folder)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)


_own_pools: dict[tuple[int, int, int], PoolProcess] = {}
_own_pools_guard = threading.Lock()
_own_pools_owner = os.getpid()


def own_pool_socket(*, processes: int, queued: int, memory_limit: int) -> str:
    """The socket of this process's own pool, started on first use (and again if it died).

    One pool per request process and per set of limits; it ends with the process.
    """
    global _own_pools_owner
    key = (processes, queued, memory_limit)
    with _own_pools_guard:
        if _own_pools_owner != os.getpid():  # forked: the parent's pool is not ours
            _own_pools.clear()
            _own_pools_owner = os.getpid()
        pool = _own_pools.get(key)
        if pool is None or not pool.alive():
            if pool is not None:
                pool.stop()
            pool = PoolProcess.start(processes=processes, queued=queued, memory_limit=memory_limit)
            _own_pools[key] = pool
        return pool.socket_path


@atexit.register
def stop_own_pools() -> None:
    """Stop this process's own pools; the next miss starts a fresh one (with the
    limits, rlimits included, this process has then)."""
    with _own_pools_guard:
        if _own_pools_owner == os.getpid():
            for pool in _own_pools.values():
                pool.stop()
            _own_pools.clear()


class MissThreads:
    """How many of a request process's threads may wait on or hold a render at once.

    A miss holds its request thread while it waits for a render process (up to
    QUEUE_TIMEOUT) and while it renders (up to GENERATION_TIMEOUT). With every
    thread of a worker doing that, a hit or `/_health` sent to that worker waits
    behind them for seconds. `serve` gives its workers threads for as many misses
    as its pool can hold, on top of `--threads`, and caps misses at that share: one
    more is refused at once (503 Retry-After 2) instead of taking a hit's thread.
    """

    def __init__(self) -> None:
        self._free: threading.BoundedSemaphore | None = None

    def limit(self, threads: int | None) -> None:
        """At most `threads` misses at once in this process (and its forks); None: no limit."""
        self._free = None if threads is None else threading.BoundedSemaphore(max(1, threads))

    @contextlib.contextmanager
    def taken(self) -> Iterator[None]:
        free = self._free
        if free is None:
            yield
            return
        if not free.acquire(blocking=False):
            raise Overloaded(
                "this worker waits on as many renders as the pool holds; retry shortly"
            )
        try:
            yield
        finally:
            free.release()


MISS_THREADS = MissThreads()


@dataclass(frozen=True)
class PoolRenderer:
    """Renders through a pool at `socket_path`, within the queue and render deadlines."""

    socket_path: str
    engine: str  # dotted path of the engine's render function
    options: EngineOptions
    queue_timeout: float
    generation_timeout: float

    def render(self, source: BinaryIO, spec: ThumbnailSpec) -> bytes:
        answer = self._run(source, spec, destination="", temp_path="")
        if not isinstance(answer, bytes):
            raise RenderCrashed("the render process wrote a thumbnail nobody asked it to write")
        return answer

    def render_into(self, source: BinaryIO, spec: ThumbnailSpec, path: str) -> int:
        """The render process encodes into a temp file beside `path`, fsyncs, renames it
        into place and answers only the size: the pixels never come back here."""
        answer = self._run(source, spec, destination=path, temp_path=temp_path_beside(path))
        if not isinstance(answer, Written):
            raise RenderCrashed("the render process sent the thumbnail instead of writing it")
        return answer.bytes

    def _run(
        self, source: BinaryIO, spec: ThumbnailSpec, *, destination: str, temp_path: str
    ) -> bytes | Written:
        # A local file travels as its descriptor; anything else as its bytes.
        descriptor = _fileno(source)
        payload_bytes = 0 if descriptor is not None else _remaining(source)
        if descriptor is None and not payload_bytes:
            raise SourceRejected("source is empty")
        job = Job(
            engine=self.engine,
            spec=spec,
            options=self.options,
            cpu_seconds=self.generation_timeout,
            payload_bytes=payload_bytes,
            destination=destination,
            temp_path=temp_path,
        )
        with MISS_THREADS.taken(), _connected(self.socket_path) as connection:
            # A job that is only a header and a descriptor waits in the socket with
            # the connection, so the render process that accepts it starts at once
            # instead of waiting for this thread to wake up and send it. Bytes are
            # sent once a render process is there to read them.
            header = job.encode()
            sent = _send_early(connection, descriptor, header) if descriptor is not None else 0
            render_process = _wait_for_render_process(connection, self.queue_timeout)
            with render_process:
                deadline = time.monotonic() + self.generation_timeout
                _send_job(connection, source, descriptor, header, sent)
                try:
                    connection.settimeout(max(0.001, deadline - time.monotonic()))
                    return receive_answer(connection, MAX_THUMBNAIL_BYTES)
                except WriteFailed:
                    raise
                except TimeoutError:
                    if _encoded(temp_path):
                        raise StorageUnavailable(
                            "the thumbnail storage is too slow to write to"
                        ) from None
                    if (written := _renamed(destination)) is not None:
                        return written
                    render_process.kill()
                    _remove_left_temp(render_process, temp_path)
                    raise GenerationTimeout(
                        f"generation took longer than {self.generation_timeout:g} s"
                    ) from None
                except (EOFError, OSError):
                    encoded = _encoded(temp_path)
                    if not encoded and (written := _renamed(destination)) is not None:
                        return written
                    _remove_left_temp(render_process, temp_path)
                    if encoded:
                        raise RenderPoolUnavailable(
                            "the render process ended before the thumbnail was on the disk"
                        ) from None
                    raise RenderCrashed("the render process died on this source") from None


# The render process says nothing between the render and the size: its temp file
# turns 0644 once it holds the whole thumbnail (`write_temp`), then its second
# thread fsyncs and renames it while the first renders someone else's job. So at
# the deadline, or when the process dies, the files say how far it got. Once the
# thumbnail is encoded, nothing here kills the process (that would fail another
# source) and its end says nothing of this source: never remembered against it.
# The temp file is looked at first: gone, it was either not written yet or renamed.


def _encoded(temp_path: str) -> bool:
    """Is the whole thumbnail in its temp file, only the fsync and the rename left?"""
    try:
        return bool(temp_path) and stat.S_IMODE(os.lstat(temp_path).st_mode) == THUMBNAIL_FILE_MODE
    except OSError:
        return False


def _renamed(destination: str) -> Written | None:
    """The thumbnail in place, its size not read yet (this side holds its lock, so
    only our render process can have put it there)."""
    try:
        return Written(os.lstat(destination).st_size, 0.0, 0.0) if destination else None
    except OSError:
        return None


def _remove_left_temp(render_process: "_RenderProcess", temp_path: str) -> None:
    """Remove the temp file a render process killed half-way through its write left.

    Only once it is gone: a process still inside open() or write() would finish
    that call after our unlink. (One killed after its rename leaves a whole
    thumbnail, which is fine.) If it does not go in time, the stale-temp sweep
    removes the file later.
    """
    if not temp_path:
        return
    render_process.wait_gone(_GONE_SECONDS)
    with contextlib.suppress(OSError):
        os.unlink(temp_path)


@contextlib.contextmanager
def _connected(path: str) -> Iterator[socket.socket]:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.setblocking(False)
        try:
            connection.connect(path)
        except BlockingIOError:
            # The listen backlog is the host's queue of misses, and it is full.
            raise Overloaded("too many thumbnails are being generated; retry shortly") from None
        except (FileNotFoundError, ConnectionRefusedError):
            raise RenderPoolUnavailable("the render pool is not running") from None
        yield connection
    finally:
        connection.close()


class _RenderProcess:
    """The render process that took our job, held by a pidfd so a kill can't hit a reused PID."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._pidfd: int | None = None
        with contextlib.suppress(OSError, AttributeError):
            self._pidfd = os.pidfd_open(pid)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)

    def wait_gone(self, timeout: float) -> bool:
        """True once the process has ended (its pidfd turns readable), False after `timeout`."""
        if self._pidfd is None:
            return False
        with contextlib.suppress(OSError, ValueError):
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            return bool(ready)
        return False

    def __enter__(self) -> "_RenderProcess":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)


def _wait_for_render_process(connection: socket.socket, timeout: float) -> _RenderProcess:
    connection.settimeout(timeout)
    try:
        (pid,) = READY.unpack(receive_exactly(connection, READY.size))
    except TimeoutError:
        raise Overloaded("no render process came free in time; retry shortly") from None
    except (EOFError, OSError):
        raise RenderPoolUnavailable("the render pool closed the connection") from None
    return _RenderProcess(pid)


def _send_job(
    connection: socket.socket,
    source: BinaryIO,
    descriptor: int | None,
    header: bytes,
    sent: int = 0,
) -> None:
    """Send what `_send_early` did not: the job's header from byte `sent` on, then the
    source (its descriptor with the header's first bytes, else its bytes)."""
    try:
        if descriptor is None:
            connection.sendall(header)
            connection.sendall(source.read())
            return
        if not sent:
            sent = socket.send_fds(connection, [header], [descriptor])
        if sent < len(header):
            connection.sendall(header[sent:])
    except OSError:
        raise RenderCrashed("the render process died before it had the source") from None


def _send_early(connection: socket.socket, descriptor: int, header: bytes) -> int:
    """Queue the job's header and the source's descriptor on a connection no render
    process has accepted yet; how much of the header the socket took (0: none, and
    not the descriptor either)."""
    try:
        return socket.send_fds(connection, [header], [descriptor])
    except BlockingIOError:
        return 0
    except OSError:
        raise RenderPoolUnavailable("the render pool closed the connection") from None


def _fileno(source: BinaryIO) -> int | None:
    try:
        return source.fileno()
    except (OSError, AttributeError, ValueError):  # io.BytesIO: UnsupportedOperation
        return None


def _remaining(source: BinaryIO) -> int:
    position = source.tell()
    end = source.seek(0, os.SEEK_END)
    source.seek(position)
    return end - position
