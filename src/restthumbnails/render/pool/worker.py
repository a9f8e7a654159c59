"""The render pool's own process: `python -m restthumbnails.render.pool.worker --socket PATH ...`.

A supervisor listens on a Unix socket and forks N render processes, which all
wait in accept() on it. Only a free render process accepts, so whichever
process is idle takes the next job, from any request process on the host, and
the socket's listen backlog is the host's one queue. A render process that a
request process killed at its deadline (SIGKILL), that hit its CPU or memory
limit, or that finished its share of jobs is replaced at once.

The supervisor is started from a Python process that may run threads (Django,
gunicorn); it is a fresh interpreter with one thread, so forking is safe here.
"""

import argparse
import contextlib
import ctypes
import gc
import importlib
import io
import math
import os
import resource
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable
from typing import BinaryIO

from ...exceptions import RenderOutOfMemory, SourceRejected, ThumbnailError
from ...storage.atomic import WriteFailed, seal, write_temp
from ...storage.regularfiles import file_kind
from .. import engine as _preloaded_engine  # noqa: F401 (Pillow loaded once, shared by forks)
from .heap import heap_trimmer, one_malloc_arena
from .wire import (
    HEADER_PREFIX,
    MAX_HEADER,
    READY,
    THUMBNAIL,
    Job,
    Written,
    header_length,
    receive_exactly,
    send_answer,
    send_error,
    send_write_failed,
    send_written,
)

_PR_SET_PDEATHSIG = 1
# A process that grew past this (a big PNG is decoded whole) is replaced after its
# job: the allocator seldom gives freed memory back, a fresh fork starts small.
RECYCLE_ABOVE_BYTES = 256 * 1024 * 1024
# Past this after a job (a big source's pixels freed but kept by the allocator), the
# heap is trimmed. Not after every job: a trim costs the next small job its page faults.
TRIM_ABOVE_BYTES = 48 * 1024 * 1024
# Enough for the job to arrive once the request process has read READY.
_JOB_ARRIVAL_SECONDS = 5.0
_engines: dict[str, Callable[..., bytes]] = {}


def _engine(path: str) -> Callable[..., bytes]:
    if path not in _engines:
        module, _, name = path.rpartition(".")
        _engines[path] = getattr(importlib.import_module(module), name)
    return _engines[path]


def _die_with_parent() -> None:
    """Linux: the kernel kills a render process when its supervisor goes."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _limit_cpu(seconds: float) -> None:
    """The second fence: the kernel stops this process after `seconds` more of CPU.

    RLIMIT_CPU counts the process's whole life, so the soft limit moves up
    before every job; SIGXCPU's default action ends the process.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _receive_job(connection: socket.socket) -> tuple[Job, BinaryIO] | None:
    data, fds, _, _ = socket.recv_fds(connection, MAX_HEADER + HEADER_PREFIX, 1)
    handle = os.fdopen(fds[0], "rb") if fds else None
    try:
        if not data:
            return None
        # receive_exactly returns what already arrived when it is long enough.
        data = receive_exactly(connection, HEADER_PREFIX, data)
        end = HEADER_PREFIX + header_length(data)
        data = receive_exactly(connection, end, data)
        job = Job.decode(data[HEADER_PREFIX:end])
        if job.payload_bytes:
            payload = receive_exactly(connection, job.payload_bytes, data[end:])
            return job, io.BytesIO(payload)
        if handle is None:
            return None
        source, handle = handle, None
        return job, source
    finally:
        if handle is not None:
            handle.close()


def _run_one(connection: socket.socket, sealer: "_Sealer") -> bool:
    """Render one job; False when this process should be replaced afterwards.

    The connection is closed here, or by `sealer` once it has taken the job's write.
    """
    handed_over = False
    try:
        handed_over, keep_going = _render_job(connection, sealer)
    finally:
        if not handed_over:
            connection.close()
    return keep_going


