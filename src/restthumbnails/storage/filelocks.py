"""A per-thumbnail lock that is a kernel file lock: no transaction on a miss.

Used for a thumbnail folder on this host with the embedded lock (`serve` without
`--cache-url`): every process that can write the folder can lock in it, so no
lock service is needed, and `flock()` costs a few system calls where the SQLite
lock costs a write transaction to take it and another to release it.

The lock of thumbnail NAME is `flock(LOCK_EX)` on `.locks/<sha256 of NAME>.lock`
below the thumbnail root. The kernel drops it when its holder dies (kill -9, OOM),
so a dead holder blocks nobody: there is no expiry to wait out. A hung holder is
bounded by the render deadline (GENERATION_TIMEOUT kills the render process) and
by the server's worker timeout (gunicorn kills a worker that stops answering).

The holder deletes the file before closing it, so lock files do not pile up:
one exists per render in progress, and one per holder that died mid-render
until that thumbnail is asked for again or `serve` starts (`remove_dead_locks`).
Because the file can be deleted while another process has it open, a lock is
only held once the file locked is still the one at the path (same inode).

`.locks/` is a dot-folder of names that are no thumbnail's, so the proxy (which
sends only thumbnail-shaped paths from disk) never serves it, and `clean`
(which deletes only thumbnail-shaped names and writers' temp files) leaves it alone.
"""

import errno
import fcntl
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass, field

from ..exceptions import LockUnavailable

logger = logging.getLogger("restthumbnails")

LOCK_FOLDER = ".locks"
LOCK_SUFFIX = ".lock"
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW


def lock_path(thumbnail_root: str, thumbnail_name: str) -> str:
    # Hashed: one flat folder, fixed-length names, and nothing of the URL on disk.
    digest = hashlib.sha256(thumbnail_name.encode("utf-8")).hexdigest()
    return os.path.join(thumbnail_root, LOCK_FOLDER, digest + LOCK_SUFFIX)


@dataclass
class FileLock:
    path: str
    _fd: int | None = field(default=None, repr=False)

    def acquire(self) -> bool:
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            except OSError as exc:
                os.close(fd)
                raise _unavailable(exc, "cannot lock") from None
            if _is_at_path(fd, self.path):
                self._fd = fd
                return True
            # Its holder released it (deleting the file) between our open and our
            # lock: the lock now lives on a new file at the path; try that one.
            os.close(fd)

    def release(self) -> bool:
        """Delete the lock file and drop the lock; True when we held it."""
        fd, self._fd = self._fd, None
        if fd is None:
            return False
        try:
            # Deleted while still locked, so whoever opened this file meanwhile
            # finds, once it gets the lock, that it is no longer at the path.
            os.unlink(self.path)
        except OSError as exc:
            logger.warning("cannot delete lock file: %s", exc.strerror or type(exc).__name__)
        finally:
            os.close(fd)
        return True

    def held_by_anyone(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise _unavailable(exc, "cannot read lock files") from None
        try:
            # A shared probe: it fails only against a holder's exclusive lock. A file
            # that takes it is one a dead holder left behind.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError as exc:
            raise _unavailable(exc, "cannot lock") from None
        finally:
            os.close(fd)
        return False

    def _open(self) -> int:
        try:
            return os.open(self.path, _OPEN_FLAGS, 0o600)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _unavailable(exc) from None
        try:
            # Only the server's own user needs it; the proxy never looks inside.
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            return os.open(self.path, _OPEN_FLAGS, 0o600)
        except OSError as exc:
            raise _unavailable(exc) from None


def _is_at_path(fd: int, path: str) -> bool:
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _unavailable(exc: OSError, doing: str = "cannot write lock files") -> LockUnavailable:
    # Most often a thumbnails folder this process cannot write: say it as a write error.
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    logger.warning("%s in the thumbnails folder (%s/): %s", doing, LOCK_FOLDER, reason)
    return LockUnavailable("the lock folder is unavailable; retry shortly")


def remove_dead_locks(thumbnail_root: str) -> int:
    """Delete the lock files that holders which died mid-render left; how many.

    A file is deleted only after taking its lock, so a render in progress (here
    or in another process) keeps its own.
    """
    folder = os.path.join(thumbnail_root, LOCK_FOLDER)
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for name in names:
        if not name.endswith(LOCK_SUFFIX):
            continue
        lock = FileLock(os.path.join(folder, name))
        try:
            if lock.acquire():
                removed += lock.release()
        except LockUnavailable:
            continue
    return removed


def check_lock_folder(thumbnail_root: str) -> str:
    """The health probe: take and release a lock on a name no thumbnail has."""
    lock = FileLock(lock_path(thumbnail_root, f".health-{os.getpid()}-{secrets.token_hex(4)}"))
    try:
        if not lock.acquire():
            return "not answering correctly"
    except LockUnavailable:
        return "not answering (lock folder unavailable)"
    lock.release()
    return "ok"
