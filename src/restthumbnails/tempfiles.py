"""Temp files that a killed writer left beside the thumbnails.

A thumbnail is written to `.<random>.tmp` in its folder and renamed into place
(`storage._write_local_atomically`); a writer killed in between leaves the temp
file behind. One older than the lock timeout belongs to no running render (a
render holds its lock at most that long), so it can go; a younger one may be a
render in progress, perhaps on another host sharing the folder.
"""

import os
import stat
import time
from pathlib import Path

TEMP_PREFIX, TEMP_SUFFIX = ".", ".tmp"


def is_temp_name(name: str) -> bool:
    """True for the base name of a thumbnail's temp file, `.<random>.tmp`."""
    return len(name) > len(TEMP_PREFIX + TEMP_SUFFIX) and (
        name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)
    )


def remove_stale_temp_files(root: Path, older_than: float) -> int:
    """Delete the temp files under `root` not modified for `older_than` seconds; how many.

    Symlinks are never followed or deleted; a file that vanishes or cannot be
    deleted meanwhile is left alone, so a sweep never fails.
    """
    cutoff = time.time() - older_than
    removed = 0
    for folder, _, names in os.walk(root):
        for name in filter(is_temp_name, names):
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(path)
                    removed += 1
            except OSError:
                continue
    return removed
