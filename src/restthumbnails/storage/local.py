"""A storage with a folder on this machine (FileSystemStorage and its kin).

A source is opened as a file and handed to the decoder as it is, so a large
source is never held in memory twice (bytes, then pixels); a thumbnail is
written to a temporary name and renamed into place; a walk is `os.scandir`.
"""

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import SuspiciousFileOperation

from ..core.formats import IMMUTABLE
from ..exceptions import InvalidSpec, SourceMissing, SourceRejected, SourceTooLarge
from .entry import Entry, SkipFolder, never
from .generic import StorageAccess
from .regularfiles import listed_regular_file
from .tempfiles import TEMP_PREFIX, TEMP_SUFFIX

# Names that cannot lead to a file: a missing part, a part that is a file, a
# name part over the filesystem's limit, a symlink loop.
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP})

# Thumbnails must be readable by the proxy, which usually runs as another user;
# mkstemp() would create them 0600.
THUMBNAIL_FILE_MODE = 0o644


class LocalFolder(StorageAccess):
    def local_path(self, name: str) -> str:
        try:
            return str(self.storage.path(name))
        except SuspiciousFileOperation:
            raise InvalidSpec("source path leaves the storage") from None

    def root(self) -> tuple[str, tuple[str, ...]]:
        return ("folder", Path(os.path.realpath(self.local_path(""))).parts)

    def open_source(self, name: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
        path = self.local_path(name)
        root = os.path.realpath(self.storage.path(""))
        real = os.path.realpath(path)
        if os.path.commonpath((root, real)) != root:
            # A symlink out of the media root: behave as if nothing were there.
            raise SourceMissing("source not found")
        handle = _open_regular_file(real)
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            handle.close()
            raise SourceTooLarge(f"source is {size} bytes, over the limit of {max_bytes}")
        return handle, size

    def exists(self, name: str) -> bool:
        return os.path.isfile(self.local_path(name))

    def write(self, name: str, data: bytes, *, cache_control: str = IMMUTABLE) -> None:
        write_atomically(self.local_path(name), data)

    def walk(self, folder: str = "", *, hidden: bool, skip: SkipFolder = never) -> Iterator[Entry]:
        yield from self._walk(self.local_path(folder), folder, hidden=hidden, skip=skip)

    def _walk(self, path: str, folder: str, *, hidden: bool, skip: SkipFolder) -> Iterator[Entry]:
        try:
            scanner = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        subfolders = []
        with scanner:
            for item in scanner:
                if item.name.startswith(".") and not hidden:
                    continue
                name = f"{folder}/{item.name}" if folder else item.name
                # Folders reached through a symlink are not walked: a link to a
                # parent would loop, and the server never reads outside its root.
                if item.is_dir(follow_symlinks=False):
                    if not skip(name):
                        subfolders.append((item.path, name))
                elif listed_regular_file(item, name):
                    yield Entry(name, self.storage, item.path, link=item.is_symlink())
        # Folders after files, so a folder's listing is closed before we descend.
        for sub_path, sub_name in subfolders:
            yield from self._walk(sub_path, sub_name, hidden=hidden, skip=skip)

    def _delete(self, entry: Entry) -> str | None:
        if entry.path is None:
            return super()._delete(entry)
        # Empty folders stay: a request may be creating a thumbnail in one now.
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
        except OSError as exc:
            return exc.strerror or str(exc)
        return None


def _open_regular_file(real: str) -> BinaryIO:
    """Open `real` (symlinks already resolved) for reading, only if it is a regular file.

    A FIFO blocks open() until a writer appears and read() forever after; a device
    can do anything. Such a name answers like a folder does: 404, nothing there to
    make a thumbnail of. stat() first, so no device is ever opened; O_NONBLOCK so
    that a FIFO swapped in after the stat cannot block the open either, and fstat()
    on the open descriptor decides. O_NOFOLLOW: `real` has no symlink left, so one
    appearing now is a swap and is refused (ELOOP, "not found").
    """
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            raise SourceMissing("source is not a regular file")
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno in _NOT_THERE:
            raise SourceMissing("source not found") from None
        raise SourceRejected(
            f"source is not readable ({errno.errorcode.get(exc.errno or 0, exc.errno)})"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise SourceMissing("source is not a regular file")
    # Regular files ignore O_NONBLOCK on Linux, but not every filesystem promises
    # that; the decoder expects plain blocking reads.
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


class WriteFailed(OSError):
    """The thumbnail could not be written (disk full, read-only, EFBIG...): the storage's
    fault, never the source's, so it is answered 503 and never remembered."""


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
    folder = os.path.dirname(path)
    if temp_path is not None and os.path.dirname(temp_path) != folder:
        raise WriteFailed(errno.EINVAL, "the temp file must be in the thumbnail's folder")
    try:
        os.makedirs(folder, exist_ok=True)
        # The temporary name starts with a dot and ends in .tmp, so it can never be
        # a thumbnail URL; rename() then makes the whole file appear at once.
        if temp_path is None:
            fd, temp_path = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(temp_path, flags, 0o600)
    except OSError as exc:
        raise WriteFailed(exc.errno, exc.strerror) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            # On the disk before the rename: after a power cut the name must not
            # point at an empty file. Once per thumbnail, so cheap.
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_path, THUMBNAIL_FILE_MODE)
        if not still_wanted():
            os.unlink(temp_path)
            return False
        os.replace(temp_path, path)
        return True
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(exc.errno, exc.strerror) from exc
        raise