def _render_job(connection: socket.socket, sealer: "_Sealer") -> tuple[bool, bool]:
    try:
        connection.sendall(READY.pack(os.getpid()))
        connection.settimeout(_JOB_ARRIVAL_SECONDS)
        received = _receive_job(connection)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return False, True  # the request process gave up waiting, or sent nonsense
    if received is None:
        return False, True
    job, source = received
    connection.settimeout(None)
    if not _still_connected(connection):
        # The job was queued with the connection, and its request process gave up
        # waiting (503) after this process had accepted: nobody would take the answer.
        source.close()
        return False, True
    _limit_cpu(job.cpu_seconds)
    try:
        source.seek(0)
        started = time.perf_counter()
        thumbnail = _engine(job.engine)(source, job.spec, job.options)
        if job.destination:
            return _write(connection, job, thumbnail, time.perf_counter() - started, sealer), True
        send_answer(connection, THUMBNAIL, thumbnail)
    except ThumbnailError as error:
        _answer_error(connection, error)
    except MemoryError:
        _answer_error(
            connection, RenderOutOfMemory("source needs more memory than renders may use")
        )
        return False, False  # the heap may be in any state now
    except Exception as exc:
        _answer_error(
            connection, SourceRejected(f"source could not be rendered ({type(exc).__name__})")
        )
    finally:
        source.close()
    return False, True


def _write(
    connection: socket.socket,
    job: Job,
    thumbnail: bytes,
    render_seconds: float,
    sealer: "_Sealer",
) -> bool:
    """Write the thumbnail where the job says; True once `sealer` has the rest of it.

    This thread writes the temp file; the fsync, the rename and the answer with the
    size follow on `sealer`'s thread while this one takes the next job. The fsync
    waits on the disk, not the CPU: done here it left a core idle for about a
    millisecond per thumbnail. Nothing is said in between: the temp file turns
    0644 (`write_temp`'s last step) once it holds the whole thumbnail, and that is
    how the request process, at its deadline or if this process dies, tells a
    write still on the disk (no kill, not the source's fault) from a render. It
    chose the temp name and holds the thumbnail's lock meanwhile, so it can remove
    the temp file if this process dies.
    """
    started = time.perf_counter()
    try:
        fd, temp_path = write_temp(job.destination, thumbnail, job.temp_path or None)
    except WriteFailed as error:
        with contextlib.suppress(OSError):
            send_write_failed(connection, error)
        return False
    size = len(thumbnail)
    del thumbnail

    def finish() -> None:
        try:
            renamed = seal(
                fd,
                temp_path,
                job.destination,
                still_wanted=lambda: _still_connected(connection),
            )
        except WriteFailed as error:
            with contextlib.suppress(OSError):
                send_write_failed(connection, error)
            return
        if renamed:
            written = Written(size, render_seconds, time.perf_counter() - started)
            with contextlib.suppress(OSError):
                send_written(connection, written)

    sealer.hand(finish, connection)
    return True


class _Sealer:
    """One thread that finishes the last job's write while the process renders the next.

    At most one write waits here: handing over the next waits for it, so a disk
    that stalls holds back this process, not an unbounded queue of open files.
    """

    def __init__(self) -> None:
        self._work: tuple[Callable[[], None], socket.socket] | None = None
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def hand(self, work: Callable[[], None], connection: socket.socket) -> None:
        with self._ready:
            while self._work is not None:
                self._ready.wait()
            self._work = (work, connection)
            self._ready.notify_all()
        if self._thread is None:
            # Small: the thread only makes system calls, and its stack counts
            # against the render process's address-space limit.
            threading.stack_size(256 * 1024)
            self._thread = threading.Thread(target=self._run, name="sealer", daemon=True)
            self._thread.start()

    def drain(self) -> None:
        """Return once the write handed over last is finished."""
        with self._ready:
            while self._work is not None:
                self._ready.wait()

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._work is None:
                    self._ready.wait()
                work, connection = self._work
            try:
                work()
            except Exception as exc:  # the next job must still run
                print(f"restthumbnails: a thumbnail write failed: {exc!r}", file=sys.stderr)
            finally:
                connection.close()
                with self._ready:
                    self._work = None
                    self._ready.notify_all()


def _still_connected(connection: socket.socket) -> bool:
    """Is the request process that sent this job still there (and so still holds the
    thumbnail's lock)? It sends nothing after the job, so a peek either would block
    (there) or reads the end of the stream (gone: killed, or timed out and hung up)."""
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def _answer_error(connection: socket.socket, error: ThumbnailError) -> None:
    with contextlib.suppress(OSError):
        send_error(connection, error)


