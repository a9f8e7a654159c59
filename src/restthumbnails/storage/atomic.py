"""Writing a thumbnail file so that it appears whole or not at all.

Kept apart from the storage classes and free of Django: the render processes
write thumbnails themselves, and they import Pillow and this, nothing more.
"""

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator

from .tempfiles import TEMP_PREFIX, TEMP_SUFFIX

# Thumbnails must be readable by the proxy, which usually runs as another user;
# mkstemp() would create them 0600.
THUMBNAIL_FILE_MODE = 0o644


class WriteFailed(OSError):
    """The thumbnail could not be written (disk full, read-only, EFBIG...): the storage's
    fault, never the source's, so it is answered 503 and never remembered."""


def _create_temp(folder: str, temp_path: str | None) -> tuple[int, str]:
    # The temporary name starts with a dot and ends in .tmp, so it can never be
    # a thumbnail URL; rename() then makes the whole file appear at once.
    if temp_path is None:
        return tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    return os.open(temp_path, flags, 0o600), temp_path


def write_atomically(
    path: str,
    data: bytes,
    temp_path: str | None = None,
    *,
    still_wanted: Callable[[], bool] = lambda: True,
) -> bool:
    """Write `data` as the file `path` at once: to a temp file beside it, fsynced, renamed.

    `temp_path` (from `tempfiles.temp_path_beside`) is the caller's choice of temp
    name, created exclusively; without it one is made here. `still_wanted` is asked
    just before the rename: False (whoever holds the lock is gone) removes the temp
    file and returns False. Failures raise WriteFailed.
    """
    fd, temp_path = write_temp(path, data, temp_path)
    return seal(fd, temp_path, path, still_wanted=still_wanted)


def write_temp(path: str, data: bytes, temp_path: str | None = None) -> tuple[int, str]:
    """The first half of `write_atomically`: `data` in a temp file beside `path`, not
    yet on the disk. Returns the still open descriptor and the temp name for `seal`."""
    folder = os.path.dirname(path)
    if temp_path is not None and os.path.dirname(temp_path) != folder:
        raise WriteFailed(errno.EINVAL, "the temp file must be in the thumbnail's folder")
    try:
        try:
            fd, temp_path = _create_temp(folder, temp_path)
        except FileNotFoundError:
            # The first thumbnail of its folder: most writes skip this mkdir.
            os.makedirs(folder, exist_ok=True)
            fd, temp_path = _create_temp(folder, temp_path)
    except OSError as exc:
        raise WriteFailed(exc.errno, exc.strerror) from exc
    with _removed_on_failure(temp_path):
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            # Last, after every byte: a 0644 temp file is how the render pool's
            # request side (render/pool/client.py, _encoded) knows the thumbnail is
            # whole and only the fsync and rename are left, so no kill is due.
            os.fchmod(fd, THUMBNAIL_FILE_MODE)
        except BaseException:
            os.close(fd)
            raise
    return fd, temp_path


def seal(
    fd: int, temp_path: str, path: str, *, still_wanted: Callable[[], bool] = lambda: True
) -> bool:
    """The second half: fsync the temp file, close it and rename it onto `path`.

    `still_wanted` is asked just before the rename: False (whoever holds the lock
    is gone) removes the temp file and returns False. Failures raise WriteFailed.
    """
    with _removed_on_failure(temp_path):
        try:
            # On the disk before the rename: after a power cut the name must not
            # point at an empty file.
            os.fsync(fd)
        finally:
            # Once, even when it fails: another thread may reuse the number at once.
            os.close(fd)
        if not still_wanted():
            os.unlink(temp_path)
            return False
        os.replace(temp_path, path)
        return True


@contextlib.contextmanager
def _removed_on_failure(temp_path: str) -> Iterator[None]:
    """Whatever fails inside leaves no temp file behind, and an OSError leaves as
    WriteFailed: the storage's fault."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(exc.errno, exc.strerror) from exc
        raise
