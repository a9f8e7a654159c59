"""Reading sources and writing thumbnails through Django storages.

Two promises live here: a source whose real path leaves its storage is never
read, and a thumbnail appears at its name whole or not at all.
"""

import contextlib
import errno
import io
import os
import stat
import tempfile
from types import ModuleType
from typing import BinaryIO

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from ..core.formats import IMMUTABLE, OUTPUT_FORMATS
from ..exceptions import InvalidSpec, SourceMissing, SourceRejected, SourceTooLarge

# Names that cannot lead to a file: a missing part, a part that is a file, a
# name part over the filesystem's limit, a symlink loop.
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP})

# Thumbnails must be readable by the proxy, which usually runs as another user;
# mkstemp() would create them 0600.
THUMBNAIL_FILE_MODE = 0o644


def local_path(storage: Storage, name: str) -> str | None:
    """The file's absolute path when the storage is a local filesystem, else None."""
    try:
        return storage.path(name)
    except NotImplementedError:
        return None
    except SuspiciousFileOperation:
        raise InvalidSpec("source path leaves the storage") from None


def s3_adapter(storage: Storage) -> ModuleType | None:
    """restthumbnails.storage.s3 when `storage` is django-storages' S3Storage, else None.

    Found by class name, so that nothing here imports boto3 or django-storages.
    """
    for kind in type(storage).__mro__:
        if kind.__module__ == "storages.backends.s3" and kind.__name__ == "S3Storage":
            from . import s3

            return s3
    return None


def open_source(storage: Storage, name: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
    """An open binary file of the source and its size; SourceMissing / SourceTooLarge.

    A local file is handed to the decoder as it is, so a large source is never
    held in memory twice (bytes, then pixels); the caller closes it.
    """
    path = local_path(storage, name)
    if path is not None:
        return _open_local(storage, path, max_bytes=max_bytes)
    bucket = s3_adapter(storage)
    if bucket is not None:
        # One HEAD, then one ranged GET that stops at the limit.
        return bucket.open_source(storage, name, max_bytes=max_bytes)
    try:
        if not storage.exists(name):
            raise SourceMissing("source not found")
        size = storage.size(name)
    except (OSError, SuspiciousFileOperation):
        raise SourceMissing("source not found") from None
    if size > max_bytes:
        raise SourceTooLarge(f"source is {size} bytes, over the limit of {max_bytes}")
    # Remote storages stream over the network: read it once, bounded, into memory.
    with storage.open(name, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SourceTooLarge(f"source is over the limit of {max_bytes} bytes")
    return io.BytesIO(data), len(data)


def _open_local(storage: Storage, path: str, *, max_bytes: int) -> tuple[BinaryIO, int]:
    root = os.path.realpath(storage.path(""))
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


def thumbnail_exists(storage: Storage, name: str) -> bool:
    path = local_path(storage, name)
    if path is not None:
        return os.path.isfile(path)
    bucket = s3_adapter(storage)
    if bucket is not None:
        return bucket.thumbnail_exists(storage, name)
    return storage.exists(name)


def write_thumbnail(
    storage: Storage, name: str, data: bytes, *, cache_control: str = IMMUTABLE
) -> None:
    """Write the whole file under `name`, replacing any older copy, atomically.

    `cache_control` goes on objects in an S3 bucket (REST_THUMBNAILS_OBJECT_CACHE_CONTROL);
    a proxy or CDN in front of the bucket sends it with every hit.
    """
    path = local_path(storage, name)
    if path is not None:
        _write_local_atomically(path, data)
        return
    bucket = s3_adapter(storage)
    if bucket is not None:
        # One PUT with the Content-Type and Cache-Control; no HEAD before it.
        bucket.put_thumbnail(
            storage, name, data, content_type=_content_type(name), cache_control=cache_control
        )
        return
    # Object storages put a whole object in one request, so there is no partial
    # state to hide. Storage.save() renames on collision; when a concurrent
    # writer got there first, drop our copy instead of keeping a duplicate.
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        storage.delete(saved)


def _content_type(name: str) -> str:
    output = OUTPUT_FORMATS.get(name.rsplit(".", 1)[-1])
    return output.content_type if output else "application/octet-stream"


def _write_local_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # The temporary name starts with a dot and ends in .tmp, so it can never be
    # a thumbnail URL; rename() then makes the whole file appear at once.
    fd, temp_path = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            # On the disk before the rename: after a power cut the name must not
            # point at an empty file. Once per thumbnail, so cheap.
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_path, THUMBNAIL_FILE_MODE)
        os.replace(temp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise
