"""Temp files that a killed writer left in the thumbnail folder.

Thumbnails are written to `.<random>.tmp` beside their final name and renamed
into place (`storage.atomic.write_atomically`, in the render process that made
them). A writer killed between the two (`kill -9`, OOM, power cut) leaves the
temp file forever (the pool's request side removes it after its own kill). One
that is older than the lock timeout belongs to no running render: a render
holds its lock at most that long, and writes its temp file at the end. Younger
ones may be a render in progress on another host sharing the folder, so they stay.
"""

import base64
import os
import stat
import time
from pathlib import Path

TEMP_PREFIX, TEMP_SUFFIX = ".", ".tmp"
# Eight characters from mkstemp's alphabet (base32: a-z, 2-7), so that a name from
# `temp_path_beside` looks like its; the exclusive create, not the odds, keeps it unique.
_TEMP_RANDOM_BYTES = 5


def temp_path_beside(path: str) -> str:
    """A fresh `.<random>.tmp` path in the folder of `path`, for writing it atomically.

    Chosen by whoever asks for the write, so that it can remove the file itself
    when the writer is killed half-way (the render process at its deadline).
    """
    random = base64.b32encode(os.urandom(_TEMP_RANDOM_BYTES)).decode().lower()
    return os.path.join(os.path.dirname(path), f"{TEMP_PREFIX}{random}{TEMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX) and len(name) > 5


def remove_stale_temp_files(root: Path, older_than: float, *, now: float | None = None) -> int:
    """Delete regular `.<random>.tmp` files under `root` last modified more than
    `older_than` seconds ago; return how many were deleted.

    Symlinks are neither followed nor deleted. A file that vanishes meanwhile
    (another host sweeping the same folder) or cannot be deleted (permissions) is
    skipped: a sweep never stops a server from starting.
    """
    cutoff = (time.time() if now is None else now) - older_than
    removed = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if not is_temp_name(name):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(path)
                    removed += 1
            except OSError:
                continue
    return removed
