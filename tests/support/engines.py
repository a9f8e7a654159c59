"""Engines that misbehave on purpose, run by the render pool's processes (ENGINE = dotted path).

Each reads its source first: a source holding `pid:<path>` makes it write its
PID there, so a test can check what became of the process.
"""

import os
import signal
import time
from typing import Any, BinaryIO


def _note_pid(source: BinaryIO) -> None:
    content = source.read()
    if content.startswith(b"pid:"):
        with open(content[4:].decode().strip(), "w") as handle:
            handle.write(str(os.getpid()))


def spin(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """A decoder stuck in a loop: burns CPU until something stops it."""
    _note_pid(source)
    while True:
        sum(range(10_000))


def crash(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """A decoder that dies the way a C library does."""
    _note_pid(source)
    os.abort()


def explode(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    raise RuntimeError("a bug in the engine")


def hog_memory(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """Asks for far more memory than RENDER_MEMORY_LIMIT allows."""
    blocks = [bytearray(256 * 1024 * 1024) for _ in range(64)]
    return bytes(len(blocks))


def slow_then_fine(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """Takes a while (sleeping, not spinning), then renders normally."""
    from restthumbnails.render.engine import render

    time.sleep(1.0)
    return render(source, spec, options)


def stall_before_rename(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """Renders normally, then the write's fsync takes 3 s (a disk that stalls): the
    temp file is written and not yet renamed for that long. Only this process is
    patched."""
    from restthumbnails.render.engine import render

    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(3.0)
        real_fsync(fd)

    thumbnail = render(source, spec, options)
    os.fsync = slow_fsync
    return thumbnail


def die_before_rename(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """Renders normally, then the render process is killed in the write's fsync, with
    its temp file written and not renamed (as another job's deadline would kill it)."""
    from restthumbnails.render.engine import render

    def killed(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    thumbnail = render(source, spec, options)
    os.fsync = killed
    return thumbnail


def die_after_rename(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    """Renders normally; the render process is killed right after it renamed the
    thumbnail into place, before it could answer with the size."""
    from restthumbnails.render.engine import render

    real_replace = os.replace

    def replaced_then_killed(source_path: Any, target_path: Any) -> None:
        real_replace(source_path, target_path)
        os.kill(os.getpid(), signal.SIGKILL)

    thumbnail = render(source, spec, options)
    os.replace = replaced_then_killed
    return thumbnail
