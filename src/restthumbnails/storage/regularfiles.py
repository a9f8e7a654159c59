"""Only regular files are sources: telling them from FIFOs, sockets and devices.

Opening a FIFO blocks until a writer appears, and reading it blocks for ever
after; a device (a symlink to /dev/zero, say) can be endless. Every path that
lists or opens sources (the request path, `warm`, `stats`, the start-up
examples, the demo gallery) asks here, with a stat and never an open, and skips
anything else with one log line.
"""

import logging
import os
import stat

from ..core.logsafe import redact

logger = logging.getLogger("restthumbnails")

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISREG, "an ordinary file"),
    (stat.S_ISLNK, "a symlink"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_kind(mode: int) -> str:
    """What a `st_mode` is, in words for a message."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def listed_regular_file(item: "os.DirEntry[str]", name: str) -> bool:
    """Whether a listed entry (not a folder) is a regular file, or a symlink to one.

    Anything else is skipped with one log line: a FIFO, a socket, a device, or a
    symlink to one of those or to nothing (a symlink to a folder is skipped quietly,
    as the walk never follows one). Only stat() is used, so nothing blocks.
    """
    try:
        if item.is_file():
            return True
        mode = item.stat().st_mode  # follows a symlink to its target
    except OSError:
        kind = "a symlink to nothing"
    else:
        if stat.S_ISDIR(mode):
            return False  # a symlink to a folder: never walked, on purpose
        kind = file_kind(mode)
        if item.is_symlink():
            kind = f"a symlink to {kind}"
    logger.warning("skipped %s: %s, not a regular file", redact(name), kind)
    return False
