"""A storage with a folder on this machine (FileSystemStorage and its kin).

A source is opened as a file and handed to the decoder as it is, so a large
source is never held in memory twice (bytes, then pixels); a thumbnail is
written to a temporary name and renamed into place; a walk is `os.scandir`.
"""

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import SuspiciousFileOperation

from ..core.formats import IMMUTABLE
from ..exceptions import InvalidSpec, SourceMissing, SourceRejected, SourceTooLarge
from .atomic import write_atomically
from .entry import Entry, SkipFolder, never
from .failures import file_identity
from .generic import StorageAccess
from .regularfiles import listed_regular_file

# Names that cannot lead to a file: a missing part, a part that is a file, a
# name part over the filesystem's limit, a symlink loop.
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP})
# Each storage folder's path with its symlinks resolved, and the (device, inode) it
# resolved to, by the path the storage gives. Kept per process rather than per
# LocalFolder: a request builds its own.
_real_roots: dict[str, tuple[str, tuple[int, int] | None]] = {}


class LocalFolder(StorageAccess):
    def local_path(self, name: str) -> str:
        try:
            return str(self.storage.path(name))
        except SuspiciousFileOperation:
            raise InvalidSpec("source path leaves the storage") from None

    def root(self) -> tuple[str, tuple[str, ...]]:
        return ("folder", Path(os.path.realpath(self.local_path(""))).parts)

    def open_source(self, name: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
        real = os.path.realpath(self.local_path(name))
        if not self._inside_root(real):
            # A symlink out of the media root: behave as if nothing were there.
            raise SourceMissing("source not found")
        handle, info = _open_regular_file(real)
        if info.st_size > max_bytes:
            handle.close()
            raise SourceTooLarge(f"source is {info.st_size} bytes, over the limit of {max_bytes}")
        # What failures.source_identity would otherwise fstat again.
        handle.source_identity = file_identity(info)  # type: ignore[attr-defined]
        return handle, info.st_size

    def _inside_root(self, real: str) -> bool:
        """Is `real` (symlinks resolved) inside the storage's folder?

        The folder's resolved path is kept with the directory it led to; one stat
        per source tells whether a deploy pointed a symlink in MEDIA_ROOT at a new
        release since, and only then is the path resolved again (a walk of every
        part). The old release is then outside, like any other folder.
        """
        root = str(self.storage.path(""))
        try:
            info = os.stat(root)
            directory: tuple[int, int] | None = (info.st_dev, info.st_ino)
        except OSError:
            directory = None
        known = _real_roots.get(root)
        if known is None or known[1] != directory or directory is None:
            known = _real_roots[root] = (os.path.realpath(root), directory)
        return _is_within(real, known[0])

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


def _is_within(path: str, folder: str) -> bool:
    return os.path.commonpath((folder, path)) == folder


def _open_regular_file(real: str) -> tuple[BinaryIO, os.stat_result]:
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
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SourceMissing("source is not a regular file")
    # Regular files ignore O_NONBLOCK on Linux, but not every filesystem promises
    # that; the decoder expects plain blocking reads.
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), info