def _render_process(listener: socket.socket, *, memory_limit: int, max_jobs: int) -> None:
    _die_with_parent()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    give_back = heap_trimmer()
    sealer = _Sealer()
    try:
        for _ in range(max_jobs):
            connection, _ = listener.accept()
            if not _run_one(connection, sealer):
                return
            resident = _resident_bytes()
            if resident > RECYCLE_ABOVE_BYTES:
                return
            if resident > TRIM_ABOVE_BYTES:
                give_back()
    finally:
        sealer.drain()  # the last thumbnail is renamed into place before this process ends


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _share_before_fork() -> None:
    """Share what every render process would otherwise load for itself.

    The engine's import (above) loaded Pillow and the plugins of the default
    formats (render/plugins.py); done before the forks, they share those pages.
    gc.freeze() keeps the collector from writing to every object the forks inherit
    (which would copy their pages).
    """
    gc.collect()
    gc.freeze()


def _spawn(listener: socket.socket, *, memory_limit: int, max_jobs: int) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _render_process(listener, memory_limit=memory_limit, max_jobs=max_jobs)
        except BaseException:
            code = 1
        os._exit(code)
    return pid


def _reap(children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) not in (signal.SIGKILL, signal.SIGTERM):
            # SIGKILL is a request process enforcing its deadline (it logs that itself).
            name = signal.Signals(os.WTERMSIG(status)).name
            print(f"restthumbnails: render process {pid} ended by {name}", file=sys.stderr)


class SocketPathTaken(Exception):
    """The socket path names something that is not a stale socket: it is left alone."""


def _remove_stale_socket(path: str) -> None:
    """A socket file left by a pool that was killed: nobody answers on it any more.

    Only a socket is ever removed. connect() to an ordinary file, a folder or a
    FIFO fails too (ECONNREFUSED for some), and a typo in the path, or
    RENDER_POOL pointed at a config file, must not delete that file.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise SocketPathTaken(
            f"{path} exists and is not a socket ({file_kind(info.st_mode)}); "
            "not touching it: give the path of a socket, or of nothing yet"
        )
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
    except OSError:
        pass  # not ours (EACCES...): bind() will say so
    else:
        raise SocketPathTaken(f"a render pool already listens on {path}")
    finally:
        probe.close()


def _remove_own_socket(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)


def run_pool(
    *,
    socket_path: str,
    processes: int,
    backlog: int,
    memory_limit: int,
    max_jobs: int,
    parent_pid: int | None,
) -> None:
    watched = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    _remove_stale_socket(socket_path)
    old_umask = os.umask(0o177)  # the socket is for this user only
    try:
        listener.bind(socket_path)
    finally:
        os.umask(old_umask)
    listener.listen(backlog)
    children: set[int] = set()
    recent_spawns: list[float] = []
    one_malloc_arena()  # inherited by the render processes, for their write thread
    _share_before_fork()
    try:
        for _ in range(processes):
            children.add(_spawn(listener, memory_limit=memory_limit, max_jobs=max_jobs))
        print("ready", flush=True)
        while True:
            received = signal.sigtimedwait(watched, 1.0)
            if received is not None and received.si_signo in (signal.SIGTERM, signal.SIGINT):
                return
            if parent_pid is not None and os.getppid() != parent_pid:
                return  # whoever started us is gone
            _reap(children)
            while len(children) < processes:
                now = time.monotonic()
                recent_spawns = [t for t in recent_spawns if now - t < 1.0]
                if len(recent_spawns) >= 4 * processes:
                    break  # something kills every new process at once: do not spin
                recent_spawns.append(now)
                children.add(_spawn(listener, memory_limit=memory_limit, max_jobs=max_jobs))
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _remove_own_socket(socket_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m restthumbnails.render.pool.worker")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--backlog", type=int, required=True)
    parser.add_argument("--memory-limit", type=int, required=True)
    parser.add_argument("--max-jobs", type=int, default=1000)
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        run_pool(
            socket_path=args.socket,
            processes=args.processes,
            backlog=args.backlog,
            memory_limit=args.memory_limit,
            max_jobs=args.max_jobs,
            parent_pid=args.parent,
        )
    except SocketPathTaken as exc:
        raise SystemExit(f"restthumbnails: {exc}") from None


if __name__ == "__main__":
    main()
